import { describe, expect, it } from 'vitest';
import { ConcurrencyError, DuplicateEventIdError, ValidationError } from '../errors.js';
import type { ContractContext } from './context.js';
import { caught, newEvents, range, uniqueStreamId, versions, withIds } from './context.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function appendContract(ctx: ContractContext): void {
  const t = { timeout: ctx.options.timeoutMs };

  it('appends to a new stream with versions 1..n and consecutive positions', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    const result = await store.append(id, newEvents(3));
    expect(result.nextExpectedVersion).toBe(3);
    const events = await store.getEvents(id);
    expect(versions(events)).toEqual([1, 2, 3]);
    expect(events.map((e) => e.position)).toEqual(range(result.position - 2, result.position));
    expect(events.map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    for (const e of events) {
      expect(e.streamId).toBe(id);
      expect(e.type).toBe('TestEvent');
      expect(e.eventId).toMatch(UUID);
      expect(e.recordedAt).toBeInstanceOf(Date);
      expect(e.metadata).toEqual({});
    }
    expect(new Set(events.map((e) => e.eventId)).size).toBe(3);
    expect(await store.getStreamVersion(id)).toBe(3);
  });

  it("defaults expectedVersion to 'any' and continues the stream", t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    await store.append(id, newEvents(2));
    const r = await store.append(id, newEvents(1, 'Other'));
    expect(r.nextExpectedVersion).toBe(3);
    expect(versions(await store.getEvents(id))).toEqual([1, 2, 3]);
  });

  it('keeps caller event ids, metadata and data exactly', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    const eventId = globalThis.crypto.randomUUID();
    const at = new Date('2026-01-02T03:04:05.678Z');
    const data = {
      text: 'héllo 世界 🎉',
      count: 42,
      big: Number.MAX_SAFE_INTEGER,
      small: -(2 ** 40),
      ratio: 0.125,
      flag: false,
      none: null,
      at,
      list: [1, 'two', { three: [3] }, null],
      nested: { deeper: { deepest: { at } } },
    };
    const metadata = {
      correlationId: 'c-1',
      causationId: 'c-0',
      userId: 'u-1',
      tenantId: 't-1',
      extra: { k: 1 },
    };
    await store.append(id, [{ type: 'Rich', data, metadata, eventId }], 0);
    const [event] = await store.getEvents(id);
    if (!event) throw new Error('the event was not stored');
    expect(event.eventId).toBe(eventId);
    expect(event.data).toEqual(data);
    expect((event.data as typeof data).at).toBeInstanceOf(Date);
    expect((event.data as typeof data).at.getTime()).toBe(at.getTime());
    expect(event.metadata).toMatchObject(metadata);
  });

  it('an empty append writes nothing and returns the current version', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    expect((await store.append(id, [])).nextExpectedVersion).toBe(0);
    expect(await store.getStreamVersion(id)).toBe(0);
    await store.append(id, newEvents(2));
    const r = await store.append(id, [], 2);
    expect(r.nextExpectedVersion).toBe(2);
    expect(await store.getStreamVersion(id)).toBe(2);
  });

  it(
    'numeric expected version: must equal the stream version (0 = must not exist)',
    t,
    async () => {
      const store = await ctx.store();
      const id = uniqueStreamId();
      await store.append(id, newEvents(1), 0);
      await store.append(id, newEvents(2), 1);
      for (const wrong of [0, 1, 2, 4, 10]) {
        const error = await caught(
          store.append(id, newEvents(1), wrong),
          `append(expectedVersion ${JSON.stringify(wrong)}) to a stream at version 2 (ConcurrencyError)`,
        );
        expect(ConcurrencyError.isInstance(error)).toBe(true);
        expect(error).toMatchObject({
          name: 'ConcurrencyError',
          streamId: id,
          expectedVersion: wrong,
          actualVersion: 3,
        });
      }
      expect(versions(await store.getEvents(id))).toEqual([1, 2, 3]);
      expect((await store.append(id, newEvents(1), 3)).nextExpectedVersion).toBe(4);
    },
  );

  it("'no_stream' succeeds only on a missing stream", t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    await store.append(id, newEvents(2), 'no_stream');
    const error = await caught(
      store.append(id, newEvents(1), 'no_stream'),
      "append(expectedVersion 'no_stream') to an existing stream (ConcurrencyError)",
    );
    expect(error).toMatchObject({
      name: 'ConcurrencyError',
      expectedVersion: 'no_stream',
      actualVersion: 2,
    });
    expect(await store.getStreamVersion(id)).toBe(2);
  });

  it("'stream_exists' succeeds only on an existing stream", t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    const error = await caught(
      store.append(id, newEvents(1), 'stream_exists'),
      "append(expectedVersion 'stream_exists') to a missing stream (ConcurrencyError)",
    );
    expect(error).toMatchObject({
      name: 'ConcurrencyError',
      streamId: id,
      expectedVersion: 'stream_exists',
      actualVersion: 0,
    });
    expect(await store.getStreamVersion(id)).toBe(0);
    await store.append(id, newEvents(1));
    expect((await store.append(id, newEvents(1), 'stream_exists')).nextExpectedVersion).toBe(2);
  });

  it('a failed append consumes no position', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    const a = await store.append(id, newEvents(1));
    await caught(
      store.append(id, newEvents(3), 0),
      'append(expectedVersion 0) to an existing stream',
    );
    await caught(store.append(id, [{ type: '', data: {} }]), "append of an event with type ''");
    const b = await store.append(id, newEvents(1));
    expect(b.position).toBe(a.position + 1);
  });

  it('appends across streams keep increasing positions', t, async () => {
    const store = await ctx.store();
    const [s1, s2] = [uniqueStreamId(), uniqueStreamId()];
    const a = await store.append(s1, newEvents(2));
    const b = await store.append(s2, newEvents(2));
    const c = await store.append(s1, newEvents(1));
    expect(b.position).toBe(a.position + 2);
    expect(c.position).toBe(b.position + 1);
    expect((await store.getEvents(s2)).map((e) => e.version)).toEqual([1, 2]);
  });

  it(
    'a retried append with the same event ids is a no-op that returns the same result',
    t,
    async () => {
      const store = await ctx.store();
      const id = uniqueStreamId();
      await store.append(id, newEvents(1));
      const batch = withIds(newEvents(2));
      const first = await store.append(id, batch, 1);
      const again = await store.append(id, batch, 1);
      expect(again).toEqual(first);
      const anyRetry = await store.append(id, batch, 'any');
      expect(anyRetry).toEqual(first);
      await store.append(id, newEvents(1));
      // still the original result after the stream moved on
      expect(await store.append(id, batch, 1)).toEqual(first);
      expect(versions(await store.getEvents(id))).toEqual([1, 2, 3, 4]);
    },
  );

  it("a retried 'no_stream' append returns its original result", t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    const batch = withIds(newEvents(3));
    const first = await store.append(id, batch, 'no_stream');
    expect(await store.append(id, batch, 'no_stream')).toEqual(first);
    expect(await store.append(id, batch, 0)).toEqual(first);
    expect(await store.getStreamVersion(id)).toBe(3);
  });

  it('reusing stored event ids in a different batch is refused and writes nothing', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    const batch = withIds(newEvents(2));
    await store.append(id, batch);
    const fresh = withIds(newEvents(1));
    const mixed = [fresh[0]!, batch[1]!];
    const error = await caught(
      store.append(id, mixed),
      'append of a new id with a stored one (DuplicateEventIdError)',
    );
    expect(DuplicateEventIdError.isInstance(error) || ConcurrencyError.isInstance(error)).toBe(
      true,
    );
    const reordered = [batch[1]!, batch[0]!];
    const error2 = await caught(
      store.append(id, reordered),
      'append of stored ids in another order (DuplicateEventIdError)',
    );
    expect(DuplicateEventIdError.isInstance(error2) || ConcurrencyError.isInstance(error2)).toBe(
      true,
    );
    expect(await store.getStreamVersion(id)).toBe(2);
  });

  it('a batch repeating one event id is refused', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    const [e] = withIds(newEvents(1));
    const error = await caught(
      store.append(id, [e!, { ...e!, data: { n: 2 } }]),
      'append of a batch repeating one event id (ValidationError)',
    );
    expect(ValidationError.isInstance(error)).toBe(true);
    expect(await store.getStreamVersion(id)).toBe(0);
  });

  it('writes a batch all or nothing: one bad event fails the whole append', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    const bad = [...newEvents(2), { type: 'Bad', data: 'not an object' as unknown as object }];
    const error = await caught(
      store.append(id, bad),
      'append of a batch with one bad event (ValidationError)',
    );
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as ValidationError).field).toBe('events[2].data');
    expect(await store.getStreamVersion(id)).toBe(0);
    expect(await store.getEvents(id)).toEqual([]);
  });

  describe('event-id rules (the in-memory store is the reference)', () => {
    it(
      'the same ids again at the next exact version are refused, not stored twice',
      t,
      async () => {
        const store = await ctx.store();
        const id = uniqueStreamId();
        const batch = withIds(newEvents(1));
        await store.append(id, batch, 0);
        const error = await caught(
          store.append(id, batch, 1),
          'append of stored ids again at the next exact version (DuplicateEventIdError)',
        );
        expect(DuplicateEventIdError.isInstance(error), String(error)).toBe(true);
        expect(error).toMatchObject({ streamId: id, eventId: batch[0]!.eventId });
        expect(versions(await store.getEvents(id))).toEqual([1]);
      },
    );

    it(
      "retrying only the first event of an earlier append returns that event's place",
      t,
      async () => {
        const store = await ctx.store();
        const id = uniqueStreamId();
        const batch = withIds(newEvents(2));
        const whole = await store.append(id, batch, 'no_stream');
        expect(await store.append(id, [batch[0]!], 'no_stream')).toEqual({
          nextExpectedVersion: 1,
          position: whole.position - 1,
        });
        expect(await store.append(id, [batch[0]!], 'any')).toEqual({
          nextExpectedVersion: 1,
          position: whole.position - 1,
        });
        expect(await store.append(id, [batch[1]!], 'any')).toEqual(whole);
        expect(versions(await store.getEvents(id))).toEqual([1, 2]);
      },
    );

    it(
      'a retry that adds a new event to stored ones is refused and writes nothing',
      t,
      async () => {
        const store = await ctx.store();
        const id = uniqueStreamId();
        const batch = withIds(newEvents(2));
        await store.append(id, batch);
        const extended = [...batch, ...withIds(newEvents(1))];
        const error = await caught(
          store.append(id, extended, 'any'),
          'append of stored ids plus a new one (DuplicateEventIdError)',
        );
        expect(DuplicateEventIdError.isInstance(error), String(error)).toBe(true);
        expect(await store.getStreamVersion(id)).toBe(2);
      },
    );

    it(
      'events read back can be appended again with their ids as a no-op, generated ids too',
      t,
      async () => {
        const store = await ctx.store();
        const id = uniqueStreamId();
        const result = await store.append(id, newEvents(2));
        const stored = await store.getEvents(id);
        const again = stored.map((e) => ({ type: e.type, data: e.data, eventId: e.eventId }));
        expect(await store.append(id, again, 'any')).toEqual(result);
        expect(versions(await store.getEvents(id))).toEqual([1, 2]);
      },
    );

    it('the same ids in another stream are another append', t, async () => {
      const store = await ctx.store();
      const [a, b] = [uniqueStreamId(), uniqueStreamId()];
      const batch = withIds(newEvents(1));
      await store.append(a, batch);
      const other = await store.append(b, batch);
      expect(other.nextExpectedVersion).toBe(1);
      expect((await store.getEvents(b)).map((e) => e.eventId)).toEqual([batch[0]!.eventId]);
    });
  });
}
