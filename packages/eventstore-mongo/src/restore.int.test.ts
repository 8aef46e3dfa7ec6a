import { type RecordedEvent, collect } from '@flowra/eventstore-core';
import { describeMongo } from '@flowra/test-mongo-server/vitest';
import { expect, it } from 'vitest';
import { MongoEventStore } from './mongo-event-store.js';
import { RestoreRefusedError, type RestorableEvent } from './restore.js';

function from(events: readonly RecordedEvent[]): () => AsyncIterable<RestorableEvent> {
  return async function* () {
    yield* events as RestorableEvent[];
  };
}

async function refusal(promise: Promise<unknown>): Promise<RestoreRefusedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(
    RestoreRefusedError.isInstance(error),
    `expected RestoreRefusedError, got ${String(error)}`,
  ).toBe(true);
  return error as RestoreRefusedError;
}

describeMongo('MongoEventStore.restore', (mongo) => {
  it('copies a log with its ids, versions, positions and commits, and continues it', async () => {
    const source = new MongoEventStore((await mongo.freshDb('restore_src')).db);
    await source.append('cart-1', [
      { type: 'Opened', data: { at: new Date(1) } },
      { type: 'Added', data: { sku: 'tea' } },
    ]);
    await source.append('cart-2', [{ type: 'Opened', data: {} }]);
    await source.append('cart-1', [{ type: 'Added', data: { sku: 'milk' } }]);
    const all = await collect(source.readAll());

    const target = new MongoEventStore((await mongo.freshDb('restore_dst')).db);
    const dry = await target.restore(from(all.slice(0, 3)), { dryRun: true });
    expect(dry).toEqual({ events: 3, commits: 2, fromPosition: 1, toPosition: 3, dryRun: true });
    expect(await target.headPosition()).toBe(0);

    const progress: number[] = [];
    const first = await target.restore(from(all.slice(0, 3)), {
      onProgress: (n) => progress.push(n),
    });
    expect(first).toMatchObject({ events: 3, commits: 2, fromPosition: 1, toPosition: 3 });
    expect(progress.at(-1)).toBe(3);
    await target.restore(from(all.slice(3)));
    expect(await collect(target.readAll())).toEqual(all);

    // The restored log takes appends as if it had been written here.
    const next = await target.append('cart-2', [{ type: 'Paid', data: {} }], 1);
    expect(next).toMatchObject({ nextExpectedVersion: 2, position: 5 });
    await Promise.all([source.close(), target.close()]);
  });

  it('refuses, writing nothing, what would break the log', async () => {
    const source = new MongoEventStore((await mongo.freshDb('restore_refuse_src')).db);
    await source.append('s-1', [
      { type: 'A', data: {} },
      { type: 'B', data: {} },
    ]);
    await source.append('s-2', [{ type: 'C', data: {} }]);
    const all = await collect(source.readAll());
    const target = new MongoEventStore((await mongo.freshDb('restore_refuse_dst')).db);

    const gap = await refusal(target.restore(from(all.slice(1))));
    expect(gap).toMatchObject({ reason: 'gap', headPosition: 0, written: 0 });
    expect(gap.event?.position).toBe(2);

    await target.restore(from(all.slice(0, 1)));
    const overlap = await refusal(target.restore(from(all)));
    expect(overlap).toMatchObject({ reason: 'overlap', headPosition: 1 });

    const skipped = { ...all[2]!, position: 3 };
    expect(
      (await refusal(target.restore(from([all[1]!, { ...skipped, position: 4 }])))).reason,
    ).toBe('gap');

    const otherStream = { ...all[1]!, version: 5 };
    expect((await refusal(target.restore(from([otherStream])))).reason).toBe('stream-version');

    const takenId = { ...all[2]!, position: 2, eventId: all[0]!.eventId };
    const taken = await refusal(target.restore(from([takenId])));
    expect(taken).toMatchObject({ reason: 'event-id-taken', event: takenId });

    expect(await collect(target.readAll())).toEqual(all.slice(0, 1));
    await Promise.all([source.close(), target.close()]);
  });

  it('refuses events that give one id twice in a stream, in one commit or in two, writing nothing', async () => {
    const source = new MongoEventStore((await mongo.freshDb('restore_repeat_src')).db);
    await source.append('s-1', [
      { type: 'A', data: {} },
      { type: 'B', data: {} },
    ]);
    await source.append('s-1', [{ type: 'C', data: {} }]);
    const [a, b, c] = await collect(source.readAll());
    const target = new MongoEventStore((await mongo.freshDb('restore_repeat_dst')).db);

    const sameCommit = { ...b!, eventId: a!.eventId };
    const inOne = await refusal(target.restore(from([a!, sameCommit, c!])));
    expect(inOne).toMatchObject({ reason: 'event-id-repeated', event: sameCommit, written: 0 });
    const laterCommit = { ...c!, eventId: a!.eventId };
    const inTwo = await refusal(target.restore(from([a!, b!, laterCommit])));
    expect(inTwo).toMatchObject({ reason: 'event-id-repeated', event: laterCommit });
    expect(inTwo.message).toContain('repeats an event id given earlier in its stream');
    expect(await target.headPosition()).toBe(0);
    await Promise.all([source.close(), target.close()]);
  });

  it('stops when another writer appends meanwhile, and says what it wrote and that it cannot resume', async () => {
    const source = new MongoEventStore((await mongo.freshDb('restore_race_src')).db);
    await source.append('s-1', [{ type: 'A', data: {} }]);
    const all = await collect(source.readAll());
    const { db } = await mongo.freshDb('restore_race_dst');
    const target = new MongoEventStore(db);
    const other = new MongoEventStore(db);
    let pass = 0;
    const racing = async function* () {
      // The second reading is the writing one: another process appends just before it.
      if (++pass === 2) await other.append('elsewhere', [{ type: 'X', data: {} }]);
      yield* all as RestorableEvent[];
    };
    const raced = await refusal(target.restore(racing));
    expect(raced).toMatchObject({ reason: 'concurrent-writer', written: 0, headPosition: 1 });
    expect(raced.message).toContain('nothing was written and the log now ends at position 1');
    expect(raced.message).toContain('restore into a database nothing else writes to');
    await Promise.all([source.close(), target.close(), other.close()]);
  });
});
