import type { CollectionOptions, Db, ReadConcernLike, WriteConcernSettings } from 'mongodb';
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
import { type RawDocument, writeConditionally } from './conditional-writes.js';
import { errorCode } from './mongo-errors.js';
import * as leases from './mongo-leases.js';
import { type StateDocument, stateOf, updateState } from './mongo-states.js';

export interface MongoReadModelStoreOptions {
  /** Put before every read-model collection's name (default `'rm_'`). */
  prefix?: string;
  /** Where projections' states are kept (default `'projection_states'`). */
  statesCollection?: string;
  /** Where leases are kept (default `'projection_leases'`). */
  leasesCollection?: string;
  writeConcern?: WriteConcernSettings;
  readConcern?: ReadConcernLike;
}

/** Servers without a `drop` command (the jongodb emulator): emptying the collection will do. */
const NO_DROP_COMMAND = new Set([59, 115]);
const NAMESPACE_NOT_FOUND = 26;

/**
 * Read models in MongoDB, one collection per logical collection (`<prefix><name>`). Uses only
 * single-document conditional writes and unique `_id`s: no transactions, change streams or
 * `$max`, so it runs on any deployment (and on the offline emulators the tests use).
 */
export class MongoReadModelStore implements ReadModelStore {
  readonly #db: Db;
  readonly #prefix: string;
  readonly #statesName: string;
  readonly #leasesName: string;
  readonly #collectionOptions: CollectionOptions;
  #indexes: Promise<void> | undefined;

  constructor(db: Db, options: MongoReadModelStoreOptions = {}) {
    this.#db = db;
    this.#prefix = options.prefix ?? 'rm_';
    this.#statesName = options.statesCollection ?? 'projection_states';
    this.#leasesName = options.leasesCollection ?? 'projection_leases';
    this.#collectionOptions = {
      ...(options.writeConcern ? { writeConcern: options.writeConcern } : {}),
      ...(options.readConcern ? { readConcern: options.readConcern } : {}),
    };
  }

  #docs(collection: string) {
    return this.#db.collection<RawDocument>(this.#prefix + collection, this.#collectionOptions);
  }

  #states() {
    return this.#db.collection<StateDocument>(this.#statesName, this.#collectionOptions);
  }

  async #leases() {
    const collection = this.#db.collection<leases.LeaseDocument>(
      this.#leasesName,
      this.#collectionOptions,
    );
    // createIndex is idempotent: once per store is enough, and a failure is tried again.
    this.#indexes ??= collection.createIndex(leases.LEASE_INDEX).then(
      () => undefined,
      (error: unknown) => {
        this.#indexes = undefined;
        throw error;
      },
    );
    await this.#indexes;
    return collection;
  }

  async getMany(collection: string, ids: readonly string[]): Promise<Map<string, StoredDocument>> {
    const found = new Map<string, StoredDocument>();
    if (ids.length === 0) return found;
    const docs = await this.#docs(collection)
      .find({ _id: { $in: [...ids] } })
      .toArray();
    for (const doc of docs) found.set(doc._id, doc as StoredDocument);
    return found;
  }

  async find(collection: string, filter: FieldFilter = {}): Promise<StoredDocument[]> {
    const entries = Object.entries(filter);
    const query: Record<string, unknown> = {};
    for (const [field, value] of entries) query[field] = { $eq: value };
    query.deleted = { $ne: true };
    // Readers never see a document's previous image: not sent (where the server honours that).
    const docs = await this.#docs(collection)
      .find(query, { projection: { [PREVIOUS_FIELD]: 0 } })
      .toArray();
    // MongoDB's equality also matches a missing field to null and an array to one of its
    // elements; a field must hold exactly the value, as in every other store.
    return docs.filter((doc) =>
      entries.every(([field, value]) => doc[field] === value),
    ) as StoredDocument[];
  }

  write(
    collection: string,
    writes: readonly DocumentWrite[],
    epoch: number,
  ): Promise<WriteOutcome> {
    return writeConditionally(this.#docs(collection), writes, epoch);
  }

  async dropCollection(collection: string): Promise<void> {
    const docs = this.#docs(collection);
    try {
      await docs.drop();
    } catch (error) {
      const code = errorCode(error);
      if (code === NAMESPACE_NOT_FOUND) return;
      if (typeof code === 'number' && NO_DROP_COMMAND.has(code)) await docs.deleteMany({});
      else throw error;
    }
  }

  async getState(projection: string): Promise<ProjectionState | null> {
    const doc = await this.#states().findOne({ _id: projection });
    return doc ? stateOf(doc) : null;
  }

  async listStates(): Promise<ProjectionState[]> {
    const docs = await this.#states().find().sort({ _id: 1 }).toArray();
    return docs.map(stateOf);
  }

  updateState(
    projection: string,
    epoch: number,
    change: StateChange,
    initial?: StateInitial,
  ): Promise<boolean> {
    return updateState(this.#states(), projection, epoch, change, initial);
  }

  async currentLease(projection: string): Promise<Lease | null> {
    return leases.currentLease(await this.#leases(), projection);
  }

  async acquireLease(
    projection: string,
    owner: string,
    ttlMs: number,
    now: number,
  ): Promise<Lease | null> {
    return leases.acquireLease(await this.#leases(), projection, owner, ttlMs, now);
  }

  async renewLease(lease: Lease, ttlMs: number, now: number): Promise<Lease | null> {
    return leases.renewLease(await this.#leases(), lease, ttlMs, now);
  }

  async releaseLease(lease: Lease): Promise<void> {
    await leases.releaseLease(await this.#leases(), lease);
  }
}
