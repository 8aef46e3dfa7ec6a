import { expect, it } from 'vitest';
import { collect } from '../collect.js';
import { LogGapError, LogOrderError } from '../errors.js';
import { type LogSource, readContiguous } from '../log-continuity.js';
import { LogFeed } from '../log-feed.js';
import type { RecordedEvent } from '../types.js';
import type { ContractContext } from './context.js';
import { caught, newEvents, range, sleep, uniqueStreamId, waitFor } from './context.js';

function event(position: number): RecordedEvent {
  return {
    eventId: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`,
    streamId: 'fake',
    type: position % 2 ? 'Odd' : 'Even',
    data: { position },
    metadata: {},
    version: position,
    position,
    recordedAt: new Date(0),
  };
}

/** A log whose reads show exactly what the test puts there: holes, overlaps, stale views. */
class FakeLog implements LogSource {
  stored: RecordedEvent[] = [];
  reads = 0;
  /** What reads see, when it is less than what is stored (a lagging snapshot). */
  visible: ((stored: RecordedEvent[]) => RecordedEvent[]) | undefined;

  add(...positions: number[]): void {
    this.stored.push(...positions.map(event));
  }

  readPage(after: number, limit: number): RecordedEvent[] {
    this.reads++;
    const seen = this.visible ? this.visible(this.stored) : this.stored;
    return seen.filter((e) => e.position > after).slice(0, limit);
  }

  headPosition(): number {
    return this.stored.reduce((max, e) => Math.max(max, e.position), 0);
  }
}

interface Watch {
  seen: number[];
  errors: unknown[];
  done: Promise<void>;
  close(): Promise<void>;
}

function watch(feed: LogFeed, fromPosition: number, types?: string[]): Watch {
  const seen: number[] = [];
  const errors: unknown[] = [];
  const sub = feed.subscribe((e) => void seen.push(e.position), {
    fromPosition,
    types,
    onError: (error) => errors.push(error),
  });
  return { seen, errors, done: sub.done, close: () => sub.close() };
}

/**
 * The readers' rules under faults ("The log never goes backwards, never overlaps, never silently
 * skips"): first against a log that shows exactly the damage under test, through the shared
 * reader every store here builds its subscriptions on; then, where the adapter can damage its own
 * storage (`faults`), against the store itself.
 */
export function readerContract(ctx: ContractContext): void {
  const t = { timeout: ctx.options.timeoutMs };

  it(
    'a hole that fills while the reader waits is delivered in order, nothing skipped',
    t,
    async () => {
      const log = new FakeLog();
      log.add(1, 2, 4, 5);
      const feed = new LogFeed(log, { pollIntervalMs: 5, gapTimeoutMs: 2_000 });
      const w = watch(feed, 0);
      await waitFor(() => w.seen.length >= 2, 2_000, 'the events before the hole');
      await sleep(50);
      expect(w.seen).toEqual([1, 2]);
      log.add(3);
      log.stored.sort((a, b) => a.position - b.position);
      await waitFor(() => w.seen.length >= 5, 2_000, 'the rest once the hole filled');
      expect(w.seen).toEqual([1, 2, 3, 4, 5]);
      expect(w.errors).toEqual([]);
      await feed.close();
    },
  );

  it(
    'a hole that stays stops every reader with LogGapError naming the missing positions',
    t,
    async () => {
      const log = new FakeLog();
      log.add(1, 2, 5, 6);
      const feed = new LogFeed(log, { pollIntervalMs: 5, gapTimeoutMs: 150 });
      const live = watch(feed, 0);
      const filtered = watch(feed, 1, ['Even']);
      const [a, b] = await Promise.all([
        caught(live.done, 'a subscription reaching a hole (LogGapError)'),
        caught(filtered.done, 'a filtered subscription reaching a hole (LogGapError)'),
      ]);
      for (const [error, w] of [
        [a, live],
        [b, filtered],
      ] as const) {
        expect(LogGapError.isInstance(error), String(error)).toBe(true);
        expect(error).toMatchObject({ after: 2, missingFrom: 3, missingTo: 4 });
        expect((error as LogGapError).waitedMs).toBeGreaterThanOrEqual(150);
        expect(w.errors).toEqual([error]);
      }
      expect(live.seen).toEqual([1, 2]);
      expect(filtered.seen).toEqual([2]);
      const direct = await caught(
        collect(readThrough(log, 0, 150)),
        'a read through a hole (LogGapError)',
      );
      expect(LogGapError.isInstance(direct)).toBe(true);
      await feed.close();
    },
  );

  it(
    'a position at or below one already delivered is never delivered: LogOrderError',
    t,
    async () => {
      const log = new FakeLog();
      // Two commits overlap: 3..4 is stored twice (as after a commit placed over another).
      log.add(1, 2, 3, 4, 3, 4, 5);
      const feed = new LogFeed(log, { pollIntervalMs: 5, gapTimeoutMs: 1_000 });
      const w = watch(feed, 0);
      const error = await caught(
        w.done,
        'a subscription meeting overlapping commits (LogOrderError)',
      );
      expect(LogOrderError.isInstance(error), String(error)).toBe(true);
      expect(error).toMatchObject({ previous: 4, position: 3 });
      expect(w.seen).toEqual([1, 2, 3, 4]);
      await feed.close();
    },
  );

  it('reads that see less than another read did skip nothing', t, async () => {
    const log = new FakeLog();
    log.add(...range(1, 10));
    // The head says 10, the reads show 1..5 for a while (a lagging snapshot, a failover).
    let lagging = true;
    log.visible = (stored) => (lagging ? stored.slice(0, 5) : stored);
    const feed = new LogFeed(log, { pollIntervalMs: 5, gapTimeoutMs: 5_000 });
    const w = watch(feed, 0);
    await waitFor(() => w.seen.length >= 5, 2_000, 'what the lagging reads show');
    await sleep(50);
    expect(w.seen).toEqual(range(1, 5));
    lagging = false;
    await waitFor(() => w.seen.length >= 10, 2_000, 'the rest');
    expect(w.seen).toEqual(range(1, 10));
    await feed.close();
  });

  it('subscriptions waiting at the end share one reader', t, async () => {
    const log = new FakeLog();
    log.add(1, 2, 3);
    const feed = new LogFeed(log, { pollIntervalMs: 20, gapTimeoutMs: 1_000 });
    const watches = Array.from({ length: 50 }, (_, i) => watch(feed, i % 3));
    await waitFor(() => watches.every((w) => w.seen.at(-1) === 3), 2_000, 'every catch-up');
    const before = log.reads;
    await sleep(400);
    const idleReads = log.reads - before;
    // One reader polling every 20 ms, not fifty.
    expect(idleReads).toBeLessThan(40);
    log.add(4);
    feed.wake();
    await waitFor(() => watches.every((w) => w.seen.at(-1) === 4), 2_000, 'the new event');
    await Promise.all(watches.map((w) => w.close()));
    await feed.close();
  });

  const faults = ctx.faults;
  if (!faults) {
    console.warn(
      '[contract] skipped: a commit deleted behind the store: no `faults` option given (a store that cannot lose events)',
    );
  }
  it.skipIf(!faults)(
    'a commit deleted behind the store stops readAll (also of some types only) and subscriptions with LogGapError',
    { timeout: ctx.options.timeoutMs + (faults?.gapTimeoutMs ?? 0) * 4 },
    async () => {
      const store = await faults!.createIsolatedStore();
      const id = uniqueStreamId('hole');
      const first = await store.append(id, newEvents(1));
      const removed = await store.append(uniqueStreamId('hole'), newEvents(2));
      const last = await store.append(id, newEvents(1, 'TestEvent', 2));
      await faults!.removeEventAt(store, removed.position);
      const read = await caught(
        collect(store.readAll({ fromPosition: first.position - 1 })),
        'readAll over a deleted commit (LogGapError)',
      );
      expect(LogGapError.isInstance(read), String(read)).toBe(true);
      expect(read).toMatchObject({
        after: first.position,
        missingFrom: removed.position - 1,
        missingTo: removed.position,
      });
      // Asked for some types only, the reader still sees the hole between them.
      const typed = await caught(
        collect(store.readAll({ fromPosition: first.position - 1, types: ['TestEvent'] })),
        'readAll of some types over a deleted commit (LogGapError)',
      );
      expect(LogGapError.isInstance(typed), String(typed)).toBe(true);
      expect(typed).toMatchObject({ missingFrom: removed.position - 1 });
      const seen: number[] = [];
      const errors: unknown[] = [];
      const sub = store.subscribe((e) => void seen.push(e.position), {
        fromPosition: first.position - 1,
        onError: (error) => errors.push(error),
      });
      const stopped = await caught(
        sub.done,
        'a subscription reaching a deleted commit (LogGapError)',
      );
      expect(LogGapError.isInstance(stopped), String(stopped)).toBe(true);
      expect(errors).toEqual([stopped]);
      expect(seen).toEqual([first.position]);
      expect(seen).not.toContain(last.position);
      await store.close();
    },
  );
}

async function* readThrough(log: LogSource, from: number, gapTimeoutMs: number) {
  let after = from;
  for (;;) {
    const { events, backwards } = await readContiguous(log, after, 100, { gapTimeoutMs });
    for (const e of events) yield e;
    if (backwards) throw backwards;
    if (events.length === 0) return;
    after = events.at(-1)!.position;
  }
}
