import { StoreUnavailableError } from '@flowra/eventstore-core';
import { systemTimers } from '@flowra/eventstore-core/adapter';
import type { Collection } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { SnapshotDocument } from './snapshot-document.js';
import { SnapshotStore } from './snapshot-store.js';

describe('SnapshotStore', () => {
  it('rejects a snapshot read the server never answers after readTimeoutMs', async () => {
    const hung = {
      findOne: () => new Promise(() => {}),
    } as unknown as Collection<SnapshotDocument>;
    const store = new SnapshotStore(hung, {
      writeConcern: { w: 'majority' },
      maxTransientRetries: 0,
      timers: systemTimers,
      readTimeoutMs: 30,
    });
    const error = await store.get('order-1', Promise.resolve(3)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(String((error as Error).cause)).toContain('did not answer a read within 30 ms');
  });
});
