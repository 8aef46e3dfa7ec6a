import type { ExpectedVersion } from './types.js';

/**
 * Checks by brand rather than `instanceof`, so an error thrown by one copy of this
 * package is recognised by another (two versions in node_modules, ESM next to CJS).
 */
const BRAND = Symbol.for('@flowra/eventstore-core/error');

function hasBrand(value: unknown, name: string): boolean {
  return (
    typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === name
  );
}

/** The base of every error the Flowra stores throw on purpose. */
export class FlowraError extends Error {
  declare readonly [BRAND]: string;

  constructor(name: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    Object.defineProperty(this, 'name', { value: name, enumerable: false, configurable: true });
    Object.defineProperty(this, BRAND, { value: name, enumerable: false });
  }

  static isFlowraError(value: unknown): value is FlowraError {
    return typeof value === 'object' && value !== null && BRAND in value;
  }

  /** For `isInstance` checks of error classes defined in other packages. */
  static hasName(value: unknown, name: string): boolean {
    return hasBrand(value, name);
  }
}

export class ConcurrencyError extends FlowraError {
  readonly streamId: string;
  readonly expectedVersion: ExpectedVersion;
  readonly actualVersion: number;

  constructor(streamId: string, expectedVersion: ExpectedVersion, actualVersion: number) {
    super(
      'ConcurrencyError',
      `Stream '${streamId}': expected version ${String(expectedVersion)}, actual version ${actualVersion}`,
    );
    this.streamId = streamId;
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }

  static isInstance(value: unknown): value is ConcurrencyError {
    return hasBrand(value, 'ConcurrencyError');
  }
}

/** Input the store refuses before anything is written. `field` names the offending input. */
export class ValidationError extends FlowraError {
  readonly field: string;
  readonly reason: string;
  readonly streamId: string | undefined;
  readonly eventType: string | undefined;

  constructor(
    field: string,
    reason: string,
    context: { streamId?: string; eventType?: string; cause?: unknown } = {},
  ) {
    const where = [
      context.eventType !== undefined ? `event type '${context.eventType}'` : undefined,
      context.streamId !== undefined ? `stream '${context.streamId}'` : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    super('ValidationError', `Invalid ${field}: ${reason}${where ? ` (${where})` : ''}`, {
      cause: context.cause,
    });
    this.field = field;
    this.reason = reason;
    this.streamId = context.streamId;
    this.eventType = context.eventType;
  }

  static isInstance(value: unknown): value is ValidationError {
    return hasBrand(value, 'ValidationError');
  }
}

export class UnknownEventTypeError extends FlowraError {
  readonly eventType: string;
  readonly streamId: string | undefined;
  readonly version: number | undefined;

  constructor(eventType: string, context: { streamId?: string; version?: number } = {}) {
    const at =
      context.streamId !== undefined
        ? ` in stream '${context.streamId}'${context.version !== undefined ? ` at version ${context.version}` : ''}`
        : '';
    super('UnknownEventTypeError', `Unknown event type '${eventType}'${at}`);
    this.eventType = eventType;
    this.streamId = context.streamId;
    this.version = context.version;
  }

  static isInstance(value: unknown): value is UnknownEventTypeError {
    return hasBrand(value, 'UnknownEventTypeError');
  }
}

/** A stored event that cannot be turned back into a `RecordedEvent`. */
export class EventDecodingError extends FlowraError {
  readonly streamId: string;
  readonly version: number | undefined;
  readonly reason: string;
  /** What could not be decoded: one of the stream's events, or its stored snapshot. */
  readonly subject: 'event' | 'snapshot';

  constructor(
    streamId: string,
    version: number | undefined,
    reason: string,
    cause?: unknown,
    subject: 'event' | 'snapshot' = 'event',
  ) {
    super(
      'EventDecodingError',
      `Cannot decode ${subject} of stream '${streamId}'${version !== undefined ? ` at version ${version}` : ''}: ${reason}`,
      { cause },
    );
    this.streamId = streamId;
    this.version = version;
    this.reason = reason;
    this.subject = subject;
  }

  static isInstance(value: unknown): value is EventDecodingError {
    return hasBrand(value, 'EventDecodingError');
  }
}

/** An append reused event ids already stored in the stream, but not as a retry of that append. */
export class DuplicateEventIdError extends FlowraError {
  readonly streamId: string;
  readonly eventId: string;

  constructor(streamId: string, eventId: string) {
    super(
      'DuplicateEventIdError',
      `Stream '${streamId}' already holds event '${eventId}' and this append is not a retry of the one that wrote it`,
    );
    this.streamId = streamId;
    this.eventId = eventId;
  }

  static isInstance(value: unknown): value is DuplicateEventIdError {
    return hasBrand(value, 'DuplicateEventIdError');
  }
}

/** The store was used after `close()`. */
export class StoreClosedError extends FlowraError {
  constructor(operation: string) {
    super('StoreClosedError', `Cannot ${operation}: the event store is closed`);
  }

  static isInstance(value: unknown): value is StoreClosedError {
    return hasBrand(value, 'StoreClosedError');
  }
}

/** The underlying database failed in a way retries did not mend; the cause is attached. */
export class StoreUnavailableError extends FlowraError {
  readonly operation: string;
  readonly streamId: string | undefined;

  constructor(operation: string, cause: unknown, streamId?: string) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(
      'StoreUnavailableError',
      `Event store ${operation}${streamId !== undefined ? ` on stream '${streamId}'` : ''} failed: ${detail}`,
      { cause },
    );
    this.operation = operation;
    this.streamId = streamId;
  }

