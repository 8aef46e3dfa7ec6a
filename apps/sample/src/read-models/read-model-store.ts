/**
 * Where projections keep their documents and checkpoints. Two implementations: a Map (the
 * in-memory store's companion) and MongoDB. The projector relies on two guarantees only, both
 * of single-document writes, so no multi-document transaction is ever needed.
 */

/** Every read-model document records the last event position applied to it. */
export interface ReadModelDocument {
  _id: string;
  tenantId: string;
  lastPosition: number;
}

export interface DocumentCollection<D extends ReadModelDocument> {
  get(id: string): Promise<D | null>;
  /**
   * Stores `doc` unless the stored document already reflects `doc.lastPosition` or a later
   * one; returns whether it wrote. This is what makes a replayed event a no-op.
   */
  putIfNewer(doc: D): Promise<boolean>;
  /** Documents whose listed top-level fields equal the given values. */
  find(filter: Readonly<Partial<Record<keyof D & string, string>>>): Promise<D[]>;
  clear(): Promise<void>;
}

export interface CheckpointStore {
  /** The last position the projection finished with (0 when it never ran). */
  get(projection: string): Promise<number>;
  /** Moves the checkpoint forward; never back, so a slow writer cannot undo a faster one. */
  advance(projection: string, position: number): Promise<void>;
  clear(): Promise<void>;
}
