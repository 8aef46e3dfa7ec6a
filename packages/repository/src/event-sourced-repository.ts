import {
  type AggregateSnapshot,
  type AppendResult,
  ConcurrencyError,
  EventDecodingError,
  type EventMetadata,
  type EventStore,
  type ExpectedVersion,
  type NewEvent,
  FlowraAttributes as A,
  type RecordedEvent,
  type TelemetryOptions,
  ValidationError,
} from '@flowra/eventstore-core';
import {
  LruCache,
  Telemetry,
  assertNonNegativeInteger,
  inSpan,
} from '@flowra/eventstore-core/adapter';
import type { Span } from '@opentelemetry/api';
import type { AggregateDefinition, EventSourcedAggregate } from './aggregate.js';
import { copyState } from './copy-state.js';
import { AggregateNotFoundError, TenantMismatchError, UncommittedEventsError } from './errors.js';
import { defaultStreamNaming, type StreamNamingStrategy } from './stream-naming.js';

/** Who asked for a change: flows into the metadata of every event the save appends. */
export interface SaveContext {
  correlationId?: string;
  causationId?: string;
  userId?: string;
  /** Further metadata for every event of this save. */
  metadata?: Record<string, unknown>;
}

export type SnapshotPolicy =
  | { every: number }
  | {
      when: (info: {
        aggregate: EventSourcedAggregate;
        version: number;
        previousVersion: number;
      }) => boolean;
    }
  | false;

export interface RepositoryOptions<T extends EventSourcedAggregate> extends TelemetryOptions {
  store: EventStore;
  aggregate: AggregateDefinition<T>;
  naming?: StreamNamingStrategy;
  /** When to save a snapshot after a save (default: every 100 events). */
  snapshots?: SnapshotPolicy;
  /** Aggregates kept in memory, rebuilt from their snapshot form (default 1000; 0 disables). */
  cacheSize?: number;
  /** Reports problems that do not fail the call: an ignored snapshot, a failed snapshot save. */
  onWarning?: (message: string, cause?: unknown) => void;
}

export interface UpdateOptions {
  /** Re-load and re-run `fn` this many times after a `ConcurrencyError` (default 3). */
  retries?: number;
  context?: SaveContext;
}

/** Counters that make the load paths measurable. */
export interface RepositoryStats {
  /** Events read and applied to aggregates. */
  eventsRead: number;
  snapshotsUsed: number;
  /** Snapshots not used: another schema, unreadable, or ahead of (or other than) the stream's events. */
  snapshotsIgnored: number;
  snapshotsSaved: number;
  cacheHits: number;
  cacheMisses: number;
  /** Cache entries dropped because the stream no longer holds the event they were built up to. */
  cacheEntriesIgnored: number;
  conflicts: number;
}

interface Loaded {
  /** The stream version this aggregate's state reflects: the expected version of its next save. */
  streamVersion: number;
  /** Log position of the event at `streamVersion` (0 when none): what identifies that event. */
  lastPosition: number;
}

interface CacheEntry {
  snapshot: unknown;
  version: number;
  streamVersion: number;
  lastPosition: number;
}

interface SnapshotEnvelope {
  schemaVersion: number;
  aggregateType: string;
  state: unknown;
  /** Position of the last event folded in; absent in snapshots written before it was kept. */
  lastPosition?: number;
}

/** Where a load starts from: a cached or snapshotted state, checked against the stream before use. */
interface Start<T> {
  aggregate: T;
  streamVersion: number;
  lastPosition: number | undefined;
  source: 'cache' | 'snapshot';
}

/** Times a save to a shared stream is made again at its new end before the conflict is the caller's. */
const SHARED_STREAM_REBASES = 8;

/**
 * A type the naming cannot use fails every load and save; said when the repository is made
 * instead. Only the type is judged: the probe id may not suit the naming (temporal).
 */
