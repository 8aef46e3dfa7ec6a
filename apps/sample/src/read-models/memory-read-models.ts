import type { CheckpointStore, DocumentCollection, ReadModelDocument } from './read-model-store.js';

/** Copies on the way in and out, so callers never share a document with the store. */
export class MemoryCollection<D extends ReadModelDocument> implements DocumentCollection<D> {
  readonly #docs = new Map<string, D>();

  async get(id: string): Promise<D | null> {
    const doc = this.#docs.get(id);
    return doc ? structuredClone(doc) : null;
  }

  async putIfNewer(doc: D): Promise<boolean> {
    const stored = this.#docs.get(doc._id);
    if (stored && stored.lastPosition >= doc.lastPosition) return false;
    this.#docs.set(doc._id, structuredClone(doc));
    return true;
  }

  async find(filter: Readonly<Partial<Record<keyof D & string, string>>>): Promise<D[]> {
    const entries = Object.entries(filter) as [keyof D, string][];
    return [...this.#docs.values()]
      .filter((doc) => entries.every(([key, value]) => doc[key] === value))
      .map((doc) => structuredClone(doc));
  }

  async clear(): Promise<void> {
    this.#docs.clear();
  }
}

export class MemoryCheckpoints implements CheckpointStore {
  readonly #positions = new Map<string, number>();

  async get(projection: string): Promise<number> {
    return this.#positions.get(projection) ?? 0;
  }

  async advance(projection: string, position: number): Promise<void> {
    if (position > (this.#positions.get(projection) ?? 0)) {
      this.#positions.set(projection, position);
    }
  }

  async clear(): Promise<void> {
    this.#positions.clear();
  }
}
