import {
  type AggregateSnapshot,
  AppendTimeoutError,
  type AppendResult,
  type EventHandler,
  type EventRegistry,
  type EventStore,
  type ExpectedVersion,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  StoreClosedError,
  StoreUnavailableError,
  type SubscribeOptions,
  type Subscription,
  type TelemetryOptions,
  ValidationError,
} from '@flowra/eventstore-core';
import {
  type AppendTrace,
  LogFeed,
  type PreparedEvent,
  assertNonNegativeInteger,
  assertStreamId,
  assertTypes,
  StoreTelemetry,
  prepareAppend,
  systemTimers,
  validateReadAllOptions,
  validateReadStreamOptions,
} from '@flowra/eventstore-core/adapter';
import { SpanKind } from '@opentelemetry/api';
import { BSON, type Db, type ReadConcernLevel, type WriteConcernSettings } from 'mongodb';
import { ChangeStreamWakeup } from './change-stream-wakeup.js';
import {
  type CommitCollection,
  driverCommitCollection,
  withReadDeadline,
} from './commit-collection.js';
import { type LogMark, driverLogMark } from './log-mark.js';
import { type CommitDocument, buildCommit, defaultAggregateType } from './commit-document.js';
import { CommitLog } from './commit-log.js';
import { CommitReader } from './commit-reader.js';
import {
  type RestorableEvent,
  type RestoreOptions,
  type RestoreReport,
  restoreEvents,
} from './restore.js';
import { settlesBy } from './deadline.js';
import { CommitTooLargeError } from './mongo-errors.js';
import { SchemaReadiness } from './schema-readiness.js';
import {
  type CollectionNames,
  DEFAULT_COLLECTIONS,
  type MigrationReport,
  migrate,
} from './schema.js';
import type { SnapshotDocument } from './snapshot-document.js';
import { SnapshotStore } from './snapshot-store.js';

