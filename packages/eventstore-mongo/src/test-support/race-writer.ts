// A writer process for the multi-process race test: its own client, its own store, racing
// other processes on shared streams. Prints one JSON line of what the store acknowledged.
import { ConcurrencyError } from '@flowra/eventstore-core';
import { MongoClient } from 'mongodb';
import { MongoEventStore } from '../mongo-event-store.js';

const [uri, dbName, name, roundsText] = process.argv.slice(2);
const rounds = Number(roundsText);
const client = await new MongoClient(uri!).connect();
const store = new MongoEventStore(client.db(dbName), { pollIntervalMs: 50 });

const acknowledged: { streamId: string; eventIds: string[]; version: number; position: number }[] =
  [];
let conflicts = 0;
const newBatch = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    type: 'Raced',
    data: { writer: name, i },
    eventId: globalThis.crypto.randomUUID(),
  }));

async function record(
  streamId: string,
  batch: ReturnType<typeof newBatch>,
  expected: number | 'any',
) {
  try {
    const r = await store.append(streamId, batch, expected);
    acknowledged.push({
      streamId,
      eventIds: batch.map((e) => e.eventId),
      version: r.nextExpectedVersion,
      position: r.position,
    });
  } catch (error) {
    if (!ConcurrencyError.isInstance(error)) throw error;
    conflicts++;
  }
}

for (let round = 0; round < rounds; round++) {
  // Everyone races for the same next version of 'race-shared'; exactly one may win each round.
  const version = await store.getStreamVersion('race-shared');
  await Promise.all([
    record('race-shared', newBatch(2), version),
    record('any-shared', newBatch(1 + (round % 3)), 'any'),
    record(`own-${name}`, newBatch(1), 'any'),
  ]);
}
console.log(JSON.stringify({ name, acknowledged, conflicts }));
await store.close();
await client.close();
