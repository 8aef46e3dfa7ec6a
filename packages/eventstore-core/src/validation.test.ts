import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.js';
import { InMemoryEventStore } from './in-memory-event-store.js';
import { isUuid } from './asserts.js';
import { clonePlainData } from './plain-data.js';
import { prepareEvents } from './prepare-events.js';
import { prepareSnapshot } from './snapshot-input.js';

describe('validation', () => {
  it('clones JSON-like data exactly and freezes the copy', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const copy = clonePlainData({ value }, 'data');
        expect(copy).toEqual({ value });
        expect(Object.isFrozen(copy)).toBe(true);
      }),
    );
  });

  it('drops undefined members and turns undefined array items into null, as JSON does', () => {
    expect(clonePlainData({ a: undefined, b: [undefined, 1] }, 'data')).toEqual({ b: [null, 1] });
  });

  it('keeps own __proto__ keys as data, never as a prototype', () => {
    const copy = clonePlainData(JSON.parse('{"__proto__": {"x": 1}}'), 'data') as object;
    expect(Object.keys(copy)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
  });

  it('refuses invalid dates, symbol keys, NUL in keys and too deep nesting', () => {
    expect(() => clonePlainData({ d: new Date(Number.NaN) }, 'data')).toThrow(/invalid Date/);
    expect(() => clonePlainData({ [Symbol('s')]: 1 }, 'data')).toThrow(/symbol keys/);
    expect(() => clonePlainData({ 'a\0b': 1 }, 'data')).toThrow(ValidationError);
    let deep: object = {};
    for (let i = 0; i < 80; i++) deep = { d: deep };
    expect(() => clonePlainData(deep, 'data')).toThrow(/deeper than/);
  });

  it('checks the keys of every object, also after objects of a similar shape', () => {
    expect(clonePlainData({ a: 1, b: 2 }, 'data')).toEqual({ a: 1, b: 2 });
    expect(() => clonePlainData({ a: 1, 'b\0': 2 }, 'data')).toThrow(/NUL/);
    expect(() => clonePlainData({ a: 1, '\uD800': 2 }, 'data')).toThrow(/surrogate/);
    expect(clonePlainData({ a: 1, b: { a: 1, b: 2 } }, 'data')).toEqual({
      a: 1,
      b: { a: 1, b: 2 },
    });
  });

  it('drops undefined members and keeps __proto__ keys also for shapes it has seen before', () => {
    for (let i = 0; i < 3; i++) {
      expect(clonePlainData({ x: i, y: 'y' }, 'data')).toEqual({ x: i, y: 'y' });
    }
    const dropped = clonePlainData({ x: undefined, y: 'y' }, 'data') as object;
    expect(dropped).toStrictEqual({ y: 'y' });
    expect(Object.isFrozen(dropped)).toBe(true);
    for (let i = 0; i < 3; i++) {
      const copy = clonePlainData(JSON.parse('{"__proto__": {"x": 1}, "y": 2}'), 'data') as object;
      expect(Object.keys(copy)).toEqual(['__proto__', 'y']);
      expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    }
  });

  it('generates lower-case UUIDs when event ids are absent and normalises given ones', () => {
    const upper = globalThis.crypto.randomUUID().toUpperCase();
    const [a, b] = prepareEvents('s', [
      { type: 'T', data: {} },
      { type: 'T', data: {}, eventId: upper },
    ]);
    expect(isUuid(a?.eventId)).toBe(true);
    expect(b?.eventId).toBe(upper.toLowerCase());
  });

  it('fills in a snapshot timestamp when missing', () => {
    const snap = prepareSnapshot({ streamId: 's', version: 1, data: { a: 1 } });
    expect(snap.timestamp).toBeInstanceOf(Date);
    expect(() => prepareSnapshot(null)).toThrow(ValidationError);
  });
});

describe('error messages name what they got', () => {
  it('an empty string, undefined and non-finite numbers', async () => {
    const store = new InMemoryEventStore();
    const reasons = async (run: () => Promise<unknown>) => {
      const error = await run().catch((e: unknown) => e);
      expect(ValidationError.isInstance(error)).toBe(true);
      return (error as ValidationError).message;
    };
    expect(await reasons(() => store.append('s', [{ type: '', data: {} }]))).toContain(
      'got an empty string',
    );
    expect(
      await reasons(() => store.append('s', [{ type: undefined as never, data: {} }])),
    ).toContain('got undefined');
    expect(await reasons(() => store.append('s', [], Number.NaN))).toContain('got NaN');
    expect(await reasons(() => store.append('s', [], Number.POSITIVE_INFINITY))).toContain(
      'got Infinity',
    );
    await store.close();
  });
});
