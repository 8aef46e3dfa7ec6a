/** Deeper than any state worth caching; also where a cycle stops. */
const MAX_DEPTH = 100;

/**
 * A deep copy of an aggregate's snapshot form for the cache. Plain objects, arrays and Dates
 * (what a snapshot form holds) are copied directly, far faster than `structuredClone` on a
 * small state, which every cache hit would pay; Maps, Sets and typed arrays go through
 * `structuredClone`. Anything else (a function, a class instance, a cycle) throws: the
 * repository then does not cache that aggregate.
 */
export function copyState(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'function') throw new TypeError('a function is not plain data');
    return value;
  }
  if (depth > MAX_DEPTH) throw new RangeError(`nested deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(value)) return value.map((item) => copyState(item, depth + 1));
  if (value instanceof Date) return new Date(value.getTime());
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    // structuredClone keeps these as they are; any other class it would turn into a plain
    // object without its methods, and the cached aggregate would break on its next command.
    if (value instanceof Map || value instanceof Set || ArrayBuffer.isView(value)) {
      return structuredClone(value);
    }
    throw new TypeError(
      `an instance of ${(value as object).constructor?.name || 'a class'} is not plain data`,
    );
  }
  const copy: Record<string, unknown> = proto === null ? Object.create(null) : {};
  for (const key of Object.keys(value)) {
    const item = copyState((value as Record<string, unknown>)[key], depth + 1);
    if (key === '__proto__') {
      Object.defineProperty(copy, key, {
        value: item,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      copy[key] = item;
    }
  }
  return copy;
}
