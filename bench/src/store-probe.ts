import type { AggregateSnapshot, EventStore } from '@flowra/eventstore-core';

/** The log's head, as every `EventStore` reports it. */
export function headOf(store: EventStore): Promise<number> {
  return store.headPosition();
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
