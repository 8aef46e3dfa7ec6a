import {
  AppendOutcomeUnknownError,
  AppendTimeoutError,
  ConcurrencyError,
  StoreUnavailableError,
} from '@flowra/eventstore-core';
import { type PreparedEvent, systemTimers } from '@flowra/eventstore-core/adapter';
import { describe, expect, it } from 'vitest';
import type { CommitCollection } from './commit-collection.js';
import { type CommitDocument, buildCommit } from './commit-document.js';
import { CommitLog, type CommitRequest } from './commit-log.js';
import type { LogMark } from './log-mark.js';
import { query } from './simulation/sim-query.js';

/** A collection in memory whose inserts can be made to fail or hang, one call at a time. */
function fakeCollection() {
  const docs: CommitDocument[] = [];
  const plans: ('fail' | 'hang' | 'ok')[] = [];
  let inserts = 0;
  const collection: CommitCollection = {
    async find(filter, options) {
      return structuredClone(query(docs as never[], filter, options)) as CommitDocument[];
    },
    async insertMany(batch) {
      inserts++;
      const plan = plans.shift() ?? 'ok';
      if (plan === 'hang') return new Promise(() => {});
      if (plan === 'fail') {
        throw Object.assign(new Error('connection reset'), { name: 'MongoNetworkError' });
      }
      for (const doc of batch) {
        if (
          docs.some(
            (d) =>
              d._id === doc._id ||
              d.position === doc.position ||
              (d.aggregate_id === doc.aggregate_id && d.version === doc.version),
          )
        ) {
          throw Object.assign(new Error('E11000 duplicate key'), { code: 11000 });
        }
        docs.push(structuredClone(doc));
      }
      return { insertedCount: batch.length };
    },
  };
  return { collection, docs, plans, inserts: () => inserts };
}

/** A commit log on `collection` with real timers. */
function logOn(
  collection: CommitCollection,
  options: { appendTimeoutMs: number; maxBatch: number },
): CommitLog {
  return new CommitLog(collection, { ...options, timers: systemTimers });
}

let n = 0;
function request(streamId: string): CommitRequest {
  const events: PreparedEvent[] = [
    {
      eventId: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
      type: 'T',
      data: {},
      metadata: {},
    },
  ];
  return {
    streamId,
    commit: buildCommit(streamId, 's', events, 1, 1, new Date(0)),
    ids: events.map((e) => e.eventId),
    callerIds: false,
    expected: 'any',
  };
}

