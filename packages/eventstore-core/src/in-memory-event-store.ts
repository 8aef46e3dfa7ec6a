import { DuplicateEventIdError, StoreClosedError, ValidationError } from './errors.js';
import { assertExpectedVersionMet, isRetryOf } from './expected-version.js';
import { LogFeed } from './log-feed.js';
import type { EventRegistry } from './registry.js';
import type {
  AggregateSnapshot,
  AppendResult,
  EventHandler,
  EventStore,
  ExpectedVersion,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
} from './types.js';
import { assertNonNegativeInteger, assertStreamId, assertTypes } from './asserts.js';
import { type MakePrepared, prepareAppend, prepareAppendAs } from './prepare-events.js';
import { validateReadAllOptions, validateReadStreamOptions } from './read-options.js';
import { prepareSnapshot } from './snapshot-input.js';
import { readOnlyDate } from './read-only-date.js';
import {
  CursorIterable,
  type LogRange,
  LogCursor,
  type StreamRange,
  StreamCursor,
} from './read-cursors.js';
import { StoreTelemetry } from './telemetry/store-telemetry.js';
import type { TraceCarrier } from './telemetry/trace-context.js';
import type { TelemetryOptions } from './telemetry/telemetry.js';

export interface InMemoryEventStoreOptions extends TelemetryOptions {
  /** Validates appends and upcasts reads when given. */
  registry?: EventRegistry<any>;
  /** Source of `recordedAt`; injectable for deterministic tests. */
  clock?: () => Date;
}

interface StreamState {
  events: RecordedEvent[];
  /**
   * Version of every event id in the stream: what tells a retry from a new append. Built the
   * first time an append to the stream brings ids of its own (ids made here cannot clash), so
   * streams only ever appended with generated ids never pay for it.
   */
  versionById: Map<string, number> | undefined;
}

/** A record while its batch is checked: placed, timed and frozen only once all of it passed. */
type DraftRecord = { -readonly [K in keyof RecordedEvent]: RecordedEvent[K] };

/** What a draft's `recordedAt` holds until its batch is stored; never handed out. */
const NOT_RECORDED: Date = readOnlyDate(0);

function indexOf(stream: StreamState): Map<string, number> {
  if (!stream.versionById) {
    stream.versionById = new Map();
    for (const e of stream.events) stream.versionById.set(e.eventId, e.version);
  }
  return stream.versionById;
}

/**
 * The reference `EventStore`: every behaviour of the contract, held in process memory.
 * Stored events are frozen, so reads hand them out without copying.
 */
export class InMemoryEventStore implements EventStore {
  readonly #log: RecordedEvent[] = [];
  readonly #streams = new Map<string, StreamState>();
  readonly #snapshots = new Map<string, AggregateSnapshot>();
  readonly #registry: EventRegistry<any> | undefined;
  /** What reads hand each event to (upcasting): nothing without a registry. */
  readonly #decodeEvent: ((event: RecordedEvent) => RecordedEvent) | undefined;
  readonly #clock: (() => Date) | undefined;
  /** Every append wakes it, so it never polls. */
  readonly #feed: LogFeed;
  readonly #telemetry: StoreTelemetry;
  #closed = false;

