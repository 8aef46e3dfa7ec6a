import { ValidationError } from './errors.js';
import type {
  AggregateSnapshot,
  EventMetadata,
  ExpectedVersion,
  ReadAllOptions,
  ReadStreamOptions,
} from './types.js';

export const MAX_STREAM_ID_LENGTH = 512;
export const MAX_EVENT_TYPE_LENGTH = 256;
/** Nesting allowed inside `data`/`metadata`; BSON stops at 100 levels and the commit adds a few. */
export const MAX_DATA_DEPTH = 64;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KNOWN_METADATA_STRINGS = ['correlationId', 'causationId', 'userId', 'tenantId'] as const;

interface Context {
  streamId?: string;
  eventType?: string;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
    const name = proto?.constructor?.name;
    return name && name !== 'Object' ? `an instance of ${name}` : 'an object';
  }
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
      typeof value === 'number' || typeof value === 'string'
        ? JSON.stringify(value)
        : describe(value)
    }`,
    { streamId },
  );
}

function assertEventType(value: unknown, field: string, streamId: string): asserts value is string {
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

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Sets an own property, also one named `__proto__`, without touching the prototype. */
export function setOwnProperty(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    // Plain assignment would change the prototype instead of keeping the key.
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

// The walk below keeps its path and ancestors in shared stacks and formats a path only for
// an error: event data is cloned on every append, so the common case allocates nothing extra.
const pathKeys: (string | number)[] = [];
const ancestors: object[] = [];

function pathOf(root: string, extra?: string): string {
  let out = root;
  for (const key of pathKeys) out += typeof key === 'number' ? `[${key}]` : `.${key}`;
  return extra === undefined ? out : `${out}.${extra}`;
}

function cloneValue(
  v: unknown,
  root: string,
  context: Context,
  freeze: boolean,
  depth: number,
): unknown {
  switch (typeof v) {
    case 'string':
      if (!isWellFormedString(v)) {
        throw new ValidationError(pathOf(root), 'string contains a lone UTF-16 surrogate', context);
      }
      return v;
    case 'number':
    case 'boolean':
      return v;
    case 'undefined':
      return undefined;
    case 'bigint':
    case 'symbol':
    case 'function':
      throw new ValidationError(
        pathOf(root),
        `must be JSON-like data, got ${describe(v)}`,
        context,
      );
  }
  if (v === null) return null;
  const obj = v as object;
  if (depth > MAX_DATA_DEPTH) {
    throw new ValidationError(pathOf(root), `nests deeper than ${MAX_DATA_DEPTH} levels`, context);
  }
  if (obj instanceof Date) {
    if (Number.isNaN(obj.getTime())) {
      throw new ValidationError(pathOf(root), 'is an invalid Date', context);
    }
    const copy = new Date(obj.getTime());
    return freeze ? Object.freeze(copy) : copy;
  }
  if (ancestors.includes(obj)) throw new ValidationError(pathOf(root), 'is circular', context);
  if (Array.isArray(obj)) {
    ancestors.push(obj);
    const out = new Array<unknown>(obj.length);
    for (let i = 0; i < obj.length; i++) {
      pathKeys.push(i);
      const item = cloneValue(obj[i], root, context, freeze, depth + 1);
      pathKeys.pop();
      out[i] = item === undefined ? null : item;
    }
    ancestors.pop();
    return freeze ? Object.freeze(out) : out;
  }
  if (!isPlainObject(obj)) {
    throw new ValidationError(
      pathOf(root),
      `must be JSON-like data, got ${describe(obj)}`,
      context,
    );
  }
  if (Object.getOwnPropertySymbols(obj).length > 0) {
    throw new ValidationError(pathOf(root), 'must not have symbol keys', context);
  }
  ancestors.push(obj);
  const out: Record<string, unknown> = {};
  for (const key in obj) {
    if (!Object.hasOwn(obj, key)) continue;
    if (key.includes('\0') || !isWellFormedString(key)) {
      throw new ValidationError(
        pathOf(root, key),
        'key contains a NUL or a lone surrogate',
        context,
      );
    }
    pathKeys.push(key);
    const item = cloneValue(
      (obj as Record<string, unknown>)[key],
      root,
      context,
      freeze,
      depth + 1,
    );
    pathKeys.pop();
    if (item !== undefined) setOwnProperty(out, key, item);
  }
  ancestors.pop();
  return freeze ? Object.freeze(out) : out;
}

/**
 * Validates a JSON-like value (plus Dates, NaN, ±Infinity and -0) and returns a frozen deep
 * copy, so the caller can neither pass what a store cannot keep nor mutate what it stored.
 * `undefined` object members are dropped and `undefined` array items become `null`, as JSON does.
 */
export function clonePlainData(
  value: unknown,
  field: string,
  context: Context = {},
  freeze = true,
): unknown {
  pathKeys.length = 0;
  ancestors.length = 0;
  return cloneValue(value, field, context, freeze, 0);
}

export interface PreparedEvent {
  eventId: string;
  /** The id was made here, not given by the caller: no earlier append can hold it. */
  generatedId?: boolean;
  type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
}

const NO_METADATA: EventMetadata = Object.freeze({});

export function prepareMetadata(value: unknown, field: string, context: Context): EventMetadata {
  if (value === undefined) return NO_METADATA;
  if (!isPlainObject(value)) {
    throw new ValidationError(field, `must be a plain object, got ${describe(value)}`, context);
  }
  for (const key of KNOWN_METADATA_STRINGS) {
    const item = value[key];
    if (item !== undefined && typeof item !== 'string') {
      throw new ValidationError(
        `${field}.${key}`,
        `must be a string, got ${describe(item)}`,
        context,
      );
    }
  }
  return clonePlainData(value, field, context) as EventMetadata;
}

/**
 * Validates a whole batch before anything is written and returns frozen copies with event
 * ids filled in. `newId` is injectable so stores can stay deterministic in tests.
 */
export function prepareEvents(
  streamId: string,
  events: unknown,
  newId: () => string = () => globalThis.crypto.randomUUID(),
): PreparedEvent[] {
  if (!Array.isArray(events)) {
    throw new ValidationError('events', `must be an array, got ${describe(events)}`, { streamId });
  }
  const ids = new Set<string>();
  const out: PreparedEvent[] = [];
  for (let i = 0; i < events.length; i++) {
    const field = `events[${i}]`;
    const event: unknown = events[i];
    if (!isPlainObject(event)) {
      throw new ValidationError(field, `must be an object, got ${describe(event)}`, { streamId });
    }
    assertEventType(event.type, `${field}.type`, streamId);
    const context = { streamId, eventType: event.type };
    if (!isPlainObject(event.data)) {
      throw new ValidationError(
        `${field}.data`,
        `must be a plain object, got ${describe(event.data)}`,
        context,
      );
    }
    let eventId: string;
    let generatedId = false;
    if (event.eventId === undefined) {
      eventId = newId();
      generatedId = true;
    } else if (isUuid(event.eventId)) {
      eventId = event.eventId.toLowerCase();
    } else {
      throw new ValidationError(
        `${field}.eventId`,
        `must be a UUID string, got ${typeof event.eventId === 'string' ? JSON.stringify(event.eventId.slice(0, 80)) : describe(event.eventId)}`,
        context,
      );
    }
    if (ids.has(eventId)) {
      throw new ValidationError(
        `${field}.eventId`,
        `repeats '${eventId}' within the batch`,
        context,
      );
    }
    ids.add(eventId);
    out.push({
      eventId,
      generatedId,
      type: event.type,
      data: clonePlainData(event.data, `${field}.data`, context) as Record<string, unknown>,
      metadata: prepareMetadata(event.metadata, `${field}.metadata`, context),
    });
  }
  return out;
}

/**
 * Everything an append checks before it touches storage: the stream id, the expected
 * version, every event, and the registry's schemas when there is one.
 */
export function prepareAppend(
  streamId: unknown,
  events: unknown,
  expectedVersion: unknown,
  registry?: {
    encodePrepared(streamId: string, prepared: readonly PreparedEvent[]): PreparedEvent[];
  },
): PreparedEvent[] {
  assertStreamId(streamId);
  assertExpectedVersion(expectedVersion, streamId);
  const validated = prepareEvents(streamId, events);
  return registry ? registry.encodePrepared(streamId, validated) : validated;
}

export interface ValidReadStreamOptions {
  fromVersion: number;
  direction: 'forwards' | 'backwards';
  maxCount: number;
}

function assertOptionsObject(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) {
    throw new ValidationError(field, `must be an object, got ${describe(value)}`);
  }
  return value;
}

export function validateReadStreamOptions(
  streamId: unknown,
  options: ReadStreamOptions | undefined,
): ValidReadStreamOptions {
  assertStreamId(streamId);
  const o = assertOptionsObject(options, 'options');
  const fromVersion = o.fromVersion === undefined ? 1 : o.fromVersion;
  assertNonNegativeInteger(fromVersion, 'fromVersion', { streamId });
  const direction = o.direction === undefined ? 'forwards' : o.direction;
  if (direction !== 'forwards' && direction !== 'backwards') {
    throw new ValidationError('direction', `must be 'forwards' or 'backwards'`, { streamId });
  }
  const maxCount = o.maxCount === undefined ? Number.MAX_SAFE_INTEGER : o.maxCount;
  assertNonNegativeInteger(maxCount, 'maxCount', { streamId });
  return { fromVersion, direction, maxCount };
}

export interface ValidReadAllOptions {
  fromPosition: number;
  maxCount: number;
  types: ReadonlySet<string> | undefined;
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

export function validateReadAllOptions(options: ReadAllOptions | undefined): ValidReadAllOptions {
  const o = assertOptionsObject(options, 'options');
  const fromPosition = o.fromPosition === undefined ? 0 : o.fromPosition;
  assertNonNegativeInteger(fromPosition, 'fromPosition');
  const maxCount = o.maxCount === undefined ? Number.MAX_SAFE_INTEGER : o.maxCount;
  assertNonNegativeInteger(maxCount, 'maxCount');
  return { fromPosition, maxCount, types: assertTypes(o.types) };
}

export function prepareSnapshot(snapshot: unknown): AggregateSnapshot {
  if (!isPlainObject(snapshot)) {
    throw new ValidationError('snapshot', `must be an object, got ${describe(snapshot)}`);
  }
  assertStreamId(snapshot.streamId, 'snapshot.streamId');
  const streamId = snapshot.streamId;
  assertNonNegativeInteger(snapshot.version, 'snapshot.version', { streamId });
  const timestamp = snapshot.timestamp ?? new Date();
  if (!(timestamp instanceof Date) || Number.isNaN(timestamp.getTime())) {
    throw new ValidationError('snapshot.timestamp', 'must be a valid Date', { streamId });
  }
  return {
    streamId,
    version: snapshot.version as number,
    data: clonePlainData(snapshot.data, 'snapshot.data', { streamId }),
    timestamp: new Date(timestamp.getTime()),
  };
}