export interface MongoEventStoreOptions extends TelemetryOptions {
  collections?: Partial<CollectionNames>;
  /** Validates appends and upcasts reads when given. */
  registry?: EventRegistry<any>;
  /**
   * Write concern of appends, snapshot saves and the log's mark (default `{ w: 'majority' }`).
   * The log's guarantees under failover rest on it, as on `readConcern`.
   */
  writeConcern?: WriteConcernSettings;
  /**
   * Read concern of every read (default `'majority'`): no reader is handed a commit that a
   * failover could still roll back, and commits are only placed after durable ones. The log's
   * guarantees under failover rest on it; anything weaker gives them up on replica sets.
   */
  readConcern?: ReadConcernLevel;
  /** How often the shared reader polls while subscriptions wait without change streams (default 100 ms). */
  pollIntervalMs?: number;
  /** Use change streams to wake subscriptions where the server has them (default true). */
  changeStreams?: boolean;
  /**
   * Apply the schema before the first write (default true). Either way the store checks the
   * unique indexes its guarantees rest on before writing, and refuses with `StoreSchemaError`.
   */
  ensureSchema?: boolean;
  /**
   * How long a passed schema check is trusted (default 1 s): the first append after that checks
   * the unique indexes again, so an index dropped or replaced while the store runs is noticed.
   * A check is two reads shared by every store on the `Db`; between checks writers trust the
   * indexes, and without the position index racing writers overlap instead of clashing.
   * Found broken, the schema is applied again when `ensureSchema` is on (and appends go on if
   * that succeeds); otherwise appends are refused with `StoreSchemaError`. `Infinity` checks
   * only before the first write.
   */
  schemaCheckIntervalMs?: number;
  /** `aggregate_type` of a stream's commits (default: the stream id up to its first `-` or `_`). */
  aggregateTypeOf?: (streamId: string) => string;
  /** Source of `recordedAt`; injectable for tests. */
  clock?: () => Date;
  /**
   * How far the clocks of processes writing to this database may be from this one's (default
   * 0: one machine, or clocks kept in step). A subscription without `fromPosition` tells the
   * appends made after its call from those made before by the time each writer put on its
   * commit; a writer whose clock is behind makes a commit look older than it is, and one
   * acknowledged right after the call would be skipped. With this set, commits up to this much
   * older than the call count as after it: such a subscription may also deliver events appended
   * that long before the call, and skips none appended after it while the skew stays within it.
   */
  clockSkewMs?: number;
  /**
   * An append that has not settled after this long rejects with `AppendTimeoutError` (default
   * 30 s); the error says whether a write may still land (then retrying the same events is safe).
   * A snapshot save gets as long, then rejects with `StoreUnavailableError`.
   */
  appendTimeoutMs?: number;
  /**
   * A read of the log, of a stream or of a snapshot that has not settled after this long rejects with
   * `StoreUnavailableError` (default 30 s); subscriptions retry it as any failed read. Without
   * it a read waits as long as the client lets it, which for a connection checkout is for ever
   * unless the client sets `waitQueueTimeoutMS` or `timeoutMS`.
   */
  readTimeoutMs?: number;
  /** How long readers wait for a hole in the log to fill before `LogGapError` (default 10 s). */
  gapTimeoutMs?: number;
  /**
   * How long a subscription's reads of the log may keep failing (a server gone, every read
   * refused) before it stops with the last error (`onError`, `done`). By default there is no
   * time bound: it stops after 50 failed reads in a row, which with back-off takes minutes. A
   * bound below an election's length (about 12 s on MongoDB) stops subscriptions in a failover.
   */
  readFailureTimeoutMs?: number;
  /** Retries of snapshot saves after transient errors (default 8). */
  maxTransientRetries?: number;
  /** Commits per read (default 1000). */
  readBatchSize?: number;
  /**
   * Appends of this store waiting at the same time are placed together by one write (default
   * true); each keeps its own expected-version check and its own commit document.
   */
  groupCommit?: boolean;
  /**
   * How long the log's mark (the highest position acknowledged, which keeps positions of
   * commits removed by hand from being handed out again) may trail acknowledged appends while
   * more appends of this store are under way (default 50 ms). A store with no append under way
   * writes it at once, and `close` writes it; 0 writes it after every acknowledged append, one
   * write at a time. Within this window after their acknowledgement, commits an operator removes
   * while the writing process dies may have their positions handed out again by another process.
   */
  logMarkLingerMs?: number;
}

/**
 * Commits a live subscription reads at a time looking for ones made after its call, and at
 * most: a bound on what a fresh process reads (four small pages) while its own appends wait for
 * the start, at the price of events from before the call when more commits than that are made
 * within twice the append deadline.
 */
const LIVE_START_PAGE = 500;
const LIVE_START_MAX_COMMITS = 2_000;
const LIVE_START_FIELDS = { _id: 0, position: 1, created_at: 1 } as const;

/** How long `close` waits for the log's mark to be written when the server does not answer. */
const MARK_FLUSH_ON_CLOSE_MS = 2_000;
const MAX_BSON_SIZE = 16 * 1024 * 1024;
/** Room kept below the limit, whatever the driver and server add around a document. */
const SIZE_MARGIN = 1024;

/**
 * An `EventStore` on MongoDB in which every append is one commit document, atomic on any
 * MongoDB deployment: no multi-document transaction anywhere. Placing commits is the
 * `CommitLog`'s job; reading them back, the `CommitReader`'s; subscriptions share one reader
 * per store (`LogFeed`), woken by change streams where the server has them.
 */
