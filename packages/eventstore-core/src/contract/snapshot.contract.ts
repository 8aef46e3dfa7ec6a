import { expect, it } from 'vitest';
import type { EventStore } from '../types.js';
import type { ContractContext } from './context.js';
import { newEvents, uniqueStreamId } from './context.js';

/** A new stream with `count` events: snapshots are only ever of versions a stream has. */
async function streamOf(store: EventStore, count: number): Promise<string> {
  const id = uniqueStreamId('snap');
  if (count > 0) await store.append(id, newEvents(count));
  return id;
}

export function snapshotContract(ctx: ContractContext): void {
  const t = { timeout: ctx.options.timeoutMs };

  it('getSnapshot is null until one is saved, then returns it', t, async () => {
    const store = await ctx.store();
    const id = await streamOf(store, 3);
    expect(await store.getSnapshot(id)).toBeNull();
    const timestamp = new Date('2026-03-04T05:06:07.089Z');
    const data = {
      title: 'x',
      at: new Date('2026-01-01T00:00:00Z'),
      list: [1, 2],
      nested: { a: { b: 'ü' } },
    };
    await store.saveSnapshot({ streamId: id, version: 3, data, timestamp });
    const snap = await store.getSnapshot(id);
    expect(snap).toEqual({ streamId: id, version: 3, data, timestamp });
    expect(snap?.timestamp).toBeInstanceOf(Date);
  });

  it('a newer snapshot replaces the stored one; an older one keeps it', t, async () => {
    const store = await ctx.store();
    const id = await streamOf(store, 8);
    const at = new Date();
    await store.saveSnapshot({ streamId: id, version: 5, data: { v: 5 }, timestamp: at });
    await store.saveSnapshot({ streamId: id, version: 3, data: { v: 3 }, timestamp: at });
    expect((await store.getSnapshot(id))?.data).toEqual({ v: 5 });
    await store.saveSnapshot({ streamId: id, version: 8, data: { v: 8 }, timestamp: at });
    expect(await store.getSnapshot(id)).toMatchObject({ version: 8, data: { v: 8 } });
  });

  const racing = ctx.limits.conditionalUpdates;
  if (racing) console.warn(`[contract] skipped: racing snapshot saves: ${racing}`);
  it.skipIf(racing !== undefined)('racing snapshot saves keep the newest version', t, async () => {
    const store = await ctx.store();
    const other = await ctx.sibling(store);
    const id = await streamOf(store, 9);
    const at = new Date();
    const order = [4, 9, 2, 7, 9, 1, 6];
    await Promise.all(
      order.map((v, i) =>
        (i % 2 ? other : store).saveSnapshot({
          streamId: id,
          version: v,
          data: { v },
          timestamp: at,
        }),
      ),
    );
    expect(await store.getSnapshot(id)).toMatchObject({ version: 9, data: { v: 9 } });
  });

  it('snapshots are kept per stream', t, async () => {
    const store = await ctx.store();
    const [a, b] = [await streamOf(store, 1), await streamOf(store, 2)];
    await store.saveSnapshot({ streamId: a, version: 1, data: { s: 'a' }, timestamp: new Date() });
    await store.saveSnapshot({ streamId: b, version: 2, data: { s: 'b' }, timestamp: new Date() });
    expect((await store.getSnapshot(a))?.data).toEqual({ s: 'a' });
    expect((await store.getSnapshot(b))?.data).toEqual({ s: 'b' });
  });

  it(
    'a snapshot of a version the stream does not have is not kept, also once the stream gets there',
    t,
    async () => {
      const store = await ctx.store();
      const id = await streamOf(store, 2);
      // Folded from events this stream never had (another store's, a caller's bug): the
      // stream's next events must not make it look valid.
      await store.saveSnapshot({ streamId: id, version: 4, data: { v: 4 }, timestamp: new Date() });
      expect(await store.getSnapshot(id)).toBeNull();
      const other = await ctx.sibling(store);
      expect(await other.getSnapshot(id)).toBeNull();
      await store.append(id, newEvents(2, 'TestEvent', 3));
      expect(await store.getSnapshot(id)).toBeNull();
      expect(await other.getSnapshot(id)).toBeNull();
    },
  );

  it(
    'a snapshot of a version the stream does not have does not keep a valid one out',
    t,
    async () => {
      const store = await ctx.store();
      const id = await streamOf(store, 2);
      const at = new Date();
      await store.saveSnapshot({ streamId: id, version: 4, data: { v: 'lost' }, timestamp: at });
      await store.saveSnapshot({ streamId: id, version: 2, data: { v: 2 }, timestamp: at });
      expect(await store.getSnapshot(id)).toMatchObject({ version: 2, data: { v: 2 } });
      await store.append(id, newEvents(2, 'TestEvent', 3));
      expect(await store.getSnapshot(id)).toMatchObject({ version: 2, data: { v: 2 } });
    },
  );

  it('snapshot data left undefined comes back as null', t, async () => {
    const store = await ctx.store();
    const id = await streamOf(store, 1);
    await store.saveSnapshot({ streamId: id, version: 1, data: undefined, timestamp: new Date() });
    expect((await store.getSnapshot(id))?.data).toBeNull();
  });

  it('a snapshot of a stream that does not exist is never returned', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId('snap-missing');
    await store.saveSnapshot({ streamId: id, version: 1, data: {}, timestamp: new Date() });
    expect(await store.getSnapshot(id)).toBeNull();
  });
}
