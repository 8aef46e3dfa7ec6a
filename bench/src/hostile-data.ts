import { isDeepStrictEqual } from 'node:util';
import {
  type EventStore,
  type NewEvent,
  type RecordedEvent,
  ValidationError,
  collect,
} from '@flowra/eventstore-core';
import { isPlainObject, setOwnProperty } from '@flowra/eventstore-core/adapter';
import { describeChange, stateOf } from './store-probe.js';

/** Legal but hostile input: it must come back exactly, or be refused with a clear ValidationError. */
export interface HostileCase {
  name: string;
  streamId?: string;
  type?: string;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  /** Refused by design (lone surrogates, nesting past the limit): the field it must name. */
  rejectField?: string;
}

const json = (text: string) => JSON.parse(text) as Record<string, unknown>;
/** Objects nested `levels` deep below `data` (arrays count as levels). */
const deep = (levels: number) => {
  let v: unknown = { leaf: 1 };
  for (let i = 1; i < levels; i++) v = i % 3 === 0 ? [v] : { n: v };
  return { n: v } as Record<string, unknown>;
};

export const HOSTILE_CASES: readonly HostileCase[] = [
  {
    name: 'keys starting with $',
    data: {
      $where: 'function () { return true }',
      $gt: '',
      nested: { $in: [1, 2], $regex: '.*', $: 0 },
    },
  },
  {
    name: 'keys holding dots',
    data: { 'a.b': 1, '.': 2, 'x..y': { 'c.d': 3 }, '.lead': 4, 'trail.': 5, '$.$': 6 },
  },
  {
    name: 'keys like the store escape sequences',
    data: { '~': 1, '~d': 2, '~p': 3, '~~': 4, '~$': 5, '~.': 6, 'a~b': 7 },
  },
  { name: "own key '__proto__'", data: json('{"__proto__": {"polluted": "yes"}, "a": 1}') },
  {
    name: "keys '_bsontype' (what BSON libraries take for their own values)",
    data: { wrapped: { _bsontype: 'Binary', sub_type: 0 }, marker: { _bsontype: 1 } },
  },
  {
    name: "nested own key '__proto__'",
    data: json(
      '{"x": {"__proto__": {"polluted": "yes"}}, "list": [{"__proto__": {"polluted": "yes"}}]}',
    ),
  },
  {
    name: "keys 'constructor', 'prototype', 'toString'",
    data: json(
      '{"constructor": {"prototype": {"polluted": "yes"}}, "prototype": 1, "toString": "x", "hasOwnProperty": 2, "valueOf": null}',
    ),
  },
  {
    name: 'hostile metadata keys',
    metadata: {
      ...json('{"__proto__": {"polluted": "yes"}}'),
      $where: 'x',
      'a.b': 1,
      timestamp: 'caller-timestamp',
      user_id: 'snake-user',
      correlation_id: 'snake-corr',
      correlationId: 'corr-1',
      userId: 'user-1',
    },
  },
  {
    name: '$where-style strings as values',
    data: {
      q: "'; return true; var x='",
      w: 'this.a == 1 || true',
      op: '$gt',
      js: 'function () { sleep(1000) }',
      obj: '{"$gt": ""}',
    },
  },
  {
    name: '$where-style stream id and type',
    streamId: '$where: function () { return true }',
    type: '$where',
  },
  { name: 'operator JSON as a stream id string', streamId: '{"$gt": ""}', type: '{"$ne": null}' },
  {
    name: "stream id '__proto__' and type 'constructor'",
    streamId: '__proto__',
    type: 'constructor',
  },
  { name: 'stream id with dots and dollars', streamId: 'a.b$c.$d', type: 'a.b' },
  { name: '-0', data: { z: -0, list: [-0, 0, -0], nested: { z: -0 } } },
  {
    name: 'very large and very small numbers',
    data: {
      max: Number.MAX_VALUE,
      min: Number.MIN_VALUE,
      maxSafe: Number.MAX_SAFE_INTEGER,
      minSafe: Number.MIN_SAFE_INTEGER,
      unsafe: 2 ** 53 + 2,
      negMax: -Number.MAX_VALUE,
      int32max: 2_147_483_647,
      int32over: 2_147_483_648,
      int32under: -2_147_483_649,
      twoTo63: 2 ** 63,
      tiny: 5e-324,
      big: 1e308,
      frac: 0.1 + 0.2,
      negTiny: -1e-300,
    },
  },
  {
    name: 'NaN and infinities',
    data: {
      nan: Number.NaN,
      inf: Number.POSITIVE_INFINITY,
      ninf: Number.NEGATIVE_INFINITY,
      list: [Number.NaN],
    },
  },
  {
    name: 'dates at the edges',
    data: {
      epoch: new Date(0),
      max: new Date(8.64e15),
      min: new Date(-8.64e15),
      ms: new Date('2026-01-01T00:00:00.123Z'),
    },
  },
  {
    name: 'awkward strings',
    data: {
      nul: 'a\u0000b',
      emoji: '😀👩‍👩‍👧',
      nfc: 'é',
      nfd: 'e\u0301',
      rtl: '\u202Eabc',
      bom: '\uFEFF',
      '': 'empty key',
      empty: '',
      long: 'y'.repeat(100_000),
    },
  },
  {
    name: 'numeric-looking keys',
    data: { '0': 'a', '1': 'b', '-1': 'c', '01': 'd', '1e3': 'e', '4294967295': 'f' },
  },
  {
    name: 'wide and long',
    data: {
      list: Array.from({ length: 10_000 }, (_, i) => i),
      ...Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i])),
    },
  },
  { name: 'nesting of 64 levels, arrays among them (the limit)', data: deep(64) },
  {
    name: 'lone high surrogate in a value',
    data: { s: 'ok\uD800' },
    rejectField: 'events[0].data',
  },
  { name: 'lone low surrogate in a value', data: { s: '\uDC00ok' }, rejectField: 'events[0].data' },
  { name: 'lone surrogate in a key', data: { 'k\uD83D': 1 }, rejectField: 'events[0].data' },
  {
    name: 'lone surrogate in metadata',
    metadata: { note: '\uD800' },
    rejectField: 'events[0].metadata',
  },
  { name: 'lone surrogate in the type', type: 'Type\uDBFF', rejectField: 'events[0].type' },
  { name: 'nesting of 65 levels', data: deep(65), rejectField: 'events[0].data' },
  { name: 'nesting of 1,000 levels', data: deep(1_000), rejectField: 'events[0].data' },
];

