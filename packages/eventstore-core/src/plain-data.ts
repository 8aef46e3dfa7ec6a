import { ValidationError } from './errors.js';
import { type Context, describe, isWellFormedString, MAX_DATA_DEPTH } from './asserts.js';

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

/** Field names and error context are built only for an error: appends are hot. */
type Lazy<T> = T | (() => T);
const force = <T>(value: Lazy<T>): T =>
  typeof value === 'function' ? (value as () => T)() : value;

function pathOf(root: Lazy<string>, extra?: string): string {
  let out = force(root);
  for (const key of pathKeys) out += typeof key === 'number' ? `[${key}]` : `.${key}`;
  return extra === undefined ? out : `${out}.${extra}`;
}

function fail(root: Lazy<string>, reason: string, context: Lazy<Context>, extra?: string): never {
  throw new ValidationError(pathOf(root, extra), reason, force(context));
}

function cloneValue(
  v: unknown,
  root: Lazy<string>,
  context: Lazy<Context>,
  freeze: boolean,
  depth: number,
): unknown {
  switch (typeof v) {
    case 'string':
      if (!isWellFormedString(v)) {
        fail(root, 'string contains a lone UTF-16 surrogate', context);
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
      fail(root, `must be JSON-like data, got ${describe(v)}`, context);
  }
  if (v === null) return null;
  const obj = v as object;
  if (depth > MAX_DATA_DEPTH) {
    fail(root, `nests deeper than ${MAX_DATA_DEPTH} levels`, context);
  }
  if (obj instanceof Date) {
    if (Number.isNaN(obj.getTime())) {
      fail(root, 'is an invalid Date', context);
    }
    // Frozen, though a Date keeps its value in an internal slot that `setTime` still reaches:
    // a subclass whose setters throw would stop that, but breaks deep strict equality with the
    // caller's own Dates, which matters more.
    const copy = new Date(obj.getTime());
    return freeze ? Object.freeze(copy) : copy;
  }
  if (ancestors.includes(obj)) fail(root, 'is circular', context);
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
    fail(root, `must be JSON-like data, got ${describe(obj)}`, context);
  }
  if (Object.getOwnPropertySymbols(obj).length > 0) {
    fail(root, 'must not have symbol keys', context);
  }
  ancestors.push(obj);
  const out: Record<string, unknown> = {};
  const source = obj as Record<string, unknown>;
  for (const key in source) {
    if (!Object.hasOwn(source, key)) continue;
    if (key.includes('\0') || !isWellFormedString(key)) {
      fail(root, 'key contains a NUL or a lone surrogate', context, key);
    }
    const value = source[key];
    // Numbers, booleans and well-formed strings are most of any event: no path bookkeeping.
    const kind = typeof value;
    if (
      kind === 'number' ||
      kind === 'boolean' ||
      (kind === 'string' && isWellFormedString(value as string))
    ) {
      setOwnProperty(out, key, value);
      continue;
    }
    pathKeys.push(key);
    const item = cloneValue(value, root, context, freeze, depth + 1);
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
  field: string | (() => string),
  context: Context | (() => Context) = {},
  freeze = true,
): unknown {
  // Left empty by every walk that did not throw; only a thrown one leaves something behind.
  if (pathKeys.length !== 0) pathKeys.length = 0;
  if (ancestors.length !== 0) ancestors.length = 0;
  return cloneValue(value, field, context, freeze, 0);
}
