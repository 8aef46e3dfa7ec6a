import { ValidationError } from './errors.js';
import type { ExpectedVersion } from './types.js';

export const MAX_STREAM_ID_LENGTH = 512;
export const MAX_EVENT_TYPE_LENGTH = 256;
/** Nesting allowed inside `data`/`metadata`; BSON stops at 100 levels and the commit adds a few. */
export const MAX_DATA_DEPTH = 64;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where a bad value was found, for the error's message. */
export interface Context {
  streamId?: string;
  eventType?: string;
}

/** A short description of a value's kind for an error message (never the value itself). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
    const name = proto?.constructor?.name;
    return name && name !== 'Object' ? `an instance of ${name}` : 'an object';
  }
  if (value === undefined) return 'undefined';
  if (value === '') return 'an empty string';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return `a ${typeof value}`;
}

export function isWellFormedString(value: string): boolean {
  // Lone UTF-16 surrogates cannot be encoded as UTF-8, so a database would silently alter them.
  return (value as string & { isWellFormed(): boolean }).isWellFormed();
}

export function assertStreamId(value: unknown, field = 'streamId'): asserts value is string {
  if (typeof value !== 'string') {
    throw new ValidationError(field, `must be a string, got ${describe(value)}`);
  }
  if (value.length === 0) throw new ValidationError(field, 'must not be empty');
  if (value.length > MAX_STREAM_ID_LENGTH) {
    throw new ValidationError(
      field,
      `must be at most ${MAX_STREAM_ID_LENGTH} characters, got ${value.length}`,
    );
  }
  if (!isWellFormedString(value)) {
    throw new ValidationError(field, 'must not contain lone UTF-16 surrogates');
  }
}

export function assertNonNegativeInteger(
  value: unknown,
  field: string,
  context: Context = {},
): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(
      field,
      `must be a non-negative integer, got ${typeof value === 'number' ? String(value) : describe(value)}`,
      context,
    );
  }
}

export function assertExpectedVersion(
  value: unknown,
  streamId: string,
): asserts value is ExpectedVersion {
  if (value === 'any' || value === 'no_stream' || value === 'stream_exists') return;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return;
  throw new ValidationError(
    'expectedVersion',
    `must be a non-negative integer, 'any', 'no_stream' or 'stream_exists', got ${
      typeof value === 'string'
        ? JSON.stringify(value)
        : typeof value === 'number'
          ? String(value)
          : describe(value)
    }`,
    { streamId },
  );
}

export function isEventType(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= MAX_EVENT_TYPE_LENGTH &&
    isWellFormedString(value)
  );
}

export function assertEventType(
  value: unknown,
  field: string,
  streamId: string,
): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(field, `must be a non-empty string, got ${describe(value)}`, {
      streamId,
    });
  }
  if (value.length > MAX_EVENT_TYPE_LENGTH || !isWellFormedString(value)) {
    throw new ValidationError(
      field,
      `must be at most ${MAX_EVENT_TYPE_LENGTH} well-formed characters`,
      { streamId },
    );
  }
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

export function assertTypes(value: unknown, field = 'types'): ReadonlySet<string> | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    throw new ValidationError(field, `must be an array of event types, got ${describe(value)}`);
  }
  for (let i = 0; i < value.length; i++) {
    const t: unknown = value[i];
    if (typeof t !== 'string' || t.length === 0) {
      throw new ValidationError(`${field}[${i}]`, `must be a non-empty string, got ${describe(t)}`);
    }
  }
  return new Set(value as string[]);
}