function assertNamesType(naming: StreamNamingStrategy, aggregateType: string): void {
  try {
    naming.streamId(aggregateType, '019a8b2c-0000-7000-8000-000000000001');
  } catch (error) {
    if (ValidationError.isInstance(error) && error.field === 'aggregateType') throw error;
  }
}

function assertSnapshotPolicy(policy: SnapshotPolicy): void {
  if (policy === false) return;
  if (typeof policy === 'object' && policy !== null) {
    if ('every' in policy) {
      if (Number.isSafeInteger(policy.every) && policy.every > 0) return;
      throw new ValidationError(
        'snapshots.every',
        `must be a positive integer, got ${String(policy.every)}`,
      );
    }
    if ('when' in policy && typeof policy.when === 'function') return;
  }
  throw new ValidationError(
    'snapshots',
    'must be false, { every: n } or { when: (info) => boolean }',
  );
}

/**
 * Loads aggregates from their streams (latest snapshot, then only the events after it) and
 * saves their new events with the loaded version as the expected version.
 */
export class EventSourcedRepository<T extends EventSourcedAggregate> {
  readonly stats: RepositoryStats = {
    eventsRead: 0,
    snapshotsUsed: 0,
    snapshotsIgnored: 0,
    snapshotsSaved: 0,
    cacheHits: 0,
    cacheMisses: 0,
    cacheEntriesIgnored: 0,
    conflicts: 0,
  };
  readonly #store: EventStore;
  readonly #factory: AggregateDefinition<T>;
  readonly #naming: StreamNamingStrategy;
  readonly #snapshots: SnapshotPolicy;
  /** Keyed by aggregate id: a stream may be shared by many aggregates (hash naming). */
  readonly #cache: LruCache<string, CacheEntry> | undefined;
  readonly #loaded = new WeakMap<T, Loaded>();
  readonly #warn: (message: string, cause?: unknown) => void;
  readonly #telemetry: Telemetry;

