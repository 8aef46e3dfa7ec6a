/**
 * One writer process of `pnpm bench`'s multi-process figures, once the parent says go: appends
 * one after the other to streams of its own (so no two writers conflict on a stream, only on
 * the log's next position), or with `<shared>` > 0 that many at a time to one stream every
 * writer shares (`'any'`: a hot stream). Prints its latencies.
 *   tsx src/multiprocess-writer.ts <uri> <db> <writer> <appends> [<shared>]
 * stdout: `{"t":"ready"}`, then after "go" on stdin
 * `{"t":"done","latencies":[ms…],"ms":…,"timeouts":…,"commands":{"find":…,"insert":…,"refused":…}}`.
 */
import { AppendTimeoutError } from '@flowra/eventstore-core';
import { MongoEventStore } from '@flowra/eventstore-mongo';
import { MongoClient } from 'mongodb';
import { CommandTally } from './command-counter.js';

const [uri, dbName, writerText, appendsText, sharedText] = process.argv.slice(2);
const writer = Number(writerText);
const appends = Number(appendsText);
const shared = Number(sharedText ?? 0);
const client = await MongoClient.connect(uri!, { monitorCommands: true });
const store = new MongoEventStore(client.db(dbName));
// Server commands per append: what losing the race for the log's next position costs.
const tally = new CommandTally(client);
// Schema and connection pool warm before the clock starts.
await store.append(`w${writer}-warm`, [{ type: 'Warm', data: {} }]);
process.stdout.write(`${JSON.stringify({ t: 'ready' })}\n`);
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));

const latencies: number[] = [];
let timeouts = 0;
tally.counting = true;
const started = performance.now();
if (shared > 0) {
  let sent = 0;
  await Promise.all(
    Array.from({ length: shared }, async () => {
      while (sent < appends) {
        const i = sent++;
        const t = performance.now();
        try {
          await store.append('shared-hot', [{ type: 'Written', data: { writer, i } }], 'any');
          latencies.push(performance.now() - t);
        } catch (error) {
          if (!AppendTimeoutError.isInstance(error)) throw error;
          timeouts++;
        }
      }
    }),
  );
} else {
  for (let i = 0; i < appends; i++) {
    const t = performance.now();
    await store.append(`w${writer}-s${i % 20}`, [{ type: 'Written', data: { writer, i } }]);
    latencies.push(performance.now() - t);
  }
}
const ms = performance.now() - started;
tally.counting = false;
process.stdout.write(
  `${JSON.stringify({ t: 'done', latencies, ms, timeouts, commands: tally.commands })}\n`,
);
await store.close();
await client.close();
