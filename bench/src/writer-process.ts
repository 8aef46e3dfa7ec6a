/**
 * A writer in a process of its own, for `pnpm stress`: appends batches with event ids to the
 * stress streams until it is killed, printing one JSON line before each append (`start`) and
 * one after its acknowledgement (`ack`), so the parent knows what it sent and what was promised.
 *   tsx src/writer-process.ts <uri> <db> <seed> <streams>
 */
import { AppendTimeoutError, StoreUnavailableError } from '@flowra/eventstore-core';
import { MongoEventStore, isTransientMongoError } from '@flowra/eventstore-mongo';
import { MongoClient } from 'mongodb';
import { SeededRandom } from './seeded-random.js';

const [uri, dbName, seedText, streamsText] = process.argv.slice(2);
const rng = new SeededRandom(Number(seedText));
const streams = Number(streamsText);
const client = new MongoClient(uri!, { serverSelectionTimeoutMS: 2_000, socketTimeoutMS: 5_000 });
// The fault proxy resets connections, handshakes included: connect until it works.
for (;;) {
  try {
    await client.connect();
    break;
  } catch {
    await new Promise((r) => setTimeout(r, 100));
  }
}
const store = new MongoEventStore(client.db(dbName), { appendTimeoutMs: 15_000 });
const print = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

for (let seq = 0; ; seq++) {
  const streamId = `stress-${rng.int(0, streams - 1)}`;
  const events = Array.from({ length: rng.int(1, 4) }, (_, i) => ({
    type: 'KilledWriterEvent',
    eventId: rng.uuid(),
    data: { seq, i },
  }));
  const ids = events.map((e) => e.eventId);
  print({ t: 'start', streamId, ids });
  for (;;) {
    try {
      const result = await store.append(streamId, events, 'any');
      print({ t: 'ack', ids, result });
      break;
    } catch (error) {
      // Retried with the same ids, as the errors say is safe.
      if (
        isTransientMongoError(error) ||
        StoreUnavailableError.isInstance(error) ||
        AppendTimeoutError.isInstance(error)
      ) {
        continue;
      }
      throw error;
    }
  }
}
