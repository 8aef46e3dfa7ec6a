import { type EventStore, type NewEvent, ValidationError, collect } from '@flowra/eventstore-core';
import { CommitTooLargeError } from '@flowra/eventstore-mongo';
import { describeChange, stateOf } from './store-probe.js';

/** One hostile call through a store's public API, and the typed error it must raise. */
export interface BadInput {
  name: string;
  /** `ValidationError.field` must equal this or start with it followed by `.` or `[`. */
  field: string;
  /** Only MongoDB has the 16 MB limit; its case expects `CommitTooLargeError` instead. */
  mongoOnly?: boolean;
  call(store: EventStore, target: string): unknown;
}

const OP = { $gt: '' };
const ok = (overrides: Partial<NewEvent> & Record<string, unknown> = {}): NewEvent => ({
  type: 'Probe',
  data: { ok: true },
  ...overrides,
});
const append = (events: unknown, expected?: unknown) => (s: EventStore, t: string) =>
  s.append(t, events as NewEvent[], expected as never);
const withData = (data: unknown) => append([ok({ data: data as Record<string, unknown> })]);
const nest = (levels: number): Record<string, unknown> => {
  let v: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < levels; i++) v = { n: v };
  return v;
};
const circular = () => {
  const a: Record<string, unknown> = { x: 1 };
  a.self = { back: a };
  return a;
};
class Money {
  constructor(readonly amount: number) {}
}
const uuid = () => crypto.randomUUID();
const BIG_EVENT_ID = '0badc0de-0000-4000-8000-000000000016';

