/**
 * Where projections keep their documents, checkpoints and leases. Every guarantee the runner
 * gives rests on single-document conditional writes and unique `_id`s, so any store with those
 * (a Map, MongoDB on any deployment) can hold read models without transactions.
 */

/** A read-model document as stored: the projection's fields plus its bookkeeping. */
export interface StoredDocument {
  readonly _id: string;
  /** Position of the last event applied to this document. */
  readonly lastPosition: number;
  /** Lease epoch of the runner that wrote it last: an older owner may not overwrite it. */
  readonly epoch: number;
  /** A deleted document is kept as a tombstone, so replaying the events before it is a no-op. */
  readonly deleted?: boolean;
  /** The document as the last checkpoint before its last write left it (`PREVIOUS_FIELD`). */
  readonly _prev?: PreviousImage;
  readonly [field: string]: unknown;
}

/**
 * A document as it was before the batch that wrote it last: its fields (`null` when it did not
 * exist or was deleted) and the position they reflect. A batch is written one document after
 * another, so a crash can leave some of its documents written and others not; the batch is
 * then run again from the checkpoint, and a handler that reads one document to write another
 * must see each as of that checkpoint, not as the crashed batch left it. Every write keeps
 * this image, and a runner reading a document written past its checkpoint uses it instead.
 */
export interface PreviousImage {
  readonly lastPosition: number;
  readonly fields: Readonly<Record<string, unknown>> | null;
}

/** Where a stored document keeps its `PreviousImage`: a field no projection's fields may use. */
export const PREVIOUS_FIELD = '_prev';

/**
 * One conditional write: it applies only if the document is still what the writer read
 * (`expected`: its `lastPosition`, or `null` for "does not exist") and was last written by this
 * epoch or an older one. Otherwise it is a conflict and nothing is written.
 */
export interface DocumentWrite {
  readonly id: string;
  readonly expected: number | null;
  readonly lastPosition: number;
  /** The new fields; `null` writes a tombstone. */
  readonly fields: Readonly<Record<string, unknown>> | null;
  /**
   * Kept with the document as its `_prev` (see `PreviousImage`) and handed back by `getMany`;
   * the runner always gives one, and a store that drops it loses what makes a crashed batch's
   * rerun exact for handlers that read one document to write another.
   */
  readonly previous?: PreviousImage;
}

export interface WriteOutcome {
  /** Ids whose write did not apply (the document changed, or a newer epoch wrote it). */
  readonly conflicts: readonly string[];
}

/** A projection's progress, fenced by the lease epoch of whoever wrote it. */
export interface ProjectionState {
  readonly projection: string;
  /** Every event up to here is applied to the live generation. */
  readonly position: number;
  readonly epoch: number;
  /** The generation readers are served from. */
  readonly generation: number;
  /** A rebuild in progress: its generation and how far it has got. */
  readonly rebuild: RebuildState | null;
  /** The last failure that stopped the projection, cleared when it moves on. */
  readonly error: ProjectionErrorRecord | null;
  readonly updatedAt: Date;
}

export interface RebuildState {
  readonly generation: number;
  readonly position: number;
  readonly startedAt: Date;
}

export interface ProjectionErrorRecord {
  readonly message: string;
  readonly name: string;
  readonly position: number;
  readonly streamId: string;
  readonly version: number;
  readonly at: Date;
}

export interface Lease {
  readonly projection: string;
  readonly owner: string;
  /** Grows with every acquisition: what fences an old owner's writes. */
  readonly epoch: number;
  /** Epoch milliseconds on the owner's clock. */
  readonly expiresAt: number;
}

export type StateChange = Partial<
  Pick<ProjectionState, 'position' | 'generation' | 'rebuild' | 'error'>
>;

export type StateInitial = Partial<Pick<ProjectionState, 'generation' | 'rebuild'>>;

export type FieldFilter = Readonly<Record<string, string | number | boolean | null>>;

export interface ReadModelStore {
  /** The documents with these ids that exist (tombstones included), by id. */
  getMany(collection: string, ids: readonly string[]): Promise<Map<string, StoredDocument>>;
  /** Live documents (no tombstones) whose listed top-level fields equal the values given. */
  find(collection: string, filter?: FieldFilter): Promise<StoredDocument[]>;
  /** Applies the writes, each conditional on its own (see `DocumentWrite`), as one batch. */
  write(collection: string, writes: readonly DocumentWrite[], epoch: number): Promise<WriteOutcome>;
  dropCollection(collection: string): Promise<void>;

  getState(projection: string): Promise<ProjectionState | null>;
  /** All projections' states (for health and `flowra projections`). */
  listStates(): Promise<ProjectionState[]>;
  /**
   * Changes the state if no newer epoch has written it, taking `epoch` as its own; `false` when
   * fenced. `position` never moves back. Creates the state when there is none.
   */
  updateState(
    projection: string,
    epoch: number,
    change: StateChange,
    /** What a state created by this call holds beyond the change (default generation 1, no rebuild). */
    initial?: StateInitial,
  ): Promise<boolean>;

  /** The newest lease of the projection, expired or not. */
  currentLease(projection: string): Promise<Lease | null>;
  /**
   * A new lease with the next epoch, unless another owner's lease has not expired; at most one
   * caller wins each epoch, however many race.
   */
  acquireLease(
    projection: string,
    owner: string,
    ttlMs: number,
    now: number,
  ): Promise<Lease | null>;
  /** Extends the lease; `null` when it is no longer the newest (taken over). */
  renewLease(lease: Lease, ttlMs: number, now: number): Promise<Lease | null>;
  /** Ends the lease at once, so another process can take over without waiting. */
  releaseLease(lease: Lease): Promise<void>;
}

/** The physical collection of one generation of a projection's collection. */
export function generationCollection(
  projection: string,
  collection: string,
  generation: number,
): string {
  return `${projection}.${collection}.g${generation}`;
}
