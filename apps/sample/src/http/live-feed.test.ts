import { InvalidInputError } from '@flowra/domain';
import {
  type EventStore,
  InMemoryEventStore,
  type RecordedEvent,
  StoreUnavailableError,
} from '@flowra/eventstore-core';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveFeed } from './live-feed.js';

const stores: EventStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

function countingStore() {
  const store = new InMemoryEventStore();
  stores.push(store);
  let subscriptions = 0;
  const subscribe = store.subscribe.bind(store);
  store.subscribe = (handler, options) => {
    subscriptions++;
    return subscribe(handler, options);
  };
  return { store, subscriptions: () => subscriptions };
}

const append = (store: EventStore, n: number) =>
  store.append(
    's',
    Array.from({ length: n }, () => ({ type: 'T', data: {} })),
  );

async function until(condition: () => boolean) {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}

describe('LiveFeed', () => {
  it('serves every client through one subscription', async () => {
    const { store, subscriptions } = countingStore();
    const feed = new LiveFeed(store);
    await feed.start();
    const seen: number[][] = [[], [], []];
    const clients = await Promise.all(
      seen.map((list) =>
        feed.open(undefined, 'from', async (e: RecordedEvent) => void list.push(e.position)),
      ),
    );
    await append(store, 3);
    await until(() => seen.every((list) => list.length === 3));
    expect(seen).toEqual([
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect(subscriptions(), 'one shared subscription for three clients').toBe(1);
    for (const client of clients) client.close();
    await feed.close();
  });

  it('replays from a past position, then goes live, without a gap or a duplicate', async () => {
    const { store } = countingStore();
    await append(store, 5);
    const feed = new LiveFeed(store);
    await feed.start();
    const seen: number[] = [];
    const client = await feed.open(2, 'from', async (e) => {
      seen.push(e.position);
      if (e.position === 3) await append(store, 2);
    });
    await until(() => seen.length === 5);
    expect(seen).toEqual([3, 4, 5, 6, 7]);
    client.close();
    await feed.close();
  });

  it('follows the log again when the store gives up a subscription: open clients miss nothing', async () => {
    const { store, subscriptions } = countingStore();
    const subscribe = store.subscribe.bind(store);
    let failFirst = true;
    // The first subscription ends as one does after a long outage: onError, then nothing.
    store.subscribe = (handler, options) => {
      if (!failFirst) return subscribe(handler, options);
      failFirst = false;
      const subscription = subscribe(handler, options);
      setTimeout(() => {
        void subscription.close();
        options?.onError?.(new StoreUnavailableError('read', new Error('the database is gone')));
      }, 10);
      return subscription;
    };
    const feed = new LiveFeed(store);
    await feed.start();
    const seen: number[] = [];
    const client = await feed.open(undefined, 'from', async (e) => void seen.push(e.position));
    await new Promise((r) => setTimeout(r, 30));
    await append(store, 3);
    await until(() => seen.length === 3);
    expect(seen).toEqual([1, 2, 3]);
    expect(subscriptions()).toBe(2);
    client.close();
    await feed.close();
  });

  it('cuts its clients off, and says why, when the log fails other than by an outage', async () => {
    const { store, subscriptions } = countingStore();
    const subscribe = store.subscribe.bind(store);
    store.subscribe = (handler, options) => {
      const subscription = subscribe(handler, options);
      setTimeout(() => options?.onError?.(new Error('a hole in the log')), 10);
      return subscription;
    };
    const logged: string[] = [];
    const feed = new LiveFeed(store, { log: (m) => logged.push(m) });
    await feed.start();
    const client = await feed.open(undefined, 'from', async () => {});
    await client.done;
    expect(feed.clients).toBe(0);
    expect(logged).toEqual(['live feed stopped at position 0']);
    await new Promise((r) => setTimeout(r, 50));
    expect(subscriptions()).toBe(1);
    await feed.close();
  });

  it('refuses to replay further back than its bound, and cuts off a client that stops reading', async () => {
    const { store } = countingStore();
    await append(store, 20);
    const feed = new LiveFeed(store, { maxReplay: 10, queueLimit: 2 });
    await feed.start();
    await expect(feed.open(5, 'from', async () => {})).rejects.toSatisfy(
      (e: unknown) => InvalidInputError.isInstance(e) && /at most 10/.test((e as Error).message),
    );
    // Past the head: following it would skip every event up to it.
    await expect(feed.open(21, 'Last-Event-ID', async () => {})).rejects.toSatisfy(
      (e: unknown) =>
        InvalidInputError.isInstance(e) &&
        e.field === 'Last-Event-ID' &&
        /past the log's head \(20\)/.test((e as Error).message),
    );
    const atHead = await feed.open(20, 'from', async () => {});
    atHead.close();
    const stuck = await feed.open(undefined, 'from', () => new Promise(() => {}));
    await append(store, 5);
    await stuck.done;
    expect(feed.clients).toBe(0);
    await feed.close();
  });
});