export interface HostileReport {
  tried: number;
  roundTripped: number;
  rejectedClearly: number;
  failures: string[];
  /** Cases left out because the server cannot keep such data (MongoDB can), with the reason. */
  skipped: { name: string; reason: string }[];
}

/**
 * What FerretDB 1.24 cannot keep that MongoDB does: its documents live in PostgreSQL JSONB.
 * These cases are left out there and listed, not counted as passed.
 */
export const FERRETDB_LIMITS: ReadonlyMap<string, string> = new Map([
  ['-0', 'FerretDB gives -0 back as 0'],
  ['NaN and infinities', 'FerretDB refuses ±Infinity and drops the connection on NaN'],
  ['awkward strings', 'FerretDB (PostgreSQL JSONB) refuses a NUL character in a string'],
]);

const prototypeNames = () => [
  ...Object.getOwnPropertyNames(Object.prototype),
  ...Object.getOwnPropertyNames(Array.prototype),
];

/** Appends each case to its own stream and reads it back three ways, or checks the refusal. */
export async function runHostileCases(
  store: EventStore,
  prefix: string,
  limits: ReadonlyMap<string, string> = new Map(),
): Promise<HostileReport> {
  const report: HostileReport = {
    tried: 0,
    roundTripped: 0,
    rejectedClearly: 0,
    failures: [],
    skipped: [],
  };
  const prototypeBefore = prototypeNames();
  for (const [i, c] of HOSTILE_CASES.entries()) {
    const limit = limits.get(c.name);
    if (limit) {
      report.skipped.push({ name: c.name, reason: limit });
      continue;
    }
    report.tried++;
    const streamId = c.streamId ?? `${prefix}-hostile-${i}`;
    const event: NewEvent = {
      type: c.type ?? 'HostileData',
      data: c.data ?? { plain: true },
      eventId: crypto.randomUUID(),
      ...(c.metadata ? { metadata: c.metadata } : {}),
    };
    const fail = (why: string) => report.failures.push(`${c.name}: ${why}`);
    const before = await stateOf(store, streamId);
    let result: { position: number } | undefined;
    let error: unknown;
    try {
      result = await store.append(streamId, [event]);
    } catch (e) {
      error = e;
    }
    if (c.rejectField !== undefined) {
      const changed = describeChange(before, await stateOf(store, streamId));
      if (!error) fail('was accepted; it should be refused');
      else if (!ValidationError.isInstance(error))
        fail(`threw ${(error as Error).name}, not ValidationError`);
      else if (
        !(
          error.field === c.rejectField ||
          error.field.startsWith(`${c.rejectField}.`) ||
          error.field.startsWith(`${c.rejectField}[`)
        )
      ) {
        fail(`ValidationError names '${error.field}', expected '${c.rejectField}'`);
      } else if (changed) fail(`was refused but changed the store: ${changed}`);
      else report.rejectedClearly++;
      continue;
    }
    if (error || !result) {
      fail(`was refused: ${(error as Error).name}: ${(error as Error).message.slice(0, 200)}`);
      continue;
    }
    const reads: [string, RecordedEvent | undefined][] = [
      ['getEvents', (await store.getEvents(streamId)).find((e) => e.eventId === event.eventId)],
      [
        'readStream',
        (await collect(store.readStream(streamId, { direction: 'backwards', maxCount: 1 })))[0],
      ],
      [
        'readAll',
        (await collect(store.readAll({ fromPosition: result.position - 1, maxCount: 1 })))[0],
      ],
    ];
    const problems = reads.flatMap(([how, read]) => {
      if (!read) return [`${how} did not return it`];
      const out: string[] = [];
      if (read.eventId !== event.eventId) out.push(`${how} returned event ${read.eventId}`);
      if (read.streamId !== streamId) out.push(`${how} stream id ${JSON.stringify(read.streamId)}`);
      if (read.type !== event.type) out.push(`${how} type ${JSON.stringify(read.type)}`);
      // A stored Date may be read-only (a class of its own): its instant is what must survive.
      const data = withPlainDates(read.data);
      if (!isDeepStrictEqual(data, event.data))
        out.push(`${how} data differs: ${diff(event.data, data)}`);
      const metadata = c.metadata ?? {};
      const readMetadata = withPlainDates(read.metadata);
      if (!isDeepStrictEqual(readMetadata, metadata))
        out.push(`${how} metadata differs: ${diff(metadata, readMetadata)}`);
      return out;
    });
    if (c.data && Object.hasOwn(c.data, '__proto__')) {
      const read = reads[0]![1];
      if (
        read &&
        (Object.getPrototypeOf(read.data) !== Object.prototype ||
          !Object.hasOwn(read.data as object, '__proto__'))
      ) {
        problems.push("'__proto__' came back as a prototype, not an own key");
      }
    }
    if (problems.length > 0) fail(problems.slice(0, 3).join('; '));
    else report.roundTripped++;
  }
  const polluted =
    ({} as Record<string, unknown>).polluted !== undefined ||
    !isDeepStrictEqual(prototypeNames(), prototypeBefore);
  if (polluted) report.failures.push('Object.prototype or Array.prototype was polluted');
  return report;
}