export const BAD_INPUTS: readonly BadInput[] = [
  {
    name: 'append: operator object as stream id',
    field: 'streamId',
    call: (s) => s.append(OP as never, [ok()]),
  },
  {
    name: 'getEvents: operator object as stream id',
    field: 'streamId',
    call: (s) => s.getEvents({ $ne: null } as never),
  },
  {
    name: 'readStream: operator object as stream id',
    field: 'streamId',
    call: (s) => collect(s.readStream({ $regex: '.*' } as never)),
  },
  {
    name: 'getStreamVersion: operator object as stream id',
    field: 'streamId',
    call: (s) => s.getStreamVersion(OP as never),
  },
  {
    name: 'getSnapshot: operator object as stream id',
    field: 'streamId',
    call: (s) => s.getSnapshot(OP as never),
  },
  {
    name: 'append: operator object as event type',
    field: 'events[0].type',
    call: append([ok({ type: OP as never })]),
  },
  {
    name: 'append: operator object as event id',
    field: 'events[0].eventId',
    call: append([ok({ eventId: OP as never })]),
  },
  {
    name: 'append: event id that is no UUID',
    field: 'events[0].eventId',
    call: append([ok({ eventId: "' || '1'=='1" })]),
  },
  {
    name: 'append: operator object as expected version',
    field: 'expectedVersion',
    call: append([ok()], { $gt: 0 }),
  },
  {
    name: 'append: NaN expected version',
    field: 'expectedVersion',
    call: append([ok()], Number.NaN),
  },
  {
    name: 'append: Infinity expected version',
    field: 'expectedVersion',
    call: append([ok()], Number.POSITIVE_INFINITY),
  },
  { name: 'append: negative expected version', field: 'expectedVersion', call: append([ok()], -1) },
  {
    name: 'append: fractional expected version',
    field: 'expectedVersion',
    call: append([ok()], 2.5),
  },
  {
    name: 'append: numeric string expected version',
    field: 'expectedVersion',
    call: append([ok()], '3'),
  },
  {
    name: 'getEvents: NaN fromVersion',
    field: 'fromVersion',
    call: (s, t) => s.getEvents(t, Number.NaN),
  },
  {
    name: 'readStream: negative fromVersion',
    field: 'fromVersion',
    call: (s, t) => collect(s.readStream(t, { fromVersion: -1 })),
  },
  {
    name: 'readStream: operator object as fromVersion',
    field: 'fromVersion',
    call: (s, t) => collect(s.readStream(t, { fromVersion: { $gt: 0 } as never })),
  },
  {
    name: 'readStream: fractional maxCount',
    field: 'maxCount',
    call: (s, t) => collect(s.readStream(t, { maxCount: 2.5 })),
  },
  {
    name: 'readAll: Infinity fromPosition',
    field: 'fromPosition',
    call: (s) => collect(s.readAll({ fromPosition: Number.POSITIVE_INFINITY })),
  },
  {
    name: 'readAll: negative fromPosition',
    field: 'fromPosition',
    call: (s) => collect(s.readAll({ fromPosition: -1 })),
  },
  {
    name: 'readAll: operator object as fromPosition',
    field: 'fromPosition',
    call: (s) => collect(s.readAll({ fromPosition: { $gt: 0 } as never })),
  },
  {
    name: 'readAll: NaN maxCount',
    field: 'maxCount',
    call: (s) => collect(s.readAll({ maxCount: Number.NaN })),
  },
  {
    name: 'readAll: negative maxCount',
    field: 'maxCount',
    call: (s) => collect(s.readAll({ maxCount: -3 })),
  },
  {
    name: 'readAll: operator object as event type filter',
    field: 'types[0]',
    call: (s) => collect(s.readAll({ types: [OP as never] })),
  },
  {
    name: 'subscribe: negative fromPosition',
    field: 'fromPosition',
    call: (s) => s.subscribe(() => {}, { fromPosition: -1 }),
  },
  {
    name: 'subscribe: fractional fromPosition',
    field: 'fromPosition',
    call: (s) => s.subscribe(() => {}, { fromPosition: 0.5 }),
  },
  {
    name: 'append: 10,000-character stream id',
    field: 'streamId',
    call: (s) => s.append('s'.repeat(10_000), [ok()]),
  },
  { name: 'append: empty stream id', field: 'streamId', call: (s) => s.append('', [ok()]) },
  {
    name: 'append: stream id with a lone surrogate',
    field: 'streamId',
    call: (s) => s.append('stream-\uD800', [ok()]),
  },
  { name: 'append: empty event type', field: 'events[0].type', call: append([ok({ type: '' })]) },
  {
    name: 'append: numeric event type',
    field: 'events[0].type',
    call: append([ok({ type: 42 as never })]),
  },
  { name: 'append: missing event type', field: 'events[0].type', call: append([{ data: {} }]) },
  { name: 'append: a function in data', field: 'events[0].data', call: withData({ fn: () => 1 }) },
  {
    name: 'append: a class instance in data',
    field: 'events[0].data',
    call: withData({ price: new Money(5) }),
  },
  {
    name: 'append: a Map in data',
    field: 'events[0].data',
    call: withData({ m: new Map([[1, 2]]) }),
  },
  { name: 'append: circular data', field: 'events[0].data', call: withData(circular()) },
  { name: 'append: a BigInt in data', field: 'events[0].data', call: withData({ big: 10n }) },
  {
    name: 'append: a symbol value in data',
    field: 'events[0].data',
    call: withData({ sym: Symbol('s') }),
  },
  {
    name: 'append: a symbol key in data',
    field: 'events[0].data',
    call: withData({ [Symbol('k')]: 1 }),
  },
  {
    name: 'append: an invalid Date in data',
    field: 'events[0].data',
    call: withData({ when: new Date(Number.NaN) }),
  },
  {
    name: 'append: a NUL in a data key',
    field: 'events[0].data',
    call: withData({ 'a\u0000b': 1 }),
  },
  { name: 'append: data that is an array', field: 'events[0].data', call: withData([1, 2]) },
  {
    name: 'append: data that is a class instance',
    field: 'events[0].data',
    call: withData(new Money(1)),
  },
  { name: 'append: data that is null', field: 'events[0].data', call: withData(null) },
  { name: 'append: data nested 65 levels', field: 'events[0].data', call: withData(nest(65)) },
  {
    name: 'append: operator object as metadata.userId',
    field: 'events[0].metadata.userId',
    call: append([ok({ metadata: { userId: { $ne: null } as never } })]),
  },
  {
    name: 'append: metadata that is a class instance',
    field: 'events[0].metadata',
    call: append([ok({ metadata: new Money(1) as never })]),
  },
  { name: 'append: events that is an operator object', field: 'events', call: append(OP) },
  {
    name: 'append: a good event followed by a bad one',
    field: 'events[1].type',
    call: append([ok(), ok({ type: '' })]),
  },
  {
    name: 'append: one event id twice in a batch',
    field: 'events[1].eventId',
    call: (s, t) => {
      const id = uuid();
      return s.append(t, [ok({ eventId: id }), ok({ eventId: id })]);
    },
  },
  {
    name: 'saveSnapshot: NaN version',
    field: 'snapshot.version',
    call: (s, t) =>
      s.saveSnapshot({ streamId: t, version: Number.NaN, data: {}, timestamp: new Date() }),
  },
  {
    name: 'saveSnapshot: operator object as stream id',
    field: 'snapshot.streamId',
    call: (s) =>
      s.saveSnapshot({ streamId: OP as never, version: 99, data: {}, timestamp: new Date() }),
  },
  {
    name: 'saveSnapshot: a function in data',
    field: 'snapshot.data',
    call: (s, t) =>
      s.saveSnapshot({ streamId: t, version: 99, data: { f: () => 0 }, timestamp: new Date() }),
  },
  {
    name: 'append: an event over 16 MB after a small one',
    field: 'events[1]',
    mongoOnly: true,
    call: (s, t) =>
      s.append(t, [
        ok({ eventId: uuid() }),
        ok({ eventId: BIG_EVENT_ID, data: { blob: 'x'.repeat(17 * 1024 * 1024) } }),
      ]),
  },
];

