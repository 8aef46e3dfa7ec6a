import { describe, expect, it } from 'vitest';
import { TaggedJsonError, fromTaggedJson, toTaggedJson } from './tagged-json.js';

const roundTrip = (value: unknown) =>
  fromTaggedJson(JSON.parse(JSON.stringify(toTaggedJson(value))));

describe('tagged JSON', () => {
  it('round-trips Dates at any depth, special numbers and $-keys exactly', () => {
    const proto = JSON.parse('{"__proto__": {"kept": true}}') as Record<string, unknown>;
    const value = {
      at: new Date('2025-01-02T03:04:05.678Z'),
      far: new Date(8.64e15),
      before1970: new Date(-1),
      nested: { list: [new Date(0), { deeper: [new Date(86_400_000)] }], n: null },
      numbers: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 1.5],
      $date: 'not a tag',
      $$already: { $number: 'also data' },
      'a.b': 'dots stay',
      proto,
    };
    const back = roundTrip(value) as typeof value;
    expect(back).toStrictEqual(value);
    expect(Object.is(back.numbers[3], -0)).toBe(true);
    expect(Object.is(back.numbers[4], 0)).toBe(true);
    expect(Object.getPrototypeOf(back.proto)).toBe(Object.prototype);
    expect(Object.keys(back.proto)).toEqual(['__proto__']);
  });

  it('writes Dates as {"$date": ISO} and escapes data keys that start with $', () => {
    expect(JSON.stringify(toTaggedJson({ at: new Date(0), $x: 1, n: -0 }))).toBe(
      '{"at":{"$date":"1970-01-01T00:00:00.000Z"},"$$x":1,"n":{"$number":"-0"}}',
    );
  });

  it.each([
    [{ $date: 'yesterday' }, '$date must hold an ISO 8601'],
    [{ $date: '2025-02-30T00:00:00.000Z', more: 1 }, 'only key'],
    [{ $number: '42' }, '$number must be'],
    [{ a: { $oid: 'abc' } }, 'unknown tag $oid'],
  ])('refuses %j', (input, message) => {
    expect(() => fromTaggedJson(input)).toThrow(TaggedJsonError);
    expect(() => fromTaggedJson(input)).toThrow(message);
  });

  it('names the path of a bad value', () => {
    expect(() => fromTaggedJson({ data: { list: [1, { $date: 5 }] } })).toThrow('$.data.list[1]');
  });
});
