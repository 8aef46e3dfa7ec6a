import { expect, it } from 'vitest';
import type { ContractContext } from './context.js';
import { uniqueStreamId } from './context.js';

export function snapshotContract(ctx: ContractContext): void {
  const t = { timeout: ctx.options.timeoutMs };

  it('getSnapshot is null until one is saved, then returns it', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
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
    const id = uniqueStreamId();
    const at = new Date();
    await store.saveSnapshot({ streamId: id, version: 5, data: { v: 5 }, timestamp: at });
    await store.saveSnapshot({ streamId: id, version: 3, data: { v: 3 }, timestamp: at });
    expect((await store.getSnapshot(id))?.data).toEqual({ v: 5 });
    await store.saveSnapshot({ streamId: id, version: 8, data: { v: 8 }, timestamp: at });
    expect(await store.getSnapshot(id)).toMatchObject({ version: 8, data: { v: 8 } });
  });

  it('racing snapshot saves keep the newest version', t, async () => {
    const store = await ctx.store();
    const other = await ctx.sibling(store);
    const id = uniqueStreamId();
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
    const [a, b] = [uniqueStreamId(), uniqueStreamId()];
    await store.saveSnapshot({ streamId: a, version: 1, data: { s: 'a' }, timestamp: new Date() });
    await store.saveSnapshot({ streamId: b, version: 2, data: { s: 'b' }, timestamp: new Date() });
    expect((await store.getSnapshot(a))?.data).toEqual({ s: 'a' });
    expect((await store.getSnapshot(b))?.data).toEqual({ s: 'b' });
  });
}
