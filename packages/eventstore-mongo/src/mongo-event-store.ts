import {
  type AggregateSnapshot,
  type AppendResult,
  ConcurrencyError,
  DuplicateEventIdError,
  type EventHandler,
  type EventRegistry,
  type EventStore,
  type ExpectedVersion,
  type NewEvent,
  type PreparedEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  StoreClosedError,
  StoreUnavailableError,
  type SubscribeOptions,
  type Subscription,
  ValidationError,
  assertNonNegativeInteger,
  assertStreamId,
  assertTypes,
  isRetryOf,
  prepareAppend,
  prepareSnapshot,
  satisfiesExpectedVersion,
  startCatchUpSubscription,
  validateReadAllOptions,
  validateReadStreamOptions,
} from '@flowra/eventstore-core';
import {
  BSON,
  type ChangeStream,
  type Collection,
  type Db,
  type Filter,
  type ReadConcernLevel,
  type WriteConcernSettings,
} from 'mongodb';
import { encodeValue } from './bson-codec.js';
import { type CommitDocument, buildCommit, decodeCommit } from './commit-document.js';
import { CommitTooLargeError, duplicateKeyIndex, isTransientMongoError } from './mongo-errors.js';
import { GroupCommitter, type Head } from './group-commit.js';
import { type CollectionNames, DEFAULT_COLLECTIONS, migrate } from './schema.js';
import { decodeSnapshot, type SnapshotDocument } from './snapshot-document.js';

export interface MongoEventStoreOptions {
  collections?: Partial<CollectionNames>;
  /** Validates appends and upcasts reads when given. */
  registry?: EventRegistry<any>;
  /** Write concern of appends and snapshot saves (default `{ w: 'majority' }`). */
  writeConcern?: WriteConcernSettings;
  /**
   * Read concern of `readAll` and subscriptions (default `'majority'`), so no reader is
   * handed a commit that a failover could still roll back.
   */
  readConcern?: ReadConcernLevel;
  /** Subscription polling interval without change streams (default 100 ms). */
  pollIntervalMs?: number;
  /** Use change streams to wake subscriptions where the server has them (default true). */
  changeStreams?: boolean;
  /** Create missing collections and indexes before the first write (default true). */
  ensureSchema?: boolean;
  /** `aggregate_type` of a stream's commits (default: the stream id up to its first `-` or `_`). */
  aggregateTypeOf?: (streamId: string) => string;
  /** Source of `recordedAt`; injectable for tests. */
  clock?: () => Date;
  /** Retries after transient database errors, per call (default 8). */
  maxTransientRetries?: number;
  /** Cursor batch size of reads (default 1000 commits). */
  readBatchSize?: number;
  /**
   * Appends of this store waiting at the same time are placed together by one write (default
   * true); each keeps its own expected-version check and its own commit document.
   */
  groupCommit?: boolean;
}

const MAX_BSON_SIZE = 16 * 1024 * 1024;
/** Room for the few bytes the final version and position numbers may add. */
const SIZE_MARGIN = 1024;

const HEAD_PROJECTION = { _id: 0, last_version: 1, last_position: 1 } as const;

const schemaReady = new WeakMap<Db, Map<string, Promise<unknown>>>();

