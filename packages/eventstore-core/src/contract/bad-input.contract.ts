import { expect, it } from 'vitest';
import { collect } from '../collect.js';
import { ValidationError } from '../errors.js';
import type { EventStore, NewEvent } from '../types.js';
import type { ContractContext } from './context.js';
import { caught, newEvents, uniqueStreamId } from './context.js';

const injections: unknown[] = [
  { $gt: '' },
  { $ne: null },
  { $where: 'sleep(1000)' },
  { $regex: '.*' },
  ['a'],
];

const badStreamIds: [string, unknown][] = [
  ['empty', ''],
  ['a number', 42],
  ['null', null],
  ['undefined', undefined],
  ['513 characters', 'x'.repeat(513)],
  ['10,000 characters', 's'.repeat(10_000)],
  ...injections.map((v): [string, unknown] => [`operator object ${JSON.stringify(v)}`, v]),
];

const badCounts: [string, unknown][] = [
  ['-1', -1],
  ['1.5', 1.5],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['a numeric string', '1'],
  ['an operator object', { $gt: 0 }],
  ['null', null],
];

class NotPlain {
  x = 1;
}

function circular() {
  const o: Record<string, unknown> = { a: 1 };
  o.self = o;
  return o;
}

const badEvents: [string, unknown, RegExp][] = [
  ['events not an array', { type: 'X', data: {} }, /^events$/],
  ['an event that is not an object', ['nope'], /^events\[0\]$/],
  ['type missing', [{ data: {} }], /^events\[0\]\.type$/],
  ['type empty', [{ type: '', data: {} }], /^events\[0\]\.type$/],
  ['type a number', [{ type: 7, data: {} }], /^events\[0\]\.type$/],
  ['type an operator object', [{ type: { $gt: '' }, data: {} }], /^events\[0\]\.type$/],
  ['data missing', [{ type: 'X' }], /^events\[0\]\.data$/],
  ['data a string', [{ type: 'X', data: 'text' }], /^events\[0\]\.data$/],
  ['data an array', [{ type: 'X', data: [1] }], /^events\[0\]\.data$/],
  ['data null', [{ type: 'X', data: null }], /^events\[0\]\.data$/],
  ['data a Date', [{ type: 'X', data: new Date() }], /^events\[0\]\.data$/],
  ['data a class instance', [{ type: 'X', data: new NotPlain() }], /^events\[0\]\.data$/],
  ['data holding a function', [{ type: 'X', data: { f: () => 1 } }], /^events\[0\]\.data\.f$/],
  ['data holding a BigInt', [{ type: 'X', data: { n: 1n } }], /^events\[0\]\.data\.n$/],
  ['data holding a symbol', [{ type: 'X', data: { s: Symbol('s') } }], /^events\[0\]\.data\.s$/],
  ['data holding a Map', [{ type: 'X', data: { m: new Map() } }], /^events\[0\]\.data\.m$/],
  ['circular data', [{ type: 'X', data: circular() }], /^events\[0\]\.data\.self$/],
  [
    'eventId not a UUID',
    [{ type: 'X', data: {}, eventId: 'not-a-uuid' }],
    /^events\[0\]\.eventId$/,
  ],
  [
    'eventId an operator object',
    [{ type: 'X', data: {}, eventId: { $gt: '' } }],
    /^events\[0\]\.eventId$/,
  ],
  ['eventId a number', [{ type: 'X', data: {}, eventId: 1 }], /^events\[0\]\.eventId$/],
  ['metadata not an object', [{ type: 'X', data: {}, metadata: 'm' }], /^events\[0\]\.metadata$/],
  [
    'metadata.correlationId not a string',
    [{ type: 'X', data: {}, metadata: { correlationId: { $gt: '' } } }],
    /^events\[0\]\.metadata\.correlationId$/,
  ],
  [
    'the second event bad',
    [
      { type: 'X', data: {} },
      { type: 'X', data: 5 },
    ],
    /^events\[1\]\.data$/,
  ],
];

async function expectField(call: () => unknown, field: RegExp | string): Promise<ValidationError> {
  const error = await caught(call, `a call with a bad ${String(field)} (ValidationError)`);
  expect(
    ValidationError.isInstance(error),
    `expected a ValidationError, got ${String(error)}`,
  ).toBe(true);
  expect((error as ValidationError).name).toBe('ValidationError');
  expect((error as ValidationError).field).toMatch(field);
  return error as ValidationError;
}

/** Appends a marker before and after `body`; the positions prove nothing landed in between. */
async function expectNothingWritten(store: EventStore, body: () => Promise<void>): Promise<void> {
  const marker = uniqueStreamId('marker');
  const before = await store.append(marker, newEvents(1));
  await body();
  const after = await store.append(marker, newEvents(1));
  expect(after.position).toBe(before.position + 1);
}

