import { EventEmitter } from 'node:events';
import type { ChangeStream, Collection } from 'mongodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChangeStreamWakeup } from './change-stream-wakeup.js';
import type { CommitDocument } from './commit-document.js';

class FakeStream extends EventEmitter {
  closed = false;
  async close() {
    this.closed = true;
  }
}

function fakeEvents() {
  const opened: { pipeline: unknown; stream: FakeStream }[] = [];
  const events = {
    watch(pipeline: unknown) {
      const stream = new FakeStream();
      opened.push({ pipeline, stream });
      return stream as unknown as ChangeStream;
    },
  } as unknown as Collection<CommitDocument>;
  return { events, opened };
}

describe('ChangeStreamWakeup', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('asks only for the resume token of inserts and wakes readers on each', () => {
    const { events, opened } = fakeEvents();
    let wakes = 0;
    const wakeup = new ChangeStreamWakeup(events, () => wakes++);
    wakeup.start();
    expect(opened[0]!.pipeline).toEqual([
      { $match: { operationType: 'insert' } },
      { $project: { _id: 1 } },
    ]);
    opened[0]!.stream.emit('change', { _id: 'token' });
    opened[0]!.stream.emit('change', { _id: 'token2' });
    expect(wakes).toBe(2);
    expect(wakeup.healthy).toBe(true);
    wakeup.stop();
    expect(opened[0]!.stream.closed).toBe(true);
  });

  it('is opened again with back-off after an error, and given up where the server has none', () => {
    vi.useFakeTimers();
    const { events, opened } = fakeEvents();
    const wakeup = new ChangeStreamWakeup(events, () => {});
    wakeup.start();
    opened[0]!.stream.emit('error', Object.assign(new Error('network'), { code: 6 }));
    expect(wakeup.healthy).toBe(false);
    expect(opened).toHaveLength(1);
    vi.advanceTimersByTime(999);
    expect(opened).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(opened).toHaveLength(2);
    opened[1]!.stream.emit('error', Object.assign(new Error('again'), { code: 6 }));
    vi.advanceTimersByTime(1_999);
    expect(opened).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(opened).toHaveLength(3);
    opened[2]!.stream.emit(
      'error',
      Object.assign(new Error('The $changeStream stage is only supported on replica sets'), {
        code: 40573,
      }),
    );
    vi.advanceTimersByTime(60_000);
    expect(opened).toHaveLength(3);
    wakeup.stop();
  });
});
