/**
 * Copiers written for one key list: an object literal naming its keys, compiled once the list
 * has been copied often enough to be worth it.
 *
 * Why a literal: the store keeps every copy it makes, and V8 allocates the objects of a literal
 * straight into the old generation once it sees them outlive the young one (allocation-site
 * pretenuring). A copy built by `Object.assign` or a spread has no such site: each one is made
 * young and moved twice by the scavenger before it settles, which measured about 100 ns of every
 * kept event's data (see docs/performance.md). A literal also reads and writes each member at a
 * fixed name, where a loop over a key list goes through the engine's generic keyed access.
 *
 * Code is generated only from key lists already checked (no NUL, no lone surrogate, no
 * `__proto__`, whose literal form would set the prototype), each key written as a JSON string.
 * Where code generation from strings is refused (a Content-Security-Policy without
 * `unsafe-eval`, `--disallow-code-generation-from-strings`), nothing is compiled and copies
 * stay on the generic path: slower, never different.
 */

/** Copies or refuses one member that is not a number or boolean (strings are checked there). */
export type MemberCopier<S> = (value: unknown, key: string, site: S, depth: number) => unknown;

/** A copy of `source`'s members in the key list's order, each through `member` unless primitive. */
export type ShapeCopy<S> = (
  source: Record<string, unknown>,
  member: MemberCopier<S>,
  site: S,
  depth: number,
) => Record<string, unknown>;

/** Copies of a key list before it is compiled: lists seen only a few times are not worth it. */
const COMPILE_AFTER = 8;
/** Keys beyond this many make data that is rarely on an append's hot path. */
const MAX_COMPILED_KEYS = 32;
/** Distinct key lists compiled per process: an application has a few dozen event shapes. */
const MAX_COMPILED_SHAPES = 512;

/** Set once the engine refused to compile a copier: none is tried again. */
let codeGenerationRefused = false;
/** By key list, each generic in the site it is handed (the caller's own type). */
const compiled = new Map<string, unknown>();

function generate<S>(keys: readonly string[]): ShapeCopy<S> | undefined {
  const reads: string[] = [];
  const members: string[] = [];
  keys.forEach((key, i) => {
    const name = JSON.stringify(key);
    reads.push(`const v${i} = s[${name}];`);
    // Numbers and booleans need no check and no copy; everything else goes to `member`.
    members.push(
      `${name}: typeof v${i} === "number" || typeof v${i} === "boolean" ? v${i} : m(v${i}, ${name}, t, d)`,
    );
  });
  const body = `"use strict"; ${reads.join(' ')} return { ${members.join(', ')} };`;
  try {
    return new Function('s', 'm', 't', 'd', body) as ShapeCopy<S>;
  } catch {
    codeGenerationRefused = true;
    return undefined;
  }
}

/**
 * The compiled copy of `keys`, a list already checked, or `undefined` when it is not compiled
 * (too long, too many shapes, or code generation refused).
 */
export function compileShape<S>(keys: readonly string[]): ShapeCopy<S> | undefined {
  if (codeGenerationRefused || keys.length === 0 || keys.length > MAX_COMPILED_KEYS) {
    return undefined;
  }
  // Its literal form would set the prototype; callers never pass it, and it is cheap to check.
  if (keys.includes('__proto__')) return undefined;
  const id = keys.join('\0');
  const known = compiled.get(id);
  if (known !== undefined) return known as ShapeCopy<S>;
  if (compiled.size >= MAX_COMPILED_SHAPES) return undefined;
  const copy = generate<S>(keys);
  if (copy === undefined) return undefined;
  compiled.set(id, copy);
  return copy;
}

/** A key list lately found valid, with its copier once it has earned one. */
export interface KnownShape<S> {
  readonly keys: readonly string[];
  uses: number;
  copy: ShapeCopy<S> | undefined;
}

/** Counts a use of `shape` and compiles it when it reaches the threshold. */
export function useShape<S>(shape: KnownShape<S>): ShapeCopy<S> | undefined {
  if (shape.copy !== undefined) return shape.copy;
  if (++shape.uses === COMPILE_AFTER) shape.copy = compileShape<S>(shape.keys);
  return shape.copy;
}
