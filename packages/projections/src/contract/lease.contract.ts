import { expect, it } from 'vitest';
import type { Lease } from '../read-model-store.js';
import { type ContractContext, skipFor, uniqueName } from './context.js';

/** Leases are judged by the `now` the caller passes, never by the clock: any instant will do. */
const T0 = 1_900_000_000_000;
const TTL = 10_000;

export function leaseContract(ctx: ContractContext): void {
  it('the first acquisition gets epoch 1; currentLease returns it', async () => {
    const store = await ctx.store();
    const p = uniqueName('lease_first');
    expect(await store.currentLease(p), 'currentLease before any acquisition').toBeNull();
    const lease = await store.acquireLease(p, 'a', TTL, T0);
    const expected: Lease = { projection: p, owner: 'a', epoch: 1, expiresAt: T0 + TTL };
    expect(lease, 'the first lease of a projection').toEqual(expected);
    expect(await store.currentLease(p), 'currentLease after it').toEqual(expected);
  });

  it('another owner cannot acquire an unexpired lease; after expiry it gets the next epoch', async () => {
    const store = await ctx.store();
    const p = uniqueName('lease_expiry');
    await store.acquireLease(p, 'a', TTL, T0);
    expect(await store.acquireLease(p, 'b', TTL, T0 + 1), 'b while a’s lease runs').toBeNull();
    expect(
      await store.acquireLease(p, 'b', TTL, T0 + TTL - 1),
      'b a millisecond before a’s lease expires',
    ).toBeNull();
    const taken = await store.acquireLease(p, 'b', TTL, T0 + TTL);
    expect(taken, 'b once a’s lease has expired').toEqual({
      projection: p,
      owner: 'b',
      epoch: 2,
      expiresAt: T0 + 2 * TTL,
    });
    expect(await store.currentLease(p), 'currentLease after the takeover').toEqual(taken);
    expect(
      await store.acquireLease(p, 'a', TTL, T0 + TTL + 1),
      'a while b’s lease runs',
    ).toBeNull();
  });

  it('the owner of an unexpired lease may acquire again, with the next epoch', async () => {
    const store = await ctx.store();
    const p = uniqueName('lease_again');
    await store.acquireLease(p, 'a', TTL, T0);
    expect(await store.acquireLease(p, 'a', TTL, T0 + 5), 'a again while its lease runs').toEqual({
      projection: p,
      owner: 'a',
      epoch: 2,
      expiresAt: T0 + 5 + TTL,
    });
  });

  it('renew extends the current owner’s lease; after a takeover it is null', async () => {
    const store = await ctx.store();
    const p = uniqueName('lease_renew');
    const first = (await store.acquireLease(p, 'a', TTL, T0))!;
    const renewed = await store.renewLease(first, TTL, T0 + 3_000);
    const extended = { ...first, expiresAt: T0 + 3_000 + TTL };
    expect(renewed, 'renewing the current lease').toEqual(extended);
    expect(await store.currentLease(p), 'currentLease after the renewal').toEqual(extended);
    expect(await store.acquireLease(p, 'b', TTL, T0 + TTL + 1), 'b within the renewal').toBeNull();
    const taken = (await store.acquireLease(p, 'b', TTL, T0 + 3_000 + TTL))!;
    expect(taken?.epoch, 'b’s epoch after a’s renewed lease expired').toBe(2);
    expect(
      await store.renewLease(first, TTL, T0 + 3_000 + TTL + 1),
      'a renewing after b took over',
    ).toBeNull();
    expect(await store.currentLease(p), 'b’s lease after a tried to renew').toEqual(taken);
  });

  it('release lets another owner acquire at once; an old lease’s release changes nothing', async () => {
    const store = await ctx.store();
    const p = uniqueName('lease_release');
    const a = (await store.acquireLease(p, 'a', TTL, T0))!;
    await store.releaseLease(a);
    const b = await store.acquireLease(p, 'b', TTL, T0 + 1);
    expect(b, 'b right after a released its lease').toEqual({
      projection: p,
      owner: 'b',
      epoch: 2,
      expiresAt: T0 + 1 + TTL,
    });
    await store.releaseLease(a);
    expect(await store.currentLease(p), 'b’s lease after a released its old one again').toEqual(b);
    expect(await store.acquireLease(p, 'c', TTL, T0 + 2), 'c while b’s lease runs').toBeNull();
  });

  it('currentLease returns the newest lease, expired or not', async () => {
    const store = await ctx.store();
    const p = uniqueName('lease_newest');
    let now = T0;
    let last: Lease | null = null;
    for (const owner of ['a', 'b', 'c', 'a']) {
      last = await store.acquireLease(p, owner, TTL, now);
      now += TTL;
    }
    expect(last?.epoch, 'the fourth acquisition’s epoch').toBe(4);
    expect(await store.currentLease(p), 'currentLease after four acquisitions, expired').toEqual(
      last,
    );
    expect(await store.currentLease(uniqueName('lease_none')), 'another projection').toBeNull();
  });

  const racing = ctx.limits.atomicConditionalWrites;
  it.skipIf(skipFor(racing, 'racing lease acquisitions'))(
    'of owners racing for an empty or expired lease, exactly one wins each epoch',
    async () => {
      const store = await ctx.store();
      const p = uniqueName('lease_race');
      const owners = Array.from({ length: 8 }, (_, i) => `owner-${i}`);
      for (const [round, now] of [T0, T0 + TTL, T0 + 3 * TTL].entries()) {
        const results = await Promise.all(
          owners.map((owner) => store.acquireLease(p, owner, TTL, now)),
        );
        const won = results.filter((lease) => lease !== null);
        expect(
          won,
          `owners (of 8) that acquired in round ${round + 1}; exactly one may`,
        ).toHaveLength(1);
        expect(won[0]?.epoch, `the winner’s epoch in round ${round + 1}`).toBe(round + 1);
        expect(await store.currentLease(p), 'currentLease is the winner’s').toEqual(won[0]);
      }
    },
  );
}
