import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import {
  AppendTimeoutError,
  EventDecodingError,
  LogGapError,
  LogOrderError,
  type SchemaProblem,
  StoreSchemaError,
  StoreUnavailableError,
  ValidationError,
  collect,
} from '@flowra/eventstore-core';
import { systemTimers } from '@flowra/eventstore-core/adapter';
import { describeMongo } from '@flowra/test-mongo-server/vitest';
import { expect, it } from 'vitest';
import {
  type Collection,
  type Db,
  type FindCursor,
  type FindOptions,
  MongoClient,
  MongoNetworkError,
} from 'mongodb';
import type { CommitDocument } from './commit-document.js';
import { driverLogMark, logMarkId } from './log-mark.js';
import { MongoEventStore } from './mongo-event-store.js';
import { CommitTooLargeError, SnapshotTooLargeError } from './mongo-errors.js';
import {
  DEFAULT_COLLECTIONS,
  INDEXES,
  WEAKER_GUARANTEE,
  checkSchema,
  migrate,
  schemaRecordProblem,
} from './schema.js';
import type { SnapshotDocument } from './snapshot-document.js';
import { SnapshotStore } from './snapshot-store.js';

const run = promisify(execFile);
const tsx = createRequire(import.meta.url).resolve('tsx');

/**
 * `db` with one method of its `events` collection replaced: `method` receives the collection
 * and returns the stand-in.
 */
function withEventsMethod(
  db: Db,
  method: 'insertMany' | 'find' | 'listIndexes',
  replace: (events: Collection) => unknown,
): Db {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== 'collection') return Reflect.get(target, prop, receiver);
      return (name: string, options?: object) => {
        const collection = target.collection(name, options);
        if (name !== 'events') return collection;
        const stand = replace(collection);
        return new Proxy(collection, {
          get: (c, p, r) => (p === method ? stand : Reflect.get(c, p, r)),
        });
      };
    },
  });
}

/**
 * `db` whose finds on `events` answer `toArray` with what `replace` returns for that find (read
 * when `toArray` is looked up), or as usual when it returns nothing.
 */
function withFindToArray(
  db: Db,
  replace: (
    filter: object,
    options: FindOptions | undefined,
    cursor: FindCursor,
  ) => (() => Promise<unknown>) | undefined,
): Db {
  return withEventsMethod(db, 'find', (c) => (filter: object, options?: FindOptions) => {
    const cursor = c.find(filter, options);
    return new Proxy(cursor, {
      get(k, q, kr) {
        const toArray = q === 'toArray' ? replace(filter, options, k) : undefined;
        return toArray ?? Reflect.get(k, q, kr);
      },
    });
  });
}

/** A `Db` whose first insert into `events` succeeds on the server but loses its reply. */
function losingFirstReply(db: Db): { db: Db; lost: () => number } {
  let lost = 0;
  const proxy = withEventsMethod(db, 'insertMany', (c) => {
    return async (...args: Parameters<typeof c.insertMany>) => {
      const result = await c.insertMany(...args);
      if (lost++ === 0) {
        const error = new Error('connection reset after the write was applied');
        error.name = 'MongoNetworkError';
        throw error;
      }
      return result;
    };
  });
  return { db: proxy, lost: () => lost };
}

/** A `Db` whose reads of the log's end (`find({})` sorted by position) wait for `open()`. */
function headReadsHeld(db: Db): { db: Db; open: () => void } {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const proxy = withFindToArray(db, (filter, findOptions, cursor) => {
    const sort = findOptions?.sort as Record<string, number> | undefined;
    if (Object.keys(filter).length > 0 || sort?.last_position !== -1) return undefined;
    return async () => {
      await gate;
      return cursor.toArray();
    };
  });
  return { db: proxy, open };
}

/** Waits until `done()` holds, for at most five seconds (the assertions after it tell). */
async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

