import { setOwnProperty } from '@flowra/eventstore-core/adapter';
import { Double } from 'mongodb';

/**
 * Event data travels through BSON, which would change some legal JavaScript data on the
 * way: `-0` becomes the int32 `0`, and keys starting with `$`, holding `.`, or named
 * `__proto__` are operators, paths, DBRef markers or prototype setters to some tool along
 * the path; an object with a `_bsontype` key is taken for a BSON value by the driver's
 * serializer, which then refuses it. Such keys are stored escaped (`~` first, then `~~`,
 * `~d`, `~p` for `~`, `$`, `.`), which keeps every other key as written, so ad-hoc queries
 * still read naturally.
 */

const RESERVED_ESCAPE = '~';

function needsEscape(key: string, reserved?: ReadonlySet<string>): boolean {
  return (
    key.charCodeAt(0) === 36 /* $ */ ||
    key.charCodeAt(0) === 126 /* ~ */ ||
    key.includes('.') ||
    key === '__proto__' ||
    key === '_bsontype' ||
    (reserved?.has(key) ?? false)
  );
}

export function encodeKey(key: string, reserved?: ReadonlySet<string>): string {
  if (!needsEscape(key, reserved)) return key;
  let out = RESERVED_ESCAPE;
  for (const ch of key) {
    out += ch === '~' ? '~~' : ch === '$' ? '~d' : ch === '.' ? '~p' : ch;
  }
  return out;
}

export function decodeKey(key: string): string {
  if (key.charCodeAt(0) !== 126) return key;
  let out = '';
  for (let i = 1; i < key.length; i++) {
    const ch = key[i]!;
    if (ch !== '~') {
      out += ch;
      continue;
    }
    const next = key[++i];
    out += next === 'd' ? '$' : next === 'p' ? '.' : '~';
  }
  return out;
}

/**
 * An upper bound of the BSON bytes of the values `encodeValue` returns, added up as it walks
 * them: an append checks its commit against the 16 MiB limit by this bound, and measures the
 * commit exactly only when the bound comes near the limit. Measuring every commit exactly cost
 * as much client CPU as a fifth of the raw driver's whole insert.
 *
 * Per value, what BSON writes at most: a key's element header is its type byte, up to three
 * UTF-8 bytes per UTF-16 unit and a NUL; a string four bytes of length, its bytes and a NUL;
 * a number, Date or Double eight bytes; an object or array four bytes of size and a NUL, and
 * an array's keys its indexes (ten digits at most). Anything else the core never lets through,
 * so it makes the bound infinite and the exact measure decide.
 */
export interface ByteBound {
  bytes: number;
}

/** The most an element's type byte and key (as a C string) take. */
export function keyBytes(key: string): number {
  return 2 + 3 * key.length;
}

/** The most a string value takes. */
export function stringBytes(value: string): number {
  return 5 + 3 * value.length;
}

/** The most an array element's type byte and key (its index, ten digits at most) take. */
export const INDEX_KEY_BYTES = 12;

/**
 * Data already validated by the core (plain, JSON-like) made ready for BSON, as a copy. With
 * `share`, for data that is the store's own frozen copy, what needs no change goes to the driver
 * as it is: an object or array is copied only when a key is escaped or a member changes (`-0`),
 * which most data never has. With `size`, the value's `ByteBound` is added to it.
 */
export function encodeValue(
  value: unknown,
  reserved?: ReadonlySet<string>,
  share = false,
  size?: ByteBound,
): unknown {
  switch (typeof value) {
    case 'number':
      if (size) size.bytes += 8;
      return Object.is(value, -0) ? new Double(-0) : value;
    case 'string':
      if (size) size.bytes += stringBytes(value);
      return value;
    case 'boolean':
      if (size) size.bytes += 1;
      return value;
    case 'object':
      break;
    default:
      if (size) size.bytes = Number.POSITIVE_INFINITY;
      return value;
  }
  if (value === null) return value;
  if (value instanceof Date) {
    if (size) size.bytes += 8;
    return value;
  }
  if (Array.isArray(value)) {
    if (size) size.bytes += 5 + INDEX_KEY_BYTES * value.length;
    let out: unknown[] | undefined = share ? undefined : [];
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const encoded = encodeValue(item, undefined, share, size);
      if (out === undefined && encoded !== item) out = value.slice(0, i);
      out?.push(encoded);
    }
    return out ?? value;
  }
  if (size) {
    const proto = Object.getPrototypeOf(value);
    // BSON types or class instances: serialized in ways this bound does not follow.
    size.bytes += proto === Object.prototype || proto === null ? 5 : Number.POSITIVE_INFINITY;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  let out: Record<string, unknown> | undefined = share ? undefined : {};
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const item = record[key];
    const stored = encodeKey(key, reserved);
    if (size) size.bytes += keyBytes(stored);
    const encoded = encodeValue(item, undefined, share, size);
    if (out === undefined && (stored !== key || encoded !== item)) {
      // The first change: the members before it go into the copy as they are, in their order.
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]!] = record[keys[j]!];
    }
    if (out !== undefined) out[stored] = encoded;
  }
  return out ?? record;
}

export class UndecodableValueError extends Error {
  constructor(
    readonly path: string,
    readonly found: string,
  ) {
    super(`${path} holds ${found}, which no Flowra store writes`);
  }
}

/** Where an undecodable value sits, collected while the recursion unwinds. */
class Undecodable {
  readonly segments: string[] = [];
  constructor(readonly found: string) {}
}

/**
 * The inverse of `encodeValue`, refusing BSON types that no Flowra store writes.
 *
 * It works on values the driver has just deserialized for this call alone, so it changes them
 * in place rather than copying every object and array: an object is copied only when one of its
 * keys was escaped (to keep the key order as written), and the path of a refused value is only
 * built when there is one.
 */
export function decodeValue(value: unknown, path = 'data'): unknown {
  try {
    return decodeInPlace(value);
  } catch (error) {
    if (!(error instanceof Undecodable)) throw error;
    throw new UndecodableValueError(path + error.segments.reverse().join(''), error.found);
  }
}

function decodeInPlace(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return value;
    case 'object':
      break;
    default:
      throw new Undecodable(typeof value);
  }
  if (value === null || value instanceof Date) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      try {
        const decoded = decodeInPlace(item);
        if (decoded !== item) value[i] = decoded;
      } catch (error) {
        if (error instanceof Undecodable) error.segments.push(`[${i}]`);
        throw error;
      }
    }
    return value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    const bsonType = (value as { _bsontype?: string })._bsontype;
    if (bsonType === 'Double' || bsonType === 'Int32')
      return (value as { valueOf(): number }).valueOf();
    throw new Undecodable(bsonType ?? 'an object of an unknown kind');
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  let escaped = false;
  for (const key of keys) {
    if (key.charCodeAt(0) === 126 /* ~ */ || key === '__proto__') {
      escaped = true;
      break;
    }
  }
  // A copy only when a key changes (or is `__proto__`), so keys keep their order.
  const out: Record<string, unknown> = escaped ? {} : record;
  for (const key of keys) {
    const plain = escaped ? decodeKey(key) : key;
    const item = record[key];
    let decoded: unknown;
    try {
      decoded = decodeInPlace(item);
    } catch (error) {
      if (error instanceof Undecodable) error.segments.push(`.${plain}`);
      throw error;
    }
    if (escaped) setOwnProperty(out, plain, decoded);
    else if (decoded !== item) record[key] = decoded;
  }
  return out;
}
