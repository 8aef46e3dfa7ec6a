import { expect, it } from 'vitest';
import type { ReadModelStore, StoredDocument } from '../read-model-store.js';
import { type ContractContext, skipFor, uniqueName } from './context.js';

async function insert(
  store: ReadModelStore,
  collection: string,
  id: string,
  fields: Record<string, unknown> | null,
  lastPosition: number,
  epoch = 1,
): Promise<void> {
  const { conflicts } = await store.write(
    collection,
    [{ id, expected: null, lastPosition, fields }],
    epoch,
  );
  expect(conflicts, `inserting ${id} (expected null) into an empty slot must apply`).toEqual([]);
}

async function one(
  store: ReadModelStore,
  collection: string,
  id: string,
): Promise<StoredDocument | undefined> {
  return (await store.getMany(collection, [id])).get(id);
}

function ids(docs: readonly StoredDocument[]): string[] {
  return docs.map((d) => d._id).sort();
}

export function documentsContract(ctx: ContractContext): void {
  it('getMany returns the documents that exist, tombstones included, keyed by id', async () => {
    const store = await ctx.store();
    const c = uniqueName('get');
    await insert(store, c, 'a', { n: 1 }, 1);
    await insert(store, c, 'b', null, 2);
    const found = await store.getMany(c, ['a', 'b', 'missing']);
    expect([...found.keys()].sort(), 'ids found of a, b (tombstone) and missing').toEqual([
      'a',
      'b',
    ]);
    expect(found.get('a'), 'the live document').toEqual({
      _id: 'a',
      lastPosition: 1,
      epoch: 1,
      n: 1,
    });
    expect(found.get('b'), 'the tombstone').toEqual({
      _id: 'b',
      lastPosition: 2,
      epoch: 1,
      deleted: true,
    });
    expect((await store.getMany(c, [])).size, 'getMany of no ids').toBe(0);
    expect((await store.getMany(uniqueName('none'), ['a'])).size, 'an unknown collection').toBe(0);
  });

  it('documents read are copies: changing them does not change the store', async () => {
    const store = await ctx.store();
    const c = uniqueName('copy');
    await insert(store, c, 'a', { tags: ['x'], nested: { v: 1 } }, 1);
    const got = (await one(store, c, 'a')) as Record<string, any>;
    got.tags.push('y');
    got.nested.v = 2;
    got.extra = true;
    const [listed] = (await store.find(c)) as Record<string, any>[];
    listed!.nested.v = 3;
    expect(await one(store, c, 'a'), 'the stored document after its copies were changed').toEqual({
      _id: 'a',
      lastPosition: 1,
      epoch: 1,
      tags: ['x'],
      nested: { v: 1 },
    });
  });

  it('find returns live documents whose top-level fields equal the filter', async () => {
    const store = await ctx.store();
    const c = uniqueName('find');
    await insert(store, c, 'a', { kind: 'task', open: true, n: 1 }, 1);
    await insert(store, c, 'b', { kind: 'task', open: false, n: 2 }, 2);
    await insert(store, c, 'c', { kind: 'bug', open: true, n: 1 }, 3);
    await insert(store, c, 'd', null, 4);
    expect(ids(await store.find(c)), 'find without a filter: every live document').toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(ids(await store.find(c, {})), 'find with an empty filter').toEqual(['a', 'b', 'c']);
    expect(ids(await store.find(c, { kind: 'task' })), "find { kind: 'task' }").toEqual(['a', 'b']);
    expect(ids(await store.find(c, { kind: 'task', open: true })), 'two fields').toEqual(['a']);
    expect(ids(await store.find(c, { n: 1 })), 'a number').toEqual(['a', 'c']);
    expect(ids(await store.find(c, { kind: 'epic' })), 'a value nobody has').toEqual([]);
    expect(await store.find(c, { kind: 'task' }), 'the documents found, whole').toContainEqual({
      _id: 'a',
      lastPosition: 1,
      epoch: 1,
      kind: 'task',
      open: true,
      n: 1,
    });
    expect(await store.find(uniqueName('none')), 'an unknown collection').toEqual([]);
  });

  it('find compares exactly: null is not a missing field, a value is not an array holding it', async () => {
    const store = await ctx.store();
    const c = uniqueName('exact');
    await insert(store, c, 'null', { owner: null, tag: 'x' }, 1);
    await insert(store, c, 'missing', { other: 1 }, 2);
    await insert(store, c, 'array', { tag: ['x', 'y'] }, 3);
    await insert(store, c, 'string', { n: '1' }, 4);
    expect(ids(await store.find(c, { owner: null })), 'find { owner: null }').toEqual(['null']);
    expect(ids(await store.find(c, { tag: 'x' })), "find { tag: 'x' }").toEqual(['null']);
    expect(ids(await store.find(c, { n: 1 })), "find { n: 1 } (one document has n: '1')").toEqual(
      [],
    );
  });

  it('insert (expected null) applies when the id is free, conflicts when it exists', async () => {
    const store = await ctx.store();
    const c = uniqueName('insert');
    await insert(store, c, 'a', { v: 1 }, 5, 2);
    const again = await store.write(
      c,
      [{ id: 'a', expected: null, lastPosition: 6, fields: { v: 2 } }],
      2,
    );
    expect(again.conflicts, 'inserting an id that exists must conflict').toEqual(['a']);
    const tomb = uniqueName('t');
    await insert(store, c, tomb, null, 7, 2);
    const over = await store.write(
      c,
      [{ id: tomb, expected: null, lastPosition: 8, fields: {} }],
      2,
    );
    expect(over.conflicts, 'inserting over a tombstone must conflict (it exists)').toEqual([tomb]);
    expect(await one(store, c, 'a'), 'the document after the conflicting insert').toEqual({
      _id: 'a',
      lastPosition: 5,
      epoch: 2,
      v: 1,
    });
  });

  it('update applies when lastPosition is the one expected, replacing every field', async () => {
    const store = await ctx.store();
    const c = uniqueName('update');
    await insert(store, c, 'a', { keep: 1, drop: 'me' }, 3);
    const result = await store.write(
      c,
      [{ id: 'a', expected: 3, lastPosition: 9, fields: { keep: 2, added: 'x' } }],
      1,
    );
    expect(result.conflicts, 'update with the stored lastPosition as expected').toEqual([]);
    expect(
      await one(store, c, 'a'),
      'the new fields replace the old ones: a field left out is gone',
    ).toEqual({ _id: 'a', lastPosition: 9, epoch: 1, keep: 2, added: 'x' });
  });

  it('update conflicts when lastPosition differs or the document does not exist', async () => {
    const store = await ctx.store();
    const c = uniqueName('stale');
    await insert(store, c, 'a', { v: 1 }, 3);
    for (const expected of [2, 4, 0]) {
      const result = await store.write(
        c,
        [{ id: 'a', expected, lastPosition: 10, fields: { v: 2 } }],
        1,
      );
      expect(result.conflicts, `update expecting ${expected} of a document at 3`).toEqual(['a']);
    }
    const missing = await store.write(
      c,
      [{ id: 'nope', expected: 1, lastPosition: 2, fields: {} }],
      1,
    );
    expect(missing.conflicts, 'update of a document that does not exist').toEqual(['nope']);
    expect(await one(store, c, 'a'), 'the document after conflicting updates').toEqual({
      _id: 'a',
      lastPosition: 3,
      epoch: 1,
      v: 1,
    });
    expect((await store.getMany(c, ['nope'])).size, 'a conflicting update creates nothing').toBe(0);
  });

  it('an older epoch cannot overwrite what a newer one wrote; an equal or newer epoch can', async () => {
    const store = await ctx.store();
    const c = uniqueName('fence');
    await insert(store, c, 'a', { by: 3 }, 1, 3);
    const old = await store.write(
      c,
      [{ id: 'a', expected: 1, lastPosition: 2, fields: { by: 2 } }],
      2,
    );
    expect(old.conflicts, 'a write by epoch 2 over a document epoch 3 wrote').toEqual(['a']);
    const oldDelete = await store.write(
      c,
      [{ id: 'a', expected: 1, lastPosition: 2, fields: null }],
      2,
    );
    expect(oldDelete.conflicts, 'a delete by epoch 2 over a document epoch 3 wrote').toEqual(['a']);
    expect(await one(store, c, 'a'), 'after the fenced writes').toEqual({
      _id: 'a',
      lastPosition: 1,
      epoch: 3,
      by: 3,
    });
    const same = await store.write(
      c,
      [{ id: 'a', expected: 1, lastPosition: 2, fields: { by: 3 } }],
      3,
    );
    expect(same.conflicts, 'a write by the epoch that wrote it').toEqual([]);
    const newer = await store.write(
      c,
      [{ id: 'a', expected: 2, lastPosition: 3, fields: { by: 5 } }],
      5,
    );
    expect(newer.conflicts, 'a write by a newer epoch').toEqual([]);
    expect(await one(store, c, 'a'), 'the epoch stored is the last writer’s').toEqual({
      _id: 'a',
      lastPosition: 3,
      epoch: 5,
      by: 5,
    });
    const back = await store.write(
      c,
      [{ id: 'a', expected: 3, lastPosition: 4, fields: { by: 4 } }],
      4,
    );
    expect(back.conflicts, 'epoch 4 after epoch 5 wrote').toEqual(['a']);
  });

  it('a null write leaves a tombstone: gone from find, deleted in getMany; it can live again', async () => {
    const store = await ctx.store();
    const c = uniqueName('tomb');
    await insert(store, c, 'a', { kind: 'x', big: { a: [1, 2] } }, 1);
    await insert(store, c, 'b', { kind: 'x' }, 2);
    const del = await store.write(c, [{ id: 'a', expected: 1, lastPosition: 3, fields: null }], 2);
    expect(del.conflicts, 'deleting with the expected lastPosition').toEqual([]);
    expect(ids(await store.find(c)), 'find after deleting a').toEqual(['b']);
    expect(ids(await store.find(c, { kind: 'x' })), 'find { kind } after deleting a').toEqual([
      'b',
    ]);
    expect(
      await one(store, c, 'a'),
      'the tombstone holds its bookkeeping and nothing else',
    ).toEqual({
      _id: 'a',
      lastPosition: 3,
      epoch: 2,
      deleted: true,
    });
    const stale = await store.write(c, [{ id: 'a', expected: 1, lastPosition: 4, fields: {} }], 2);
    expect(stale.conflicts, 'a write expecting the position before the delete').toEqual(['a']);
    const revived = await store.write(
      c,
      [{ id: 'a', expected: 3, lastPosition: 5, fields: { kind: 'y' } }],
      2,
    );
    expect(revived.conflicts, 'a write expecting the tombstone’s lastPosition').toEqual([]);
    expect(await one(store, c, 'a'), 'a revived document is not deleted').toEqual({
      _id: 'a',
      lastPosition: 5,
      epoch: 2,
      kind: 'y',
    });
    expect(ids(await store.find(c, { kind: 'y' })), 'find finds it again').toEqual(['a']);
  });

  it('a batch applies the writes that hold and names exactly the ones that conflict', async () => {
    const store = await ctx.store();
    const c = uniqueName('batch');
    await insert(store, c, 'exists', { v: 0 }, 1);
    await insert(store, c, 'current', { v: 0 }, 2);
    await insert(store, c, 'moved', { v: 0 }, 3);
    await insert(store, c, 'newer', { v: 0 }, 4, 9);
    await insert(store, c, 'doomed', { v: 0 }, 5);
    const result = await store.write(
      c,
      [
        { id: 'fresh', expected: null, lastPosition: 10, fields: { v: 1 } },
        { id: 'exists', expected: null, lastPosition: 10, fields: { v: 1 } },
        { id: 'current', expected: 2, lastPosition: 10, fields: { v: 1 } },
        { id: 'moved', expected: 1, lastPosition: 10, fields: { v: 1 } },
        { id: 'newer', expected: 4, lastPosition: 10, fields: { v: 1 } },
        { id: 'absent', expected: 7, lastPosition: 10, fields: { v: 1 } },
        { id: 'doomed', expected: 5, lastPosition: 10, fields: null },
      ],
      2,
    );
    expect([...result.conflicts].sort(), 'the conflicts of the batch').toEqual([
      'absent',
      'exists',
      'moved',
      'newer',
    ]);
    const all = await store.getMany(c, [
      'fresh',
      'exists',
      'current',
      'moved',
      'newer',
      'absent',
      'doomed',
    ]);
    const summary = Object.fromEntries([...all].map(([id, d]) => [id, [d.lastPosition, d.epoch]]));
    expect(summary, 'lastPosition and epoch of each document after the batch').toEqual({
      fresh: [10, 2],
      exists: [1, 1],
      current: [10, 2],
      moved: [3, 1],
      newer: [4, 9],
      doomed: [10, 2],
    });
    expect(all.get('doomed')?.deleted, 'the delete in the batch applied').toBe(true);
    expect((await store.write(c, [], 2)).conflicts, 'an empty batch').toEqual([]);
  });

  it('the store sets _id, lastPosition and epoch, over fields of the same names', async () => {
    const store = await ctx.store();
    const c = uniqueName('book');
    await insert(store, c, 'a', { _id: 'other', lastPosition: 99, epoch: 99, title: 't' }, 7, 4);
    expect(await one(store, c, 'a'), 'the stored document').toEqual({
      _id: 'a',
      lastPosition: 7,
      epoch: 4,
      title: 't',
    });
    expect((await store.getMany(c, ['other'])).size, 'no document under the field’s _id').toBe(0);
  });

  it('a write keeps its previous image as _prev, handed back by getMany, over a field of that name', async () => {
    const store = await ctx.store();
    const c = uniqueName('prev');
    const at = new Date('2026-01-02T03:04:05.006Z');
    const previous = { lastPosition: 3, fields: { n: 1, at, list: [1, { x: null }] } };
    const written = await store.write(
      c,
      [{ id: 'a', expected: null, lastPosition: 5, fields: { n: 2, _prev: 'mine' }, previous }],
      1,
    );
    expect(written.conflicts).toEqual([]);
    expect(await one(store, c, 'a'), 'the stored document').toEqual({
      _id: 'a',
      lastPosition: 5,
      epoch: 1,
      n: 2,
      _prev: previous,
    });
    await store.write(
      c,
      [
        {
          id: 'a',
          expected: 5,
          lastPosition: 6,
          fields: null,
          previous: { lastPosition: 0, fields: null },
        },
      ],
      1,
    );
    expect((await one(store, c, 'a'))?._prev, 'the image of a tombstone').toEqual({
      lastPosition: 0,
      fields: null,
    });
  });

  it('values round-trip: strings, numbers, booleans, null, objects, arrays, Dates', async () => {
    const store = await ctx.store();
    const c = uniqueName('values');
    const fields = {
      text: 'héllo wörld ✓ 𝄞',
      empty: '',
      int: 42,
      negative: -7,
      float: 0.1 + 0.2,
      big: Number.MAX_SAFE_INTEGER,
      yes: true,
      no: false,
      nothing: null,
      at: new Date('2026-03-04T05:06:07.089Z'),
      nested: { a: { b: [1, 'two', { three: 3 }], when: new Date(0) }, none: {} },
      list: [null, true, 1.5, 'x', { d: new Date('2000-01-01T00:00:00Z') }],
      noItems: [],
    };
    await insert(store, c, 'a', fields, 1);
    const got = await one(store, c, 'a');
    expect(got, 'the document read back').toEqual({
      _id: 'a',
      lastPosition: 1,
      epoch: 1,
      ...fields,
    });
    expect(got?.at, 'a Date field comes back as a Date').toBeInstanceOf(Date);
    const nested = got?.nested as { a: { when: unknown } } | undefined;
    expect(nested?.a.when, 'a nested Date comes back as a Date').toBeInstanceOf(Date);
    const [found] = await store.find(c, { text: fields.text });
    expect(found, 'the document found by a unicode string').toEqual(got);
  });

  const nestedArrays = ctx.limits.nestedArrays;
  it.skipIf(skipFor(nestedArrays, 'arrays inside arrays'))(
    'arrays inside arrays round-trip',
    async () => {
      const store = await ctx.store();
      const c = uniqueName('matrix');
      const fields = { grid: [[1, 2], [], [[3], ['x', { y: [4] }]]] };
      await insert(store, c, 'a', fields, 1);
      expect(await one(store, c, 'a'), 'the document read back').toEqual({
        _id: 'a',
        lastPosition: 1,
        epoch: 1,
        ...fields,
      });
    },
  );

  it('dropCollection removes its documents and no other collection’s', async () => {
    const store = await ctx.store();
    const c = uniqueName('drop');
    const kept = uniqueName('kept');
    await insert(store, c, 'a', { v: 1 }, 1);
    await insert(store, c, 'b', null, 2);
    await insert(store, kept, 'a', { v: 1 }, 1);
    await store.dropCollection(c);
    expect((await store.getMany(c, ['a', 'b'])).size, 'getMany after the drop').toBe(0);
    expect(await store.find(c), 'find after the drop').toEqual([]);
    expect(ids(await store.find(kept)), 'another collection after the drop').toEqual(['a']);
    await insert(store, c, 'a', { v: 2 }, 3);
    await store.dropCollection(uniqueName('never'));
  });

  it('of racing inserts of one id, exactly one applies', async () => {
    const store = await ctx.store();
    const c = uniqueName('race_insert');
    const racers = Array.from({ length: 8 }, (_, i) => i + 1);
    const results = await Promise.all(
      racers.map((n) =>
        store.write(c, [{ id: 'a', expected: null, lastPosition: n, fields: { n } }], 1),
      ),
    );
    const won = racers.filter((_, i) => results[i]!.conflicts.length === 0);
    expect(won, 'racers (of 8) whose insert applied; exactly one may').toHaveLength(1);
    expect(await one(store, c, 'a'), 'the stored document is the winner’s').toEqual({
      _id: 'a',
      lastPosition: won[0],
      epoch: 1,
      n: won[0],
    });
  });

  const racing = ctx.limits.atomicConditionalWrites;
  it.skipIf(skipFor(racing, 'racing updates of one document'))(
    'of racing updates expecting one lastPosition, exactly one applies',
    async () => {
      const store = await ctx.store();
      const c = uniqueName('race_update');
      await insert(store, c, 'a', { n: 0 }, 1);
      const racers = Array.from({ length: 8 }, (_, i) => i + 2);
      const results = await Promise.all(
        racers.map((n) =>
          store.write(c, [{ id: 'a', expected: 1, lastPosition: n, fields: { n } }], 1),
        ),
      );
      const won = racers.filter((_, i) => results[i]!.conflicts.length === 0);
      expect(won, 'racers (of 8) whose update expecting 1 applied; exactly one may').toHaveLength(
        1,
      );
      expect(await one(store, c, 'a'), 'the stored document is the winner’s').toEqual({
        _id: 'a',
        lastPosition: won[0],
        epoch: 1,
        n: won[0],
      });
    },
  );
}
