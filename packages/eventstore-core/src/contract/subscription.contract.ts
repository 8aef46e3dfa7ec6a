import { expect, it } from 'vitest';
import type { RecordedEvent } from '../types.js';
import type { ContractContext } from './context.js';
import { newEvents, range, sleep, uniqueStreamId, waitFor } from './context.js';

export function subscriptionContract(ctx: ContractContext): void {
  const t = { timeout: ctx.options.timeoutMs };
  const within = ctx.options.deliveryTimeoutMs;

  it('without fromPosition, delivers only events appended after the call', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    await store.append(id, newEvents(2));
    const seen: RecordedEvent[] = [];
    const sub = store.subscribe((e) => {
      if (e.streamId === id) seen.push(e);
    });
    await store.append(id, newEvents(3, 'TestEvent', 3));
    await waitFor(() => seen.length >= 3, within, 'three live events');
    await sleep(50);
    expect(seen.map((e) => e.version)).toEqual([3, 4, 5]);
    await sub.close();
  });

  it('catches up from a position, then goes live with no gap and no duplicate', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    const first = await store.append(id, newEvents(10));
    const from = first.position - 10 + 3;
    const seen: number[] = [];
    const sub = store.subscribe(
      async (e) => {
        if (e.streamId !== id) return;
        seen.push(e.position);
        // Slow handling keeps the catch-up running while the writer below appends.
        if (seen.length < 5) await sleep(5);
      },
      { fromPosition: from },
    );
    const writes: number[] = [];
    for (let i = 0; i < 5; i++) {
      writes.push((await store.append(id, newEvents(2))).position);
      await sleep(3);
    }
    const last = writes.at(-1)!;
    await waitFor(() => seen.at(-1) === last, within, 'the last live event');
    expect(seen).toEqual(range(from + 1, last));
    await sub.close();
  });

  it('fromPosition 0 delivers the whole log from position 1', t, async () => {
    const store = await ctx.store();
    await store.append(uniqueStreamId(), newEvents(1));
    const seen: number[] = [];
    const sub = store.subscribe((e) => void seen.push(e.position), { fromPosition: 0 });
    await waitFor(() => seen.length > 0, within, 'the first event');
    expect(seen[0]).toBe(1);
    await sub.close();
  });

  it('awaits an async handler: one event at a time, in position order', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    const r = await store.append(id, newEvents(6));
    let running = 0;
    let maxRunning = 0;
    const seen: number[] = [];
    const sub = store.subscribe(
      async (e) => {
        if (e.streamId !== id) return;
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(e.version % 2 ? 15 : 1);
        seen.push(e.version);
        running--;
      },
      { fromPosition: r.position - 6 },
    );
    await store.append(id, newEvents(2));
    await waitFor(() => seen.length === 8, within, 'eight events');
    expect(seen).toEqual(range(1, 8));
    expect(maxRunning).toBe(1);
    await sub.close();
  });

  it('a throwing handler stops the subscription and the error reaches the caller', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    const r = await store.append(id, newEvents(4));
    const seen: number[] = [];
    const errors: unknown[] = [];
    const boom = new Error('handler failed');
    const sub = store.subscribe(
      (e) => {
        if (e.streamId !== id) return;
        if (e.version === 2) throw boom;
        seen.push(e.version);
      },
      { fromPosition: r.position - 4, onError: (error) => errors.push(error) },
    );
    await expect(sub.done).rejects.toBe(boom);
    expect(errors).toEqual([boom]);
    expect(sub.error).toBe(boom);
    await store.append(id, newEvents(2));
    await sleep(100);
    expect(seen).toEqual([1]);
    await sub.close();
  });

  it(
    "an onError that throws leaves the handler's error as what stopped the subscription",
    t,
    async () => {
      const store = await ctx.store();
      const id = uniqueStreamId();
      const r = await store.append(id, newEvents(2));
      const boom = new Error('handler failed');
      const sub = store.subscribe(
        (e) => {
          if (e.streamId === id) throw boom;
        },
        {
          fromPosition: r.position - 2,
          onError: () => {
            throw new Error('reporting failed');
          },
        },
      );
      await expect(sub.done).rejects.toBe(boom);
      expect(sub.error).toBe(boom);
      await sub.close();
    },
  );

  it('a rejected promise from the handler stops it too', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    const r = await store.append(id, newEvents(2));
    const sub = store.subscribe(
      async (e) => {
        if (e.streamId === id) throw new Error(`bad ${e.version}`);
      },
      { fromPosition: r.position - 2 },
    );
    await expect(sub.done).rejects.toThrow('bad 1');
  });

  it('close stops delivery and settles done; closing twice is harmless', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    const seen: number[] = [];
    const sub = store.subscribe((e) => {
      if (e.streamId === id) seen.push(e.version);
    });
    await store.append(id, newEvents(1));
    await waitFor(() => seen.length === 1, within, 'one event');
    await sub.close();
    await sub.close();
    await expect(sub.done).resolves.toBeUndefined();
    await store.append(id, newEvents(2));
    await sleep(150);
    expect(seen).toEqual([1]);
  });

  it('a handler may close its own subscription', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    const r = await store.append(id, newEvents(5));
    const seen: number[] = [];
    const sub = store.subscribe(
      async (e) => {
        if (e.streamId !== id) return;
        seen.push(e.version);
        if (e.version === 2) await sub.close();
      },
      { fromPosition: r.position - 5 },
    );
    await sub.done;
    expect(seen).toEqual([1, 2]);
  });

  it('a subscription filtered by type sees only those types, in order', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    const wanted = `Wanted_${uniqueStreamId('t')}`;
    const r = await store.append(id, [
      { type: 'Noise', data: {} },
      { type: wanted, data: { i: 1 } },
    ]);
    const seen: number[] = [];
    const sub = store.subscribe((e) => void seen.push((e.data as { i: number }).i), {
      fromPosition: r.position - 2,
      types: [wanted],
    });
    await store.append(id, [
      { type: wanted, data: { i: 2 } },
      { type: 'Noise', data: {} },
      { type: wanted, data: { i: 3 } },
    ]);
    await waitFor(() => seen.length === 3, within, 'three wanted events');
    expect(seen).toEqual([1, 2, 3]);
    await sub.close();
  });

  it('a subscription on one store instance sees appends made through another', t, async () => {
    const store = await ctx.store();
    const other = await ctx.sibling(store);
    const id = uniqueStreamId();
    const seen: number[] = [];
    const r = await store.append(id, newEvents(1));
    const sub = store.subscribe(
      (e) => {
        if (e.streamId === id) seen.push(e.version);
      },
      { fromPosition: r.position },
    );
    await other.append(id, newEvents(2));
    await waitFor(() => seen.length === 2, within, 'events written by the other instance');
    expect(seen).toEqual([2, 3]);
    await sub.close();
  });

  it('closing the store stops its subscriptions', t, async () => {
    const store = await ctx.store();
    const sub = store.subscribe(() => {});
    await store.close();
    await expect(sub.done).resolves.toBeUndefined();
  });
}
