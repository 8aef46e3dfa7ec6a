import { StoreUnavailableError } from '@flowra/eventstore-core';
import { systemTimers } from '@flowra/eventstore-core/adapter';
import type { Collection } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { SnapshotDocument } from './snapshot-document.js';
import { SnapshotStore, type SnapshotStoreOptions } from './snapshot-store.js';

function storeOn(
  collection: Partial<Collection<SnapshotDocument>>,
  options: Partial<SnapshotStoreOptions>,
): SnapshotStore {
  return new SnapshotStore(collection as Collection<SnapshotDocument>, {
    writeConcern: { w: 'majority' },
    maxTransientRetries: 8,
    timers: systemTimers,
    readTimeoutMs: 1_000,
    writeTimeoutMs: 1_000,
    ...options,
  });
}

describe('SnapshotStore', () => {
  it('rejects a snapshot read the server never answers after readTimeoutMs', async () => {
    const hung = {
      findOne: () => new Promise(() => {}),
    } as Partial<Collection<SnapshotDocument>>;
    const store = storeOn(hung, {
      maxTransientRetries: 0,
      readTimeoutMs: 30,
    });
    const error = await store.get('order-1', Promise.resolve(3)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(String((error as Error).cause)).toContain('did not answer a read within 30 ms');
  });

  it('rejects a snapshot save the server never answers after writeTimeoutMs, and stops retrying', async () => {
    let writes = 0;
    const hung = {
      updateOne: () => {
        writes++;
        return new Promise(() => {});
      },
    } as Partial<Collection<SnapshotDocument>>;
    const store = storeOn(hung, {
      writeTimeoutMs: 40,
    });
    const started = Date.now();
    const error = await store
      .save(
        { streamId: 'order-1', version: 2, data: { n: 1 }, timestamp: new Date() },
        async () => 3,
      )
      .catch((e: unknown) => e);
    expect(StoreUnavailableError.isInstance(error), String(error)).toBe(true);
    expect(error).toMatchObject({ operation: 'saveSnapshot', streamId: 'order-1' });
    expect(String((error as Error).cause)).toContain('did not answer a snapshot save within');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(writes).toBe(1);
  });

  it('stops retrying a save that keeps failing with transient errors at writeTimeoutMs', async () => {
    let writes = 0;
    const flaky = {
      updateOne: async () => {
        writes++;
        throw Object.assign(new Error('connection reset'), { name: 'MongoNetworkError' });
      },
    } as Partial<Collection<SnapshotDocument>>;
    const store = storeOn(flaky, {
      // Room for the tries after 50, 100 and 200 ms of back-off, not for the one after 400 more.
      writeTimeoutMs: 600,
    });
    const error = await store
      .save(
        { streamId: 'order-1', version: 2, data: { n: 1 }, timestamp: new Date() },
        async () => 3,
      )
      .catch((e: unknown) => e);
    expect(StoreUnavailableError.isInstance(error), String(error)).toBe(true);
    expect(writes).toBe(4);
  });
});