/** `value` with every Date a plain one of the same instant; everything else as it is. */
function withPlainDates(value: unknown): unknown {
  if (value instanceof Date) return new Date(value.getTime());
  if (Array.isArray(value)) return value.map(withPlainDates);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) setOwnProperty(out, key, withPlainDates(value[key]));
  return out;
}

/** The first path at which two values differ, for a readable failure. */
function diff(expected: unknown, actual: unknown, path = ''): string {
  if (isDeepStrictEqual(expected, actual)) return '(equal)';
  if (
    typeof expected !== 'object' ||
    expected === null ||
    typeof actual !== 'object' ||
    actual === null
  ) {
    return `${path || '(root)'}: expected ${show(expected)}, got ${show(actual)}`;
  }
  if (Object.getPrototypeOf(expected) !== Object.getPrototypeOf(actual))
    return `${path || '(root)'}: prototype differs`;
  const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  for (const key of keys) {
    const e = (expected as Record<string, unknown>)[key];
    const a = (actual as Record<string, unknown>)[key];
    if (!Object.hasOwn(actual, key)) return `${path}.${key}: missing`;
    if (!Object.hasOwn(expected, key)) return `${path}.${key}: unexpected key`;
    if (!isDeepStrictEqual(e, a)) return diff(e, a, `${path}.${key}`);
  }
  return `${path || '(root)'}: differs`;
}

function show(v: unknown): string {
  if (typeof v === 'number' && Object.is(v, -0)) return '-0';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v instanceof Date) return `Date(${v.getTime()})`;
  return String(v);
}
