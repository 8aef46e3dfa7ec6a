import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ValidationError } from './errors.js';
import { clonePlainData } from './plain-data.js';
import { compileShape } from './shape-copiers.js';

/** Enough copies of one shape for it to be compiled, and the last copy. */
function copyOften(value: unknown, times = 20): unknown {
  let copy: unknown;
  for (let i = 0; i < times; i++) copy = clonePlainData(value, 'data');
  return copy;
}

function expectDeeplyFrozen(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  expect(Object.isFrozen(value)).toBe(true);
  for (const member of Object.values(value)) expectDeeplyFrozen(member);
}

const member = fc.oneof(
  fc.jsonValue(),
  fc.date({ noInvalidDate: true }),
  fc.constant(undefined),
  fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.date({ noInvalidDate: true }))),
);
const key = fc
  .string({ unit: 'grapheme', minLength: 0, maxLength: 6 })
  .filter((k) => k !== '__proto__' && !k.includes('\0'));

describe('copiers compiled for a key list', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it('copy exactly what the generic copy does, frozen, for any shape seen often', () => {
    fc.assert(
      fc.property(fc.dictionary(key, member, { maxKeys: 8 }), (value) => {
        const first = clonePlainData(value, 'data');
        const later = copyOften(value);
        expect(later).toStrictEqual(first);
        expect(later).toStrictEqual(asStored(value));
        expectDeeplyFrozen(later);
      }),
      { numRuns: 200 },
    );
  });

  it('write any key as data: quotes, escapes, line separators, numerals, prototype names', () => {
    const value = {
      'a"b': 1,
      '\\': 2,
      '\u2028\u2029': 3,
      '10': 4,
      '0': 5,
      constructor: 6,
      toString: 7,
      '}; throw new Error(); //': 8,
      '${x}`': 9,
      '🙂': 10,
    };
    const copy = copyOften(value) as Record<string, unknown>;
    expect(copy).toStrictEqual(value);
    expect(Object.keys(copy)).toEqual(Object.keys(value));
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
  });

  it('never compile a list holding __proto__', () => {
    expect(compileShape(['a', '__proto__'])).toBeUndefined();
    expect(compileShape(['a', 'b'])).toBeTypeOf('function');
  });

  it('drop undefined members and refuse bad members with their path, as the generic copy', () => {
    copyOften({ text: 'x', at: new Date(0), nested: { n: 1 } });
    expect(clonePlainData({ text: undefined, at: new Date(0), nested: { n: 1 } }, 'data')).toEqual({
      at: new Date(0),
      nested: { n: 1 },
    });
    expect(
      clonePlainData({ text: 'x', at: new Date(0), nested: { n: undefined } }, 'data'),
    ).toEqual({
      text: 'x',
      at: new Date(0),
      nested: {},
    });
    const bad = { text: 'x', at: new Date(Number.NaN), nested: { n: 1 } };
    expect(() => clonePlainData(bad, 'data')).toThrow(
      expect.objectContaining({ name: 'ValidationError', field: 'data.at' }),
    );
    expect(() =>
      clonePlainData({ text: '\uD800', at: new Date(0), nested: { n: 1 } }, 'data'),
    ).toThrow(/surrogate/);
    expect(() =>
      clonePlainData({ text: 'x', at: new Date(0), nested: { n: () => 1 } }, 'data'),
    ).toThrow(expect.objectContaining({ field: 'data.nested.n' }));
    const circular: Record<string, unknown> = { text: 'x', at: new Date(0), nested: {} };
    circular.nested = circular;
    expect(() => clonePlainData(circular, 'data')).toThrow(ValidationError);
  });

  it('never take a member from a polluted Object.prototype into a copy', () => {
    copyOften({ userId: 'u', tenantId: 'acme' });
    const proto = Object.prototype as Record<string, unknown>;
    proto.tenantId = 'evil';
    try {
      const copy = clonePlainData({ userId: 'bob' }, 'data') as object;
      expect(Object.keys(copy)).toEqual(['userId']);
      expect(Object.hasOwn(copy, 'tenantId')).toBe(false);
    } finally {
      delete proto.tenantId;
    }
  });

  it('read each member once, so a getter cannot hand the check one value and the copy another', () => {
    copyOften({ a: 1, b: 2 });
    let reads = 0;
    const value = {
      a: 1,
      get b() {
        reads++;
        return reads === 1 ? 2 : () => 'not data';
      },
    };
    expect(clonePlainData(value, 'data')).toEqual({ a: 1, b: 2 });
    expect(reads).toBe(1);
  });

  it('are not needed: where code generation is refused, copies are made the generic way', async () => {
    vi.resetModules();
    vi.stubGlobal(
      'Function',
      class {
        constructor() {
          throw new EvalError('Code generation from strings disallowed for this context');
        }
      },
    );
    const plain = await import('./plain-data.js');
    const shapes = await import('./shape-copiers.js');
    const value = { text: 'x', n: 1, at: new Date(5) };
    let copy: unknown;
    for (let i = 0; i < 20; i++) copy = plain.clonePlainData(value, 'data');
    expect(copy).toStrictEqual(clonePlainData(value, 'data'));
    expect(Object.isFrozen(copy)).toBe(true);
    expect(shapes.compileShape(['text', 'n', 'at'])).toBeUndefined();
  });
});

/** What a store keeps of `value`, written plainly: undefined members dropped, Dates copied. */
function asStored(value: unknown): unknown {
  if (value instanceof Date) return new Date(value.getTime());
  if (Array.isArray(value))
    return value.map((item) => (item === undefined ? null : asStored(item)));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    Object.defineProperty(out, k, {
      value: asStored(v),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
