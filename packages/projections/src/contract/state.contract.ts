import { expect, it } from 'vitest';
import type { ProjectionState, ReadModelStore } from '../read-model-store.js';
import { type ContractContext, skipFor, uniqueName } from './context.js';

async function stateOf(store: ReadModelStore, projection: string): Promise<ProjectionState> {
  const state = await store.getState(projection);
  expect(state, `the state of ${projection}, which was written`).not.toBeNull();
  return state!;
}

export function stateContract(ctx: ContractContext): void {
  it('getState is null until updateState creates it with defaults', async () => {
    const store = await ctx.store();
    const p = uniqueName('state_new');
    expect(await store.getState(p), 'the state of a projection never written').toBeNull();
    expect(await store.updateState(p, 1, {}), 'creating the state').toBe(true);
    const state = await stateOf(store, p);
    expect(state, 'a new state: position 0, generation 1, no rebuild, no error').toEqual({
      projection: p,
      position: 0,
      epoch: 1,
      generation: 1,
      rebuild: null,
      error: null,
      updatedAt: expect.any(Date),
    });
    const q = uniqueName('state_new');
    expect(await store.updateState(q, 3, { position: 12, generation: 2 }), 'creating q').toBe(true);
    expect(await stateOf(store, q), 'a new state with a position and generation given').toEqual(
      expect.objectContaining({ projection: q, position: 12, epoch: 3, generation: 2 }),
    );
  });

  it('a state created by a change takes the initial generation and rebuild only where the change sets none', async () => {
    const store = await ctx.store();
    const rebuild = { generation: 2, position: 40, startedAt: new Date(0) };
    const p = uniqueName('state_initial');
    expect(await store.updateState(p, 1, { position: 7 }, { generation: 2, rebuild })).toBe(true);
    expect(await stateOf(store, p), 'the initial values').toEqual(
      expect.objectContaining({ position: 7, generation: 2, rebuild }),
    );
    // A switch (generation 2 live, rebuild finished) written onto a removed state.
    const q = uniqueName('state_initial');
    expect(
      await store.updateState(
        q,
        1,
        { position: 40, generation: 2, rebuild: null },
        {
          generation: 1,
          rebuild,
        },
      ),
    ).toBe(true);
    expect(await stateOf(store, q), 'the change over the initial values, null included').toEqual(
      expect.objectContaining({ position: 40, generation: 2, rebuild: null }),
    );
    // On an existing state the initial values change nothing.
    await store.updateState(q, 1, { position: 41 }, { generation: 9, rebuild });
    expect(await stateOf(store, q)).toEqual(
      expect.objectContaining({ position: 41, generation: 2, rebuild: null }),
    );
  });

  it('position never moves back; the rest of the change still applies', async () => {
    const store = await ctx.store();
    const p = uniqueName('state_pos');
    await store.updateState(p, 1, { position: 10 });
    expect(await store.updateState(p, 1, { position: 5, generation: 2 }), 'an update').toBe(true);
    expect(await stateOf(store, p), 'after position 10, then 5 with generation 2').toEqual(
      expect.objectContaining({ position: 10, generation: 2 }),
    );
    await store.updateState(p, 1, { generation: 3 });
    expect((await stateOf(store, p)).position, 'a change without a position keeps it').toBe(10);
    await store.updateState(p, 1, { position: 11 });
    expect((await stateOf(store, p)).position, 'position 11 after 10').toBe(11);
  });

  it('an older epoch is fenced: false, and nothing changes', async () => {
    const store = await ctx.store();
    const p = uniqueName('state_fence');
    await store.updateState(p, 3, { position: 4 });
    const before = await stateOf(store, p);
    const fenced = await store.updateState(p, 2, {
      position: 9,
      generation: 5,
      error: { message: 'm', name: 'E', position: 9, streamId: 's', version: 1, at: new Date() },
    });
    expect(fenced, 'updateState by epoch 2 after epoch 3 wrote').toBe(false);
    expect(await stateOf(store, p), 'the state after the fenced update').toEqual(before);
  });

  it('an equal epoch applies; a newer epoch takes over and fences the one before', async () => {
    const store = await ctx.store();
    const p = uniqueName('state_epoch');
    await store.updateState(p, 1, { position: 1 });
    expect(await store.updateState(p, 1, { position: 2 }), 'the same epoch again').toBe(true);
    expect(await store.updateState(p, 4, { position: 3 }), 'a newer epoch').toBe(true);
    expect(await stateOf(store, p), 'the state after epoch 4 took over').toEqual(
      expect.objectContaining({ position: 3, epoch: 4 }),
    );
    expect(await store.updateState(p, 1, { position: 8 }), 'the old epoch after takeover').toBe(
      false,
    );
    expect((await stateOf(store, p)).position, 'position after the fenced update').toBe(3);
  });

  it('rebuild and error round-trip with their Dates and can be cleared', async () => {
    const store = await ctx.store();
    const p = uniqueName('state_objs');
    const rebuild = {
      generation: 2,
      position: 40,
      startedAt: new Date('2026-05-06T07:08:09.010Z'),
    };
    const error = {
      message: 'boom: ü',
      name: 'TypeError',
      position: 41,
      streamId: 'chat-1',
      version: 3,
      at: new Date('2026-05-06T07:09:00.001Z'),
    };
    await store.updateState(p, 1, { rebuild, error });
    const state = await stateOf(store, p);
    expect(state, 'the state with a rebuild and an error').toEqual(
      expect.objectContaining({ rebuild, error }),
    );
    expect(state.rebuild?.startedAt, 'rebuild.startedAt comes back as a Date').toBeInstanceOf(Date);
    expect(state.error?.at, 'error.at comes back as a Date').toBeInstanceOf(Date);
    expect(state.updatedAt, 'updatedAt is a Date').toBeInstanceOf(Date);
    await store.updateState(p, 1, { position: 2 });
    expect(await stateOf(store, p), 'a change without rebuild or error keeps them').toEqual(
      expect.objectContaining({ rebuild, error }),
    );
    await store.updateState(p, 1, { rebuild: null, error: null });
    expect(await stateOf(store, p), 'after clearing rebuild and error').toEqual(
      expect.objectContaining({ rebuild: null, error: null, position: 2 }),
    );
  });

  it('listStates lists every projection’s state', async () => {
    const store = await ctx.store();
    const mine = [uniqueName('state_list'), uniqueName('state_list')];
    await store.updateState(mine[0]!, 1, { position: 1 });
    await store.updateState(mine[1]!, 2, { generation: 2 });
    const listed = (await store.listStates()).filter((s) => mine.includes(s.projection));
    const expected = await Promise.all(mine.map((p) => stateOf(store, p)));
    expect(
      listed.sort((a, b) => a.projection.localeCompare(b.projection)),
      'the listed states of the two projections this test wrote',
    ).toEqual(expected.sort((a, b) => a.projection.localeCompare(b.projection)));
  });

  const racing = ctx.limits.atomicConditionalWrites;
  it.skipIf(skipFor(racing, 'racing state updates'))(
    'racing updates keep the highest position and the newest epoch',
    async () => {
      const store = await ctx.store();
      const p = uniqueName('state_race');
      const positions = [5, 9, 2, 7, 9, 1, 6, 3];
      const results = await Promise.all(
        positions.map((position) => store.updateState(p, 1, { position })),
      );
      expect(results, 'racing updates by one epoch all apply').toEqual(positions.map(() => true));
      expect((await stateOf(store, p)).position, 'position after racing updates').toBe(9);
      const epochs = [2, 1, 2, 1, 1, 2];
      const applied = await Promise.all(
        epochs.map((epoch) => store.updateState(p, epoch, { generation: epoch + 10 })),
      );
      expect(
        applied.filter((_, i) => epochs[i] === 2),
        'updates by epoch 2 racing epoch 1: every one applies',
      ).toEqual([true, true, true]);
      expect(await stateOf(store, p), 'after epochs 1 and 2 raced: epoch 2 holds it').toEqual(
        expect.objectContaining({ epoch: 2, generation: 12, position: 9 }),
      );
    },
  );
}
