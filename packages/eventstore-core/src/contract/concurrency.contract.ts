import { expect, it } from 'vitest';
import { collect } from '../collect.js';
import { ConcurrencyError } from '../errors.js';
import type { AppendResult, EventStore, NewEvent, RecordedEvent } from '../types.js';
import type { ContractContext } from './context.js';
import { newEvents, range, uniqueStreamId, versions, waitFor, withIds } from './context.js';

async function storesFor(ctx: ContractContext, count: number): Promise<EventStore[]> {
  const first = await ctx.store();
  const stores = [first];
  for (let i = 1; i < count; i++) stores.push(await ctx.sibling(first));
  return stores;
}

export function concurrencyContract(ctx: ContractContext): void {
  const t = { timeout: ctx.options.timeoutMs * 4 };
  const scaled = (n: number) => Math.max(2, Math.round(n * ctx.options.scale));

  it('N writers racing with one expected version: exactly one wins', t, async () => {
    const writers = scaled(8);
    const stores = await storesFor(ctx, Math.min(writers, 4));
    for (let round = 0; round < 3; round++) {
      const id = uniqueStreamId('race');
      await stores[0]!.append(id, newEvents(2));
      const batches = Array.from({ length: writers }, () => withIds(newEvents(2)));
      const results = await Promise.allSettled(
        batches.map((batch, i) => stores[i % stores.length]!.append(id, batch, 2)),
      );
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(
        won,
        `writers (of ${writers}) whose append with expected version 2 succeeded; exactly one may`,
      ).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') {
          expect(ConcurrencyError.isInstance(r.reason), String(r.reason)).toBe(true);
          expect(r.reason).toMatchObject({ streamId: id, expectedVersion: 2, actualVersion: 4 });
        }
      }
      const events = await stores[0]!.getEvents(id);
      expect(versions(events)).toEqual([1, 2, 3, 4]);
      expect(events.slice(2).map((e) => e.eventId)).toEqual(
        batches[won[0]!]!.map((e) => e.eventId),
      );
    }
  });

  it("N writers racing with 'no_stream': exactly one creates the stream", t, async () => {
    const writers = scaled(6);
    const stores = await storesFor(ctx, Math.min(writers, 3));
    const id = uniqueStreamId('create');
    const results = await Promise.allSettled(
      Array.from({ length: writers }, (_, i) =>
        stores[i % stores.length]!.append(id, newEvents(1), 'no_stream'),
      ),
    );
    expect(
      results.filter((r) => r.status === 'fulfilled'),
      `appends with 'no_stream' to one new stream that succeeded (of ${writers}); exactly one may`,
    ).toHaveLength(1);
    expect(await stores[0]!.getStreamVersion(id)).toBe(1);
  });

  it(
    "many writers with 'any' on many streams: nothing lost or duplicated, a subscription sees all once in order",
    t,
    async () => {
      const writers = scaled(8);
      const appendsEach = scaled(6);
      const streams = Array.from({ length: scaled(4) }, () => uniqueStreamId('many'));
      const stores = await storesFor(ctx, Math.min(writers, 4));
      const ours = new Set(streams);
      const seen: RecordedEvent[] = [];
      const start = await stores[0]!.append(uniqueStreamId('start'), newEvents(1));
      const subscription = stores[stores.length - 1]!.subscribe(
        (e) => {
          if (ours.has(e.streamId)) seen.push(e);
        },
        { fromPosition: start.position },
      );

      const acknowledged: { ids: string[]; result: AppendResult; streamId: string }[] = [];
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          const store = stores[w % stores.length]!;
          for (let i = 0; i < appendsEach; i++) {
            const streamId = streams[(w + i) % streams.length]!;
            const batch: NewEvent[] = withIds(newEvents(1 + ((w + i) % 3), `W${w}`));
            const result = await store.append(streamId, batch, 'any');
            acknowledged.push({ ids: batch.map((e) => e.eventId!), result, streamId });
          }
        }),
      );

      const stored = new Map<string, RecordedEvent>();
      for (const streamId of streams) {
        const events = await stores[0]!.getEvents(streamId);
        expect(versions(events)).toEqual(range(1, events.length));
        for (const e of events) {
          expect(stored.has(e.eventId)).toBe(false);
          stored.set(e.eventId, e);
        }
      }
      const ackIds = acknowledged.flatMap((a) => a.ids);
      expect(stored.size).toBe(ackIds.length);
      for (const a of acknowledged) {
        const last = stored.get(a.ids.at(-1)!);
        expect(last?.streamId).toBe(a.streamId);
        expect(last?.version).toBe(a.result.nextExpectedVersion);
        expect(last?.position).toBe(a.result.position);
        // a batch is contiguous in its stream and in the log
        a.ids.forEach((id, i) => {
          expect(stored.get(id)?.version).toBe(a.result.nextExpectedVersion - a.ids.length + 1 + i);
          expect(stored.get(id)?.position).toBe(a.result.position - a.ids.length + 1 + i);
        });
      }
      const positions = [...stored.values()].map((e) => e.position).sort((x, y) => x - y);
      expect(new Set(positions).size).toBe(positions.length);
      const log = await collect(stores[0]!.readAll({ fromPosition: start.position }));
      const logOurs = log.filter((e) => ours.has(e.streamId));
      expect(logOurs.map((e) => e.position)).toEqual(positions);
      // positions are consecutive: the log after `start` holds exactly our events
      expect(log.map((e) => e.position)).toEqual(
        range(start.position + 1, start.position + log.length),
      );

      await waitFor(
        () => seen.length >= ackIds.length,
        ctx.options.deliveryTimeoutMs,
        'the subscription to see every event',
      );
      expect(seen.map((e) => e.position)).toEqual(positions);
      await subscription.close();
    },
  );

  it('a writer that lost a race can re-read and win the next round', t, async () => {
    const [a, b] = await storesFor(ctx, 2);
    const id = uniqueStreamId('retry');
    let version = 0;
    const rounds = scaled(5);
    for (let i = 0; i < rounds; i++) {
      const results = await Promise.allSettled([
        a!.append(id, newEvents(1, 'A'), version),
        b!.append(id, newEvents(1, 'B'), version),
      ]);
      expect(
        results.filter((r) => r.status === 'fulfilled'),
        `two appends with expected version ${version}: exactly one may succeed`,
      ).toHaveLength(1);
      version = await a!.getStreamVersion(id);
      expect(version).toBe(i + 1);
    }
  });

  it(
    'the same append retried at the same moment from several instances is stored once',
    t,
    async () => {
      const stores = await storesFor(ctx, 4);
      const rounds = scaled(6);
      for (let round = 0; round < rounds; round++) {
        const id = uniqueStreamId('retry-race');
        await stores[0]!.append(id, newEvents(1));
        const batch = withIds(newEvents(1 + (round % 3)));
        const results = await Promise.allSettled(
          stores.map((store) => store.append(id, batch, 'any')),
        );
        const failed = results.filter((r) => r.status === 'rejected');
        expect(failed.map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
        const values = results.map((r) => (r as PromiseFulfilledResult<AppendResult>).value);
        for (const value of values) expect(value).toEqual(values[0]);
        const events = await stores[0]!.getEvents(id);
        expect(events.map((e) => e.eventId)).toEqual([
          events[0]!.eventId,
          ...batch.map((e) => e.eventId),
        ]);
        expect(values[0]).toEqual({
          nextExpectedVersion: events.length,
          position: events.at(-1)!.position,
        });
      }
    },
  );
}
