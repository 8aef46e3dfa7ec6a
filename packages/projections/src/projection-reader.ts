import type { ProjectedDocument } from './define-projection.js';
import { type FieldFilter, type ReadModelStore, generationCollection } from './read-model-store.js';

/**
 * Reads a projection's documents from the generation readers are on: a rebuild's switch moves
 * every reader at once, and the old generation is kept a while for reads in flight.
 */
export class ProjectionReader {
  constructor(
    private readonly readModels: ReadModelStore,
    readonly projection: string,
  ) {}

  async find<D extends object = Record<string, unknown>>(
    collection: string,
    filter: FieldFilter = {},
  ): Promise<ProjectedDocument<D>[]> {
    const docs = await this.readModels.find(await this.#physical(collection), filter);
    return docs.map((doc) => strip<D>(doc));
  }

  async get<D extends object = Record<string, unknown>>(
    collection: string,
    id: string,
  ): Promise<ProjectedDocument<D> | null> {
    const found = await this.readModels.getMany(await this.#physical(collection), [id]);
    const doc = found.get(id);
    return doc && !doc.deleted ? strip<D>(doc) : null;
  }

  async #physical(collection: string): Promise<string> {
    const state = await this.readModels.getState(this.projection);
    return generationCollection(this.projection, collection, state?.generation ?? 1);
  }
}

function strip<D extends object>(doc: Record<string, unknown>): ProjectedDocument<D> {
  const { epoch: _epoch, deleted: _deleted, _prev: _previous, ...rest } = doc;
  return rest as ProjectedDocument<D>;
}
