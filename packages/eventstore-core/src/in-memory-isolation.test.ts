import { describe, expect, it, vi } from 'vitest';
import { collect } from './collect.js';
import { InMemoryEventStore } from './in-memory-event-store.js';
import type { RecordedEvent } from './types.js';

/** What the in-memory store owes a caller that shares objects with it, either way. */
describe('InMemoryEventStore isolation', () => {
  it('keeps what was appended when the caller changes its objects afterwards', async () => {
    const store = new InMemoryEventStore();
    const at = new Date('2026-01-02T03:04:05.678Z');
    const data = { text: 'hi', n: 1, at, list: [1, { deep: 'x' }] };
    const metadata = { correlationId: 'c-1', extra: { k: 1 } };
    await store.append('s', [
      { type: 'T', data, metadata },
      { type: 'T', data: { text: 'two', n: 2, at } },
    ]);
    data.text = 'changed';
    data.list.push(2);
    (data.list[1] as { deep: string }).deep = 'changed';
    metadata.extra.k = 2;
    at.setTime(0);

    const [first, second] = await store.getEvents('s');
    expect(first?.data).toStrictEqual({
      text: 'hi',
      n: 1,
      at: new Date('2026-01-02T03:04:05.678Z'),
      list: [1, { deep: 'x' }],
    });
    expect(first?.metadata).toStrictEqual({ correlationId: 'c-1', extra: { k: 1 } });
    expect((second?.data as { at: Date } | undefined)?.at.getTime()).toBe(
      Date.parse('2026-01-02T03:04:05.678Z'),
    );
    await store.close();
  });

  it('hands out frozen events, down to nested data and Dates', async () => {
    const store = new InMemoryEventStore();
    const at = new Date('2026-01-02T03:04:05.678Z');
    await store.append('s', [{ type: 'T', data: { at, list: [{ a: 1 }] }, metadata: { m: [1] } }]);
    const [event] = (await store.getEvents('s')) as RecordedEvent<{ at: Date; list: object[] }>[];
    if (!event) throw new Error('not stored');
    for (const part of [event, event.data, event.data.list, event.data.list[0], event.metadata]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(Object.isFrozen(event.data.at)).toBe(true);
    expect(Object.isFrozen(event.recordedAt)).toBe(true);
    expect(event.data.at).toBeInstanceOf(Date);
    expect(event.data.at.constructor).toBe(Date);
    expect(event.data.at).toStrictEqual(at);
    expect(event.data.at).not.toBe(at);
    await store.close();
  });

  it('hands out Dates whose setters throw, so a reader cannot rewrite a stored event', async () => {
    const store = new InMemoryEventStore();
    const at = new Date('2026-01-02T03:04:05.678Z');
    await store.append('s', [{ type: 'T', data: { at }, metadata: { at } }]);
    const seen: RecordedEvent[] = [];
    const subscription = store.subscribe((e) => void seen.push(e), { fromPosition: 0 });
    const [event] = (await store.getEvents('s')) as RecordedEvent<{ at: Date }>[];
    if (!event) throw new Error('not stored');
    const dates = [event.data.at, event.recordedAt, event.metadata.at as Date];
    for (const date of dates) {
      expect(() => date.setFullYear(1999)).toThrow(TypeError);
      expect(() => date.setTime(0)).toThrow(/read-only/);
      expect(() => date.setUTCHours(0)).toThrow(TypeError);
    }
    const [again] = (await store.getEvents('s')) as RecordedEvent<{ at: Date }>[];
    expect(again?.data.at.toISOString()).toBe('2026-01-02T03:04:05.678Z');
    expect(again?.recordedAt.getTime()).toBe(event.recordedAt.getTime());
    // A copy is the reader's own to change.
    const copy = new Date(event.data.at);
    copy.setFullYear(1999);
    expect(copy.getFullYear()).toBe(1999);
    expect(JSON.stringify(again?.data)).toBe('{"at":"2026-01-02T03:04:05.678Z"}');
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0]?.data).toStrictEqual({ at });
    await subscription.close();
    await store.close();
  });

  it('shares one frozen copy between equal Dates of one append, never across appends', async () => {
    const store = new InMemoryEventStore();
    const at = new Date('2026-01-02T03:04:05.678Z');
    await store.append('s', [
      { type: 'T', data: { at } },
      { type: 'T', data: { at: new Date(at.getTime()) } },
      { type: 'T', data: { at: new Date(at.getTime() + 1) } },
    ]);
    await store.append('s', [{ type: 'T', data: { at } }]);
    const dates = (await store.getEvents('s')).map((e) => (e.data as { at: Date }).at);
    expect(dates[0]).toBe(dates[1]);
    expect(dates[2]?.getTime()).toBe(at.getTime() + 1);
    expect(dates[3]).not.toBe(dates[0]);
    expect(dates[3]).toStrictEqual(dates[0]);
    await store.close();
  });
});

describe('InMemoryEventStore reads', () => {
  it('reads one iterable again from its start, and a closed cursor stays done', async () => {
    const store = new InMemoryEventStore();
    await store.append('s', [
      { type: 'A', data: {} },
      { type: 'B', data: {} },
    ]);
    const iterable = store.readStream('s', { direction: 'backwards' });
    expect((await collect(iterable)).map((e) => e.type)).toEqual(['B', 'A']);
    expect((await collect(iterable)).map((e) => e.type)).toEqual(['B', 'A']);

    const cursor = store.readAll()[Symbol.asyncIterator]();
    expect((await cursor.next()).value?.type).toBe('A');
    await cursor.return?.();
    expect(await cursor.next()).toEqual({ done: true, value: undefined });
    await store.close();
  });

  it('checks read arguments on the first next(), not when the iterable is made', async () => {
    const store = new InMemoryEventStore();
    const iterable = store.readStream('s', { maxCount: -1 });
    const cursor = iterable[Symbol.asyncIterator]();
    await expect(cursor.next()).rejects.toThrow(/maxCount/);
    expect(await cursor.next()).toEqual({ done: true, value: undefined });
    await store.close();
  });
});