describeMongo('MongoEventStore specifics', (mongo) => {
  it('migrate creates every collection and index once; running it again changes nothing', async () => {
    const { db } = await mongo.freshDb('migrate');
    const sound = mongo.server!.capabilities.uniqueMultikey;
    const wanted = INDEXES.filter((i) => sound || !i.multikey);
    const dry = await migrate(db, { dryRun: true });
    // (the emulator lists an _id index even for a missing collection, so only our indexes are checked)
    expect(dry.existing.filter((e) => e.startsWith('index'))).toEqual([]);
    expect(dry.created.filter((e) => e.startsWith('index'))).toHaveLength(
      INDEXES.filter((i) => !i.multikey).length,
    );
    expect(dry.skipped.map((s) => s.name)).toEqual(
      expect.arrayContaining(
        INDEXES.filter((i) => i.multikey).map((i) => `index events.${i.name}`),
      ),
    );
    const before = await db
      .collection('events')
      .listIndexes()
      .toArray()
      .catch(() => []);
    expect(before.filter((i) => i.name !== '_id_')).toEqual([]);
    const first = await migrate(db);
    expect(first.uniqueMultikey).toBe(sound);
    for (const index of wanted)
      expect(first.created).toContain(`index ${index.collection}.${index.name}`);
    if (!sound) {
      const skipped = first.skipped.filter((x) => x.name.startsWith('index'));
      expect(skipped.map((x) => x.name).sort()).toEqual(
        INDEXES.filter((i) => i.multikey)
          .map((i) => `index events.${i.name}`)
          .sort(),
      );
      console.warn(`[mongo] ${mongo.server!.label}: ${skipped[0]!.reason}`);
    }
    const second = await migrate(db);
    expect(second.created).toEqual([]);
    expect(second.existing).toEqual(
      expect.arrayContaining(first.created.filter((c) => !c.startsWith('view'))),
    );
    const listed = await db.collection('events').listIndexes().toArray();
    expect(listed.map((i) => i.name)).toEqual(
      expect.arrayContaining(wanted.filter((i) => i.collection === 'events').map((i) => i.name)),
    );
    const unique = listed.filter((i) => i.unique && i.name !== '_id_').map((i) => i.name);
    expect(unique.sort()).toEqual(
      wanted
        .filter((i) => i.unique)
        .map((i) => i.name)
        .sort(),
    );
    if (mongo.server?.capabilities.views) {
      expect([...first.created, ...second.existing]).toContain('view events_flat');
    } else {
      console.warn(
        `[mongo] events_flat view not checked: ${first.skipped
          .filter((s) => s.name.startsWith('view'))
          .map((s) => s.reason)
          .join('; ')}`,
      );
    }
  });

  it('without a migration, a store with ensureSchema: false refuses to write, naming what is missing', async () => {
    const { db } = await mongo.freshDb('noschema');
    const store = new MongoEventStore(db, { ensureSchema: false });
    const results = await Promise.allSettled(
      [1, 2, 3].map(() => store.append('race', [{ type: 'A', data: {} }], 'no_stream')),
    );
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const error = (r as PromiseRejectedResult).reason;
      expect(StoreSchemaError.isInstance(error), String(error)).toBe(true);
      expect(error.message).toContain("'flowra migrate'");
      expect(error.problems.map((p: SchemaProblem) => p.index)).toEqual(
        expect.arrayContaining(['aggregate_version_unique', 'position_unique']),
      );
    }
    expect(await db.collection('events').countDocuments({})).toBe(0);
    await store.migrate();
    const after = new MongoEventStore(db, { ensureSchema: false });
    await expect(after.append('race', [{ type: 'A', data: {} }], 'no_stream')).resolves.toEqual({
      nextExpectedVersion: 1,
      position: 1,
    });
  });

  it('a schema record edited by hand is named by the schema check and mended by migrate, which probes the server again', async () => {
    const { db } = await mongo.freshDb('badrecord');
    const sound = mongo.server!.capabilities.uniqueMultikey;
    await migrate(db);
    const writer = new MongoEventStore(db);
    // Stored data: on a server that cannot keep the multikey indexes, building them fails.
    await writer.append('order-1', [{ type: 'A', data: {} }]);
    await writer.close();
    const meta = db.collection<{ _id: string }>('events_meta');
    await meta.updateOne(
      { _id: 'events' },
      { $set: { uniqueMultikey: 'maybe', migratedAt: 'yesterday', junk: { x: 1 } } },
    );

    const check = await checkSchema(db, DEFAULT_COLLECTIONS).catch((e) => e);
    expect(StoreSchemaError.isInstance(check), String(check)).toBe(true);
    expect(check.problems).toEqual([
      expect.objectContaining({ collection: 'events_meta', index: 'events' }),
    ]);
    expect(check.problems[0].detail).toContain('is malformed (uniqueMultikey is "maybe"');
    const strict = new MongoEventStore(db, { ensureSchema: false });
    const refused = await strict.append('order-1', [{ type: 'A', data: {} }]).catch((e) => e);
    expect(StoreSchemaError.isInstance(refused), String(refused)).toBe(true);
    expect(refused.message).toContain('events_meta.events: the record migrate wrote');
    await strict.close();

    const dry = await migrate(db, { dryRun: true });
    expect(dry.repaired).toEqual([
      {
        name: 'record events_meta.events',
        reason: expect.stringMatching(/^uniqueMultikey is "maybe", .*: would probe the server/),
      },
    ]);
    expect(await meta.findOne({ _id: 'events' })).toMatchObject({ uniqueMultikey: 'maybe' });

    const mended = await migrate(db);
    expect(mended.repaired.map((r) => r.name)).toEqual(['record events_meta.events']);
    expect(mended.uniqueMultikey).toBe(sound);
    expect(mended.created.filter((c) => c.startsWith('index'))).toEqual([]);
    const record = await meta.findOne({ _id: 'events' });
    expect(schemaRecordProblem(record)).toBeUndefined();
    expect(record).toMatchObject({ uniqueMultikey: sound });
    expect((await migrate(db)).repaired).toEqual([]);
    await expect(checkSchema(db, DEFAULT_COLLECTIONS)).resolves.toEqual({ uniqueMultikey: sound });
    const after = new MongoEventStore(db, { ensureSchema: false });
    await expect(after.append('order-1', [{ type: 'A', data: {} }])).resolves.toMatchObject({
      position: 2,
    });
    await after.close();
  });

  it('an index the guarantees rest on that is not unique is reported, and nothing is written', async () => {
    const { db } = await mongo.freshDb('notunique');
    await db.collection('events').createIndex({ position: 1 }, { name: 'position_unique' });
    await db
      .collection('events')
      .createIndex({ aggregate_id: 1, version: 1 }, { name: 'aggregate_version_unique' });
    const failure = await migrate(db).catch((e) => e);
    expect(StoreSchemaError.isInstance(failure), String(failure)).toBe(true);
    expect(failure.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ index: 'position_unique', problem: 'not-unique' }),
        expect.objectContaining({ index: 'aggregate_version_unique', problem: 'not-unique' }),
      ]),
    );
    for (const ensureSchema of [true, false]) {
      const store = new MongoEventStore(db, { ensureSchema });
      const results = await Promise.allSettled(
        [1, 2, 3].map(() => store.append('race', [{ type: 'A', data: {} }], 'no_stream')),
      );
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
      expect(StoreSchemaError.isInstance((results[0] as PromiseRejectedResult).reason)).toBe(true);
    }
    expect(await db.collection('events').countDocuments({})).toBe(0);
  });

  it('a writer whose view of the log predates a deleted commit never places events over another commit', async () => {
    const { db, client } = await mongo.freshDb('overlap');
    const other = await new MongoClient(mongo.server!.uri).connect();
    try {
      const stale = new MongoEventStore(db);
      const writer = new MongoEventStore(other.db(db.databaseName));
      await stale.append('a', [{ type: 'A', data: {} }]); // stale's view of the end: position 1
      await writer.append('b', [{ type: 'B', data: {} }]); // position 2
      await writer.append(
        'c',
        [1, 2].map((n) => ({ type: 'C', data: { n } })),
      ); // 3..4
      await db.collection('events').deleteOne({ aggregate_id: 'b' }); // an operator's purge
      const placed = await stale.append(
        'd',
        [1, 2, 3].map((n) => ({ type: 'D', data: { n } })),
      );
      const docs = await db.collection<CommitDocument>('events').find({}).toArray();
      const held = docs.flatMap((d) => d.events.map((_, i) => d.position + i));
      if (mongo.server!.capabilities.uniqueMultikey) {
        // Every position is held once: the write over 3..4 was refused and placed after them.
        expect(new Set(held).size).toBe(held.length);
        expect(placed).toEqual({ nextExpectedVersion: 3, position: 7 });
      } else {
        console.warn(
          `[mongo] ${mongo.server!.label}: no unique index on every position (${WEAKER_GUARANTEE}); checking that readers stop instead`,
        );
      }
      // Either way no reader hands out the damage as if it were the log.
      const reader = new MongoEventStore(db, { gapTimeoutMs: 200 });
      const error = await collect(reader.readAll()).catch((e) => e);
      expect(LogGapError.isInstance(error) || LogOrderError.isInstance(error), String(error)).toBe(
        true,
      );
      void client;
    } finally {
      await other.close();
    }
  });

  it('a commit an operator wrote with ends that are not places in the log is refused by name, never built on', async () => {
    const { db } = await mongo.freshDb('junkhead');
    const store = new MongoEventStore(db);
    await store.append('real', [{ type: 'A', data: {} }]);
    const junk = {
      _id: 'junk',
      aggregate_id: 'junk',
      aggregate_type: 'junk',
      version: 1,
      position: 2,
      last_version: 'x',
      last_position: 'zzz',
      created_at: new Date(),
      events: [],
    };
    await db.collection('events').insertOne(junk as never);
    // A store that has not seen the log yet reads its end from the database.
    const fresh = new MongoEventStore(db);
    const head = await fresh.headPosition().catch((e) => e);
    expect(EventDecodingError.isInstance(head), String(head)).toBe(true);
    expect(head).toMatchObject({ streamId: 'junk' });
    expect(head.message).toContain('last_position string "zzz"');
    const append = await fresh.append('other', [{ type: 'A', data: {} }]).catch((e) => e);
    expect(EventDecodingError.isInstance(append), String(append)).toBe(true);
    const version = await fresh.getStreamVersion('junk').catch((e) => e);
    expect(EventDecodingError.isInstance(version), String(version)).toBe(true);
    const positions = await db
      .collection('events')
      .find({}, { projection: { position: 1 } })
      .toArray();
    expect(positions.map((d) => d.position).sort()).toEqual([1, 2]);
    for (const s of [store, fresh]) await s.close();
  });

  it('a snapshot an operator moved ahead of its stream, or to a negative version, is ignored; the next save replaces it', async () => {
    const { db } = await mongo.freshDb('snapahead');
    const store = new MongoEventStore(db);
    await store.append(
      's',
      [1, 2, 3, 4, 5].map((n) => ({ type: 'A', data: { n } })),
    );
    const timestamp = new Date();
    await store.saveSnapshot({ streamId: 's', version: 5, data: { total: 15 }, timestamp });
    const snapshots = db.collection<{ _id: string }>('snapshots');
    await snapshots.updateOne({ _id: 's' }, { $set: { version: 7, data: { total: 999 } } });
    expect(await store.getSnapshot('s')).toBeNull();
    await store.saveSnapshot({ streamId: 's', version: 5, data: { total: 15 }, timestamp });
    await store.append(
      's',
      [6, 7].map((n) => ({ type: 'A', data: { n } })),
    );
    expect(await store.getSnapshot('s')).toMatchObject({ version: 5, data: { total: 15 } });
    await snapshots.updateOne({ _id: 's' }, { $set: { version: -1 } });
    expect(await store.getSnapshot('s')).toBeNull();
    await snapshots.updateOne({ _id: 's' }, { $set: { version: 0 } });
    expect(await store.getSnapshot('s')).toBeNull();
    // Not decodable: a typed error that says it is the snapshot, which a repository skips.
    await snapshots.updateOne({ _id: 's' }, { $set: { version: 5, timestamp: 'yesterday' } });
    const error = await store.getSnapshot('s').catch((e: unknown) => e);
    expect(EventDecodingError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ streamId: 's', subject: 'snapshot' });
    expect((error as Error).message).toMatch(/^Cannot decode snapshot of stream 's'/);
    await store.close();
  });

  it('an older snapshot never replaces a newer valid one saved in between; one ahead of the stream is replaced', async () => {
    const { db } = await mongo.freshDb('snaprace');
    const collection = db.collection<SnapshotDocument>('snapshots');
    const store = new SnapshotStore(collection, {
      writeConcern: { w: 'majority' },
      maxTransientRetries: 0,
      timers: systemTimers,
      readTimeoutMs: 30_000,
      writeTimeoutMs: 30_000,
    });
    const at = (version: number) => async () => version;
    const snapshot = (version: number) => ({
      streamId: 's',
      version,
      data: { v: version },
      timestamp: new Date(),
    });
    await store.save(snapshot(5), at(5));
    await store.save(snapshot(10), at(10));
    // This save read the stream at version 5; meanwhile it grew to 10 and another process
    // saved its snapshot of version 10.
    const reads = [5, 10];
    await store.save(snapshot(5), async () => reads.shift() ?? 10);
    expect((await collection.findOne({ _id: 's' }))?.version).toBe(10);
    // Version 10 left by events the stream no longer has (a rollback): reads ignore it, and a
    // save of what the stream has replaces it.
    await store.save(snapshot(7), at(7));
    expect((await collection.findOne({ _id: 's' }))?.version).toBe(7);
  });

  it('a snapshot over the document size limit is refused with SnapshotTooLargeError, and the stored one stays', async () => {
    const { db } = await mongo.freshDb('snapbig');
    const store = new MongoEventStore(db);
    await store.append('s', [{ type: 'A', data: {} }]);
    const timestamp = new Date();
    await store.saveSnapshot({ streamId: 's', version: 1, data: { small: true }, timestamp });
    const big = { text: 'x'.repeat(17 * 1024 * 1024) };
    const error = await store
      .saveSnapshot({ streamId: 's', version: 1, data: big, timestamp })
      .catch((e: unknown) => e);
    expect(SnapshotTooLargeError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ name: 'SnapshotTooLargeError', streamId: 's' });
    expect((error as SnapshotTooLargeError).size).toBeGreaterThan(
      (error as SnapshotTooLargeError).limit,
    );
    expect((await store.getSnapshot('s'))?.data).toEqual({ small: true });
    await store.close();
  });

  it('a subscription without fromPosition delivers what another process appends right after the call, even before its head read lands', async () => {
    const { db } = await mongo.freshDb('livestart');
    const writer = new MongoEventStore(db);
    await writer.append('before', [{ type: 'A', data: {} }]);
    const held = headReadsHeld(db);
    const reader = new MongoEventStore(held.db, { pollIntervalMs: 20, changeStreams: false });
    const seen: string[] = [];
    const sub = reader.subscribe((e) => void seen.push(e.streamId));
    await new Promise((r) => setTimeout(r, 5));
    // Another client, as another process: acknowledged before the reader learns the head.
    const other = await MongoClient.connect(mongo.server!.uri);
    try {
      await new MongoEventStore(other.db(db.databaseName)).append('after', [
        { type: 'A', data: {} },
      ]);
      held.open();
      await until(() => seen.includes('after'));
      expect(seen).toEqual(['after']);
    } finally {
      await sub.close();
      await other.close();
      await reader.close();
      await writer.close();
    }
  });

  it('a subscription without fromPosition delivers appends begun after the call also when one begun before lands above them, or one begun in the same millisecond', async () => {
    const { db } = await mongo.freshDb('livestartorder');
    const writer = new MongoEventStore(db);
    await writer.append('before', [{ type: 'A', data: {} }]);
    const called = Date.now() + 60_000;
    const held = headReadsHeld(db);
    const at = (time: number) => () => new Date(time);
    const reader = new MongoEventStore(held.db, {
      pollIntervalMs: 20,
      changeStreams: false,
      clock: at(called),
    });
    const seen: string[] = [];
    const sub = reader.subscribe((e) => void seen.push(e.streamId));
    await new Promise((r) => setTimeout(r, 5));
    const other = await MongoClient.connect(mongo.server!.uri);
    const stores = [called + 5, called - 1_000, called].map(
      (time) => new MongoEventStore(other.db(db.databaseName), { clock: at(time) }),
    );
    try {
      // Landing in this order: begun after the call; begun a second before it (a slow append);
      // begun in the call's own millisecond. All before the reader's head read lands.
      await stores[0]!.append('after', [{ type: 'A', data: {} }]);
      await stores[1]!.append('slow', [{ type: 'A', data: {} }]);
      await stores[2]!.append('same-ms', [{ type: 'A', data: {} }]);
      held.open();
      await until(() => seen.length >= 3);
      expect(seen).toEqual(['after', 'slow', 'same-ms']);
    } finally {
      await sub.close();
      for (const s of stores) await s.close();
      await other.close();
      await reader.close();
      await writer.close();
    }
  });

  it('a subscription without fromPosition delivers an append acknowledged after the call by a writer whose clock is behind, within clockSkewMs', async () => {
    const { db } = await mongo.freshDb('livestartskew');
    const writer = new MongoEventStore(db);
    await writer.append('before', [{ type: 'A', data: {} }]);
    const called = Date.now() + 60_000;
    const held = headReadsHeld(db);
    const reader = new MongoEventStore(held.db, {
      pollIntervalMs: 20,
      changeStreams: false,
      clock: () => new Date(called),
      clockSkewMs: 1_000,
    });
    const seen: string[] = [];
    const sub = reader.subscribe((e) => void seen.push(e.streamId));
    await new Promise((r) => setTimeout(r, 5));
    const other = await MongoClient.connect(mongo.server!.uri);
    // Another machine's clock, 20 ms behind the reader's.
    const behind = new MongoEventStore(other.db(db.databaseName), {
      clock: () => new Date(called - 20),
    });
    try {
      await behind.append('after', [{ type: 'A', data: {} }]);
      held.open();
      await until(() => seen.includes('after'));
      expect(seen).toEqual(['after']);
    } finally {
      await sub.close();
      await behind.close();
      await other.close();
      await reader.close();
      await writer.close();
    }
  });

  it('a subscription without fromPosition never delivers what this store knew was stored when it was called', async () => {
    const { db } = await mongo.freshDb('livestartfloor');
    const called = Date.now();
    const store = new MongoEventStore(db, { clock: () => new Date(called) });
    await store.append('mine', [{ type: 'A', data: {} }]);
    const seen: string[] = [];
    const sub = store.subscribe((e) => void seen.push(e.streamId));
    await store.append('next', [{ type: 'A', data: {} }]);
    await until(() => seen.length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual(['next']);
    await sub.close();
    await store.close();
  });

  it('a subscription without fromPosition delivers the next append also while another subscription waits beyond the log end', async () => {
    const { db } = await mongo.freshDb('livestartbeyond');
    const first = new MongoEventStore(db);
    await first.append('before', [{ type: 'A', data: {} }]);
    await first.close();
    const held = headReadsHeld(db);
    const store = new MongoEventStore(held.db, { pollIntervalMs: 20, changeStreams: false });
    const ahead = store.subscribe(() => {}, { fromPosition: 50 });
    await new Promise((r) => setTimeout(r, 100));
    const seen: string[] = [];
    const live = store.subscribe((e) => void seen.push(e.streamId));
    await new Promise((r) => setTimeout(r, 5));
    const other = await MongoClient.connect(mongo.server!.uri);
    const writer = new MongoEventStore(other.db(db.databaseName));
    try {
      // Acknowledged before the live subscription's head read lands.
      await writer.append('after', [{ type: 'A', data: {} }]);
      held.open();
      await until(() => seen.length >= 1);
      expect(seen).toEqual(['after']);
    } finally {
      await Promise.all([ahead.close(), live.close()]);
      await writer.close();
      await other.close();
      await store.close();
    }
  });

  it('a subscription whose reads of the log keep failing stops within readFailureTimeoutMs with the error, also at the end of the log', async () => {
    const { db } = await mongo.freshDb('readfailure');
    const writer = new MongoEventStore(db);
    await writer.append('order-1', [{ type: 'A', data: {} }]);
    await writer.close();
    for (const at of ['catching up', 'at the end of the log']) {
      let failing = at === 'catching up';
      // As the driver reports a server that is gone: every read fails after the selection wait.
      const broken = withFindToArray(db, () =>
        failing
          ? async () => {
              await new Promise((r) => setTimeout(r, 50));
              throw new MongoNetworkError('connect ECONNREFUSED 127.0.0.1:9');
            }
          : undefined,
      );
      const store = new MongoEventStore(broken, {
        readFailureTimeoutMs: 1_000,
        pollIntervalMs: 20,
        changeStreams: false,
      });
      const seen: number[] = [];
      const reported: unknown[] = [];
      const started = Date.now();
      const sub = store.subscribe((e) => void seen.push(e.position), {
        fromPosition: 0,
        onError: (error) => reported.push(error),
      });
      try {
        if (!failing) {
          await until(() => seen.length >= 1);
          failing = true;
        }
        const error = await sub.done.then(
          () => undefined,
          (e: unknown) => e,
        );
        const elapsed = Date.now() - started;
        expect(String(error), at).toContain('ECONNREFUSED');
        expect(reported, at).toEqual([error]);
        expect(elapsed, at).toBeGreaterThanOrEqual(1_000);
        // The bound, plus one read and the start: not the minutes of 50 failures in a row.
        expect(elapsed, at).toBeLessThan(4_000);
        expect(seen, at).toEqual(at === 'catching up' ? [] : [1]);
      } finally {
        await store.close();
      }
    }
  });

  it('refuses a readFailureTimeoutMs that is not a non-negative integer', () => {
    const db = new MongoClient('mongodb://127.0.0.1:9').db('unused');
    expect(() => new MongoEventStore(db, { readFailureTimeoutMs: -1 })).toThrow(ValidationError);
  });

  it('a read the driver never answers rejects after readTimeoutMs, and a subscription retries it', async () => {
    const { db } = await mongo.freshDb('readtimeout');
    const writer = new MongoEventStore(db);
    await writer.append('order-1', [{ type: 'A', data: {} }]);
    await writer.close();
    let hanging = true;
    // As a connection checkout that waits for ever: the find is sent nowhere and never settles.
    const stuck = withFindToArray(db, () => (hanging ? () => new Promise(() => {}) : undefined));
    const store = new MongoEventStore(stuck, {
      readTimeoutMs: 200,
      pollIntervalMs: 20,
      changeStreams: false,
    });
    try {
      const started = Date.now();
      const error = await store.getStreamVersion('order-1').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(String((error as Error).cause)).toContain('did not answer a read within 200 ms');
      expect(Date.now() - started).toBeLessThan(3_000);
      await expect(collect(store.readAll())).rejects.toBeInstanceOf(StoreUnavailableError);
      const seen: number[] = [];
      const sub = store.subscribe((e) => void seen.push(e.position), { fromPosition: 0 });
      await new Promise((r) => setTimeout(r, 500));
      hanging = false;
      await until(() => seen.length === 1);
      expect(seen).toEqual([1]);
      await sub.close();
    } finally {
      await store.close();
    }
  });

  it('refuses a readTimeoutMs that is not a positive integer', () => {
    const db = new MongoClient('mongodb://127.0.0.1:9').db('unused');
    for (const readTimeoutMs of [0, -1, 1.5]) {
      expect(() => new MongoEventStore(db, { readTimeoutMs })).toThrow(ValidationError);
    }
  });

  it('positions of the last commits removed by hand are never handed out again, not even by a store started afterwards', async () => {
    const { db } = await mongo.freshDb('tailpurge');
    const first = new MongoEventStore(db);
    await first.append('a', [{ type: 'A', data: {} }]);
    await first.append('b', [{ type: 'B', data: {} }]);
    const delivered: number[] = [];
    const sub = first.subscribe((e) => void delivered.push(e.position), { fromPosition: 0 });
    await until(() => delivered.length === 2);
    expect(delivered).toEqual([1, 2]);
    // The mark is written after the append is acknowledged, without holding it up.
    const marks = db.collection<{ _id: string; position: number }>('events_meta');
    const deadline = Date.now() + 5_000;
    while ((await marks.findOne({ _id: logMarkId('events') }))?.position !== 2) {
      if (Date.now() > deadline) throw new Error('the log mark was not written');
      await new Promise((r) => setTimeout(r, 20));
    }
    await db.collection('events').deleteOne({ aggregate_id: 'b' }); // an operator's purge
    // Another process, or a restart: it never saw position 2 held.
    const other = await MongoClient.connect(mongo.server!.uri);
    try {
      const second = new MongoEventStore(other.db(db.databaseName));
      expect(await second.append('c', [{ type: 'C', data: {} }])).toEqual({
        nextExpectedVersion: 1,
        position: 3,
      });
      // The subscriber that delivered position 2 goes on with 3 rather than skipping it.
      await until(() => delivered.length === 3);
      expect(delivered).toEqual([1, 2, 3]);
      // A reader from the start finds the hole and says so.
      const reader = new MongoEventStore(db, { gapTimeoutMs: 200 });
      await expect(collect(reader.readAll())).rejects.toMatchObject({
        name: 'LogGapError',
        missingFrom: 2,
      });
      await second.close();
    } finally {
      await sub.close();
      await first.close();
      await other.close();
    }
  });

  const markConcerns = { readConcern: 'majority', writeConcern: { w: 'majority' } } as const;
  const markNames = { meta: 'events_meta', events: 'events' };

  it("the log's mark only rises", async () => {
    const { db } = await mongo.freshDb('logmark');
    const mark = driverLogMark(db, markNames, markConcerns);
    expect(await mark.read()).toBe(0);
    await mark.raise(9);
    expect(await mark.read()).toBe(9);
    await mark.raise(3);
    expect(await mark.read()).toBe(9);
    await mark.raise(12);
    expect(await mark.read()).toBe(12);
  });

  // The raise is one conditional update: a server that reads, then writes, lets a lower racer
  // overwrite a higher one. That is the server's fault, not the mark's, so it is not run there.
  it.skipIf(mongo.skipUnless('atomicUpdates').skip)(
    "the log's mark only rises when processes raise it at the same moment, the first mark included",
    async () => {
      const { db } = await mongo.freshDb('logmarkrace');
      const mark = driverLogMark(db, markNames, markConcerns);
      // No mark yet: the racers' upserts meet each other's first insert.
      await Promise.all([5, 9, 7].map((p) => driverLogMark(db, markNames, markConcerns).raise(p)));
      expect(await mark.read()).toBe(9);
      await Promise.all(
        [14, 11, 20, 13].map((p) => driverLogMark(db, markNames, markConcerns).raise(p)),
      );
      expect(await mark.read()).toBe(20);
    },
  );

  it('a stream missing a commit removed by hand fails its reads naming the versions, rather than folding without them', async () => {
    const { db } = await mongo.freshDb('streamhole');
    const store = new MongoEventStore(db);
    const event = (n: number) => ({ type: 'A', data: { n } });
    await store.append('s', [event(1)]);
    await store.append('s', [event(2), event(3)]);
    await store.append('s', [event(4)]);
    await db.collection('events').deleteOne({ aggregate_id: 's', version: 2 });
    const missing = { name: 'EventDecodingError', streamId: 's', version: 2 };
    const reads = {
      getEvents: () => store.getEvents('s'),
      forwards: () => collect(store.readStream('s')),
      backwards: () => collect(store.readStream('s', { direction: 'backwards' })),
      'forwards from 2': () => collect(store.readStream('s', { fromVersion: 2 })),
    };
    for (const [what, read] of Object.entries(reads)) {
      const error = await read().catch((e) => e);
      expect(error, what).toMatchObject(missing);
      expect(error.message, what).toContain('versions 2..3 are missing');
    }
    // Reads that do not reach the hole are served.
    expect((await store.getEvents('s', 4)).map((e) => e.version)).toEqual([4]);
    const last = await collect(store.readStream('s', { direction: 'backwards', maxCount: 1 }));
    expect(last.map((e) => e.version)).toEqual([4]);
    await db.collection('events').deleteOne({ aggregate_id: 's', version: 1 });
    await expect(store.getEvents('s')).rejects.toMatchObject({ version: 1 });
    await store.close();
  });

  it.skipIf(mongo.skipUnless('dropIndexes').skip)(
    'an index dropped while the store runs is noticed: writes are refused with ensureSchema: false, and the schema is applied again with it on',
    async () => {
      const { db } = await mongo.freshDb('dropped');
      await migrate(db);
      const event = () => [{ type: 'A', data: {} }];
      const strict = new MongoEventStore(db, { ensureSchema: false, schemaCheckIntervalMs: 0 });
      const healing = new MongoEventStore(db, { schemaCheckIntervalMs: 0 });
      await strict.append('a', event());
      await healing.append('b', event());

      await db.collection('events').dropIndex('position_unique');
      const refused = await strict.append('a', event()).catch((e) => e);
      expect(StoreSchemaError.isInstance(refused), String(refused)).toBe(true);
      expect(refused.message).toContain("'flowra migrate'");
      expect(refused.problems).toEqual([
        expect.objectContaining({ index: 'position_unique', problem: 'missing' }),
      ]);
      expect(await db.collection('events').countDocuments({})).toBe(2);

      // With ensureSchema on, the store puts the index back and writes.
      await expect(healing.append('b', event())).resolves.toMatchObject({ nextExpectedVersion: 2 });
      const names = (await db.collection('events').listIndexes().toArray()).map((i) => i.name);
      expect(names).toContain('position_unique');
      await expect(strict.append('a', event())).resolves.toMatchObject({ nextExpectedVersion: 2 });
      for (const store of [strict, healing]) await store.close();
    },
  );

  it('a connection lost during the periodic schema check fails no append: the check is tried again', async () => {
    const { db } = await mongo.freshDb('checkreset');
    let failing = 0;
    const flaky = withEventsMethod(db, 'listIndexes', (c) => (...args: never[]) => {
      if (failing === 0) return c.listIndexes(...args);
      failing--;
      return { toArray: () => Promise.reject(new MongoNetworkError('read ECONNRESET')) };
    });
    const store = new MongoEventStore(flaky, { schemaCheckIntervalMs: 0 });
    await store.append('s', [{ type: 'A', data: {} }]);
    failing = 2;
    await expect(store.append('s', [{ type: 'A', data: {} }])).resolves.toMatchObject({
      nextExpectedVersion: 2,
    });
    expect(failing).toBe(0);
    await store.close();
  });

  it('a schema check that does not answer holds no append past its deadline, and the next append checks afresh', async () => {
    const { db } = await mongo.freshDb('checkhang');
    let hanging = false;
    const stuck = withEventsMethod(
      db,
      'listIndexes',
      (c) =>
        (...args: never[]) =>
          hanging ? { toArray: () => new Promise(() => {}) } : c.listIndexes(...args),
    );
    // A deadline the emulators' own stalls (half a second seen) stay well inside, and the
    // schema applied before the first append rather than within its deadline.
    const store = new MongoEventStore(stuck, { schemaCheckIntervalMs: 0, appendTimeoutMs: 1_500 });
    await store.migrate();
    await store.append('s', [{ type: 'A', data: {} }]);
    hanging = true;
    const started = Date.now();
    const error = await store.append('s', [{ type: 'A', data: {} }]).catch((e: unknown) => e);
    expect(AppendTimeoutError.isInstance(error), String(error)).toBe(true);
    expect(error).toMatchObject({ streamId: 's', outcomeUnknown: false });
    expect(Date.now() - started).toBeLessThan(5_000);
    hanging = false;
    await expect(store.append('s', [{ type: 'A', data: {} }])).resolves.toMatchObject({
      nextExpectedVersion: 2,
    });
    await store.close();
  });

  it.skipIf(mongo.skipUnless('views').skip)(
    'the events_flat view shows one document per event',
    async () => {
      const { db } = await mongo.freshDb('view');
      const store = new MongoEventStore(db);
      await store.append('Chat-1', [
        { type: 'A', data: { a: 1 } },
        { type: 'B', data: { b: 2 } },
      ]);
      await store.append('Chat-2', [{ type: 'C', data: {} }]);
      const flat = await db
        .collection('events_flat')
        .find({}, { sort: { position: 1 } })
        .toArray();
      expect(flat.map((d) => [d.aggregate_id, d.event_type, d.version, d.position])).toEqual([
        ['Chat-1', 'A', 1, 1],
        ['Chat-1', 'B', 2, 2],
        ['Chat-2', 'C', 1, 3],
      ]);
    },
  );

  it('stores one commit document per append in the documented shape', async () => {
    const { db } = await mongo.freshDb('shape');
    const store = new MongoEventStore(db);
    const at = new Date('2026-02-03T04:05:06.007Z');
    await store.append('Chat-7', [
      {
        type: 'ChatCreated',
        data: { title: 'Ünïcødé ✓', at, n: 2 ** 53 - 1, $weird: { 'a.b': 1 } },
        metadata: { userId: 'u1', correlationId: 'c1' },
      },
      { type: 'ChatRenamed', data: { title: 'x' } },
    ]);
    const docs = await db
      .collection<CommitDocument>('events')
      .find({ aggregate_id: 'Chat-7' })
      .toArray();
    expect(docs).toHaveLength(1);
    const doc = docs[0]!;
    expect(doc).toMatchObject({
      aggregate_id: 'Chat-7',
      aggregate_type: 'Chat',
      version: 1,
      last_version: 2,
      position: 1,
      last_position: 2,
    });
    expect(doc.events.map((e) => [e.event_type, e.version])).toEqual([
      ['ChatCreated', 1],
      ['ChatRenamed', 2],
    ]);
    expect(doc.events[0]!.metadata).toMatchObject({ user_id: 'u1', correlation_id: 'c1' });
    expect(doc.events[0]!.metadata.timestamp).toBeInstanceOf(Date);
    expect(doc.events[0]!.data).toMatchObject({ '~~dweird': { '~a~pb': 1 }, at });
    const [event] = await store.getEvents('Chat-7');
    expect(event?.data).toEqual({ title: 'Ünïcødé ✓', at, n: 2 ** 53 - 1, $weird: { 'a.b': 1 } });
  });

  it('operator-shaped input is only ever a value', async () => {
    const { db } = await mongo.freshDb('inject');
    const store = new MongoEventStore(db);
    await store.append('victim', [{ type: 'Secret', data: {} }]);
    const injected = '{"$gt": ""}';
    await store.append(injected, [{ type: 'X', data: { $where: 'true' } }]);
    expect((await store.getEvents(injected)).map((e) => e.streamId)).toEqual([injected]);
    await expect(store.getEvents({ $gt: '' } as unknown as string)).rejects.toThrow(
      ValidationError,
    );
    await expect(
      collect(store.readAll({ types: [{ $ne: null } as unknown as string] })),
    ).rejects.toThrow(ValidationError);
    expect(await db.collection('events').countDocuments({})).toBe(2);
  });

  it('a retried append whose first reply was lost lands exactly once', async () => {
    const { db } = await mongo.freshDb('lostreply');
    for (const expected of ['any', 0] as const) {
      const losing = losingFirstReply(db);
      const store = new MongoEventStore(losing.db);
      const streamId = `lost-${expected}`;
      const result = await store.append(
        streamId,
        [
          { type: 'A', data: {} },
          { type: 'B', data: {} },
        ],
        expected,
      );
      expect(losing.lost()).toBe(1);
      expect(result).toEqual({ nextExpectedVersion: 2, position: expected === 'any' ? 2 : 4 });
      expect((await store.getEvents(streamId)).map((e) => e.type)).toEqual(['A', 'B']);
    }
    expect(await db.collection('events').countDocuments({})).toBe(2);
  });

  it('group commit places concurrent appends of one store with fewer writes, each still checked', async () => {
    const { db } = await mongo.freshDb('group');
    let writes = 0;
    const counting = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop !== 'collection') return Reflect.get(target, prop, receiver);
        return (name: string, options?: object) => {
          const collection = target.collection(name, options);
          return new Proxy(collection, {
            get(c, p, r) {
              if (p === 'insertMany') writes++;
              return Reflect.get(c, p, r);
            },
          });
        };
      },
    });
    const store = new MongoEventStore(counting);
    await store.append('g-0', [{ type: 'A', data: {} }]);
    writes = 0;
    const results = await Promise.allSettled([
      ...Array.from({ length: 12 }, (_, i) =>
        store.append(`g-${i + 1}`, [{ type: 'A', data: { i } }], 'no_stream'),
      ),
      store.append('g-0', [{ type: 'A', data: {} }], 0),
    ]);
    expect(results.slice(0, 12).every((r) => r.status === 'fulfilled')).toBe(true);
    expect(results[12]).toMatchObject({
      status: 'rejected',
      reason: { name: 'ConcurrencyError', actualVersion: 1 },
    });
    expect(writes).toBeLessThan(12);
    const positions = (await collect(store.readAll())).map((e) => e.position);
    expect(positions).toEqual(positions.map((_, i) => i + 1));
  });

  it('refuses a commit over 16 MB naming the stream and the event; writes nothing', async () => {
    const { db } = await mongo.freshDb('large');
    const store = new MongoEventStore(db);
    const big = 'x'.repeat(9 * 1024 * 1024);
    const error = await store
      .append('big-stream', [
        { type: 'Small', data: {} },
        { type: 'Big', data: { big } },
        { type: 'Bigger', data: { big, more: 'y' } },
      ])
      .catch((e) => e);
    expect(CommitTooLargeError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      name: 'CommitTooLargeError',
      streamId: 'big-stream',
      limit: 16 * 1024 * 1024,
    });
    expect(error.largestEvent).toMatchObject({ index: 2, type: 'Bigger' });
    expect(error.message).toContain("events[2] ('Bigger'");
    expect(await store.getStreamVersion('big-stream')).toBe(0);
    const ok = await store.append('big-stream', [{ type: 'Big', data: { big } }]);
    expect(ok.nextExpectedVersion).toBe(1);
  });

  it('three processes racing on shared and distinct streams: one winner per version, nothing lost, contiguous positions', async () => {
    const { db } = await mongo.freshDb('processes');
    await migrate(db);
    const rounds = mongo.server?.kind === 'jongodb' ? 8 : 20;
    const outputs = await Promise.all(
      ['p1', 'p2', 'p3'].map((name) =>
        run(
          process.execPath,
          [
            '--import',
            tsx,
            new URL('./test-support/race-writer.ts', import.meta.url).pathname,
            mongo.server!.uri,
            db.databaseName,
            name,
            String(rounds),
          ],
          { timeout: 120_000 },
        ),
      ),
    );
    const reports = outputs.map((o) => JSON.parse(o.stdout.trim().split('\n').at(-1)!)) as {
      acknowledged: { streamId: string; eventIds: string[]; version: number; position: number }[];
      conflicts: number;
    }[];
    const acknowledged = reports.flatMap((r) => r.acknowledged);
    const store = new MongoEventStore(db);
    const all = await collect(store.readAll());
    // positions 1..n, in order, each event once
    expect(all.map((e) => e.position)).toEqual(all.map((_, i) => i + 1));
    const byId = new Map(all.map((e) => [e.eventId, e]));
    expect(byId.size).toBe(all.length);
    const ackIds = acknowledged.flatMap((a) => a.eventIds);
    expect(new Set(ackIds).size).toBe(all.length);
    for (const a of acknowledged) {
      const last = byId.get(a.eventIds.at(-1)!);
      expect(last).toMatchObject({
        streamId: a.streamId,
        version: a.version,
        position: a.position,
      });
    }
    for (const streamId of ['race-shared', 'any-shared', 'own-p1', 'own-p2', 'own-p3']) {
      const events = await store.getEvents(streamId);
      expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 1));
    }
    // every round of the shared race had exactly one winner: wins + conflicts = 3 per round
    const wins = acknowledged.filter((a) => a.streamId === 'race-shared').length;
    const conflicts = reports.reduce((n, r) => n + r.conflicts, 0);
    expect(wins + conflicts).toBe(3 * rounds);
    expect(await store.getStreamVersion('race-shared')).toBe(2 * wins);
  }, 180_000);

  it.skipIf(mongo.skipUnless('changeStreams').skip)(
    'a change stream wakes subscriptions long before the next poll',
    async () => {
      const { db } = await mongo.freshDb('wake');
      const reader = new MongoEventStore(db, { pollIntervalMs: 30_000 });
      const writer = new MongoEventStore(db);
      await writer.append('warm', [{ type: 'A', data: {} }]);
      const seen: number[] = [];
      const sub = reader.subscribe((e) => void seen.push(e.position), { fromPosition: 1 });
      await new Promise((r) => setTimeout(r, 500));
      await writer.append('warm', [{ type: 'B', data: {} }]);
      const until = Date.now() + 10_000;
      while (seen.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toEqual([2]);
      await sub.close();
    },
  );
});
