import fc from 'fast-check';
import { BSON, Double } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { decodeKey, decodeValue, encodeKey, encodeValue } from './bson-codec.js';

function throughBson(value: unknown): unknown {
  const bytes = BSON.serialize({ v: encodeValue(value) });
  return decodeValue(BSON.deserialize(bytes).v);
}

describe('bson codec', () => {
  it('escapes exactly the keys BSON tools would misread, and reverses it', () => {
    expect(encodeKey('plain')).toBe('plain');
    expect(encodeKey('$gt')).toBe('~~dgt');
    expect(encodeKey('a.b')).toBe('~a~pb');
    expect(encodeKey('~x')).toBe('~~~x');
    expect(encodeKey('__proto__')).toBe('~__proto__');
    expect(encodeKey('_bsontype')).toBe('~_bsontype');
    expect(encodeKey('timestamp', new Set(['timestamp']))).toBe('~timestamp');
    fc.assert(
      fc.property(fc.string(), (key) => {
        expect(decodeKey(encodeKey(key))).toBe(key);
      }),
    );
  });

  it('round-trips hostile but legal data through BSON exactly', () => {
    const data = JSON.parse(
      '{"__proto__": {"x": 1}, "$where": "1", "a.b": {"$ref": "c", "$id": 2}}',
    );
    data.negZero = -0;
    // Taken for BSON values by the driver's serializer unless escaped.
    data.wrapped = { _bsontype: 'Binary', value: 1 };
    data.marker = { _bsontype: 1 };
    data.at = new Date(1);
    data.list = [-0, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53 - 1, -(2 ** 40)];
    const back = throughBson(data) as Record<string, unknown>;
    expect(back).toEqual(data);
    expect(Object.keys(back)).toEqual(Object.keys(data));
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.is(back.negZero, -0)).toBe(true);
    expect(Object.is((back.list as number[])[0], -0)).toBe(true);
  });

  it('round-trips arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(throughBson(value)).toEqual(value);
      }),
    );
  });

  it('shares what needs no change only when asked, and copies the rest in key order', () => {
    const inner = { x: 1, list: [1, 2] };
    const plain = { a: 'x', inner, at: new Date(0) };
    expect(encodeValue(plain, undefined, true)).toBe(plain);
    expect(encodeValue(plain)).not.toBe(plain);
    expect(encodeValue(plain)).toEqual(plain);
    const escaped = { a: 1, 'b.c': 2, d: inner, e: [0, -0] };
    const encoded = encodeValue(escaped, undefined, true) as Record<string, unknown>;
    expect(Object.keys(encoded)).toEqual(['a', '~b~pc', 'd', 'e']);
    expect(encoded.d).toBe(inner);
    expect((encoded.e as unknown[])[1]).toBeInstanceOf(Double);
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(encodeValue(value, undefined, true)).toEqual(encodeValue(value));
      }),
    );
  });

  it('refuses BSON types no Flowra store writes', () => {
    expect(() => decodeValue({ id: new BSON.ObjectId() })).toThrow(/data\.id holds ObjectId/);
    expect(() => decodeValue({ b: new BSON.Binary(Buffer.from('x')) })).toThrow(/Binary/);
    expect(decodeValue({ d: new Double(2.5) })).toEqual({ d: 2.5 });
    expect(() => decodeValue(undefined)).toThrow(/undefined/);
    expect(() => decodeValue({ a: [1, { '~~db': new BSON.ObjectId() }] })).toThrow(
      /^data\.a\[1\]\.\$b holds ObjectId/,
    );
    expect(() => decodeValue([new BSON.MinKey()], 'snapshot.data')).toThrow(
      /^snapshot\.data\[0\] holds MinKey/,
    );
  });
});
