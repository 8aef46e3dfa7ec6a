import { ValidationError } from './errors.js';
import { type Context, describe, isWellFormedString, MAX_DATA_DEPTH } from './asserts.js';
import { readOnlyDate } from './read-only-date.js';
import { type KnownShape, type ShapeCopy, useShape } from './shape-copiers.js';

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

/**
 * Where a walk started: asked for a field name and context only when it fails, so a caller
 * copying many values (an append) passes one object instead of closures made per value.
 */
export interface DataSite {
  field(): string;
  context(): Context;
}

// The walk below keeps its path and ancestors in shared stacks and formats a path only for
// an error: event data is copied on every append, so the common case allocates nothing extra.
const pathKeys: (string | number)[] = [];
const ancestors: object[] = [];

/**
 * The last read-only Date made by the current batch, shared by every equal Date after it:
 * events of one append often carry the same instant, and a Date is the costliest value to copy.
 * Sharing is safe because its setters throw (`read-only-date.ts`), and nothing outside the batch
 * sees it before the batch is stored.
 */
let sharedDate: Date | undefined;
let sharedTime = Number.NaN;

function fail(site: DataSite, reason: string, extra?: string): never {
  let field = site.field();
  for (const key of pathKeys) field += typeof key === 'number' ? `[${key}]` : `.${key}`;
  if (extra !== undefined) field += `.${extra}`;
  throw new ValidationError(field, reason, site.context());
}

function copyDate(date: Date, site: DataSite, freeze: boolean): Date {
  const time = date.getTime();
  if (Number.isNaN(time)) fail(site, 'is an invalid Date');
  if (!freeze) return new Date(time);
  if (sharedDate === undefined || time !== sharedTime) {
    sharedDate = readOnlyDate(time);
    sharedTime = time;
  }
  return sharedDate;
}

function copyArray(
  source: readonly unknown[],
  site: DataSite,
  freeze: boolean,
  depth: number,
): readonly unknown[] {
  ancestors.push(source);
  const length = source.length;
  const out = new Array<unknown>(length);
  for (let i = 0; i < length; i++) {
    const value = source[i];
    const kind = typeof value;
    if (
      kind === 'number' ||
      kind === 'boolean' ||
      (kind === 'string' && isWellFormedString(value as string))
    ) {
      out[i] = value;
      continue;
    }
    pathKeys.push(i);
    const item = copyValue(value, site, freeze, depth + 1);
    pathKeys.pop();
    out[i] = item === undefined ? null : item;
  }
  ancestors.pop();
  return freeze ? Object.freeze(out) : out;
}

/**
 * Key lists lately found valid. The events of a batch mostly share a shape or two (the data,
 * the metadata), so comparing a list with these is usually all a key check costs; a list seen
 * often gets a copier of its own (`shape-copiers.ts`).
 */
const knownShapes: (KnownShape<DataSite> | undefined)[] = new Array(8).fill(undefined);
let nextKnown = 0;

function knownShape(keys: readonly string[]): KnownShape<DataSite> | undefined {
  for (let k = 0; k < knownShapes.length; k++) {
    const known = knownShapes[k];
    if (known === undefined) break;
    const list = known.keys;
    if (list.length !== keys.length) continue;
    let i = 0;
    while (i < keys.length && keys[i] === list[i]) i++;
    if (i === keys.length) return known;
  }
  return undefined;
}

function checkKeys(keys: readonly string[], site: DataSite): void {
  for (const key of keys) {
    if (key.includes('\0') || !isWellFormedString(key)) {
      fail(site, 'key contains a NUL or a lone surrogate', key);
    }
  }
  // Only lists without it may be copied all at once (see copyObject).
  if (keys.includes('__proto__')) return;
  knownShapes[nextKnown] = { keys, uses: 0, copy: undefined };
  nextKnown = (nextKnown + 1) % knownShapes.length;
}

/**
 * Shapes with a compiled copier, the last one matched first. They are matched by `for…in`,
 * which walks the engine's cached key list of the object's hidden class and allocates nothing,
 * where `Object.keys` makes an array per object: garbage that, beside the copies every append
 * keeps, made the young generation's collections promote fewer objects at once and cost more.
 * A match needs the object's own keys (see `hasKeys`); anything else takes the `Object.keys`
 * path.
 */