  constructor(options: RepositoryOptions<T>) {
    this.#telemetry = new Telemetry('@flowra/repository', options);
    this.#store = options.store;
    this.#factory = options.aggregate;
    this.#naming = options.naming ?? defaultStreamNaming();
    assertNamesType(this.#naming, options.aggregate.aggregateType);
    const snapshots = options.snapshots ?? { every: 100 };
    assertSnapshotPolicy(snapshots);
    this.#snapshots = this.#naming.shared ? false : snapshots;
    const cacheSize = options.cacheSize ?? 1000;
    assertNonNegativeInteger(cacheSize, 'cacheSize');
    this.#cache = cacheSize > 0 ? new LruCache(cacheSize) : undefined;
    const logger = this.#telemetry.logger;
    const onWarning = options.onWarning;
    this.#warn = (message, cause) => {
      logger.warn({ aggregateType: this.#factory.aggregateType, err: cause }, message);
      onWarning?.(message, cause);
    };
  }

  #span<R>(operation: string, aggregateId: string, fn: (span: Span) => Promise<R>): Promise<R> {
    return inSpan(
      this.#telemetry,
      `${operation} ${this.#factory.aggregateType}`,
      () => ({
        [A.AGGREGATE_TYPE]: this.#factory.aggregateType,
        [A.STREAM_ID]: this.streamIdOf(aggregateId),
      }),
      fn,
    );
  }

  streamIdOf(aggregateId: string): string {
    return this.#naming.streamId(this.#factory.aggregateType, aggregateId);
  }

  /** The aggregate, or `null` when its stream holds none of its events. */
  getById(aggregateId: string): Promise<T | null> {
    return this.#span('load', aggregateId, (span) => this.#getById(aggregateId, span));
  }

  async #getById(aggregateId: string, span: Span): Promise<T | null> {
    const streamId = this.streamIdOf(aggregateId);
    const readBefore = this.stats.eventsRead;
    let start = this.#fromCache(aggregateId);
    if (start) this.stats.cacheHits++;
    else {
      this.stats.cacheMisses++;
      start = await this.#fromSnapshot(streamId, aggregateId);
    }
    let loaded = start ? await this.#replay(streamId, aggregateId, start) : undefined;
    if (!loaded) {
      if (start) this.#ignore(streamId, aggregateId, start);
      loaded = (await this.#replay(streamId, aggregateId, undefined))!;
    } else if (start?.source === 'snapshot') {
      this.stats.snapshotsUsed++;
    }
    const { aggregate, streamVersion, lastPosition } = loaded;
    if (span.isRecording()) {
      const used = loaded.from;
      span.setAttributes({
        [A.CACHE_HIT]: used?.source === 'cache',
        [A.SNAPSHOT_USED]: used?.source === 'snapshot',
        ...(used?.source === 'snapshot' ? { [A.SNAPSHOT_VERSION]: used.streamVersion } : {}),
        [A.EVENTS_REPLAYED]: this.stats.eventsRead - readBefore,
        [A.STREAM_VERSION]: streamVersion,
      });
    }
    if (aggregate.version === 0) return null;
    this.#loaded.set(aggregate, { streamVersion, lastPosition });
    // A cache hit the stream had nothing to add to leaves the entry as it is: no copy.
    if (loaded.from?.source !== 'cache' || loaded.from.streamVersion !== streamVersion) {
      this.#remember(aggregate, streamVersion, lastPosition);
    }
    return aggregate;
  }

  /**
   * Applies the stream's events after the start. Even a cached aggregate reads the stream, so a
   * save made elsewhere is never missed; and a start is only trusted when the stream still holds
   * the very event it was built up to (same version, same position): after a restore or a
   * rolled-back failover the stream may be shorter, or hold other events at those versions.
   * `undefined` when the start does not fit the stream.
   */
  async #replay(
    streamId: string,
    aggregateId: string,
    start: Start<T> | undefined,
  ): Promise<
    { aggregate: T; streamVersion: number; lastPosition: number; from?: Start<T> } | undefined
  > {
    const aggregate = start?.aggregate ?? this.#factory.empty(aggregateId);
    let streamVersion = start?.streamVersion ?? 0;
    let lastPosition = start?.lastPosition ?? 0;
    let checked = streamVersion === 0;
    for await (const event of this.#store.readStream(streamId, {
      fromVersion: Math.max(1, streamVersion),
    })) {
      if (!checked) {
        if (
          event.version !== streamVersion ||
          (start?.lastPosition !== undefined && event.position !== start.lastPosition)
        ) {
          return undefined;
        }
        checked = true;
        lastPosition = event.position;
        continue;
      }
      this.stats.eventsRead++;
      streamVersion = event.version;
      lastPosition = event.position;
      if (!this.#belongs(event, aggregateId)) continue;
      aggregate.applyEvent({ type: event.type, data: event.data });
    }
    return checked
      ? { aggregate, streamVersion, lastPosition, ...(start ? { from: start } : {}) }
      : undefined;
  }

  #ignore(streamId: string, aggregateId: string, start: Start<T>): void {
    const what =
      start.source === 'cache'
        ? `cached ${this.#factory.aggregateType} state of '${streamId}'`
        : `snapshot of '${streamId}'`;
    if (start.source === 'cache') {
      this.stats.cacheEntriesIgnored++;
      this.#cache?.delete(aggregateId);
    } else {
      this.stats.snapshotsIgnored++;
    }
    this.#warn(
      `${what} at version ${start.streamVersion} does not match the stream's events (a restore or a rolled-back write?): rebuilding from the events`,
    );
  }

  #fromCache(aggregateId: string): Start<T> | undefined {
    const cached = this.#cache?.get(aggregateId);
    if (!cached) return undefined;
    try {
      return {
        // A copy: an aggregate may change the state it was restored from in place, and a
        // command that then fails must leave nothing of it behind.
        aggregate: this.#factory.fromSnapshot(
          aggregateId,
          copyState(cached.snapshot),
          cached.version,
        ),
        streamVersion: cached.streamVersion,
        lastPosition: cached.lastPosition,
        source: 'cache',
      };
    } catch (error) {
      this.#cache?.delete(aggregateId);
      this.#warn(
        `cached ${this.#factory.aggregateType} '${aggregateId}' could not be restored`,
        error,
      );
      return undefined;
    }
  }

  /** Like `getById`, but a missing aggregate is an `AggregateNotFoundError`. */
  load(aggregateId: string): Promise<T> {
    return this.#span('load', aggregateId, (span) => this.#load(aggregateId, span));
  }

  async #load(aggregateId: string, span: Span): Promise<T> {
    const aggregate = await this.#getById(aggregateId, span);
    if (!aggregate) {
      throw new AggregateNotFoundError(
        this.#factory.aggregateType,
        aggregateId,
        this.streamIdOf(aggregateId),
      );
    }
    return aggregate;
  }

  /**
   * Appends the aggregate's uncommitted events, expecting the stream version it was loaded
   * at (a new aggregate: a stream that does not exist yet), then marks them committed.
   */
  save(aggregate: T, context: SaveContext = {}): Promise<AppendResult | null> {
    if (aggregate.uncommittedEvents.length === 0) return Promise.resolve(null);
    return this.#span('save', aggregate.id, (span) => this.#save(aggregate, context, span));
  }

  async #save(aggregate: T, context: SaveContext, span: Span): Promise<AppendResult | null> {
    const pending = aggregate.uncommittedEvents;
    if (pending.length === 0) return null;
    const streamId = this.streamIdOf(aggregate.id);
    const loaded = this.#loaded.get(aggregate);
    const expected: ExpectedVersion = loaded
      ? loaded.streamVersion
      : this.#naming.shared
        ? 0
        : aggregate.version - pending.length;
    const metadata = this.#metadata(aggregate.id, context);
    const events: NewEvent[] = pending.map((e) => ({
      type: e.type,
      data: e.data,
      metadata,
    }));
    span.setAttributes({
      [A.EVENT_COUNT]: events.length,
      [A.EXPECTED_VERSION]: String(expected),
    });
    let result: AppendResult;
    try {
      result = this.#naming.shared
        ? await this.#appendShared(streamId, aggregate, events, loaded)
        : await this.#store.append(streamId, events, expected);
      span.setAttribute(A.STREAM_VERSION, result.nextExpectedVersion);
    } catch (error) {
      if (ConcurrencyError.isInstance(error)) {
        this.stats.conflicts++;
        this.#cache?.delete(aggregate.id);
      }
      throw error;
    }
    const previousVersion = aggregate.version - pending.length;
    aggregate.markCommitted();
    this.#loaded.set(aggregate, {
      streamVersion: result.nextExpectedVersion,
      lastPosition: result.position,
    });
    this.#remember(aggregate, result.nextExpectedVersion, result.position);
    if (this.#shouldSnapshot(streamId, aggregate, previousVersion)) {
      await this.#saveSnapshot(streamId, aggregate);
    }
    return result;
  }

  /**
   * A stream shared by many aggregates moves with each of their saves, so its version alone
   * cannot tell a conflict: an append that finds it moved reads what was added since, and only
   * an event of this aggregate there (or, for one not loaded here, a count of its events other
   * than the aggregate has) is a conflict. Otherwise the append is made again at the new end.
   */
  async #appendShared(
    streamId: string,
    aggregate: T,
    events: NewEvent[],
    loaded: Loaded | undefined,
  ): Promise<AppendResult> {
    const known = aggregate.version - aggregate.uncommittedEvents.length;
    // Not loaded here (new, or loaded by another repository): its events are counted from the start.
    let at = loaded?.streamVersion ?? 0;
    let own = loaded ? known : 0;
    for (let round = 0; ; round++) {
      try {
        return await this.#store.append(streamId, events, at);
      } catch (error) {
        // A shard shorter than what was read (a restore, a rolled-back write) has nothing to
        // rebase onto: only a reload can tell what this aggregate is now.
        if (
          !ConcurrencyError.isInstance(error) ||
          round === SHARED_STREAM_REBASES ||
          error.actualVersion < at
        ) {
          throw error;
        }
        for await (const event of this.#store.readStream(streamId, { fromVersion: at + 1 })) {
          if (this.#belongs(event, aggregate.id)) own++;
          at = event.version;
        }
        if (own !== known) throw error;
      }
    }
  }

  /**
   * Loads, runs `fn`, saves; on a `ConcurrencyError` loads again and re-runs `fn`, so `fn`
   * must decide from the aggregate it is given (commands re-check their invariants).
   */
  update(
    aggregateId: string,
    fn: (aggregate: T) => void | Promise<void>,
    options: UpdateOptions = {},
  ): Promise<T> {
    const retries = options.retries ?? 3;
    try {
      assertNonNegativeInteger(retries, 'retries');
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#span('update', aggregateId, async (span) => {
      for (let attempt = 0; ; attempt++) {
        span.setAttribute(A.RETRIES, attempt);
        const aggregate = await this.load(aggregateId);
        await fn(aggregate);
        try {
          await this.save(aggregate, options.context);
          return aggregate;
        } catch (error) {
          if (!ConcurrencyError.isInstance(error)) throw error;
          if (attempt >= retries) {
            this.#telemetry.logger.warn(
              {
                aggregateType: this.#factory.aggregateType,
                aggregateId,
                streamId: this.streamIdOf(aggregateId),
                attempts: attempt + 1,
                err: error,
              },
              'update gave up: the stream kept changing under it',
            );
            throw error;
          }
        }
      }
    });
  }

  /** Saves a snapshot of the aggregate as it is now (committed events only). */
  async snapshot(aggregate: T): Promise<void> {
    const streamId = this.streamIdOf(aggregate.id);
    const unsaved = aggregate.uncommittedEvents.length;
    if (unsaved > 0) {
      throw new UncommittedEventsError(
        this.#factory.aggregateType,
        aggregate.id,
        streamId,
        unsaved,
      );
    }
    await this.#saveSnapshot(streamId, aggregate);
  }

  async #fromSnapshot(streamId: string, aggregateId: string): Promise<Start<T> | undefined> {
    if (this.#snapshots === false) return undefined;
    let snapshot: AggregateSnapshot | null;
    try {
      snapshot = await this.#store.getSnapshot(streamId);
    } catch (error) {
      // A stored snapshot the store cannot decode (an operator's edit, damage) is no reason not
      // to load: the events still are. Anything else, an unreachable store, is.
      if (!EventDecodingError.isInstance(error)) throw error;
      return this.#skipSnapshot(streamId, 'could not be read', error);
    }
    if (!snapshot) return undefined;
    if (!Number.isSafeInteger(snapshot.version) || snapshot.version < 1) {
      // No event has version 0: a snapshot "of" it would be taken for the state every event is
      // then applied to.
      return this.#skipSnapshot(
        streamId,
        `has version ${String(snapshot.version)}, not one of the stream's`,
      );
    }
    const envelope = snapshot.data as Partial<SnapshotEnvelope> | null;
    if (envelope?.schemaVersion !== this.#factory.snapshotSchemaVersion) {
      return this.#skipSnapshot(
        streamId,
        `has schema version ${String(envelope?.schemaVersion)}, expected ${this.#factory.snapshotSchemaVersion}`,
      );
    }
    if (envelope.aggregateType !== this.#factory.aggregateType) {
      return this.#skipSnapshot(
        streamId,
        `is of aggregate type ${JSON.stringify(envelope.aggregateType)}, expected '${this.#factory.aggregateType}'`,
      );
    }
    try {
      const aggregate = this.#factory.fromSnapshot(aggregateId, envelope.state, snapshot.version);
      return {
        aggregate,
        streamVersion: snapshot.version,
        lastPosition: typeof envelope.lastPosition === 'number' ? envelope.lastPosition : undefined,
        source: 'snapshot',
      };
    } catch (error) {
      return this.#skipSnapshot(streamId, 'could not be restored', error);
    }
  }

  /** A snapshot that cannot be used costs a replay, never a load. */
  #skipSnapshot(streamId: string, why: string, cause?: unknown): undefined {
    this.stats.snapshotsIgnored++;
    this.#warn(`snapshot of '${streamId}' ${why}: replaying the stream`, cause);
    return undefined;
  }

  #shouldSnapshot(streamId: string, aggregate: T, previousVersion: number): boolean {
    const policy = this.#snapshots;
    if (policy === false) return false;
    if ('every' in policy) {
      return (
        Math.floor(aggregate.version / policy.every) > Math.floor(previousVersion / policy.every)
      );
    }
    try {
      return Boolean(policy.when({ aggregate, version: aggregate.version, previousVersion }));
    } catch (error) {
      // The events are saved by now: a caller told otherwise would save them again.
      this.#warn(
        `snapshot policy failed for '${streamId}' at version ${aggregate.version}: no snapshot taken`,
        error,
      );
      return false;
    }
  }

  async #saveSnapshot(streamId: string, aggregate: T): Promise<void> {
    const data: SnapshotEnvelope = {
      schemaVersion: this.#factory.snapshotSchemaVersion,
      aggregateType: this.#factory.aggregateType,
      state: aggregate.toSnapshot(),
    };
    const lastPosition = this.#loaded.get(aggregate)?.lastPosition;
    if (lastPosition) data.lastPosition = lastPosition;
    try {
      await this.#store.saveSnapshot({
        streamId,
        version: aggregate.version,
        data,
        timestamp: new Date(),
      });
      this.stats.snapshotsSaved++;
    } catch (error) {
      // The events are saved; a missing snapshot only costs a longer replay later.
      this.#warn(`snapshot of '${streamId}' at version ${aggregate.version} was not saved`, error);
    }
  }

  #remember(aggregate: T, streamVersion: number, lastPosition: number): void {
    if (!this.#cache || aggregate.uncommittedEvents.length > 0) return;
    let snapshot: unknown;
    try {
      // A copy: the caller goes on changing the aggregate, maybe the very state it returned.
      snapshot = copyState(aggregate.toSnapshot());
    } catch (error) {
      this.#cache.delete(aggregate.id);
      this.#warn(
        `${this.#factory.aggregateType} '${aggregate.id}' not cached: its snapshot form is not plain data`,
        error,
      );
      return;
    }
    this.#cache.set(aggregate.id, {
      snapshot,
      version: aggregate.version,
      streamVersion,
      lastPosition,
    });
  }

  #belongs(event: RecordedEvent, aggregateId: string): boolean {
    const tenantId = this.#naming.tenantId;
    if (
      tenantId !== undefined &&
      event.metadata.tenantId !== undefined &&
      event.metadata.tenantId !== tenantId
    ) {
      throw new TenantMismatchError(event.streamId, tenantId, event.metadata.tenantId);
    }
    return !this.#naming.shared || event.metadata.aggregateId === aggregateId;
  }

  #metadata(aggregateId: string, context: SaveContext): EventMetadata {
    const extra: unknown = context.metadata;
    if (
      extra !== undefined &&
      (typeof extra !== 'object' || extra === null || Array.isArray(extra))
    ) {
      throw new ValidationError(
        'context.metadata',
        `must be an object, got ${Array.isArray(extra) ? 'an array' : extra === null ? 'null' : typeof extra}`,
        { streamId: this.streamIdOf(aggregateId) },
      );
    }
    const metadata: EventMetadata = {
      ...context.metadata,
      aggregateType: this.#factory.aggregateType,
      aggregateId,
    };
    if (context.correlationId !== undefined) metadata.correlationId = context.correlationId;
    if (context.causationId !== undefined) metadata.causationId = context.causationId;
    if (context.userId !== undefined) metadata.userId = context.userId;
    if (this.#naming.tenantId !== undefined) metadata.tenantId = this.#naming.tenantId;
    return metadata;
  }
}