  constructor(options: InMemoryEventStoreOptions = {}) {
    const registry = options.registry;
    this.#registry = registry;
    this.#decodeEvent = registry ? (event) => registry.decode(event) : undefined;
    this.#clock = options.clock;
    const telemetry = { ...options, scope: '@flowra/eventstore-core' };
    this.#telemetry = new StoreTelemetry({ ...telemetry, system: 'flowra.memory' });
    this.#feed = new LogFeed(
      {
        readPage: (after, limit) => {
          const page = this.#log.slice(after, after + limit);
          return this.#registry ? page.map((e) => this.#registry!.decode(e)) : page;
        },
        headPosition: () => this.#log.length,
      },
      { telemetry },
    );
  }

  /** Position of the last event in the log (0 when empty). */
  async headPosition(): Promise<number> {
    this.#assertOpen('headPosition');
    return this.#log.length;
  }

  async append(
    streamId: string,
    events: readonly NewEvent[],
    expectedVersion: ExpectedVersion = 'any',
  ): Promise<AppendResult> {
    return this.#telemetry.append(streamId, expectedVersion, events, (input, trace) =>
      this.#appendSync(streamId, input, expectedVersion, trace.carrier),
    );
  }

  /** `append` without the promise (and without telemetry); the in-memory store never waits. */
  appendSync(
    streamId: string,
    events: readonly NewEvent[],
    expectedVersion: ExpectedVersion = 'any',
  ): AppendResult {
    return this.#appendSync(streamId, events, expectedVersion, undefined);
  }

  #appendSync(
    streamId: string,
    events: readonly NewEvent[],
    expectedVersion: ExpectedVersion,
    trace: TraceCarrier | undefined,
  ): AppendResult {
    this.#assertOpen('append');
    // Ids made here cannot clash with anything stored, so only a caller's own are looked up.
    let callerIds = false;
    // Each record is made as its event passes the checks, nothing in between to make and drop;
    // its place and time are only filled in below, once the whole batch has passed.
    const draft: MakePrepared<DraftRecord> = (eventId, generatedId, type, data, metadata) => {
      if (!generatedId) callerIds = true;
      return {
        eventId,
        streamId,
        type,
        data,
        metadata,
        version: 0,
        position: 0,
        recordedAt: NOT_RECORDED,
      };
    };
    const registry = this.#registry;
    const records =
      registry === undefined
        ? prepareAppendAs(streamId, events, expectedVersion, draft, trace)
        : prepareAppend(streamId, events, expectedVersion, registry, trace).map((e, i) =>
            draft(e.eventId, e.generatedId ?? false, e.type, e.data, e.metadata, i),
          );

    // Read only now: checking the batch runs the caller's code (getters, a schema's
    // refinements), which may itself have appended to this store.
    const stream = this.#streams.get(streamId);
    const actual = stream === undefined ? 0 : stream.events.length;
    if (stream !== undefined && callerIds) {
      const index = indexOf(stream);
      const replayed = index.get(records[0]!.eventId);
      if (replayed !== undefined) {
        return this.#replayRetry(streamId, stream, records, replayed, expectedVersion);
      }
      for (const event of records) {
        if (index.has(event.eventId)) throw new DuplicateEventIdError(streamId, event.eventId);
      }
    }
    assertExpectedVersionMet(streamId, expectedVersion, actual);
    const count = records.length;
    if (count === 0) {
      return { nextExpectedVersion: actual, position: stream?.events.at(-1)?.position ?? 0 };
    }

    const log = this.#log;
    const first = log.length + 1;
    // One frozen Date for the batch: its events were recorded at the same instant.
    const recordedAt = readOnlyDate(
      this.#clock === undefined ? Date.now() : this.#clock().getTime(),
    );
    const target: StreamState = stream ?? { events: [], versionById: undefined };
    const index = target.versionById;
    const streamEvents = target.events;
    for (let i = 0; i < count; i++) {
      const recorded = records[i]!;
      recorded.version = actual + i + 1;
      recorded.position = first + i;
      recorded.recordedAt = recordedAt;
      Object.freeze(recorded);
      log.push(recorded);
      streamEvents.push(recorded);
      if (index !== undefined) index.set(recorded.eventId, recorded.version);
    }
    if (stream === undefined) this.#streams.set(streamId, target);
    this.#feed.wake();
    return { nextExpectedVersion: actual + count, position: first + count - 1 };
  }

  #replayRetry(
    streamId: string,
    stream: StreamState,
    prepared: readonly { eventId: string }[],
    first: number,
    expectedVersion: ExpectedVersion,
  ): AppendResult {
    // Only a run of the stream's own events, in order, is a retry; anything else reuses ids.
    for (let i = 0; i < prepared.length; i++) {
      if (stream.events[first - 1 + i]?.eventId !== prepared[i]!.eventId) {
        throw new DuplicateEventIdError(streamId, prepared[0]!.eventId);
      }
    }
    if (!isRetryOf(expectedVersion, first)) {
      assertExpectedVersionMet(streamId, expectedVersion, stream.events.length);
      throw new DuplicateEventIdError(streamId, prepared[0]!.eventId);
    }
    const last = stream.events[first - 2 + prepared.length]!;
    return { nextExpectedVersion: last.version, position: last.position };
  }

  getEvents(streamId: string, fromVersion = 1): Promise<RecordedEvent[]> {
    return this.#telemetry.readArray('getEvents', streamId, () =>
      this.#getEvents(streamId, fromVersion),
    );
  }

  #getEvents(streamId: string, fromVersion: number): RecordedEvent[] {
    this.#assertOpen('getEvents');
    assertStreamId(streamId);
    assertNonNegativeInteger(fromVersion, 'fromVersion', { streamId });
    const events = this.#streams.get(streamId)?.events ?? [];
    const slice = events.slice(Math.max(0, fromVersion - 1));
    return this.#registry ? slice.map((e) => this.#registry!.decode(e)) : slice;
  }

  readStream(streamId: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    const open = (): StreamRange => {
      this.#assertOpen('readStream');
      const { fromVersion, direction, maxCount } = validateReadStreamOptions(streamId, options);
      const events = this.#streams.get(streamId)?.events ?? [];
      const lowest = Math.max(0, fromVersion - 1);
      const count = Math.min(maxCount, Math.max(0, events.length - lowest));
      return direction === 'forwards'
        ? { events, first: lowest, step: 1, count }
        : { events, first: events.length - 1, step: -1, count };
    };
    return this.#telemetry.read(
      'readStream',
      streamId,
      new CursorIterable(StreamCursor, open, this.#decodeEvent),
    );
  }

  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    const open = (): LogRange => {
      this.#assertOpen('readAll');
      const { fromPosition, maxCount, types } = validateReadAllOptions(options);
      return { log: this.#log, from: fromPosition, maxCount, types };
    };
    return this.#telemetry.read(
      'readAll',
      undefined,
      new CursorIterable(LogCursor, open, this.#decodeEvent),
    );
  }

  async getStreamVersion(streamId: string): Promise<number> {
    this.#assertOpen('getStreamVersion');
    assertStreamId(streamId);
    return this.#streams.get(streamId)?.events.length ?? 0;
  }

  async getSnapshot(streamId: string): Promise<AggregateSnapshot | null> {
    this.#assertOpen('getSnapshot');
    assertStreamId(streamId);
    const snapshot = this.#snapshots.get(streamId);
    // A snapshot of a version the stream does not have never outranks the events.
    if (!snapshot || snapshot.version > (this.#streams.get(streamId)?.events.length ?? 0)) {
      return null;
    }
    return { ...snapshot, timestamp: new Date(snapshot.timestamp.getTime()) };
  }

  async saveSnapshot(snapshot: AggregateSnapshot): Promise<void> {
    this.#assertOpen('saveSnapshot');
    const prepared = prepareSnapshot(snapshot);
    const stored = this.#snapshots.get(prepared.streamId);
    const streamVersion = this.#streams.get(prepared.streamId)?.events.length ?? 0;
    // Of a version the stream does not have: not kept, or the stream's next events would make
    // it look valid, though it was never folded from them.
    if (prepared.version > streamVersion) return;
    if (stored && stored.version > prepared.version) return;
    this.#snapshots.set(prepared.streamId, prepared);
  }

  subscribe(handler: EventHandler, options: SubscribeOptions = {}): Subscription {
    this.#assertOpen('subscribe');
    if (typeof handler !== 'function') {
      throw new ValidationError('handler', 'must be a function');
    }
    if (options.fromPosition !== undefined) {
      assertNonNegativeInteger(options.fromPosition, 'fromPosition');
    }
    assertTypes(options.types);
    return this.#feed.subscribe(handler, {
      ...options,
      fromPosition: options.fromPosition ?? this.#log.length,
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#feed.close();
    this.#log.length = 0;
    this.#streams.clear();
    this.#snapshots.clear();
  }

  #assertOpen(operation: string): void {
    if (this.#closed) throw new StoreClosedError(operation);
  }
}