export class MongoEventStore implements EventStore {
  readonly #db: Db;
  readonly #names: CollectionNames;
  readonly #registry: EventRegistry<any> | undefined;
  readonly #schema: SchemaReadiness;
  readonly #aggregateTypeOf: (streamId: string) => string;
  readonly #clock: () => Date;
  readonly #log: CommitLog;
  readonly #commits: CommitCollection;
  readonly #mark: LogMark;
  readonly #reader: CommitReader;
  readonly #snapshots: SnapshotStore;
  readonly #feed: LogFeed;
  readonly #wakeup: ChangeStreamWakeup | undefined;
  readonly #pendingStarts = new Set<Promise<number>>();
  readonly #appendTimeoutMs: number;
  readonly #clockSkewMs: number;
  readonly #telemetry: StoreTelemetry;
  #closed = false;

  constructor(db: Db, options: MongoEventStoreOptions = {}) {
    if (!db || typeof (db as Db).collection !== 'function') {
      throw new ValidationError('db', 'must be a Db from the official mongodb driver');
    }
    this.#db = db;
    this.#names = { ...DEFAULT_COLLECTIONS, ...options.collections };
    this.#registry = options.registry;
    this.#aggregateTypeOf = options.aggregateTypeOf ?? defaultAggregateType;
    this.#clock = options.clock ?? (() => new Date());
    if (options.clockSkewMs !== undefined) {
      assertNonNegativeInteger(options.clockSkewMs, 'clockSkewMs');
    }
    this.#clockSkewMs = options.clockSkewMs ?? 0;
    const writeConcern = options.writeConcern ?? { w: 'majority' };
    const gapTimeoutMs = options.gapTimeoutMs ?? 10_000;
    const pollIntervalMs = options.pollIntervalMs ?? 100;
    if (options.readFailureTimeoutMs !== undefined) {
      assertNonNegativeInteger(options.readFailureTimeoutMs, 'readFailureTimeoutMs');
    }
    if (options.logMarkLingerMs !== undefined) {
      assertNonNegativeInteger(options.logMarkLingerMs, 'logMarkLingerMs');
    }
    if (options.readTimeoutMs !== undefined) {
      assertNonNegativeInteger(options.readTimeoutMs, 'readTimeoutMs');
      if (options.readTimeoutMs === 0) {
        throw new ValidationError('readTimeoutMs', 'must be at least 1 (milliseconds)');
      }
    }
    const telemetry = { ...options, scope: '@flowra/eventstore-mongo' };
    this.#telemetry = new StoreTelemetry({
      ...telemetry,
      system: 'mongodb',
      namespace: db.databaseName,
      collection: this.#names.events,
      kind: SpanKind.CLIENT,
    });
    this.#appendTimeoutMs = options.appendTimeoutMs ?? 30_000;
    this.#schema = new SchemaReadiness(db, this.#names, {
      ensureSchema: options.ensureSchema ?? true,
      checkIntervalMs: options.schemaCheckIntervalMs ?? 1_000,
      appendTimeoutMs: this.#appendTimeoutMs,
      logger: this.#telemetry.logger,
    });
    const concerns = { readConcern: options.readConcern ?? 'majority', writeConcern };
    const commits = driverCommitCollection(db, this.#names.events, concerns);
    this.#commits = commits;
    this.#mark = driverLogMark(db, this.#names, concerns);
    const decode = (event: RecordedEvent) =>
      this.#registry ? this.#registry.decode(event) : event;
    const readTimeoutMs = options.readTimeoutMs ?? 30_000;
    this.#reader = new CommitReader(withReadDeadline(commits, readTimeoutMs, systemTimers), {
      batchSize: options.readBatchSize ?? 1000,
      decode,
      gapTimeoutMs,
      timers: systemTimers,
    });
    this.#wakeup =
      options.changeStreams === false
        ? undefined
        : new ChangeStreamWakeup(db.collection<CommitDocument>(this.#names.events), () =>
            this.#feed.wake(),
          );
    this.#feed = new LogFeed(this.#reader, {
      // With change streams flowing, polling is only the safety net.
      pollIntervalMs: () => (this.#wakeup?.healthy ? pollIntervalMs * 10 : pollIntervalMs),
      gapTimeoutMs,
      readFailureTimeoutMs: options.readFailureTimeoutMs,
      telemetry,
    });
    this.#log = new CommitLog(commits, {
      appendTimeoutMs: this.#appendTimeoutMs,
      maxBatch: options.groupCommit === false ? 1 : 64,
      timers: systemTimers,
      onCommitted: () => this.#feed.wake(),
      mark: this.#mark,
      markLingerMs: options.logMarkLingerMs ?? 50,
    });
    this.#snapshots = new SnapshotStore(db.collection<SnapshotDocument>(this.#names.snapshots), {
      writeConcern,
      maxTransientRetries: options.maxTransientRetries ?? 8,
      timers: systemTimers,
      readTimeoutMs,
      writeTimeoutMs: this.#appendTimeoutMs,
    });
  }

  /** Applies the schema (idempotent); the store also does it before its first write. */
  migrate(options: { dryRun?: boolean } = {}): Promise<MigrationReport> {
    return migrate(this.#db, { collections: this.#names, dryRun: options.dryRun });
  }

  append(
    streamId: string,
    events: readonly NewEvent[],
    expectedVersion: ExpectedVersion = 'any',
  ): Promise<AppendResult> {
    return this.#telemetry.append(streamId, expectedVersion, events, (input, trace) =>
      this.#append(streamId, input, expectedVersion, trace),
    );
  }

  async #append(
    streamId: string,
    events: readonly NewEvent[],
    expectedVersion: ExpectedVersion,
    trace: AppendTrace,
  ): Promise<AppendResult> {
    this.#assertOpen('append');
    // One deadline for all the append waits on: a live subscription's start, the schema, placing.
    const deadline = systemTimers.now() + this.#appendTimeoutMs;
    const prepared = prepareAppend(
      streamId,
      events,
      expectedVersion,
      this.#registry,
      trace.carrier,
    );
    const size = { bytes: 0 };
    const commit = buildCommit(
      streamId,
      this.#aggregateTypeOf(streamId),
      prepared,
      1,
      1,
      this.#clock(),
      { share: true, size },
    );
    if (prepared.length > 0) this.#assertFits(streamId, commit, prepared, size.bytes);
    const ids = prepared.map((e) => e.eventId);
    // A subscription created just before this call must start before this append lands.
    if (
      this.#pendingStarts.size > 0 &&
      !(await settlesBy(Promise.allSettled([...this.#pendingStarts]), deadline))
    ) {
      throw new AppendTimeoutError(streamId, this.#appendTimeoutMs, false, ids);
    }
    await this.#schema.ready({ deadline, streamId, eventIds: ids });
    return this.#log.append({
      streamId,
      commit,
      ids,
      callerIds: events.some((e) => e?.eventId !== undefined),
      expected: expectedVersion,
      stats: trace,
      deadline,
    });
  }

  /**
   * `bound` is the commit's `ByteBound`: it settles all but commits near the limit, which are
   * measured exactly (a bound that is not a number is measured too).
   */
  #assertFits(
    streamId: string,
    commit: CommitDocument,
    prepared: readonly PreparedEvent[],
    bound: number,
  ): void {
    if (bound + SIZE_MARGIN <= MAX_BSON_SIZE) return;
    // The most it takes once placed: measured at version and position 1 (int32s), and past 2^31
    // each of an event's two numbers and the commit's four is a double, four bytes more.
    const size =
      BSON.calculateObjectSize(commit as unknown as BSON.Document) + 8 * commit.events.length + 16;
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

  getEvents(streamId: string, fromVersion = 1): Promise<RecordedEvent[]> {
    return this.#telemetry.readArray('getEvents', streamId, () => {
      this.#assertOpen('getEvents');
      assertStreamId(streamId);
      assertNonNegativeInteger(fromVersion, 'fromVersion', { streamId });
      return this.#reader.streamEvents(streamId, fromVersion);
    });
  }

  readStream(streamId: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    return this.#telemetry.read('readStream', streamId, this.#readStream(streamId, options));
  }

  async *#readStream(
    streamId: string,
    options?: ReadStreamOptions,
  ): AsyncGenerator<RecordedEvent, void, undefined> {
    this.#assertOpen('readStream');
    const { fromVersion, direction, maxCount } = validateReadStreamOptions(streamId, options);
    if (maxCount === 0) return;
    yield* this.#reader.readStream(streamId, fromVersion, direction === 'forwards', maxCount);
  }

  /**
   * The log after `fromPosition`, checked: a hole is waited for (`gapTimeoutMs`), then this
   * throws `LogGapError`; overlapping commits throw `LogOrderError`. With `types`, commits of
   * other types are not read, so only the order is checked.
   */
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    return this.#telemetry.read('readAll', undefined, this.#readAll(options));
  }

  async *#readAll(options?: ReadAllOptions): AsyncGenerator<RecordedEvent, void, undefined> {
    this.#assertOpen('readAll');
    const { fromPosition, maxCount, types } = validateReadAllOptions(options);
    if (maxCount === 0 || types?.size === 0) return;
    if (types) yield* this.#reader.readTypes(fromPosition, maxCount, types);
    else yield* this.#reader.readAll(fromPosition, maxCount);
  }

  async getStreamVersion(streamId: string): Promise<number> {
    this.#assertOpen('getStreamVersion');
    assertStreamId(streamId);
    return this.#reader.streamVersion(streamId);
  }

  /** Position of the last committed (majority) event in the log (0 when empty). */
  async headPosition(): Promise<number> {
    this.#assertOpen('headPosition');
    return this.#reader.headPosition();
  }

  /**
   * Where a subscription without `fromPosition` starts: before the lowest commit made at or
   * after the call, found among the newest commits up to the log's end as read. Another
   * process's append made right after `subscribe()` returned can land before the head read
   * reaches the server; its commit's time (taken when its append began) says it came after the
   * call. Positions follow landing, not those times: a slow append begun before the call can
   * land above one begun after it, so the walk goes on past it, down to a commit made more than
   * twice the append deadline before the call (which landed before the call), to what this
   * process knew was stored when it called (`floor`), or to `LIVE_START_MAX_COMMITS`. The
   * writers' clocks decide, within `clockSkewMs` of this one's: a clock further ahead makes
   * earlier commits look later (delivered, never skipped), one further behind makes later
   * commits look earlier (skipped).
   */
  async #liveStart(calledAt: number, floor: number): Promise<number> {
    const head = await this.headPosition();
    if (head <= floor) return head;
    let start = head;
    let below = head + 1;
    // Twice the deadline: every writer is assumed to have this store's, and an insert sent
    // just before its deadline may still land after it.
    const after = calledAt - this.#clockSkewMs;
    const oldest = after - 2 * this.#appendTimeoutMs;
    try {
      for (let read = 0; read < LIVE_START_MAX_COMMITS; read += LIVE_START_PAGE) {
        const page = await this.#commits.find(
          { position: { $gt: floor, $lt: below } },
          { sort: { position: -1 }, limit: LIVE_START_PAGE, projection: LIVE_START_FIELDS },
        );
        for (const commit of page) {
          const at = commit.created_at;
          const time = at instanceof Date ? at.getTime() : Number.NaN;
          if (time >= after) start = commit.position - 1;
          else if (time < oldest) return start;
          below = commit.position;
        }
        if (page.length < LIVE_START_PAGE) return start;
      }
    } catch (error) {
      throw StoreUnavailableError.isInstance(error)
        ? error
        : new StoreUnavailableError('subscribe', error);
    }
    return start;
  }

  /**
   * Writes events recorded elsewhere (an export) with their ids, versions, positions and times:
   * a restore, or the move of a log to another database. `source` is called twice: every event
   * is checked against this store first (`RestoreRefusedError`, nothing written), then written.
   * The events must continue the log at `headPosition() + 1` and each stream at its version.
   */
  async restore(
    source: () => AsyncIterable<RestorableEvent>,
    options: RestoreOptions = {},
  ): Promise<RestoreReport> {
    this.#assertOpen('restore');
    const report = await restoreEvents(
      {
        commits: this.#commits,
        // Positions of commits removed by hand are not written over either.
        headPosition: async () => {
          const [head, mark] = await Promise.all([this.#reader.headPosition(), this.#mark.read()]);
          return Math.max(head, mark);
        },
        streamVersion: (streamId) => this.#reader.streamVersion(streamId),
        takenEventId: async (ids) => {
          const [clash] = await this.#commits.find(
            { 'events.event_id': { $in: ids } },
            { limit: 1, projection: { events: 1 } },
          );
          const taken = new Set(ids);
          return clash?.events.find((e) => taken.has(e.event_id))?.event_id;
        },
        ready: () => this.#schema.ready({ deadline: systemTimers.now() + this.#appendTimeoutMs }),
        aggregateTypeOf: this.#aggregateTypeOf,
      },
      source,
      options,
    );
    if (!report.dryRun && report.toPosition > 0) {
      await this.#mark.raise(report.toPosition).catch(() => {});
    }
    return report;
  }

  /** The latest snapshot, unless it is of a version the stream does not have. */
  async getSnapshot(streamId: string): Promise<AggregateSnapshot | null> {
    this.#assertOpen('getSnapshot');
    assertStreamId(streamId);
    return this.#snapshots.get(streamId, this.#reader.streamVersion(streamId));
  }

  async saveSnapshot(snapshot: AggregateSnapshot): Promise<void> {
    this.#assertOpen('saveSnapshot');
    // One deadline for the whole save, the schema check and the stream's version included.
    const deadline = systemTimers.now() + this.#appendTimeoutMs;
    await this.#schema.ready({ deadline });
    await this.#snapshots.save(
      snapshot,
      (streamId) => this.#reader.streamVersion(streamId),
      deadline,
    );
  }

  subscribe(handler: EventHandler, options: SubscribeOptions = {}): Subscription {
    this.#assertOpen('subscribe');
    if (typeof handler !== 'function') throw new ValidationError('handler', 'must be a function');
    if (options.fromPosition !== undefined) {
      assertNonNegativeInteger(options.fromPosition, 'fromPosition');
    }
    assertTypes(options.types);
    let start: number | Promise<number>;
    if (options.fromPosition !== undefined) {
      start = options.fromPosition;
    } else {
      // What this process knew was stored when it called (its acknowledged appends and its
      // majority reads of the log's end): landed before the call. Not the feed's tail, which a
      // subscription from beyond the end moves to a position nothing holds yet.
      const floor = this.#log.knownLogEnd;
      const head = this.#liveStart(this.#clock().getTime(), floor);
      this.#pendingStarts.add(head);
      const forget = () => this.#pendingStarts.delete(head);
      head.then(forget, forget);
      start = head;
    }
    this.#wakeup?.start();
    const subscription = this.#feed.subscribe(handler, { ...options, fromPosition: start });
    const untrack = () => {
      if (this.#feed.subscriptionCount === 0) this.#wakeup?.stop();
    };
    subscription.done.then(untrack, untrack);
    return subscription;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#feed.close();
    this.#wakeup?.stop();
    // The mark of the last appends, so a store started next knows their positions were used;
    // not waited for longer than a moment when the server does not answer.
    let timer: unknown;
    await Promise.race([
      this.#log.flushMark(),
      new Promise<void>((resolve) => {
        timer = systemTimers.setTimeout(resolve, MARK_FLUSH_ON_CLOSE_MS);
      }),
    ]);
    systemTimers.clearTimeout(timer);
  }

  #assertOpen(operation: string): void {
    if (this.#closed) throw new StoreClosedError(operation);
  }
}