describe('CommitLog', () => {
  it("one append's back-off does not hold up the others", async () => {
    const fake = fakeCollection();
    const log = logOn(fake.collection, { appendTimeoutMs: 10_000, maxBatch: 1 });
    fake.plans.push('fail');
    const started = Date.now();
    const slow = log.append(request('slow'));
    // The first append now waits out its back-off; the second goes straight through.
    await new Promise((r) => setTimeout(r, 5));
    const fast = await log.append(request('fast'));
    const fastMs = Date.now() - started;
    expect(fast.nextExpectedVersion).toBe(1);
    expect(await slow).toMatchObject({ nextExpectedVersion: 1 });
    expect(fastMs).toBeLessThan(1_000);
    expect(fake.docs.map((d) => d.aggregate_id).sort()).toEqual(['fast', 'slow']);
  });

  it('an append whose write never answers rejects at its deadline, saying the outcome is unknown; the next ones go on', async () => {
    const fake = fakeCollection();
    const log = logOn(fake.collection, { appendTimeoutMs: 200, maxBatch: 8 });
    fake.plans.push('hang');
    const stuck = await log.append(request('stuck')).catch((e) => e);
    expect(AppendTimeoutError.isInstance(stuck), String(stuck)).toBe(true);
    expect(stuck).toMatchObject({ streamId: 'stuck', outcomeUnknown: true, timeoutMs: 200 });
    expect(stuck.eventIds).toHaveLength(1);
    expect(stuck.message).toContain('retrying the same events with the same eventIds is safe');
    const next = await log.append(request('next'));
    expect(next).toEqual({ nextExpectedVersion: 1, position: 1 });
  });

  it('never places a commit at a position this process saw held, even after an operator deleted the last commits', async () => {
    const fake = fakeCollection();
    const log = logOn(fake.collection, { appendTimeoutMs: 10_000, maxBatch: 1 });
    for (const stream of ['a', 'b', 'c']) await log.append(request(stream));
    // The tail commit (position 3) is removed by hand; a reader may already have delivered it.
    fake.docs.splice(
      fake.docs.findIndex((d) => d.position === 3),
      1,
    );
    // A lost reply makes the next round read the log's end again, which now ends at 2.
    fake.plans.push('fail');
    const next = await log.append(request('d'));
    expect(next.position).toBe(4);
    expect(fake.docs.map((d) => d.position)).toEqual([1, 2, 4]);
  });

  it('a log started after the last commits were deleted places after the mark they left, not over their positions', async () => {
    const fake = fakeCollection();
    let kept = 0;
    const mark: LogMark = {
      read: async () => kept,
      raise: async (position) => {
        kept = Math.max(kept, position);
      },
    };
    const first = new CommitLog(fake.collection, {
      appendTimeoutMs: 10_000,
      maxBatch: 1,
      timers: systemTimers,
      mark,
    });
    for (const stream of ['a', 'b', 'c']) await first.append(request(stream));
    await first.flushMark();
    expect(kept).toBe(3);
    fake.docs.splice(
      fake.docs.findIndex((d) => d.position === 3),
      1,
    );
    // Another process, or this one restarted: it never saw position 3 held.
    const second = new CommitLog(fake.collection, {
      appendTimeoutMs: 10_000,
      maxBatch: 1,
      timers: systemTimers,
      mark,
    });
    expect((await second.append(request('d'))).position).toBe(4);
    expect(fake.docs.map((d) => d.position)).toEqual([1, 2, 4]);
    // Without a mark the same start hands position 3 out again (what the mark is for).
    fake.docs.splice(
      fake.docs.findIndex((d) => d.position === 4),
      1,
    );
    const unmarked = logOn(fake.collection, { appendTimeoutMs: 10_000, maxBatch: 1 });
    expect((await unmarked.append(request('e'))).position).toBe(3);
  });

  it("appends made one after another share a write of the log's mark; an idle log writes it at once", async () => {
    const fake = fakeCollection();
    // Each insert takes a turn of the event loop, as a server's answer does: the mark's own
    // turn comes while the next append is under way.
    const insert = fake.collection.insertMany.bind(fake.collection);
    fake.collection.insertMany = async (batch) => {
      await new Promise((r) => setTimeout(r, 5));
      return insert(batch);
    };
    const raised: number[] = [];
    const mark: LogMark = {
      read: async () => Math.max(0, ...raised),
      raise: async (position) => {
        raised.push(position);
      },
    };
    const log = new CommitLog(fake.collection, {
      appendTimeoutMs: 10_000,
      maxBatch: 1,
      timers: systemTimers,
      mark,
      markLingerMs: 60_000,
    });
    await log.append(request('first'));
    await new Promise((r) => setTimeout(r, 20));
    // Nothing else was under way: written as soon as it was acknowledged.
    expect(raised).toEqual([1]);
    // A caller appending again right after each acknowledgement keeps an append under way, so
    // the mark waits (here for a linger longer than the test) until the last one settles.
    for (const stream of ['a', 'b', 'c', 'd', 'e']) await log.append(request(stream));
    await new Promise((r) => setTimeout(r, 20));
    expect(raised).toEqual([1, 6]);
    // The last append under way failing (here: running out its deadline) ends the wait too.
    fake.plans.push('ok', 'hang');
    const acknowledged = log.append(request('f'));
    const stuck = log.append({ ...request('g'), deadline: Date.now() + 50 }).catch((e) => e);
    await acknowledged;
    await new Promise((r) => setTimeout(r, 20));
    expect(raised).toEqual([1, 6]);
    expect(AppendTimeoutError.isInstance(await stuck)).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(raised).toEqual([1, 6, 7]);
  });

  it('an append whose insert the driver itself fails every time is given up on its own, with a typed error; those grouped with it land', async () => {
    const fake = fakeCollection();
    const insert = fake.collection.insertMany.bind(fake.collection);
    let tries = 0;
    fake.collection.insertMany = async (batch) => {
      // What a serializer throws for a value it cannot encode: no code, no label, before sending.
      if (batch.some((doc) => doc.aggregate_id === 'poison')) {
        tries++;
        throw Object.assign(new Error('cannot serialize'), { name: 'BSONError' });
      }
      return insert(batch);
    };
    const log = logOn(fake.collection, { appendTimeoutMs: 60_000, maxBatch: 8 });
    const appends = ['a', 'poison', 'b', 'c'].map((stream) =>
      log.append(request(stream)).catch((e: unknown) => e),
    );
    const [a, poison, b, c] = await Promise.all(appends);
    for (const result of [a, b, c]) expect(result).toMatchObject({ nextExpectedVersion: 1 });
    expect(AppendOutcomeUnknownError.isInstance(poison), String(poison)).toBe(true);
    expect(poison).toMatchObject({ streamId: 'poison', cause: { name: 'BSONError' } });
    // Once with the others, then three times alone: its commit looked for before each.
    expect(tries).toBe(4);
    expect(fake.docs.map((d) => d.aggregate_id).sort()).toEqual(['a', 'b', 'c']);
  });

  it('an insert that lands and then fails in the driver is found by the next round and acknowledged', async () => {
    const fake = fakeCollection();
    const insert = fake.collection.insertMany.bind(fake.collection);
    let failed = false;
    fake.collection.insertMany = async (batch) => {
      const result = await insert(batch);
      if (failed) return result;
      failed = true;
      // A reply the driver could not read: the commit is stored, the caller is not told.
      throw Object.assign(new Error('cannot read reply'), { name: 'BSONError' });
    };
    const log = logOn(fake.collection, { appendTimeoutMs: 60_000, maxBatch: 8 });
    const result = await log.append(request('landed'));
    expect(result).toEqual({ nextExpectedVersion: 1, position: 1 });
    expect(fake.docs).toHaveLength(1);
  });

  it('a write that is refused outright is a typed error, not a retry loop', async () => {
    const fake = fakeCollection();
    fake.collection.insertMany = async () => {
      throw Object.assign(new Error('not authorized'), { name: 'MongoServerError', code: 13 });
    };
    const log = logOn(fake.collection, { appendTimeoutMs: 10_000, maxBatch: 8 });
    const error = await log.append(request('denied')).catch((e) => e);
    expect(StoreUnavailableError.isInstance(error), String(error)).toBe(true);
    expect(error.streamId).toBe('denied');
  });
  it('appends to one stream waiting at the same time go in one insert, each placed after the one before it', async () => {
    const fake = fakeCollection();
    const log = logOn(fake.collection, { appendTimeoutMs: 10_000, maxBatch: 8 });
    const results = await Promise.all(Array.from({ length: 5 }, () => log.append(request('hot'))));
    expect(results.map((r) => r.nextExpectedVersion)).toEqual([1, 2, 3, 4, 5]);
    expect(results.map((r) => r.position)).toEqual([1, 2, 3, 4, 5]);
    // The first goes at once, on its own; the four that came while it was out go together.
    expect(fake.inserts()).toBe(2);
  });

  it('appends that expect a version are decided right after the ones before them on their stream, in the same round', async () => {
    const fake = fakeCollection();
    const log = logOn(fake.collection, { appendTimeoutMs: 10_000, maxBatch: 8 });
    // The first append goes out on its own; those made while it is out wait for the next round.
    const warm = log.append(request('x'));
    const settled = [
      log.append({ ...request('s'), expected: 'no_stream' }),
      log.append({ ...request('s'), expected: 1 }),
      log.append({ ...request('s'), expected: 1 }),
      log.append({ ...request('s'), expected: 'no_stream' }),
      log.append({ ...request('s'), expected: 'stream_exists' }),
    ].map((p) => p.catch((e: unknown) => e));
    await warm;
    const [first, second, sameAsSecond, late, exists] = await Promise.all(settled);
    expect(first).toMatchObject({ nextExpectedVersion: 1 });
    expect(second).toMatchObject({ nextExpectedVersion: 2 });
    // Refused once the two before them landed: the versions they expected were gone.
    expect(ConcurrencyError.isInstance(sameAsSecond), String(sameAsSecond)).toBe(true);
    expect(sameAsSecond).toMatchObject({ expectedVersion: 1, actualVersion: 2 });
    expect(ConcurrencyError.isInstance(late), String(late)).toBe(true);
    expect(late).toMatchObject({ expectedVersion: 'no_stream', actualVersion: 2 });
    expect(exists).toMatchObject({ nextExpectedVersion: 3 });
    expect(fake.inserts()).toBe(2);
  });

  it('an append decided against an append before it that never lands is decided again', async () => {
    const fake = fakeCollection();
    const insert = fake.collection.insertMany.bind(fake.collection);
    fake.collection.insertMany = async (batch) => {
      // The server refuses the first commit of the stream for a reason of its own.
      if (batch[0]?.aggregate_id === 's' && batch[0].events[0]?.event_type === 'Refused') {
        throw Object.assign(new Error('refused'), {
          name: 'MongoBulkWriteError',
          code: 121,
          writeErrors: [{ index: 0, code: 121, errmsg: 'Document failed validation' }],
        });
      }
      return insert(batch);
    };
    const log = logOn(fake.collection, { appendTimeoutMs: 10_000, maxBatch: 8 });
    const warm = log.append(request('x'));
    const refused = request('s');
    refused.commit.events[0]!.event_type = 'Refused';
    const settled = [
      log.append({ ...refused, expected: 'no_stream' }),
      log.append({ ...request('s'), expected: 'no_stream' }),
    ].map((p) => p.catch((e: unknown) => e));
    await warm;
    const [first, second] = await Promise.all(settled);
    expect(StoreUnavailableError.isInstance(first), String(first)).toBe(true);
    // Had the first landed, the second would have met a stream that exists.
    expect(second).toMatchObject({ nextExpectedVersion: 1 });
  });

  it('appends placed one after the other behind a commit another writer took land after it, in order and without holes', async () => {
    const fake = fakeCollection();
    const log = logOn(fake.collection, { appendTimeoutMs: 10_000, maxBatch: 8 });
    await log.append(request('hot'));
    // Another process appends to the stream; this one still knows version 1 as the end.
    const foreign = buildCommit(
      'hot',
      's',
      [{ eventId: 'f', type: 'T', data: {}, metadata: {} }],
      2,
      2,
      new Date(0),
    );
    fake.docs.push(structuredClone(foreign));
    const results = await Promise.all(Array.from({ length: 3 }, () => log.append(request('hot'))));
    // Which of them lands first is up to their back-off timers.
    expect(results.map((r) => r.nextExpectedVersion).sort()).toEqual([3, 4, 5]);
    expect(fake.docs.map((d) => d.version).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(fake.docs.map((d) => d.position).sort()).toEqual([1, 2, 3, 4, 5]);
  });
});