  static isInstance(value: unknown): value is StoreUnavailableError {
    return hasBrand(value, 'StoreUnavailableError');
  }
}

/**
 * An append did not settle before its deadline. When `outcomeUnknown` is true a write was
 * sent and may still land: retrying the same events (the same `eventIds`, given here) is
 * safe and returns the original result if it did. When false, nothing was written.
 */
export class AppendTimeoutError extends FlowraError {
  readonly streamId: string;
  readonly timeoutMs: number;
  readonly outcomeUnknown: boolean;
  /** The ids of the append's events, generated ones included: retry with exactly these. */
  readonly eventIds: readonly string[];

  constructor(
    streamId: string,
    timeoutMs: number,
    outcomeUnknown: boolean,
    eventIds: readonly string[],
    cause?: unknown,
  ) {
    super(
      'AppendTimeoutError',
      `Append to stream '${streamId}' did not settle within ${timeoutMs} ms: ` +
        (outcomeUnknown
          ? 'its outcome is unknown (it may still land); retrying the same events with the same eventIds is safe'
          : 'nothing was written'),
      { cause },
    );
    this.streamId = streamId;
    this.timeoutMs = timeoutMs;
    this.outcomeUnknown = outcomeUnknown;
    this.eventIds = eventIds;
  }

  static isInstance(value: unknown): value is AppendTimeoutError {
    return hasBrand(value, 'AppendTimeoutError');
  }
}

/**
 * A write was sent and then the store could not find out whether it landed (the database kept
 * failing while it looked). Retrying the same events (the same `eventIds`) is safe.
 */
export class AppendOutcomeUnknownError extends FlowraError {
  readonly streamId: string;
  readonly eventIds: readonly string[];

  constructor(streamId: string, eventIds: readonly string[], cause: unknown) {
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    super(
      'AppendOutcomeUnknownError',
      `Append to stream '${streamId}' may or may not have landed${detail}; retrying the same events with the same eventIds is safe`,
      { cause },
    );
    this.streamId = streamId;
    this.eventIds = eventIds;
  }

  static isInstance(value: unknown): value is AppendOutcomeUnknownError {
    return hasBrand(value, 'AppendOutcomeUnknownError');
  }
}

/**
 * A reader found a hole in the log: position `missingFrom`..`missingTo` absent while later
 * positions exist, for longer than it was allowed to wait. It stopped rather than skip them.
 */
export class LogGapError extends FlowraError {
  /** The last position delivered (or read) before the hole. */
  readonly after: number;
  readonly missingFrom: number;
  readonly missingTo: number;
  readonly waitedMs: number;

  constructor(after: number, missingFrom: number, missingTo: number, waitedMs: number) {
    const which =
      missingFrom === missingTo
        ? `position ${missingFrom} is`
        : `positions ${missingFrom}..${missingTo} are`;
    super(
      'LogGapError',
      `The log has a hole after position ${after}: ${which} missing while later positions exist ` +
        `(waited ${waitedMs} ms). Reading stopped rather than skip them; 'flowra verify' shows the damage.`,
    );
    this.after = after;
    this.missingFrom = missingFrom;
    this.missingTo = missingTo;
    this.waitedMs = waitedMs;
  }

  static isInstance(value: unknown): value is LogGapError {
    return hasBrand(value, 'LogGapError');
  }
}

/**
 * A reader was handed a position at or below one it had already passed: two commits overlap,
 * or one was restored out of order. It stopped rather than deliver the log out of order.
 */
export class LogOrderError extends FlowraError {
  /** The last position delivered (or read). */
  readonly previous: number;
  /** The position that came after it. */
  readonly position: number;
  readonly streamId: string;
  readonly version: number;

  constructor(previous: number, position: number, streamId: string, version: number) {
    super(
      'LogOrderError',
      `The log went backwards: position ${position} (stream '${streamId}' version ${version}) came after position ${previous}. ` +
        `Two commits overlap or one was restored out of order; 'flowra verify' shows where.`,
    );
    this.previous = previous;
    this.position = position;
    this.streamId = streamId;
    this.version = version;
  }

  static isInstance(value: unknown): value is LogOrderError {
    return hasBrand(value, 'LogOrderError');
  }
}

export interface SchemaProblem {
  collection: string;
  /** The index (or collection) the guarantees rest on. */
  index: string;
  problem: 'missing' | 'not-unique' | 'different-key' | 'not-migrated' | 'cannot-build';
  detail: string;
}

/**
 * The store relies on a schema (unique indexes) that is missing or different, so it refuses to
 * write rather than write without its guarantees. `fix` says what to run.
 */
export class StoreSchemaError extends FlowraError {
  readonly problems: readonly SchemaProblem[];
  /** The first problem's index, for quick matching. */
  readonly index: string;
  readonly fix: string;

  constructor(problems: readonly SchemaProblem[], fix: string) {
    const list = problems.map((p) => `${p.collection}.${p.index}: ${p.detail}`).join('; ');
    super(
      'StoreSchemaError',
      `The event store's schema is not what its guarantees rest on (${list}). ${fix}`,
    );
    this.problems = problems;
    this.index = problems[0]?.index ?? '';
    this.fix = fix;
  }

  static isInstance(value: unknown): value is StoreSchemaError {
    return hasBrand(value, 'StoreSchemaError');
  }
}