function defaultAggregateType(streamId: string): string {
  const cut = streamId.search(/[-_]/);
  return cut > 0 ? streamId.slice(0, cut) : streamId;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * An `EventStore` on MongoDB in which every append is one commit document written by one
 * `insertOne`, atomic on any MongoDB deployment: no multi-document transaction anywhere.
 */
export class MongoEventStore implements EventStore {
  readonly #db: Db;
  readonly #names: CollectionNames;
  readonly #events: Collection<CommitDocument>;
  readonly #eventsForReaders: Collection<CommitDocument>;
  readonly #snapshots: Collection<SnapshotDocument>;
  readonly #registry: EventRegistry<any> | undefined;
  readonly #writeConcern: WriteConcernSettings;
  readonly #pollIntervalMs: number;
  readonly #useChangeStreams: boolean;
  readonly #ensureSchema: boolean;
  readonly #aggregateTypeOf: (streamId: string) => string;
  readonly #clock: () => Date;
  readonly #maxTransientRetries: number;
  readonly #readBatchSize: number;
  readonly #committer: GroupCommitter;
  readonly #subscriptions = new Set<Subscription>();
  readonly #pendingStarts = new Set<Promise<number>>();
  readonly #waiters = new Set<() => void>();
  #changeStream: ChangeStream | undefined;
  #changeStreamState: 'off' | 'starting' | 'on' | 'unsupported' = 'off';
  #closed = false;

  constructor(db: Db, options: MongoEventStoreOptions = {}) {
    if (!db || typeof (db as Db).collection !== 'function') {
      throw new ValidationError('db', 'must be a Db from the official mongodb driver');
    }
    this.#db = db;
    this.#names = { ...DEFAULT_COLLECTIONS, ...options.collections };
    this.#events = db.collection<CommitDocument>(this.#names.events);
    this.#eventsForReaders = db.collection<CommitDocument>(this.#names.events, {
      readConcern: { level: options.readConcern ?? 'majority' },
    });
    this.#snapshots = db.collection<SnapshotDocument>(this.#names.snapshots);
    this.#registry = options.registry;
    this.#writeConcern = options.writeConcern ?? { w: 'majority' };
    this.#pollIntervalMs = options.pollIntervalMs ?? 100;
    this.#useChangeStreams = options.changeStreams ?? true;
    this.#ensureSchema = options.ensureSchema ?? true;
    this.#aggregateTypeOf = options.aggregateTypeOf ?? defaultAggregateType;
    this.#clock = options.clock ?? (() => new Date());
    this.#maxTransientRetries = options.maxTransientRetries ?? 8;
    this.#readBatchSize = options.readBatchSize ?? 1000;
    this.#committer = new GroupCommitter({
      events: this.#events,
      writeConcern: this.#writeConcern,
      maxTransientRetries: this.#maxTransientRetries,
      maxBatch: options.groupCommit === false ? 1 : 64,
      streamHead: (streamId) => this.#streamHead(streamId),
      logHead: () =>
        this.#events.findOne({}, { sort: { last_position: -1 }, projection: HEAD_PROJECTION }),
      replayOf: (streamId, ids, expected) => this.#replayOf(streamId, ids, expected),
      onCommitted: () => this.#wake(),
    });
  }

  /** Applies the schema (idempotent); the store also does it before its first write. */
  migrate(options: { dryRun?: boolean } = {}) {
    return migrate(this.#db, { collections: this.#names, dryRun: options.dryRun });
  }

  async append(
    streamId: string,
    events: readonly NewEvent[],
    expectedVersion: ExpectedVersion = 'any',
  ): Promise<AppendResult> {
    this.#assertOpen('append');
    const prepared = prepareAppend(streamId, events, expectedVersion, this.#registry);
    const commit = buildCommit(
      streamId,
      this.#aggregateTypeOf(streamId),
      prepared,
      1,
      1,
      this.#clock(),
    );
    if (prepared.length > 0) this.#assertFits(streamId, commit, prepared);
    // A subscription created just before this call must start before this append lands.
    if (this.#pendingStarts.size > 0) await Promise.allSettled([...this.#pendingStarts]);
    await this.#ready();
    const callerIds = events.some((e) => e?.eventId !== undefined);
    return this.#committer.submit({
      streamId,
      ids: prepared.map((e) => e.eventId),
      commit,
      expected: expectedVersion,
      // Event ids alone tell a retried append from a new one when the version check cannot.
      lookUpIds: callerIds && (expectedVersion === 'any' || expectedVersion === 'stream_exists'),
    });
  }

  /** The original result when these ids are already one commit of the stream (a retry). */
  async #replayOf(
    streamId: string,
    ids: readonly string[],
    expectedVersion: ExpectedVersion,
  ): Promise<AppendResult | undefined> {
    const found = await this.#events
      .find(
        { aggregate_id: streamId, 'events.event_id': { $in: [...ids] } } as Filter<CommitDocument>,
        { projection: { version: 1, last_version: 1, last_position: 1, 'events.event_id': 1 } },
      )
      .toArray();
    if (found.length === 0) return undefined;
    const commit = found[0]!;
    const same =
      found.length === 1 &&
      commit.events.length === ids.length &&
      commit.events.every((e, i) => e.event_id === ids[i]);
    if (!same) {
      const stored = new Set(found.flatMap((c) => c.events.map((e) => e.event_id)));
      throw new DuplicateEventIdError(streamId, ids.find((id) => stored.has(id)) ?? ids[0]!);
    }
    if (!isRetryOf(expectedVersion, commit.version)) {
      const actual = (await this.#streamHead(streamId))?.last_version ?? 0;
      if (!satisfiesExpectedVersion(expectedVersion, actual)) {
        throw new ConcurrencyError(streamId, expectedVersion, actual);
      }
      throw new DuplicateEventIdError(streamId, ids[0]!);
    }
    return { nextExpectedVersion: commit.last_version, position: commit.last_position };
  }

  #streamHead(streamId: string): Promise<Head | null> {
    return this.#events.findOne(
      { aggregate_id: streamId },
      { sort: { last_version: -1 }, projection: HEAD_PROJECTION },
    );
  }

  #assertFits(streamId: string, commit: CommitDocument, prepared: readonly PreparedEvent[]): void {
    const size = BSON.calculateObjectSize(commit as unknown as BSON.Document);
    if (size + SIZE_MARGIN <= MAX_BSON_SIZE) return;
    let largest = { index: 0, type: '', eventId: '', size: -1 };
    commit.events.forEach((event, index) => {
      const eventSize = BSON.calculateObjectSize(event as unknown as BSON.Document);
      if (eventSize > largest.size) {
        largest = {
          index,
          type: event.event_type,
          eventId: prepared[index]!.eventId,
          size: eventSize,
        };
      }
    });
    throw new CommitTooLargeError(streamId, size, MAX_BSON_SIZE, largest);
  }

  async getEvents(streamId: string, fromVersion = 1): Promise<RecordedEvent[]> {
    this.#assertOpen('getEvents');
    assertStreamId(streamId);
    assertNonNegativeInteger(fromVersion, 'fromVersion', { streamId });
    const out: RecordedEvent[] = [];
    for await (const event of this.readStream(streamId, { fromVersion })) out.push(event);
    return out;
  }

  async *readStream(
    streamId: string,
    options?: ReadStreamOptions,
  ): AsyncGenerator<RecordedEvent, void, undefined> {
    this.#assertOpen('readStream');
    const { fromVersion, direction, maxCount } = validateReadStreamOptions(streamId, options);
    if (maxCount === 0) return;
    const forwards = direction === 'forwards';
    const cursor = this.#events.find(
      { aggregate_id: streamId, last_version: { $gte: Math.max(1, fromVersion) } },
      {
        sort: { last_version: forwards ? 1 : -1 },
        batchSize: Math.max(1, Math.min(this.#readBatchSize, maxCount)),
      },
    );
    let count = 0;
    try {
      for (;;) {
        const doc = await this.#next(cursor, 'readStream', streamId);
        if (!doc) return;
        const events = decodeCommit(doc);
        if (!forwards) events.reverse();
        for (const event of events) {
          if (event.version < fromVersion) continue;
          yield this.#decode(event);
          if (++count >= maxCount) return;
        }
      }
    } finally {
      await cursor.close().catch(() => {});
    }
  }

  async *readAll(options?: ReadAllOptions): AsyncGenerator<RecordedEvent, void, undefined> {
    this.#assertOpen('readAll');
    const { fromPosition, maxCount, types } = validateReadAllOptions(options);
    if (maxCount === 0 || types?.size === 0) return;
    const filter: Filter<CommitDocument> = { last_position: { $gt: fromPosition } };
    if (types) (filter as Record<string, unknown>)['events.event_type'] = { $in: [...types] };
    const cursor = this.#eventsForReaders.find(filter, {
      sort: { last_position: 1 },
      batchSize: Math.max(1, Math.min(this.#readBatchSize, maxCount)),
    });
    let count = 0;
    try {
      for (;;) {
        const doc = await this.#next(cursor, 'readAll');
        if (!doc) return;
        for (const event of decodeCommit(doc)) {
          if (event.position <= fromPosition || (types && !types.has(event.type))) continue;
          yield this.#decode(event);
          if (++count >= maxCount) return;
        }
      }
    } finally {
      await cursor.close().catch(() => {});
    }
  }

  async #next(
    cursor: { next(): Promise<CommitDocument | null> },
    operation: string,
    streamId?: string,
  ): Promise<CommitDocument | null> {
    try {
      return await cursor.next();
    } catch (error) {
      throw new StoreUnavailableError(operation, error, streamId);
    }
  }

  async getStreamVersion(streamId: string): Promise<number> {
    this.#assertOpen('getStreamVersion');
    assertStreamId(streamId);
    try {
      return (await this.#streamHead(streamId))?.last_version ?? 0;
    } catch (error) {
      throw new StoreUnavailableError('getStreamVersion', error, streamId);
    }
  }

  /** Position of the last committed event in the log (0 when empty). */
  async headPosition(): Promise<number> {
    this.#assertOpen('headPosition');
    try {
      const head = await this.#eventsForReaders.findOne(
        {},
        { sort: { last_position: -1 }, projection: HEAD_PROJECTION },
      );
      return head?.last_position ?? 0;
    } catch (error) {
      throw new StoreUnavailableError('headPosition', error);
    }
  }

  async getSnapshot(streamId: string): Promise<AggregateSnapshot | null> {
    this.#assertOpen('getSnapshot');
    assertStreamId(streamId);
    let doc: SnapshotDocument | null;
    try {
      doc = await this.#snapshots.findOne({ _id: streamId });
    } catch (error) {
      throw new StoreUnavailableError('getSnapshot', error, streamId);
    }
    return doc ? decodeSnapshot(doc) : null;
  }

  /** A conditional upsert: only a snapshot at least as new as the stored one replaces it. */
  async saveSnapshot(snapshot: AggregateSnapshot): Promise<void> {
    this.#assertOpen('saveSnapshot');
    const s = prepareSnapshot(snapshot);
    await this.#ready();
    const filter = { _id: s.streamId, version: { $lte: s.version } };
    const update = {
      $set: {
        stream_id: s.streamId,
        version: s.version,
        data: encodeValue(s.data),
        timestamp: s.timestamp,
      },
    };
    for (let failures = 0; ; failures++) {
      try {
        await this.#snapshots.updateOne(filter, update, {
          upsert: true,
          writeConcern: this.#writeConcern,
        });
        return;
      } catch (error) {
        if (duplicateKeyIndex(error)) {
          // The stream has a newer snapshot (the filter missed it and the upsert's insert
          // clashed on _id), or a racing first save won: a plain conditional update settles both.
          await this.#snapshots.updateOne(filter, update, { writeConcern: this.#writeConcern });
          return;
        }
        if (isTransientMongoError(error) && failures < this.#maxTransientRetries) {
          await sleep(50 * 2 ** failures);
          continue;
        }
        throw new StoreUnavailableError('saveSnapshot', error, s.streamId);
      }
    }
  }

  subscribe(handler: EventHandler, options: SubscribeOptions = {}): Subscription {
    this.#assertOpen('subscribe');
    if (typeof handler !== 'function') throw new ValidationError('handler', 'must be a function');
    if (options.fromPosition !== undefined)
      assertNonNegativeInteger(options.fromPosition, 'fromPosition');
    assertTypes(options.types);
    let start: number | Promise<number>;
    if (options.fromPosition !== undefined) {
      start = options.fromPosition;
    } else {
      const head = this.headPosition();
      this.#pendingStarts.add(head);
      const forget = () => this.#pendingStarts.delete(head);
      head.then(forget, forget);
      start = head;
    }
    this.#startChangeStream();
    const subscription = startCatchUpSubscription(
      {
        readAll: (o) => this.readAll(o),
        headPosition: () => this.headPosition(),
        waitForEvents: (_position, signal) => this.#waitForEvents(signal),
        // A subscription lives long: any database failure is waited out and the read resumed
        // from the last delivered position; the loop gives up only after many in a row.
        isTransient: (error) =>
          isTransientMongoError(error) || StoreUnavailableError.isInstance(error),
      },
      handler,
      { ...options, fromPosition: start },
    );
    this.#subscriptions.add(subscription);
    const untrack = () => {
      this.#subscriptions.delete(subscription);
      if (this.#subscriptions.size === 0) this.#stopChangeStream();
    };
    subscription.done.then(untrack, untrack);
    return subscription;
  }

  /**
   * Change streams only wake readers early; the position poll stays the source of truth,
   * so a missed or unsupported change stream costs latency, never an event.
   */
  #waitForEvents(signal: AbortSignal): Promise<void> {
    const interval =
      this.#changeStreamState === 'on' ? this.#pollIntervalMs * 10 : this.#pollIntervalMs;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, interval);
      this.#waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  #wake(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  #startChangeStream(): void {
    if (!this.#useChangeStreams || this.#changeStreamState !== 'off') return;
    this.#changeStreamState = 'starting';
    try {
      const stream = this.#events.watch([{ $match: { operationType: 'insert' } }], {
        fullDocument: 'default',
      });
      this.#changeStream = stream;
      stream.on('change', () => {
        this.#changeStreamState = 'on';
        this.#wake();
      });
      stream.on('resumeTokenChanged', () => {
        if (this.#changeStreamState === 'starting') this.#changeStreamState = 'on';
      });
      stream.on('error', () => {
        // No change streams here (a standalone server, an emulator) or the stream broke:
        // polling carries on alone; a later subscription may try again.
        this.#changeStreamState = 'unsupported';
        this.#changeStream = undefined;
        stream.close().catch(() => {});
      });
    } catch {
      this.#changeStreamState = 'unsupported';
    }
  }

  #stopChangeStream(): void {
    const stream = this.#changeStream;
    this.#changeStream = undefined;
    if (this.#changeStreamState !== 'unsupported') this.#changeStreamState = 'off';
    stream?.close().catch(() => {});
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((s) => s.close()));
    this.#stopChangeStream();
    this.#wake();
  }

  #decode(event: RecordedEvent): RecordedEvent {
    return this.#registry ? this.#registry.decode(event) : event;
  }

  async #ready(): Promise<void> {
    if (!this.#ensureSchema) return;
    let perDb = schemaReady.get(this.#db);
    if (!perDb) {
      perDb = new Map();
      schemaReady.set(this.#db, perDb);
    }
    const key = `${this.#names.events}/${this.#names.snapshots}/${this.#names.eventsFlat}`;
    let ready = perDb.get(key);
    if (!ready) {
      ready = migrate(this.#db, { collections: this.#names });
      perDb.set(key, ready);
      ready.catch(() => perDb.delete(key));
    }
    try {
      await ready;
    } catch (error) {
      throw new StoreUnavailableError('migrate', error);
    }
  }

  #assertOpen(operation: string): void {
    if (this.#closed) throw new StoreClosedError(operation);
  }
}