export interface BadInputReport {
  tried: number;
  rejected: number;
  failures: string[];
}

function fieldMatches(actual: string, expected: string): boolean {
  return (
    actual === expected || actual.startsWith(`${expected}.`) || actual.startsWith(`${expected}[`)
  );
}

/** Runs the table against one store; `target` must hold a few events and a snapshot already. */
export async function runBadInputs(
  store: EventStore,
  target: string,
  isMongo: boolean,
): Promise<BadInputReport> {
  const report: BadInputReport = { tried: 0, rejected: 0, failures: [] };
  for (const input of BAD_INPUTS) {
    if (input.mongoOnly && !isMongo) continue;
    report.tried++;
    const before = await stateOf(store, target);
    let error: unknown;
    try {
      const returned = await input.call(store, target);
      const sub = returned as { close?: () => Promise<void> } | undefined;
      if (sub && typeof sub.close === 'function') await sub.close();
    } catch (e) {
      error = e;
    }
    const changed = describeChange(before, await stateOf(store, target));
    let problem: string | undefined;
    if (error === undefined) problem = 'was accepted';
    else if (input.mongoOnly) {
      const big = CommitTooLargeError.isInstance(error) ? error : undefined;
      if (!big) problem = `threw ${describe(error)}, not CommitTooLargeError`;
      else if (
        big.largestEvent.index !== 1 ||
        big.largestEvent.eventId !== BIG_EVENT_ID ||
        !big.message.includes(BIG_EVENT_ID)
      ) {
        problem = `CommitTooLargeError names events[${big.largestEvent.index}] ${big.largestEvent.eventId}, not events[1] ${BIG_EVENT_ID}`;
      }
    } else if (!ValidationError.isInstance(error))
      problem = `threw ${describe(error)}, not ValidationError`;
    else if (!fieldMatches(error.field, input.field))
      problem = `ValidationError names field '${error.field}', expected '${input.field}'`;
    if (changed) problem = `${problem ? `${problem}; ` : ''}changed the store: ${changed}`;
    if (problem) report.failures.push(`${input.name}: ${problem}`);
    else report.rejected++;
  }
  return report;
}

function describe(error: unknown): string {
  const e = error as { name?: string; message?: string };
  return `${e?.name ?? typeof error}: ${String(e?.message ?? error).slice(0, 160)}`;
}
