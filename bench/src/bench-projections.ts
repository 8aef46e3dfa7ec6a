import {
  type EventStore,
  InMemoryEventStore,
  type NewEvent,
  type RecordedEvent,
} from '@flowra/eventstore-core';
import { MongoEventStore } from '@flowra/eventstore-mongo';
import type { CommitDocument } from '@flowra/eventstore-mongo/storage';
import {
  InMemoryReadModelStore,
  ProjectionReader,
  ProjectionRunner,
  type ReadModelStore,
  documentProjection,
} from '@flowra/projections';
import { MongoReadModelStore } from '@flowra/projections/mongodb';
import type { AnyBulkWriteOperation, Db } from 'mongodb';
import { type Measurement, fromSamples } from './measurement.js';

export interface ProjectionSizes {
  runs: number;
  /** Events in the MongoDB log the projection is applied to. */
  events: number;
  /** In-memory log size (in-memory runs are fast enough to be timed on a bigger log). */
  inMemoryEvents: number;
  streams: number;
  /** Events per append while filling the log. */
  commitSize: number;
  /** Events per runner batch, and per raw bulkWrite. */
  batchSize: number;
}

export const PROJECTION_SIZES: Record<'full' | 'quick', ProjectionSizes> = {
  full: {
    runs: 5,
    events: 20_000,
    inMemoryEvents: 100_000,
    streams: 200,
    commitSize: 5,
    batchSize: 500,
  },
  quick: {
    runs: 5,
    events: 2_000,
    inMemoryEvents: 20_000,
    streams: 200,
    commitSize: 5,
    batchSize: 500,
  },
};

/** The fold both sides compute: one document per stream. */
interface StreamCount {
  count: number;
  /** Position of the stream's last event. */
  last: number;
}

const COLLECTION = 'streams';

/**
 * FerretDB 1.24 on PostgreSQL never answers an update command that changes more than about 50
 * existing documents (found at 60, fine at 45; bulkWrite or concurrent updateOne alike): there
 * the fold runs over fewer streams, so no batch updates more documents than that.
 */
export const FERRETDB_STREAMS = 40;

/** A hung server fails the run instead of holding it forever. */
const RUN_DEADLINE_MS = 120_000;

