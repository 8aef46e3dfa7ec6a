import { describe, expect, it, vi } from 'vitest';
import { StoreClosedError } from './errors.js';
import { InMemoryEventStore } from './in-memory-event-store.js';
import { LogFeed } from './log-feed.js';
import type { RecordedEvent } from './types.js';

describe('LogFeed subscriptions', () => {
  it('retry transient read failures and resume from the last delivered position', async () => {
    const store = new InMemoryEventStore();
    await store.append(
      's',
      [1, 2, 3].map((n) => ({ type: 'T', data: { n } })),
    );
    let failures = 0;
    const all = async () => {
      const out: RecordedEvent[] = [];
      for await (const e of store.readAll()) out.push(e);
      return out;
    };
    const feed = new LogFeed(
      {
        async readPage(after) {
          if (after === 1 && failures < 2) {
            failures++;
            throw new Error('connection reset');
          }
          return (await all()).filter((e) => e.position > after).slice(0, 1);
        },
        headPosition: () => store.headPosition(),
        isTransient: (e) => (e as Error).message === 'connection reset',
      },
      { pollIntervalMs: 5, maxRetryDelayMs: 5 },
    );
    const seen: number[] = [];
    const sub = feed.subscribe((e) => void seen.push(e.position), { fromPosition: 0 });
    while (seen.length < 3) await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual([1, 2, 3]);
    expect(failures).toBe(2);
    expect(sub.position).toBe(3);
    await feed.close();
  });

  it('hand every subscription the same events, frozen and with read-only Dates', async () => {
    // As a database adapter reads: fresh, mutable objects with plain Dates, one page for all.
    const log: RecordedEvent[] = [];
    const feed = new LogFeed({
      readPage: (after) => log.filter((e) => e.position > after),
      headPosition: () => log.length,
    });
    const attempts: string[] = [];
    const seen: string[] = [];
    const changer = feed.subscribe(
      (e) => {
        const data = e.data as { at: Date; tags: string[] };
        for (const change of [
          () => data.at.setFullYear(1999),
          () => e.recordedAt.setTime(0),
          () => data.tags.push('x'),
          () => Object.assign(data, { at: new Date(0) }),
        ]) {
          try {
            change();
            attempts.push('changed');
          } catch (error) {
            attempts.push((error as Error).name);
          }
        }
      },
      { fromPosition: 0 },
    );
    const reader = feed.subscribe(
      (e) => {
        const data = e.data as { at: Date; tags: string[] };
        seen.push(`${data.at.toISOString()} ${e.recordedAt.toISOString()} ${data.tags.join()}`);
      },
      { fromPosition: 0 },
    );
    await new Promise((r) => setTimeout(r, 10));
    const at = new Date('2026-05-01T00:00:00.000Z');
    log.push({
      eventId: 'e1',
      streamId: 's',
      type: 'T',
      data: { at, tags: ['a'] },
      metadata: {},
      version: 1,
      position: 1,
      recordedAt: new Date('2026-05-02T00:00:00.000Z'),
    });
    feed.wake();
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    expect(attempts).toEqual(['TypeError', 'TypeError', 'TypeError', 'TypeError']);
    expect(seen).toEqual(['2026-05-01T00:00:00.000Z 2026-05-02T00:00:00.000Z a']);
    expect(at.getFullYear()).toBe(2026);
    await Promise.all([changer.close(), reader.close()]);
    await feed.close();
  });

  it('seal what a subscription reads itself while catching up, as what it gets live', async () => {
    const fresh = (): RecordedEvent[] => [
      {
        eventId: 'e1',
        streamId: 's',
        type: 'T',
        data: { at: new Date('2026-05-01T00:00:00.000Z'), list: [{ at: new Date(0) }] },
        metadata: {},
        version: 1,
        position: 1,
        recordedAt: new Date('2026-05-02T00:00:00.000Z'),
      },
    ];
    const feed = new LogFeed({
      // A page of new objects at every read, as a database adapter decodes them.
      readPage: (after) => fresh().filter((e) => e.position > after),
      headPosition: () => 1,
    });
    const outcomes: string[] = [];
    const sub = feed.subscribe(
      (e) => {
        const data = e.data as { at: Date; list: { at: Date }[] };
        for (const change of [
          () => data.at.setTime(0),
          () => data.list[0]!.at.setTime(1),
          () => e.recordedAt.setTime(0),
        ]) {
          try {
            change();
            outcomes.push('changed');
          } catch (error) {
            outcomes.push((error as Error).name);
          }
        }
      },
      { fromPosition: 0 },
    );
    await vi.waitFor(() => expect(outcomes).toHaveLength(3));
    expect(outcomes).toEqual(['TypeError', 'TypeError', 'TypeError']);
    await sub.close();
    await feed.close();
  });

  it('stop with the error when a read failure is not transient', async () => {
    const feed = new LogFeed({
      readPage() {
        throw new Error('permission denied');
      },
      headPosition: () => 0,
    });
    const sub = feed.subscribe(() => {}, { fromPosition: Promise.resolve(0) });
    await expect(sub.done).rejects.toThrow('permission denied');
    expect((sub.error as Error).message).toBe('permission denied');
  });

  it('stop once reads at the end of the log keep failing, as they would while catching up', async () => {
    // A server that answered, then went away for good: the subscription waits at the end of
    // the log on the shared reader, whose giving up must reach it rather than start a new round.
    const { source, reads } = failingAtEnd(true);
    const feed = new LogFeed(source, {
      pollIntervalMs: 1,
      maxRetryDelayMs: 1,
      maxConsecutiveFailures: 3,
    });
    const seen: number[] = [];
    const sub = feed.subscribe((e) => void seen.push(e.position), { fromPosition: 0 });
    const outcome = await Promise.race([
      sub.done.then(
        () => 'resolved',
        (error: Error) => error.message,
      ),
      new Promise((r) => setTimeout(() => r('still retrying'), 3_000)),
    ]);
    expect(outcome).toBe('connection reset');
    expect(seen).toEqual([1]);
    // Two reads that answered, then the shared reader's first try and its three retries.
    expect(reads()).toBe(6);
    await feed.close();
  });

  it('stop once reads have kept failing for readFailureTimeoutMs, whatever their count', async () => {
    let now = 0;
    // Virtual time: a timer fires at once, moving the clock to its time.
    const timers = {
      now: () => now,
      setTimeout: (callback: () => void, ms: number) => {
        const at = now + ms;
        return setTimeout(() => {
          now = Math.max(now, at);
          callback();
        }, 0);
      },
      clearTimeout: (handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      random: () => 0.5,
    };
    // Catching up (the subscription's own reads fail) and at the end (the shared reader's).
    for (const answersFirst of [false, true]) {
      const { source, reads } = failingAtEnd(answersFirst, () => {
        // Each failed read waits a second for a server, as a driver's server selection would.
        now += 1_000;
      });
      now = 0;
      const feed = new LogFeed(source, { pollIntervalMs: 1, readFailureTimeoutMs: 10_000, timers });
      const sub = feed.subscribe(() => {}, { fromPosition: 0 });
      await expect(sub.done).rejects.toThrow('connection reset');
      // Far fewer than the 50 failures in a row that stop readers without a time bound.
      expect(reads()).toBeLessThan(12);
      expect(now).toBeGreaterThanOrEqual(10_000);
      expect(now).toBeLessThan(12_000);
      await feed.close();
    }
  });

  it('forget a failure once a wait at the end of the log has ended: a later one starts a new run', async () => {
    const log = [1, 2, 3, 4, 5].map(event);
    let failuresAt5 = 1;
    let armed = false;
    const source = {
      readPage(after: number, limit: number): RecordedEvent[] {
        // Once a reader has seen position 8, the next two reads from 5 fail once each.
        if (after === 8 && !armed) {
          armed = true;
          failuresAt5 = 2;
        }
        if (after === 5 && failuresAt5 > 0) {
          failuresAt5--;
          throw new Error('connection reset');
        }
        return log.filter((e) => e.position > after).slice(0, limit);
      },
      headPosition: () => log.length,
      isTransient: (e: unknown) => (e as Error).message === 'connection reset',
    };
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const feed = new LogFeed(source, { readFailureTimeoutMs: 200, maxRetryDelayMs: 50 });
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    const first = feed.subscribe(() => {}, { fromPosition: 5, onError });
    await sleep(5);
    const second = feed.subscribe(() => {}, { fromPosition: 5, onError });
    // Both wait at the end of the log, quiet for longer than the bound.
    await sleep(600);
    // Appended by another process (no wake-up); a subscription catching up reads them.
    log.push(event(6), event(7), event(8));
    feed.subscribe(() => {}, { fromPosition: 0, onError });
    await sleep(300);
    expect(errors).toEqual([]);
    expect([first.position, second.position]).toEqual([8, 8]);
    await feed.close();
  });

  it('end quietly when the store closes under them', async () => {
    const feed = new LogFeed({
      readPage() {
        throw new StoreClosedError('readAll');
      },
      headPosition: () => 0,
    });
    const sub = feed.subscribe(() => {}, { fromPosition: 0 });
    await expect(sub.done).resolves.toBeUndefined();
  });

  it('hand every subscription events it cannot change for the others', async () => {
    const stored: RecordedEvent[] = [];
    const feed = new LogFeed({
      readPage: (after) => stored.filter((e) => e.position > after),
      headPosition: () => stored.length,
    });
    const tampered: unknown[] = [];
    const seen: unknown[] = [];
    const tamper = (e: RecordedEvent) => {
      try {
        (e.data as { list: number[] }).list.push(99);
      } catch (error) {
        tampered.push(error);
      }
    };
    // Both wait at the end, so what comes next reaches them through the shared buffer.
    const a = feed.subscribe(tamper, { fromPosition: 0 });
    const b = feed.subscribe((e) => void seen.push(e.data), { fromPosition: 0 });
    while (feed.tail !== 0) await new Promise((r) => setTimeout(r, 2));
    for (const position of [1, 2]) {
      stored.push({
        eventId: `00000000-0000-4000-8000-00000000000${position}`,
        streamId: 's',
        type: 'T',
        data: { list: [position] },
        metadata: {},
        version: position,
        position,
        recordedAt: new Date(0),
      });
    }
    feed.wake();
    while (seen.length < 2 || tampered.length < 2) await new Promise((r) => setTimeout(r, 2));
    expect(seen).toEqual([{ list: [1] }, { list: [2] }]);
    await Promise.all([a.close(), b.close()]);
    await feed.close();
  });
});

function event(position: number): RecordedEvent {
  return {
    eventId: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`,
    streamId: 's',
    version: position,
    position,
    type: 'T',
    recordedAt: new Date(0),
    data: {},
    metadata: {},
  };
}

/**
 * A log holding one event whose reads fail with a transient error from some point on: after
 * answering up to the end of the log (`answersFirst`), or from the first read.
 */
function failingAtEnd(answersFirst: boolean, onFailure: () => void = () => {}) {
  let reads = 0;
  let answered = 0;
  const source = {
    readPage(after: number): RecordedEvent[] {
      reads++;
      if (answersFirst && answered < 2) {
        answered++;
        return after === 0 ? [event(1)] : [];
      }
      onFailure();
      throw new Error('connection reset');
    },
    headPosition: () => 1,
    isTransient: (e: unknown) => (e as Error).message === 'connection reset',
  };
  return { source, reads: () => reads };
}
