import type { Collection, Db, Filter, IndexSpecification } from 'mongodb';
import type { CheckpointStore, DocumentCollection, ReadModelDocument } from './read-model-store.js';

function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 11000;
}

/**
 * One conditional single-document write per change: `lastPosition < position` in the filter
 * makes a replayed event match nothing. With `upsert`, a document that exists but is already
 * newer makes the server try to insert a second `_id`, which fails with a duplicate key: that,
 * too, means "already applied". Whole fields are `$set` (arrays included) rather than
 * `$push`/`$max`, so the same code runs on every MongoDB-compatible server.
 */
export class MongoCollection<D extends ReadModelDocument> implements DocumentCollection<D> {
  constructor(
    readonly collection: Collection<D>,
    private readonly indexes: readonly IndexSpecification[] = [],
  ) {}

  async prepare(): Promise<void> {
    for (const key of this.indexes) await this.collection.createIndex(key);
  }

  async get(id: string): Promise<D | null> {
    return (await this.collection.findOne({ _id: id } as Filter<D>)) as D | null;
  }

  async putIfNewer(doc: D): Promise<boolean> {
    const { _id, ...fields } = doc;
    try {
      const result = await this.collection.updateOne(
        { _id, lastPosition: { $lt: doc.lastPosition } } as Filter<D>,
        { $set: fields as Partial<D> },
        { upsert: true },
      );
      return result.modifiedCount + result.upsertedCount > 0;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async find(filter: Readonly<Partial<Record<keyof D & string, string>>>): Promise<D[]> {
    // Values are compared as plain strings: `$eq` keeps an object from being read as operators.
    const query = Object.fromEntries(
      Object.entries(filter).map(([key, value]) => [key, { $eq: String(value) }]),
    );
    return (await this.collection.find(query as Filter<D>).toArray()) as D[];
  }

  async clear(): Promise<void> {
    // deleteMany rather than drop: it keeps the indexes, and every server has it.
    await this.collection.deleteMany({});
  }
}

interface CheckpointDocument {
  _id: string;
  position: number;
  updatedAt: Date;
}

export class MongoCheckpoints implements CheckpointStore {
  readonly #collection: Collection<CheckpointDocument>;

  constructor(db: Db, name = 'projection_checkpoints') {
    this.#collection = db.collection<CheckpointDocument>(name);
  }

  async get(projection: string): Promise<number> {
    const doc = await this.#collection.findOne({ _id: { $eq: projection } });
    return doc?.position ?? 0;
  }

  async advance(projection: string, position: number): Promise<void> {
    try {
      await this.#collection.updateOne(
        { _id: projection, position: { $lt: position } },
        { $set: { position, updatedAt: new Date() } },
        { upsert: true },
      );
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  async clear(): Promise<void> {
    await this.#collection.deleteMany({});
  }
}
