/**
 * The aggregate contract: what the repository needs from an aggregate, and nothing of how it
 * is written. Structural, so any model fits (the Flowra domain's aggregates do) without this
 * package depending on it, or it on this package.
 */
export interface EventSourcedAggregate {
  readonly id: string;
  /** Events applied so far, uncommitted ones included: the stream version once saved. */
  readonly version: number;
  readonly uncommittedEvents: readonly { readonly type: string; readonly data: unknown }[];
  /** Folds an event read from the stream (the store's registry has validated it). */
  applyEvent(event: { type: string; data: unknown }): void;
  /** Called after the uncommitted events were appended. */
  markCommitted(): void;
  /** The state to keep in a snapshot; the repository adds the schema version around it. */
  toSnapshot(): unknown;
}

/** Builds and restores aggregates of one type without knowing their class. */
export interface AggregateDefinition<T extends EventSourcedAggregate> {
  readonly aggregateType: string;
  /** Stored snapshots of any other schema version are ignored (the stream is replayed). */
  readonly snapshotSchemaVersion: number;
  /** An aggregate with no events (version 0), ready for `applyEvent`. */
  empty(id: string): T;
  /** From what `toSnapshot()` returned, at the stream version the snapshot was taken at. */
  fromSnapshot(id: string, state: unknown, version: number): T;
}
