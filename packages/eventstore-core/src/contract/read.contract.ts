import { expect, it } from 'vitest';
import { collect } from '../collect.js';
import type { ContractContext } from './context.js';
import { newEvents, range, uniqueStreamId, versions } from './context.js';

export function readContract(ctx: ContractContext): void {
  const t = { timeout: ctx.options.timeoutMs };

  it('getEvents reads from a version, and [] for a missing stream', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    await store.append(id, newEvents(5));
    expect(versions(await store.getEvents(id, 1))).toEqual([1, 2, 3, 4, 5]);
    expect(versions(await store.getEvents(id, 3))).toEqual([3, 4, 5]);
    expect(versions(await store.getEvents(id, 0))).toEqual([1, 2, 3, 4, 5]);
    expect(await store.getEvents(id, 6)).toEqual([]);
    expect(await store.getEvents(uniqueStreamId('missing'))).toEqual([]);
    expect(await store.getStreamVersion(uniqueStreamId('missing'))).toBe(0);
  });

  it('readStream reads forwards by default, from a version, up to maxCount', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    await store.append(id, newEvents(6));
    expect(versions(await collect(store.readStream(id)))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(versions(await collect(store.readStream(id, { fromVersion: 4 })))).toEqual([4, 5, 6]);
    expect(versions(await collect(store.readStream(id, { maxCount: 2 })))).toEqual([1, 2]);
    expect(versions(await collect(store.readStream(id, { fromVersion: 2, maxCount: 3 })))).toEqual([
      2, 3, 4,
    ]);
    expect(await collect(store.readStream(id, { maxCount: 0 }))).toEqual([]);
    expect(await collect(store.readStream(uniqueStreamId('missing')))).toEqual([]);
  });

  it('readStream reads backwards, newest first', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    await store.append(id, newEvents(5));
    expect(versions(await collect(store.readStream(id, { direction: 'backwards' })))).toEqual([
      5, 4, 3, 2, 1,
    ]);
    expect(
      versions(await collect(store.readStream(id, { direction: 'backwards', maxCount: 2 }))),
    ).toEqual([5, 4]);
    expect(
      versions(await collect(store.readStream(id, { direction: 'backwards', fromVersion: 3 }))),
    ).toEqual([5, 4, 3]);
    expect(
      versions(await collect(store.readStream(id, { direction: 'forwards', fromVersion: 3 }))),
    ).toEqual([3, 4, 5]);
  });

  it('readStream serves a stream longer than one page, in order', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    const total = 1200;
    for (let i = 0; i < total; i += 200) await store.append(id, newEvents(200, 'Bulk', i + 1));
    let expected = 1;
    for await (const e of store.readStream(id)) {
      expect(e.version).toBe(expected);
      expect((e.data as { n: number }).n).toBe(expected);
      expected++;
    }
    expect(expected).toBe(total + 1);
    const back = await collect(store.readStream(id, { direction: 'backwards', maxCount: 700 }));
    expect(back[0]?.version).toBe(total);
    expect(back.at(-1)?.version).toBe(total - 699);
  });

  it('readAll reads in position order after fromPosition, up to maxCount', t, async () => {
    const store = await ctx.store();
    const [a, b] = [uniqueStreamId(), uniqueStreamId()];
    const first = await store.append(a, newEvents(2, 'A'));
    await store.append(b, newEvents(2, 'B'));
    const last = await store.append(a, newEvents(1, 'A'));
    const start = first.position - 2;
    const all = await collect(store.readAll({ fromPosition: start }));
    expect(all.map((e) => e.position)).toEqual(range(start + 1, last.position));
    expect(all.map((e) => `${e.streamId === a ? 'a' : 'b'}${e.version}`)).toEqual([
      'a1',
      'a2',
      'b1',
      'b2',
      'a3',
    ]);
    const two = await collect(store.readAll({ fromPosition: start + 1, maxCount: 2 }));
    expect(two.map((e) => e.position)).toEqual([start + 2, start + 3]);
    expect(await collect(store.readAll({ fromPosition: last.position }))).toEqual([]);
    expect(await collect(store.readAll({ fromPosition: start, maxCount: 0 }))).toEqual([]);
  });

  it('readAll with no options starts at position 1', t, async () => {
    const store = await ctx.store();
    await store.append(uniqueStreamId(), newEvents(1));
    const [first] = await collect(store.readAll({ maxCount: 1 }));
    expect(first?.position).toBe(1);
  });

  it('readAll filters by event type and keeps position order', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    const typeA = `A_${uniqueStreamId('t')}`;
    const typeB = `B_${uniqueStreamId('t')}`;
    const r0 = await store.append(id, [
      { type: typeA, data: { i: 1 } },
      { type: typeB, data: { i: 2 } },
      { type: 'Noise', data: { i: 3 } },
      { type: typeA, data: { i: 4 } },
    ]);
    const from = r0.position - 4;
    const onlyA = await collect(store.readAll({ fromPosition: from, types: [typeA] }));
    expect(onlyA.map((e) => (e.data as { i: number }).i)).toEqual([1, 4]);
    const both = await collect(store.readAll({ fromPosition: from, types: [typeB, typeA] }));
    expect(both.map((e) => (e.data as { i: number }).i)).toEqual([1, 2, 4]);
    const limited = await collect(
      store.readAll({ fromPosition: from, types: [typeA, typeB], maxCount: 2 }),
    );
    expect(limited.map((e) => (e.data as { i: number }).i)).toEqual([1, 2]);
    expect(await collect(store.readAll({ fromPosition: from, types: [] }))).toEqual([]);
  });

  it('reads return the same event the append stored, in every read path', t, async () => {
    const store = await ctx.store();
    const id = uniqueStreamId();
    const r = await store.append(id, [{ type: 'One', data: { x: 1 }, metadata: { userId: 'u' } }]);
    const [viaGet] = await store.getEvents(id);
    const [viaStream] = await collect(store.readStream(id));
    const [viaAll] = await collect(store.readAll({ fromPosition: r.position - 1, maxCount: 1 }));
    expect(viaStream).toEqual(viaGet);
    expect(viaAll).toEqual(viaGet);
    expect(viaGet?.position).toBe(r.position);
  });

  it(
    'stream ids are exact strings: similar or operator-looking ids are separate streams',
    t,
    async () => {
      const store = await ctx.store();
      const base = uniqueStreamId();
      const ids = [base, `${base}-x`, `{"$gt": ""}${base}`, `${base}.*`, `^${base}`];
      for (const [i, id] of ids.entries()) await store.append(id, newEvents(i + 1));
      for (const [i, id] of ids.entries()) {
        const events = await store.getEvents(id);
        expect(events).toHaveLength(i + 1);
        expect(events.every((e) => e.streamId === id)).toBe(true);
      }
    },
  );

  it("headPosition() is the position of the log's last event, for every instance", t, async () => {
    const store = await ctx.store();
    const other = await ctx.sibling(store);
    const r = await store.append(uniqueStreamId(), newEvents(3));
    const head = await store.headPosition();
    expect(head).toBeGreaterThanOrEqual(r.position);
    expect(await other.headPosition()).toBeGreaterThanOrEqual(r.position);
    const [last] = await collect(store.readAll({ fromPosition: head - 1 }));
    expect(last?.position).toBe(head);
  });
}