const compiledShapes: KnownShape<DataSite>[] = [];
const MAX_MATCHED_SHAPES = 8;

function rememberCompiled(shape: KnownShape<DataSite>): void {
  if (compiledShapes.includes(shape)) return;
  if (compiledShapes.length === MAX_MATCHED_SHAPES) compiledShapes.pop();
  compiledShapes.unshift(shape);
}

function hasKeys(source: Record<string, unknown>, keys: readonly string[]): boolean {
  let i = 0;
  for (const key in source) {
    if (i === keys.length || key !== keys[i]) return false;
    i++;
  }
  // `for…in` lists an object's own keys first and then inherited ones: the last key being its
  // own makes every key before it its own too, so a polluted `Object.prototype` cannot supply
  // the rest of a compiled list.
  return i === keys.length && Object.hasOwn(source, keys[i - 1]!);
}

function compiledShapeOf(source: Record<string, unknown>): ShapeCopy<DataSite> | undefined {
  for (let k = 0; k < compiledShapes.length; k++) {
    const shape = compiledShapes[k]!;
    if (!hasKeys(source, shape.keys)) continue;
    if (k !== 0) {
      compiledShapes[k] = compiledShapes[0]!;
      compiledShapes[0] = shape;
    }
    return shape.copy;
  }
  return undefined;
}

function copyShape(
  copy: ShapeCopy<DataSite>,
  source: Record<string, unknown>,
  site: DataSite,
  depth: number,
): Record<string, unknown> {
  ancestors.push(source);
  const dropped = droppedMembers;
  const out = copy(source, copyShapeMember, site, depth);
  ancestors.pop();
  // A nested drop also counts, and then this copy is remade for nothing, never wrongly.
  if (droppedMembers !== dropped) return withoutUndefined(out, true);
  return Object.freeze(out);
}

/** Numbers and booleans pass as they are in the compiled copiers; the rest comes here. */
function copyShapeMember(value: unknown, key: string, site: DataSite, depth: number): unknown {
  if (typeof value === 'string' && isWellFormedString(value)) return value;
  const item = copyMember(value, typeof value, key, site, true, depth);
  if (item === undefined) droppedMembers++;
  return item;
}

/** Members a compiled copy left `undefined` (also in nested copies): only ever compared. */
let droppedMembers = 0;

function copyObject(
  source: Record<string, unknown>,
  site: DataSite,
  freeze: boolean,
  depth: number,
): Record<string, unknown> {
  if (Object.getOwnPropertySymbols(source).length > 0) fail(site, 'must not have symbol keys');
  if (freeze) {
    const compiled = compiledShapeOf(source);
    if (compiled !== undefined) return copyShape(compiled, source, site, depth);
  }
  // Own enumerable string keys, what `for…in` with an own-property check yields, without
  // that check per key.
  const keys = Object.keys(source);
  const shape = knownShape(keys);
  if (shape === undefined) {
    checkKeys(keys, site);
    return copyMembers(source, keys, site, freeze, depth);
  }
  const copy = freeze ? useShape(shape) : undefined;
  if (copy !== undefined) {
    rememberCompiled(shape);
    return copyShape(copy, source, site, depth);
  }
  // A known list has no `__proto__` key, so the engine's own copy of all members at once is
  // safe (and cheaper than adding them one by one); the members that are not primitives are
  // then replaced by copies of their own. No code of the caller's runs in between: the
  // symbol check and `Object.keys` call no getter.
  const out: Record<string, unknown> = Object.assign({}, source);
  ancestors.push(source);
  let dropped = false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = out[key];
    const kind = typeof value;
    if (
      kind === 'number' ||
      kind === 'boolean' ||
      (kind === 'string' && isWellFormedString(value as string))
    ) {
      continue;
    }
    const item = copyMember(value, kind, key, site, freeze, depth);
    if (item === undefined) dropped = true;
    else if (item !== value) out[key] = item;
  }
  ancestors.pop();
  if (dropped) return withoutUndefined(out, freeze);
  return freeze ? Object.freeze(out) : out;
}

