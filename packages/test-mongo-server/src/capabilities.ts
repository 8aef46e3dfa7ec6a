import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Db, MongoClient } from 'mongodb';
import {
  CAPABILITY_NAMES,
  type Capabilities,
  type Capability,
  type ProvidedMongo,
  type TestMongoKind,
} from './types.js';

/** Bumped whenever a probe changes, so cached emulator results are re-measured. */
export const PROBE_VERSION = 4;

/** Per probe; a local server answers each in a few ms. */
const PROBE_TIMEOUT_MS = 1_500;

export function noCapabilities(): Capabilities {
  return Object.fromEntries(CAPABILITY_NAMES.map((c) => [c, false])) as unknown as Capabilities;
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null
    ? (error as { code?: unknown }).code
    : undefined;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

type Probe = (db: Db, client: MongoClient) => Promise<boolean>;

const probes: Record<Capability, Probe> = {
  async projections(db) {
    const c = db.collection<{ _id: number; a: number; b: number }>('projections');
    await c.insertOne({ _id: 1, a: 1, b: 2 });
    const doc = await c.findOne({ _id: 1 }, { projection: { a: 1 } });
    return doc?.a === 1 && !('b' in doc);
  },

  async partialIndexes(db) {
    const c = db.collection('partial_indexes');
    const filter = { a: { $gt: 10 } };
    await c.createIndex({ a: 1 }, { name: 'a_partial', partialFilterExpression: filter });
    const listed = (await c.listIndexes().toArray()).find((i) => i.name === 'a_partial');
    return JSON.stringify(listed?.partialFilterExpression) === JSON.stringify(filter);
  },

  async pushOperator(db) {
    const c = db.collection<{ _id: number; arr: number[] }>('push');
    await c.insertOne({ _id: 1, arr: [1] });
    await c.updateOne({ _id: 1 }, { $push: { arr: 2 } });
    const doc = await c.findOne({ _id: 1 });
    return isDeepStrictEqual(doc?.arr, [1, 2]);
  },

  async maxOperator(db) {
    const c = db.collection<{ _id: number; g: string; v: number }>('max');
    await c.insertMany([
      { _id: 1, g: 'x', v: 1 },
      { _id: 2, g: 'x', v: 5 },
    ]);
    await c.updateOne({ _id: 1 }, { $max: { v: 3 } });
    const updated = await c.findOne({ _id: 1 });
    if (updated?.v !== 3) return false;
    const grouped = await c.aggregate([{ $group: { _id: '$g', m: { $max: '$v' } } }]).toArray();
    return grouped.length === 1 && grouped[0]?.m === 5;
  },

  async uniqueMultikey(db) {
    const c = db.collection('unique_multikey');
    await c.createIndex({ 'a.b': 1 }, { unique: true });
    await c.insertOne({ a: [{ b: 1 }] });
    await c.insertOne({ a: [{ b: 2 }] }); // the emulator refuses this one (keys every doc as null)
    try {
      await c.insertOne({ a: [{ b: 3 }, { b: 1 }] });
      return false; // a duplicate element was accepted
    } catch (error) {
      return errorCode(error) === 11000;
    }
  },

  async views(db) {
    await db.collection('view_source').insertMany([{ a: 1 }, { a: 2 }]);
    await db.createCollection('view', { viewOn: 'view_source', pipeline: [{ $match: { a: 1 } }] });
    const docs = await db.collection('view').find().toArray();
    return docs.length === 1 && docs[0]?.a === 1;
  },

  async changeStreams(db) {
    const c = db.collection('change_streams');
    await c.insertOne({ seed: true });
    const stream = c.watch([], { maxAwaitTimeMS: 50 });
    try {
      // The first tryNext opens the stream (aggregate + one short getMore).
      await stream.tryNext();
      await c.insertOne({ probe: 1 });
      const deadline = Date.now() + 1_000;
      while (Date.now() < deadline) {
        const change = await stream.tryNext();
        if (change?.operationType === 'insert') return true;
      }
      return false;
    } finally {
      await stream.close().catch(() => {});
    }
  },

  async collStats(db) {
    const c = db.collection('coll_stats');
    await c.insertOne({ a: 1 });
    const [stats] = await c.aggregate([{ $collStats: { count: {} } }]).toArray();
    return typeof stats?.count === 'number';
  },

  async transactions(db, client) {
    const c = db.collection<{ _id: number; n: number }>('transactions');
    await c.insertOne({ _id: 1, n: 0 });
    const first = client.startSession();
    const second = client.startSession();
    try {
      first.startTransaction();
      second.startTransaction();
      await c.updateOne({ _id: 1 }, { $inc: { n: 1 } }, { session: first });
      let conflicted = false;
      try {
        await c.updateOne({ _id: 1 }, { $inc: { n: 1 } }, { session: second });
      } catch (error) {
        conflicted = errorCode(error) === 112; // WriteConflict
      }
      await second.abortTransaction().catch(() => {});
      await first.commitTransaction();
      const doc = await c.findOne({ _id: 1 });
      return conflicted && doc?.n === 1;
    } finally {
      if (first.inTransaction()) await first.abortTransaction().catch(() => {});
      if (second.inTransaction()) await second.abortTransaction().catch(() => {});
      await first.endSession().catch(() => {});
      await second.endSession().catch(() => {});
    }
  },

  async atomicUpdates(db) {
    // Racers on the pool's several connections, round after round: a server that reads, then
    // writes, loses some of them in most rounds, though a loaded machine can serialise a few
    // rounds by chance (three rounds once passed FerretDB as atomic). Up to eight rounds, within
    // a second: any lost update settles it.
    const c = db.collection<{ _id: number; v: number }>('atomic_updates');
    const until = Date.now() + 1_000;
    for (let round = 0; round < 8 && (round < 3 || Date.now() < until); round++) {
      await c.insertOne({ _id: round, v: 0 });
      const order = Array.from({ length: 24 }, (_, i) => ((i * 7) % 24) + 1);
      await Promise.all(
        order.map((k) => c.updateOne({ _id: round, v: { $lt: k } }, { $set: { v: k } })),
      );
      if ((await c.findOne({ _id: round }))?.v !== 24) return false;
    }
    return true;
  },

  // Last: it is also the clean-up.
  async dropIndexes(db) {
    const c = db.collection('drop_indexes');
    await c.createIndex({ a: 1 }, { name: 'a_probe' });
    await c.dropIndex('a_probe');
    const names = (await c.listIndexes().toArray()).map((i) => i.name);
    return !names.includes('a_probe');
  },

  async dropDatabase(db) {
    await db.dropDatabase();
    return true;
  },
};

/**
 * Measures the capabilities of the server `client` is connected to, in a scratch database
 * `flowra_probe_<random>` (dropped at the end where the server can drop databases). Each probe is
 * bounded by a timeout; any error counts as "not supported". Pass a client of its own: a probe
 * that times out may leave work running on it, so close it afterwards. `debug` receives one line
 * per probe (result, time, error). Each probe may take `timeoutMs` (default 1.5 s).
 */
export async function probeCapabilities(
  client: MongoClient,
  options: { timeoutMs?: number; debug?: (message: string) => void } = {},
): Promise<Capabilities> {
  const { timeoutMs = PROBE_TIMEOUT_MS, debug } = options;
  const db = client.db(`flowra_probe_${randomBytes(6).toString('hex')}`);
  const result = noCapabilities();
  for (const name of [...CAPABILITY_NAMES].sort(byProbeOrder)) {
    const started = Date.now();
    let detail = '';
    try {
      result[name] = await withTimeout(probes[name](db, client), timeoutMs, `probe ${name}`);
    } catch (error) {
      result[name] = false;
      const code = errorCode(error);
      detail = ` (${code === undefined ? '' : `code ${String(code)}: `}${(error as Error).message})`;
    }
    debug?.(`[mongo] probe ${name}: ${result[name]} in ${Date.now() - started} ms${detail}`);
  }
  return result;
}

function byProbeOrder(a: Capability, b: Capability): number {
  const order = Object.keys(probes);
  return order.indexOf(a) - order.indexOf(b);
}

const phrases: Record<Capability, string> = {
  changeStreams: 'has no change streams (watch / $changeStream)',
  transactions:
    'has no safe multi-document transactions (concurrent transactions are not isolated: no WriteConflict)',
  views: 'cannot create views',
  uniqueMultikey: 'does not enforce a unique index on an array field per element',
  pushOperator: 'does not support the $push update operator',
  maxOperator: 'does not support $max (update operator / $group accumulator)',
  dropDatabase: 'cannot drop databases',
  dropIndexes: 'cannot drop indexes (dropIndexes)',
  collStats: 'has no $collStats stage',
  projections: 'ignores find projections',
  partialIndexes: 'cannot create an index with a partialFilterExpression',
  atomicUpdates:
    'loses conditional single-document updates that race (it reads, then writes: no atomic update)',
};

export function serverName(kind: TestMongoKind): string {
  switch (kind) {
    case 'jongodb':
      return 'jongodb emulator';
    case 'ferretdb':
      return 'FerretDB';
    case 'memory-server':
      return 'mongodb-memory-server';
    case 'uri':
      return 'MONGODB_URI';
  }
}

/**
 * A sentence for a skip message, e.g. "the test server (jongodb emulator) has no change streams
 * (watch / $changeStream)". Pass the server when known; without it the sentence names no server.
 */
export function capabilityReason(
  capability: Capability,
  server?: Pick<ProvidedMongo, 'kind'> | null,
): string {
  const who = server ? `the test server (${serverName(server.kind)})` : 'the test server';
  return `${who} ${phrases[capability]}`;
}
