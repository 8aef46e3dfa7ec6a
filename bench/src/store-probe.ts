import type { AggregateSnapshot, EventStore } from '@flowra/eventstore-core';

/** The log's head: `headPosition` is a getter on the in-memory store and a method on MongoDB's. */
export async function headOf(store: EventStore): Promise<number> {
  const head = (store as unknown as { headPosition?: unknown }).headPosition;
  if (typeof head === 'function') return (await head.call(store)) as number;
  if (typeof head === 'number') return head;
  throw new Error('the store exposes no headPosition');
}

export interface StoreState {
  head: number;
  version: number;
  snapshot: AggregateSnapshot | null;
}

/** What a rejected call must leave as it was. */
export async function stateOf(store: EventStore, streamId: string): Promise<StoreState> {
  return {
    head: await headOf(store),
    version: await store.getStreamVersion(streamId),
    snapshot: await store.getSnapshot(streamId),
  };
}

export function describeChange(before: StoreState, after: StoreState): string | undefined {
  const changes: string[] = [];
  if (before.head !== after.head) changes.push(`head ${before.head} -> ${after.head}`);
  if (before.version !== after.version)
    changes.push(`stream version ${before.version} -> ${after.version}`);
  if (before.snapshot?.version !== after.snapshot?.version) {
    changes.push(`snapshot version ${before.snapshot?.version} -> ${after.snapshot?.version}`);
  }
  return changes.length > 0 ? changes.join(', ') : undefined;
}