function withDeadline<T>(what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish in ${RUN_DEADLINE_MS / 1000} s`)),
      RUN_DEADLINE_MS,
    );
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function streamCounts(name: string) {
  return documentProjection<RecordedEvent, StreamCount>({
    name,
    collection: COLLECTION,
    documentId: (event) => event.streamId,
    evolve: (current, event) => ({ count: (current?.count ?? 0) + 1, last: event.position }),
  });
}

/**
 * Rounds of one append per stream, all at once: appended one at a time, a 20,000-event log takes
 * the emulator minutes (each append costs more as the log grows), concurrently seconds.
 */
async function fillLog(store: EventStore, sizes: ProjectionSizes, events: number): Promise<void> {
  let written = 0;
  while (written < events) {
    const appends: Promise<unknown>[] = [];
    for (let s = 0; s < sizes.streams && written < events; s++) {
      const count = Math.min(sizes.commitSize, events - written);
      const batch: NewEvent[] = Array.from({ length: count }, (_, k) => ({
        type: 'Ticked',
        data: { seq: written + k },
      }));
      written += count;
      appends.push(store.append(`proj-${s}`, batch));
    }
    await Promise.all(appends);
  }
}

/** From `start()` to `waitFor(head)`: lease, reads, prefetches, writes and checkpoints included. */
async function timeRunner(
  store: EventStore,
  readModels: ReadModelStore,
  name: string,
  head: number,
  batchSize: number,
): Promise<number> {
  const runner = new ProjectionRunner({
    store,
    readModels,
    projection: streamCounts(name),
    batchSize,
    owner: 'bench',
    restart: false,
  });
  const t0 = performance.now();
  runner.start();
  const reached = await runner.waitFor(head, RUN_DEADLINE_MS);
  const ms = performance.now() - t0;
  if (!reached) {
    // Not awaited: stop() waits for the batch in hand, which a hung server never finishes.
    void runner.stop();
    const error = runner.error;
    throw new Error(
      `projection ${name} stopped at ${runner.position} of ${head}${error ? `: ${error.message}` : ''}`,
    );
  }
  await runner.stop();
  return ms;
}

/**
 * What an application would write by hand: one cursor over the commits in log order, and per
 * `batchSize` events one unordered bulkWrite of `$inc`/`$set` upserts, one per stream touched.
 * No conditions, no checkpoint, no lease: the floor the runner is compared with.
 */
async function rawApply(db: Db, target: string, batchSize: number): Promise<number> {
  const out = db.collection<{ _id: string; count: number; last: number }>(target);
  let pending = new Map<string, StreamCount>();
  let inBatch = 0;
  let applied = 0;
  const flush = async () => {
    if (pending.size === 0) return;
    const operations: AnyBulkWriteOperation<{ _id: string; count: number; last: number }>[] = [];
    for (const [id, { count, last }] of pending) {
      operations.push({
        updateOne: {
          filter: { _id: id },
          update: { $inc: { count }, $set: { last } },
          upsert: true,
        },
      });
    }
    await out.bulkWrite(operations, { ordered: false });
    pending = new Map();
    inBatch = 0;
  };
  const commits = db
    .collection<CommitDocument>('events')
    .find({})
    .sort({ position: 1 })
    .batchSize(batchSize);
  for await (const commit of commits) {
    for (const event of commit.events) {
      const position = event.position ?? commit.position + (event.version - commit.version);
      const doc = pending.get(commit.aggregate_id);
      if (doc) {
        doc.count++;
        doc.last = position;
      } else {
        pending.set(commit.aggregate_id, { count: 1, last: position });
      }
      applied++;
      if (++inBatch === batchSize) await flush();
    }
  }
  await flush();
  return applied;
}

/** Both sides must have produced the same documents, or the ratio compares different work. */
async function expectSameFold(
  readModels: ReadModelStore,
  projection: string,
  db: Db,
  rawCollection: string,
  events: number,
): Promise<void> {
  const ours = await new ProjectionReader(readModels, projection).find<StreamCount>(COLLECTION);
  const raw = await db
    .collection<{ _id: string; count: number; last: number }>(rawCollection)
    .find({})
    .toArray();
  const rawById = new Map(raw.map((d) => [d._id, d]));
  const total = ours.reduce((n, d) => n + d.count, 0);
  const differing = ours.filter((d) => {
    const r = rawById.get(d._id);
    return !r || r.count !== d.count || r.last !== d.last || d.lastPosition !== d.last;
  });
  if (total !== events || ours.length !== raw.length || differing.length > 0) {
    throw new Error(
      `the projection and the raw baseline disagree: ${ours.length} vs ${raw.length} documents, ${total} of ${events} events counted, ${differing.length} documents differ (first: ${differing[0]?._id})`,
    );
  }
}

export interface ProjectionMongoResult {
  rows: Measurement[];
  ours: Measurement;
  raw: Measurement;
}

/**
 * The runner applying a per-stream fold to a MongoReadModelStore against the raw driver doing
 * the same updates from the same `events` collection, alternating run by run on one database.
 * Each of our runs is a fresh projection name (a new checkpoint and fresh collections), each raw
 * run a fresh collection.
 */
export async function benchProjectionsMongo(
  db: Db,
  sizes: ProjectionSizes,
): Promise<ProjectionMongoResult> {
  const store = new MongoEventStore(db);
  await store.migrate();
  await fillLog(store, sizes, sizes.events);
  const head = await store.headPosition();
  if (head !== sizes.events) throw new Error(`the log holds ${head} events`);
  const readModels = new MongoReadModelStore(db);
  const oursMs: number[] = [];
  const rawMs: number[] = [];
  // Run 0 is an untimed warm-up of each side (JIT, pool, the lease index).
  for (let run = 0; run <= sizes.runs; run++) {
    const t0 = performance.now();
    const applied = await withDeadline(
      'the raw baseline',
      rawApply(db, `raw_proj_${run}`, sizes.batchSize),
    );
    const raw = performance.now() - t0;
    if (applied !== head) throw new Error(`the raw baseline read ${applied} of ${head} events`);
    const ours = await timeRunner(store, readModels, `bench-proj-${run}`, head, sizes.batchSize);
    if (run > 0) {
      oursMs.push(ours);
      rawMs.push(raw);
    }
  }
  await expectSameFold(readModels, `bench-proj-${sizes.runs}`, db, `raw_proj_${sizes.runs}`, head);
  await store.close();
  const shape = `${sizes.events} events over ${sizes.streams} streams, batches of ${sizes.batchSize}`;
  const ours: Measurement = {
    ...fromSamples('mongo projection runner, count per stream', oursMs, head),
    note: `${shape}; start() to waitFor(head): lease, log reads, prefetch, conditional bulkWrite, checkpoint`,
  };
  const raw: Measurement = {
    ...fromSamples('raw driver cursor + bulkWrite upserts, count per stream', rawMs, head),
    note: `${shape}; one cursor over the commits, $inc/$set upserts, no conditions or checkpoint`,
  };
  return { rows: [ours, raw], ours, raw };
}

/** The runner on the in-memory stores: the cost of the runner itself, with no I/O. */
export async function benchProjectionsInMemory(sizes: ProjectionSizes): Promise<Measurement> {
  const store = new InMemoryEventStore();
  await fillLog(store, sizes, sizes.inMemoryEvents);
  const head = await store.headPosition();
  const samples: number[] = [];
  for (let run = 0; run <= sizes.runs; run++) {
    const ms = await timeRunner(
      store,
      new InMemoryReadModelStore(),
      `bench-proj-${run}`,
      head,
      sizes.batchSize,
    );
    if (run > 0) samples.push(ms);
  }
  await store.close();
  return {
    ...fromSamples('in-memory projection runner, count per stream', samples, head),
    note: `${sizes.inMemoryEvents} events over ${sizes.streams} streams, batches of ${sizes.batchSize}; InMemoryEventStore + InMemoryReadModelStore`,
  };
}
