/**
 * What the repository needs from an aggregate. Structural, so any model fits (the Flowra
 * domain's aggregates do) without this package depending on it.
 */
export interface RepositoryAggregate {
  readonly id: string;
  /** Events applied so far, uncommitted ones included. */
  readonly version: number;
  readonly uncommittedEvents: readonly { readonly type: string; readonly data: unknown }[];
  applyEvent(event: { type: string; data: unknown }): void;
  markCommitted(): void;
  toSnapshot(): unknown;
}

/** Builds and restores aggregates of one type without knowing their class. */
export interface AggregateFactory<T extends RepositoryAggregate> {
  readonly aggregateType: string;
  /** Stored snapshots of any other schema version are ignored (the stream is replayed). */
  readonly snapshotSchemaVersion: number;
  empty(id: string): T;
  fromSnapshot(id: string, data: unknown, version: number): T;
}
