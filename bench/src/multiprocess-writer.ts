/**
 * One writer process of `pnpm bench`'s multi-process figures: appends to streams of its own
 * (so no two writers conflict on a stream, only on the log's next position), once the parent
 * says go, and prints its latencies.
 *   tsx src/multiprocess-writer.ts <uri> <db> <writer> <appends>
 * stdout: `{"t":"ready"}`, then after "go" on stdin
 * `{"t":"done","latencies":[ms…],"ms":…,"commands":{"find":…,"insert":…,"refused":…}}`.
 */
import { MongoEventStore } from '@flowra/eventstore-mongo';
import { MongoClient } from 'mongodb';

const [uri, dbName, writerText, appendsText] = process.argv.slice(2);
const writer = Number(writerText);
const appends = Number(appendsText);
const client = await MongoClient.connect(uri!, { monitorCommands: true });
const store = new MongoEventStore(client.db(dbName));
// Server commands per append: what losing the race for the log's next position costs.
const commands = { find: 0, insert: 0, refused: 0 };
let counting = false;
client.on('commandSucceeded', (event) => {
  if (!counting) return;
  if (event.commandName === 'find') commands.find++;
  if (event.commandName === 'insert') {
    commands.insert++;
    const errors = (event.reply as { writeErrors?: { code?: number }[] } | undefined)?.writeErrors;
    if (errors?.some((e) => e.code === 11000)) commands.refused++;
  }
});
client.on('commandFailed', (event) => {
  if (!counting) return;
  if (event.commandName === 'find') commands.find++;
  if (event.commandName === 'insert') {
    commands.insert++;
    if ((event.failure as { code?: unknown }).code === 11000) commands.refused++;
  }
});
// Schema and connection pool warm before the clock starts.
await store.append(`w${writer}-warm`, [{ type: 'Warm', data: {} }]);
process.stdout.write(`${JSON.stringify({ t: 'ready' })}\n`);
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));

const latencies: number[] = [];
counting = true;
const started = performance.now();
for (let i = 0; i < appends; i++) {
  const t = performance.now();
  await store.append(`w${writer}-s${i % 20}`, [{ type: 'Written', data: { writer, i } }]);
  latencies.push(performance.now() - t);
}
const ms = performance.now() - started;
counting = false;
process.stdout.write(`${JSON.stringify({ t: 'done', latencies, ms, commands })}\n`);
await store.close();
await client.close();
