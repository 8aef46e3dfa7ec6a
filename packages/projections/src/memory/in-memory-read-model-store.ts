import {
  type DocumentWrite,
  type FieldFilter,
  type Lease,
  PREVIOUS_FIELD,
  type ProjectionState,
  type ReadModelStore,
  type StateChange,
  type StateInitial,
  type StoredDocument,
  type WriteOutcome,
} from '../read-model-store.js';

/**
 * Read models in a Map: for tests and the embedded default. Copies on the way in and out, so
 * no caller shares a document with the store; shared by every runner of one process.
 */
export class InMemoryReadModelStore implements ReadModelStore {
  readonly #collections = new Map<string, Map<string, StoredDocument>>();
  readonly #states = new Map<string, ProjectionState>();
  readonly #leases = new Map<string, Lease>();

  async getMany(collection: string, ids: readonly string[]): Promise<Map<string, StoredDocument>> {
    const docs = this.#collections.get(collection);
    const found = new Map<string, StoredDocument>();
    for (const id of ids) {
      const doc = docs?.get(id);
      if (doc) found.set(id, structuredClone(doc));
    }
    return found;
  }

  async find(collection: string, filter: FieldFilter = {}): Promise<StoredDocument[]> {
    const entries = Object.entries(filter);
    return [...(this.#collections.get(collection)?.values() ?? [])]
      .filter((doc) => !doc.deleted && entries.every(([key, value]) => doc[key] === value))
      .map((doc) => structuredClone(doc));
  }

  async write(
    collection: string,
    writes: readonly DocumentWrite[],
    epoch: number,
  ): Promise<WriteOutcome> {
    let docs = this.#collections.get(collection);
    if (!docs) {
      docs = new Map();
      this.#collections.set(collection, docs);
    }
    const conflicts: string[] = [];
    for (const write of writes) {
      const stored = docs.get(write.id);
      const matches =
        write.expected === null
          ? stored === undefined
          : stored !== undefined && stored.lastPosition === write.expected && stored.epoch <= epoch;
      if (!matches) {
        conflicts.push(write.id);
        continue;
      }
      const bookkeeping = {
        _id: write.id,
        lastPosition: write.lastPosition,
        epoch,
        ...(write.previous ? { [PREVIOUS_FIELD]: structuredClone(write.previous) } : {}),
      };
      docs.set(
        write.id,
        write.fields === null
          ? { ...bookkeeping, deleted: true }
          : { ...structuredClone(write.fields), ...bookkeeping },
      );
    }
    return { conflicts };
  }

  async dropCollection(collection: string): Promise<void> {
    this.#collections.delete(collection);
  }

  async getState(projection: string): Promise<ProjectionState | null> {
    const state = this.#states.get(projection);
    return state ? structuredClone(state) : null;
  }

  async listStates(): Promise<ProjectionState[]> {
    return [...this.#states.values()].map((state) => structuredClone(state));
  }

  async updateState(
    projection: string,
    epoch: number,
    change: StateChange,
    initial: StateInitial = {},
  ): Promise<boolean> {
    const current = this.#states.get(projection);
    if (current && current.epoch > epoch) return false;
    const base: ProjectionState = current ?? {
      projection,
      position: 0,
      epoch,
      generation: initial.generation ?? 1,
      rebuild: initial.rebuild ?? null,
      error: null,
      updatedAt: new Date(),
    };
    this.#states.set(projection, {
      ...base,
      ...structuredClone(change),
      position: Math.max(base.position, change.position ?? 0),
      epoch,
      updatedAt: new Date(),
    });
    return true;
  }

  async currentLease(projection: string): Promise<Lease | null> {
    const lease = this.#leases.get(projection);
    return lease ? { ...lease } : null;
  }

  async acquireLease(
    projection: string,
    owner: string,
    ttlMs: number,
    now: number,
  ): Promise<Lease | null> {
    const current = this.#leases.get(projection);
    if (current && current.owner !== owner && current.expiresAt > now) return null;
    const lease = { projection, owner, epoch: (current?.epoch ?? 0) + 1, expiresAt: now + ttlMs };
    this.#leases.set(projection, lease);
    return { ...lease };
  }

  async renewLease(lease: Lease, ttlMs: number, now: number): Promise<Lease | null> {
    const current = this.#leases.get(lease.projection);
    if (!current || current.epoch !== lease.epoch || current.owner !== lease.owner) return null;
    const renewed = { ...current, expiresAt: now + ttlMs };
    this.#leases.set(lease.projection, renewed);
    return { ...renewed };
  }

  async releaseLease(lease: Lease): Promise<void> {
    const current = this.#leases.get(lease.projection);
    if (current && current.epoch === lease.epoch) {
      this.#leases.set(lease.projection, { ...current, expiresAt: 0 });
    }
  }
}
