import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyState } from './copy-state.js';

describe('copyState', () => {
  it('copies plain data deeply: equal, and sharing nothing mutable', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.date({ noInvalidDate: true }), (json, date) => {
        const state = { json, at: date, list: [{ at: date }] };
        const copy = copyState(state) as typeof state;
        expect(copy).toEqual(state);
        expect(copy.at).not.toBe(state.at);
        expect(copy.list[0]).not.toBe(state.list[0]);
      }),
    );
  });

  it('keeps a key named __proto__ as data, and copies Maps and Sets through structuredClone', () => {
    const state = JSON.parse('{"__proto__": {"x": 1}}') as Record<string, unknown>;
    const copy = copyState(state) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__']);
    const tags = new Set(['a']);
    const copied = copyState({ tags }) as { tags: Set<string> };
    expect(copied.tags).toEqual(tags);
    expect(copied.tags).not.toBe(tags);
  });

  it('refuses what is not data: functions, class instances, and cycles', () => {
    expect(() => copyState({ run: () => 1 })).toThrow(TypeError);
    class Money {
      constructor(readonly cents: number) {}
      plus(other: Money) {
        return new Money(this.cents + other.cents);
      }
    }
    expect(() => copyState({ balance: new Money(5) })).toThrow(
      'an instance of Money is not plain data',
    );
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => copyState(cycle)).toThrow(RangeError);
  });
});