export function badInputContract(ctx: ContractContext): void {
  const t = { timeout: ctx.options.timeoutMs };

  it('refuses a bad streamId in every method, naming the field, writing nothing', t, async () => {
    const store = await ctx.store();
    await expectNothingWritten(store, async () => {
      for (const [, id] of badStreamIds) {
        const sid = id as string;
        await expectField(() => store.append(sid, newEvents(1)), 'streamId');
        await expectField(() => store.getEvents(sid), 'streamId');
        await expectField(() => collect(store.readStream(sid)), 'streamId');
        await expectField(() => store.getStreamVersion(sid), 'streamId');
        await expectField(() => store.getSnapshot(sid), 'streamId');
        await expectField(
          () => store.saveSnapshot({ streamId: sid, version: 1, data: {}, timestamp: new Date() }),
          /streamId$/,
        );
      }
    });
  });

  it('refuses bad events, naming the field, writing nothing', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    await expectNothingWritten(store, async () => {
      for (const [, events, field] of badEvents) {
        await expectField(() => store.append(id, events as NewEvent[]), field);
      }
    });
    expect(await store.getStreamVersion(id)).toBe(0);
  });

  it('refuses a bad expectedVersion', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    await expectNothingWritten(store, async () => {
      for (const [, v] of [...badCounts, ['an unknown keyword', 'latest'] as [string, unknown]]) {
        await expectField(() => store.append(id, newEvents(1), v as number), 'expectedVersion');
      }
    });
    expect(await store.getStreamVersion(id)).toBe(0);
  });

  it('refuses bad fromVersion, fromPosition and maxCount', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    await store.append(id, newEvents(1));
    for (const [, v] of badCounts) {
      const n = v as number;
      await expectField(() => store.getEvents(id, n), 'fromVersion');
      await expectField(() => collect(store.readStream(id, { fromVersion: n })), 'fromVersion');
      await expectField(() => collect(store.readStream(id, { maxCount: n })), 'maxCount');
      await expectField(() => collect(store.readAll({ fromPosition: n })), 'fromPosition');
      await expectField(() => collect(store.readAll({ maxCount: n })), 'maxCount');
      await expectField(() => store.subscribe(() => {}, { fromPosition: n }), 'fromPosition');
    }
    await expectField(
      () => collect(store.readStream(id, { direction: 'sideways' as 'forwards' })),
      'direction',
    );
    await expectField(() => collect(store.readAll({ types: 'X' as unknown as string[] })), 'types');
    await expectField(
      () => collect(store.readAll({ types: [{ $gt: '' } as unknown as string] })),
      /^types/,
    );
  });

  it('refuses a bad snapshot', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    for (const [, v] of badCounts) {
      await expectField(
        () =>
          store.saveSnapshot({
            streamId: id,
            version: v as number,
            data: {},
            timestamp: new Date(),
          }),
        'snapshot.version',
      );
    }
    // No event has version 0: a snapshot of it would be the state every event is applied to.
    await expectField(
      () => store.saveSnapshot({ streamId: id, version: 0, data: {}, timestamp: new Date() }),
      'snapshot.version',
    );
    await expectField(
      () =>
        store.saveSnapshot({
          streamId: id,
          version: 1,
          data: { f: () => 1 },
          timestamp: new Date(),
        }),
      /^snapshot\.data/,
    );
    await expectField(
      () =>
        store.saveSnapshot({
          streamId: id,
          version: 1,
          data: {},
          timestamp: 'yesterday' as unknown as Date,
        }),
      'snapshot.timestamp',
    );
    expect(await store.getSnapshot(id)).toBeNull();
  });

  it('keeps hostile but legal data exactly', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    const proto = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": 1}}');
    const data = {
      $where: 'this.a > 1',
      'dotted.key': 'v',
      $gt: { $ne: 1 },
      nested: proto,
      text: '{"$gt": ""}',
      tiny: 5e-324,
      huge: 1.7976931348623157e308,
      deep: JSON.parse(`${'{"d":'.repeat(40)}1${'}'.repeat(40)}`),
      // What BSON libraries take for one of their own values.
      wrapped: { _bsontype: 'Binary', sub_type: 0 },
      marker: { _bsontype: 1 },
    };
    await store.append(id, [{ type: 'Hostile', data }]);
    const [event] = await store.getEvents(id);
    if (!event) throw new Error('the event was not stored');
    expect(event.data).toEqual(data);
    const stored = (event.data as { nested: object }).nested;
    expect(Object.keys(stored)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(stored)).toBe(Object.prototype);
  });

  const negativeZero = ctx.limits.negativeZero;
  if (negativeZero) console.warn(`[contract] skipped: keeping -0 apart from 0: ${negativeZero}`);
  it.skipIf(negativeZero !== undefined)('keeps -0 apart from 0', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    await store.append(id, [{ type: 'Zeros', data: { negZero: -0, list: [-0, 0] } }]);
    const [event] = await store.getEvents(id);
    const data = event?.data as { negZero: number; list: number[] };
    expect(Object.is(data.negZero, -0)).toBe(true);
    expect(Object.is(data.list[0], -0)).toBe(true);
    expect(Object.is(data.list[1], 0)).toBe(true);
  });

  const nonFinite = ctx.limits.nonFiniteNumbers;
  if (nonFinite) console.warn(`[contract] skipped: keeping NaN and ±Infinity: ${nonFinite}`);
  it.skipIf(nonFinite !== undefined)('keeps NaN and ±Infinity', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    const data = {
      nan: Number.NaN,
      up: Number.POSITIVE_INFINITY,
      down: [Number.NEGATIVE_INFINITY],
    };
    await store.append(id, [{ type: 'NonFinite', data }]);
    const [event] = await store.getEvents(id);
    expect(event?.data).toEqual(data);
  });

  it('refuses strings with lone surrogates rather than altering them', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    await expectField(
      () => store.append(id, [{ type: 'X', data: { s: 'a\uD800b' } }]),
      'events[0].data.s',
    );
    await expectField(() => store.append(`${id}\uDC00`, newEvents(1)), 'streamId');
    expect(await store.getStreamVersion(id)).toBe(0);
  });
}
