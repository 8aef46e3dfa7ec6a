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
    [{ $date: '2026-02-30T00:00:00Z' }, 'is not a valid date'],
    [{ $date: '2025-02-29T00:00:00.000Z' }, 'is not a valid date'],
    [{ $date: '2026-04-31T00:00:00.000+02:00' }, 'is not a valid date'],
    [{ $date: '2026-01-01T24:00:00.000Z' }, 'is not a valid date'],
    [{ $number: '42' }, '$number must be'],
    [{ a: { $oid: 'abc' } }, 'unknown tag $oid'],
  ])('refuses %j', (input, message) => {
    expect(() => fromTaggedJson(input)).toThrow(TaggedJsonError);
    expect(() => fromTaggedJson(input)).toThrow(message);
  });

  it('keeps every day the calendar has, leap days and six-digit years included', () => {
    for (const text of [
      '2024-02-29T23:59:59.999Z',
      '2000-02-29T00:00:00.000Z',
      '+275760-09-13T00:00:00.000Z',
      '-000001-12-31T00:00:00.000Z',
      '2026-12-31T23:59:59.000+05:30',
    ]) {
      expect((fromTaggedJson({ $date: text }) as Date).getTime()).toBe(new Date(text).getTime());
    }
  });

  it('names the path of a bad value', () => {
    expect(() => fromTaggedJson({ data: { list: [1, { $date: 5 }] } })).toThrow('$.data.list[1]');
  });
});
