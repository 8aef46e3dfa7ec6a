import { describe, expect, it } from 'vitest';
import { startCatchUpSubscription } from './catch-up-subscription.js';
import { StoreClosedError } from './errors.js';
import { InMemoryEventStore } from './in-memory-event-store.js';

describe('catch-up subscription', () => {
  it('retries transient read failures and resumes from the last delivered position', async () => {
    const store = new InMemoryEventStore();
    await store.append(
      's',
      [1, 2, 3].map((n) => ({ type: 'T', data: { n } })),
    );
    let failures = 0;
    const seen: number[] = [];
    const sub = startCatchUpSubscription(
      {
        async *readAll(o) {
          let yielded = 0;
          for await (const e of store.readAll(o)) {
            if (failures < 2 && yielded === 1) {
              failures++;
              throw new Error('connection reset');
            }
            yielded++;
            yield e;
          }
        },
        headPosition: () => store.headPosition,
        waitForEvents: () => new Promise((r) => setTimeout(r, 5)),
        isTransient: (e) => (e as Error).message === 'connection reset',
      },
      (e) => void seen.push(e.position),
      { fromPosition: 0, maxRetryDelayMs: 5 },
    );
    while (seen.length < 3) await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual([1, 2, 3]);
    expect(failures).toBe(2);
    expect(sub.position).toBe(3);
    await sub.close();
  });

  it('stops with the error when a read failure is not transient', async () => {
    const sub = startCatchUpSubscription(
      {
        // biome-ignore lint/correctness/useYield: fails before the first event on purpose
        async *readAll() {
          throw new Error('permission denied');
        },
        headPosition: async () => 0,
        waitForEvents: async () => {},
      },
      () => {},
      { fromPosition: Promise.resolve(0) },
    );
    await expect(sub.done).rejects.toThrow('permission denied');
    expect((sub.error as Error).message).toBe('permission denied');
  });

  it('ends quietly when the store closes under it', async () => {
    const sub = startCatchUpSubscription(
      {
        // biome-ignore lint/correctness/useYield: fails before the first event on purpose
        async *readAll() {
          throw new StoreClosedError('readAll');
        },
        headPosition: () => 0,
        waitForEvents: async () => {},
      },
      () => {},
      { fromPosition: 0 },
    );
    await expect(sub.done).resolves.toBeUndefined();
  });
});
