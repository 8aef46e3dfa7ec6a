import type { ReadModelStore } from '../read-model-store.js';

export interface ReadModelStoreContractOptions {
  /**
   * A store for one test. Stores may share a database with every other test: each test names
   * its own collections and projections, and `listStates` is only checked for the ones it made.
   */
  createStore(): ReadModelStore | Promise<ReadModelStore>;
  /**
   * What the storage behind the store cannot guarantee, each with the reason printed when its
   * tests are skipped: only for a server that is not the one the store is written for.
   */
  limits?: ReadModelStoreLimits;
}

export interface ReadModelStoreLimits {
  /** Why conditional writes that race on one document may both apply. */
  atomicConditionalWrites?: string;
  /** Why an array cannot hold arrays. */
  nestedArrays?: string;
}

export interface ContractContext {
  limits: ReadModelStoreLimits;
  store(): Promise<ReadModelStore>;
}

let counter = 0;

/**
 * A collection or projection name no other test (nor an earlier run on a shared database) uses;
 * short and plain, as a MongoDB collection name must be.
 */
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}_${Date.now().toString(36)}_${counter}_${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * `it.skipIf` for a test that needs what `limit` says the storage lacks; prints why, so a skip
 * is never silent.
 */
export function skipFor(limit: string | undefined, test: string): boolean {
  if (limit !== undefined) console.warn(`[contract] skipped: ${test}: ${limit}`);
  return limit !== undefined;
}
