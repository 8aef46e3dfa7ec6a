/**
 * A projection runner in a process of its own, for `pnpm stress`: runs the takeover stress
 * projection until it is killed. Prints one JSON line once started (`{ ready, owner }`), then
 * one before each batch's documents are written (`documents`), one after (`written`), and the
 * runner's log lines, so the parent can kill it mid-batch.
 *   tsx src/projection-runner-process.ts <uri> <db> <projection> <owner> <leaseTtlMs> <batchSize> <pauseMs>
 */
import { MongoEventStore } from '@flowra/eventstore-mongo';
import { ProjectionRunner } from '@flowra/projections';
import { MongoReadModelStore } from '@flowra/projections/mongodb';
import { MongoClient } from 'mongodb';
import { streamPositions } from './stress-projection.js';

const [uri, dbName, projection, owner, ttlText, batchText, pauseText] = process.argv.slice(2);
const leaseTtlMs = Number(ttlText);
const pauseMs = Number(pauseText);
const print = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

const client = new MongoClient(uri!, { serverSelectionTimeoutMS: 5_000 });
await client.connect();
const db = client.db(dbName!);
const runner = new ProjectionRunner({
  store: new MongoEventStore(db, { pollIntervalMs: 50 }),
  readModels: new MongoReadModelStore(db),
  projection: streamPositions(projection!),
  owner: owner!,
  leaseTtlMs,
  batchSize: Number(batchText),
  // The runner renews its lease only between batches and idle waits: an idle wait as long as
  // the lease would let it lapse (and change hands) whenever no event comes for a while.
  pollIntervalMs: Math.floor(leaseTtlMs / 4),
  restart: { delayMs: 50, maxDelayMs: 500 },
  hooks: {
    beforeDocuments: ({ epoch }) => print({ t: 'documents', epoch }),
    // Widens the window between a batch's documents and its checkpoint, so a kill the parent
    // sends on this line lands where the replay after the takeover must change nothing.
    afterDocuments: async ({ fromPosition, toPosition }) => {
      print({ t: 'written', from: fromPosition, to: toPosition });
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    },
  },
  log: (level, message) => print({ t: 'log', level, message }),
});
runner.start();
print({ ready: true, owner });
await runner.done;
// Only a failure that gives up ends the loop; the restart policy above never gives up.
print({ t: 'stopped', error: runner.error?.message ?? null });
process.exit(1);
