import { systemTimers } from '@flowra/eventstore-core/adapter';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type LogMark, LogMarkWriter } from './log-mark.js';

/** A mark whose writes wait until released, one at a time. */
function heldMark() {
  const writes: number[] = [];
  const waiting: { position: number; done: (error?: Error) => void }[] = [];
  const mark: LogMark = {
    read: async () => Math.max(0, ...writes),
    raise: (position) =>
      new Promise<void>((resolve, reject) => {
        waiting.push({
          position,
          done: (error) => {
            if (error) return reject(error);
            writes.push(position);
            resolve();
          },
        });
      }),
  };
  const settle = async (error?: Error) => {
    await new Promise((r) => setTimeout(r, 0));
    waiting.shift()?.done(error);
    await new Promise((r) => setTimeout(r, 0));
  };
  return { mark, writes, waiting, settle };
}

describe('LogMarkWriter', () => {
  it('writes one mark at a time, and then only the highest asked for meanwhile', async () => {
    const held = heldMark();
    const writer = new LogMarkWriter(held.mark);
    writer.raise(1);
    writer.raise(5);
    writer.raise(3);
    writer.raise(4);
    await held.settle();
    await held.settle();
    await writer.flush();
    expect(held.writes).toEqual([1, 5]);
    writer.raise(2);
    await writer.flush();
    expect(held.writes).toEqual([1, 5]);
  });

  it('a failed write is made again with the next raise, and flush settles either way', async () => {
    const held = heldMark();
    const writer = new LogMarkWriter(held.mark);
    writer.raise(7);
    await held.settle(new Error('not primary'));
    await writer.flush();
    expect(held.writes).toEqual([]);
    writer.raise(6);
    await held.settle();
    await writer.flush();
    expect(held.writes).toEqual([7]);
  });

  it('a mark read at or above what was asked for is not written again', async () => {
    const held = heldMark();
    const writer = new LogMarkWriter(held.mark);
    writer.seen(9);
    writer.raise(4);
    writer.raise(9);
    await writer.flush();
    expect(held.waiting).toEqual([]);
    writer.raise(10);
    // Seen while the write of 10 is under way: it does not lower what is known written.
    writer.seen(12);
    await held.settle();
    await writer.flush();
    writer.raise(11);
    await writer.flush();
    expect(held.writes).toEqual([10]);
    expect(held.waiting).toEqual([]);
  });
});

describe('LogMarkWriter with a linger', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A writer with a linger on `mark` (default: one whose writes land at once). */
  function lingering(lingerMs: number, mark?: LogMark, busy = false) {
    const writes: number[] = [];
    mark ??= {
      read: async () => Math.max(0, ...writes),
      raise: async (position) => {
        writes.push(position);
      },
    };
    const state = { busy };
    const writer = new LogMarkWriter(mark, {
      timers: systemTimers,
      busy: () => state.busy,
      lingerMs,
    });
    return { writer, writes, state };
  }

  it('writes at once, after a turn of the event loop, when no append is under way', async () => {
    const { writer, writes } = lingering(50);
    writer.raise(3);
    expect(writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toEqual([3]);
  });

  it('waits for appends under way up to the linger, then writes the highest asked for once', async () => {
    const { writer, writes, state } = lingering(50);
    state.busy = true;
    writer.raise(1);
    await vi.advanceTimersByTimeAsync(20);
    writer.raise(2);
    await vi.advanceTimersByTimeAsync(20);
    writer.raise(3);
    expect(writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(10);
    expect(writes).toEqual([3]);
    // The linger counts from the oldest position not yet written, not from the last raise.
    writer.raise(4);
    await vi.advanceTimersByTimeAsync(49);
    expect(writes).toEqual([3]);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toEqual([3, 4]);
  });

  it('writes as soon as the appends under way have settled', async () => {
    const { writer, writes, state } = lingering(50);
    state.busy = true;
    writer.raise(1);
    await vi.advanceTimersByTimeAsync(10);
    // The last append's acknowledgement raises the mark; nothing is under way any more.
    writer.raise(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toEqual([]);
    state.busy = false;
    writer.idle();
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toEqual([2]);
  });

  it('a position asked for while a write is under way lingers from when it was asked for', async () => {
    const held = heldMark();
    const { writer } = lingering(50, held.mark, true);
    writer.raise(1);
    await vi.advanceTimersByTimeAsync(50);
    expect(held.waiting.map((w) => w.position)).toEqual([1]);
    await vi.advanceTimersByTimeAsync(10);
    writer.raise(2);
    // The write of 1 takes 30 ms more; 2 goes 50 ms after it was asked for, not 50 after that.
    await vi.advanceTimersByTimeAsync(30);
    held.waiting.shift()?.done();
    await vi.advanceTimersByTimeAsync(19);
    expect(held.writes).toEqual([1]);
    expect(held.waiting).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(held.waiting.map((w) => w.position)).toEqual([2]);
  });

  it('after a failed write the next raise writes without lingering again, and a flush stops lingering for good', async () => {
    const held = heldMark();
    const { writer } = lingering(50, held.mark, true);
    writer.raise(1);
    await vi.advanceTimersByTimeAsync(50);
    held.waiting.shift()?.done(new Error('not primary'));
    await vi.advanceTimersByTimeAsync(0);
    writer.raise(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(held.waiting.map((w) => w.position)).toEqual([2]);
    held.waiting.shift()?.done();
    await vi.advanceTimersByTimeAsync(0);
    expect(held.writes).toEqual([2]);
    const flushed = writer.flush();
    await flushed;
    // Appends still under way when the store closes: their marks go at once.
    writer.raise(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(held.waiting.map((w) => w.position)).toEqual([3]);
  });

  it('a mark read while lingering that already holds the position is not written again', async () => {
    const { writer, writes, state } = lingering(50);
    state.busy = true;
    writer.raise(4);
    await vi.advanceTimersByTimeAsync(10);
    writer.seen(6);
    await vi.advanceTimersByTimeAsync(50);
    expect(writes).toEqual([]);
  });

  it('a flush writes what lingers without waiting for the appends under way', async () => {
    const { writer, writes, state } = lingering(1_000);
    state.busy = true;
    writer.raise(7);
    await vi.advanceTimersByTimeAsync(5);
    const flushed = writer.flush();
    await vi.advanceTimersByTimeAsync(1);
    await flushed;
    expect(writes).toEqual([7]);
  });
});
