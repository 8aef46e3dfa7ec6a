/** What the stream's version must be for an append to go through. */
export type ExpectedVersion = number | 'any' | 'no_stream' | 'stream_exists';

export interface EventMetadata {
  correlationId?: string;
  causationId?: string;
  userId?: string;
  tenantId?: string;
  [key: string]: unknown;
}

export interface NewEvent<T = unknown> {
  type: string;
  /** A plain JSON-like object; Date values survive a round trip. */
  data: T;
  metadata?: EventMetadata;
  /** UUID; generated when absent; the key for idempotent retries. */
  eventId?: string;
}

export interface RecordedEvent<T = unknown> {
  eventId: string;
  streamId: string;
  type: string;
  data: T;
  metadata: EventMetadata;
  /** 1-based place in its stream. */
  version: number;
  /** 1-based place in the store-wide log. */
  position: number;
  recordedAt: Date;
}

export interface AggregateSnapshot {
  streamId: string;
  version: number;
  data: unknown;
  timestamp: Date;
}

/** Describes the last event written by an append. */
export interface AppendResult {
  nextExpectedVersion: number;
  position: number;
}

export interface Subscription {
  close(): Promise<void>;
  /** Settles when the subscription stops: resolves on close, rejects with the handler's error. */
  readonly done: Promise<void>;
  /** Position of the last event the handler finished with (0 before the first). */
  readonly position: number;
  /** The error that stopped the subscription, if one did. */
  readonly error: unknown;
}

export type ReadDirection = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  /** Only events with `version >= fromVersion` (default 1), in either direction. */
  fromVersion?: number;
  direction?: ReadDirection;
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Only events with `position > fromPosition` (default 0). */
  fromPosition?: number;
  maxCount?: number;
  /** Only these event types. */
  types?: readonly string[];
}

export type EventHandler = (event: RecordedEvent) => void | Promise<void>;

export interface SubscribeOptions {
  /**
   * Names the subscription in telemetry (`messaging.consumer.group.name` of its consumer
   * spans and lag gauges) and in log lines.
   */
  name?: string;
  /**
   * `false`: handler calls are not consumer spans (a subscription used as a wake-up signal,
   * whose handler does no work worth a span). Lag gauges are still reported. Default true.
   */
  traced?: boolean;
  /** Catch up on every event after this position, then go live. Omit to get only new events. */
  fromPosition?: number;
  /** Only these event types are handed to the handler. */
  types?: readonly string[];
  /** Called once with the handler's error when it stops the subscription. */
  onError?: (error: unknown) => void;
}

export interface EventStore {
  append(
    streamId: string,
    events: readonly NewEvent[],
    expectedVersion?: ExpectedVersion,
  ): Promise<AppendResult>;
  getEvents(streamId: string, fromVersion?: number): Promise<RecordedEvent[]>;
  readStream(streamId: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;
  getStreamVersion(streamId: string): Promise<number>;
  /** Position of the last event in the log (0 when it is empty). */
  headPosition(): Promise<number>;
  /** The latest snapshot, or `null`; never one of a version the stream does not have. */
  getSnapshot(streamId: string): Promise<AggregateSnapshot | null>;
  /**
   * Keeps the snapshot unless the stored one is newer, or its version is beyond the stream's
   * (then it is dropped: the stream's next events must not make it look valid).
   */
  saveSnapshot(snapshot: AggregateSnapshot): Promise<void>;
  subscribe(handler: EventHandler, options?: SubscribeOptions): Subscription;
  close(): Promise<void>;
}
