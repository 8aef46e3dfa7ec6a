import { FlowraError } from '@flowra/eventstore-core';

const TRANSIENT_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoPoolClearedError',
  'MongoWriteConcernError',
]);

/** Socket errors a driver may pass on unwrapped when a connection breaks under a write. */
const SOCKET_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ENOTCONN',
  'EHOSTUNREACH',
]);

/** Server codes after which the same request may succeed: elections, shutdowns, network. */
const TRANSIENT_CODES = new Set([
  6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436, 63, 150, 234, 64,
]);

interface MongoLikeError {
  name?: string;
  code?: unknown;
  keyPattern?: Record<string, unknown>;
  keyValue?: Record<string, unknown>;
  message?: string;
  hasErrorLabel?(label: string): boolean;
  errorResponse?: { keyPattern?: Record<string, unknown> };
}

/**
 * By name and label rather than `instanceof`, so errors from another copy of the driver
 * (the application's `Db` may come from its own `mongodb`) are recognised too.
 */
export function isTransientMongoError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 3) return false;
  const e = error as MongoLikeError & { cause?: unknown; writeErrors?: unknown[] };
  if (e.name && TRANSIENT_NAMES.has(e.name)) return true;
  if (e.cause !== undefined && isTransientMongoError(e.cause, depth + 1)) return true;
  // Without retryable writes, a connection lost under insertMany surfaces as a bulk write
  // error that holds no write error of its own: the write's outcome is unknown, not refused.
  if (
    e.name === 'MongoBulkWriteError' &&
    !(Array.isArray(e.writeErrors) && e.writeErrors.length > 0) &&
    /connection|socket|network|closed|timed out|ECONNRESET|EPIPE/i.test(e.message ?? '')
  ) {
    return true;
  }
  if (typeof e.hasErrorLabel === 'function') {
    if (e.hasErrorLabel('RetryableWriteError') || e.hasErrorLabel('TransientTransactionError'))
      return true;
    if (e.hasErrorLabel('ResetPool') || e.hasErrorLabel('SystemOverloadedError')) return true;
  }
  if (typeof e.code === 'string' && SOCKET_CODES.has(e.code)) return true;
  return typeof e.code === 'number' && TRANSIENT_CODES.has(e.code);
}

export type DuplicateKeyIndex = 'position' | 'stream_version' | 'other';

/** Which unique index refused a write, or `undefined` when it was no duplicate key. */
export function duplicateKeyIndex(error: unknown): DuplicateKeyIndex | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as MongoLikeError;
  if (e.code !== 11000 && e.code !== 11001) return undefined;
  const pattern = e.keyPattern ?? e.errorResponse?.keyPattern;
  if (pattern) {
    if ('position' in pattern) return 'position';
    if ('aggregate_id' in pattern) return 'stream_version';
  }
  const message = e.message ?? '';
  if (message.includes('position_unique')) return 'position';
  if (message.includes('aggregate_version_unique')) return 'stream_version';
  if (/index: position|\{ position:|"position"/.test(message)) return 'position';
  if (/aggregate_id/.test(message)) return 'stream_version';
  return 'other';
}

/** A commit that would pass MongoDB's document size limit; nothing of it was written. */
export class CommitTooLargeError extends FlowraError {
  readonly streamId: string;
  readonly size: number;
  readonly limit: number;
  /** The largest event of the batch: the one to shrink or move out of the event. */
  readonly largestEvent: { index: number; type: string; eventId: string; size: number };

  constructor(
    streamId: string,
    size: number,
    limit: number,
    largestEvent: { index: number; type: string; eventId: string; size: number },
  ) {
    super(
      'CommitTooLargeError',
      `Append to stream '${streamId}' is ${size} bytes as one commit, over MongoDB's limit of ${limit}; ` +
        `its largest event is events[${largestEvent.index}] ('${largestEvent.type}', ${largestEvent.eventId}) at ${largestEvent.size} bytes`,
    );
    this.streamId = streamId;
    this.size = size;
    this.limit = limit;
    this.largestEvent = largestEvent;
  }

  static isInstance(value: unknown): value is CommitTooLargeError {
    return FlowraError.hasName(value, 'CommitTooLargeError');
  }
}

/** A snapshot that would pass MongoDB's document size limit; nothing was written. */
export class SnapshotTooLargeError extends FlowraError {
  readonly streamId: string;
  readonly size: number;
  readonly limit: number;

  constructor(streamId: string, size: number, limit: number) {
    super(
      'SnapshotTooLargeError',
      `Snapshot of stream '${streamId}' is ${size} bytes as a document, over the limit of ${limit}; ` +
        'the aggregate is still loaded from its events: snapshot less state, or none for this stream',
    );
    this.streamId = streamId;
    this.size = size;
    this.limit = limit;
  }

  static isInstance(value: unknown): value is SnapshotTooLargeError {
    return FlowraError.hasName(value, 'SnapshotTooLargeError');
  }
}

/**
 * An upsert that several processes may send for the same key at once. MongoDB retries the one
 * whose insert meets the other's itself; other servers (FerretDB) report a duplicate key. The
 * document exists then, so `again` (by default the same upsert) writes once more. A filter
 * that matches only some documents (a conditional raise) also meets the key when it does not
 * match: `again` is then the same update without upsert.
 */
export async function upsertRacing(
  upsert: () => Promise<unknown>,
  again: () => Promise<unknown> = upsert,
): Promise<void> {
  try {
    await upsert();
  } catch (error) {
    if ((error as MongoLikeError | null)?.code !== 11000) throw error;
    await again();
  }
}