function copyMember(
  value: unknown,
  kind: string,
  key: string,
  site: DataSite,
  freeze: boolean,
  depth: number,
): unknown {
  pathKeys.push(key);
  // A Date is the usual member that is not a primitive: straight to its copy.
  const item =
    kind === 'object' && depth < MAX_DATA_DEPTH && value instanceof Date
      ? copyDate(value as Date, site, freeze)
      : copyValue(value, site, freeze, depth + 1);
  pathKeys.pop();
  return item;
}

/** Members copied one by one: for key lists not seen before (and any `__proto__` key). */
function copyMembers(
  source: Record<string, unknown>,
  keys: readonly string[],
  site: DataSite,
  freeze: boolean,
  depth: number,
): Record<string, unknown> {
  ancestors.push(source);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = source[key];
    let item: unknown = value;
    // Numbers, booleans and well-formed strings are most of any event: no path bookkeeping.
    const kind = typeof value;
    if (
      !(
        kind === 'number' ||
        kind === 'boolean' ||
        (kind === 'string' && isWellFormedString(value as string))
      )
    ) {
      item = copyMember(value, kind, key, site, freeze, depth);
      if (item === undefined) continue;
    }
    if (key === '__proto__') setOwnProperty(out, key, item);
    else out[key] = item;
  }
  ancestors.pop();
  return freeze ? Object.freeze(out) : out;
}

/** `copy` without its `undefined` members, as JSON drops them; `delete` would slow it down. */
function withoutUndefined(copy: Record<string, unknown>, freeze: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(copy)) {
    const value = copy[key];
    if (value !== undefined) out[key] = value;
  }
  return freeze ? Object.freeze(out) : out;
}

function copyValue(v: unknown, site: DataSite, freeze: boolean, depth: number): unknown {
  switch (typeof v) {
    case 'string':
      if (!isWellFormedString(v)) fail(site, 'string contains a lone UTF-16 surrogate');
      return v;
    case 'number':
    case 'boolean':
      return v;
    case 'undefined':
      return undefined;
    case 'object':
      break;
    default:
      fail(site, `must be JSON-like data, got ${describe(v)}`);
  }
  if (v === null) return null;
  if (depth > MAX_DATA_DEPTH) fail(site, `nests deeper than ${MAX_DATA_DEPTH} levels`);
  if (v instanceof Date) return copyDate(v, site, freeze);
  if (ancestors.includes(v)) fail(site, 'is circular');
  if (Array.isArray(v)) return copyArray(v, site, freeze, depth);
  if (!isPlainObject(v)) fail(site, `must be JSON-like data, got ${describe(v)}`);
  return copyObject(v, site, freeze, depth);
}

/**
 * Starts a batch of `copyPlainObject` calls (one append): Dates are shared only within it.
 * Also drops what a walk that threw left on the stacks.
 */
export function startCopies(): void {
  sharedDate = undefined;
  sharedTime = Number.NaN;
  if (pathKeys.length !== 0) pathKeys.length = 0;
  if (ancestors.length !== 0) ancestors.length = 0;
}

/**
 * `clonePlainData` of an object the caller already knows is plain, within a batch begun by
 * `startCopies`, reporting errors at `site`.
 */
export function copyPlainObject(
  value: Record<string, unknown>,
  site: DataSite,
): Record<string, unknown> {
  return copyObject(value, site, true, 0);
}

class FixedSite implements DataSite {
  constructor(
    readonly root: string | (() => string),
    readonly where: Context | (() => Context),
  ) {}
  field(): string {
    return typeof this.root === 'function' ? this.root() : this.root;
  }
  context(): Context {
    return typeof this.where === 'function' ? this.where() : this.where;
  }
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
  startCopies();
  const copy = copyValue(value, new FixedSite(field, context), freeze, 0);
  // The copy is the caller's now: a later batch must not hand out the same Date.
  sharedDate = undefined;
  return copy;
}
