/** Where the test server came from. */
export type TestMongoKind = 'uri' | 'memory-server' | 'jongodb' | 'ferretdb';

/**
 * What the live test server can do, measured by probing it (see `probeCapabilities`).
 * Real MongoDB replica sets have every capability; the emulators (jongodb, FerretDB) lack several.
 */
export interface Capabilities {
  /** `watch()` / `$changeStream` deliver change events. */
  changeStreams: boolean;
  /**
   * Multi-document transactions that are safe under concurrency: a second transaction writing a
   * document that an open transaction already wrote fails with WriteConflict (112). Transactions
   * that merely "work" serially are not enough.
   */
  transactions: boolean;
  /** `createCollection(name, { viewOn, pipeline })` creates a queryable view. */
  views: boolean;
  /** A unique index on a field inside an array (`{ 'a.b': 1 }`) is enforced per array element. */
  uniqueMultikey: boolean;
  /** The `$push` update operator. */
  pushOperator: boolean;
  /** `$max` as an update operator and as a `$group` accumulator. */
  maxOperator: boolean;
  /** `db.dropDatabase()`. */
  dropDatabase: boolean;
  /** `collection.dropIndex(name)` removes the index (what an operator may do under a running store). */
  dropIndexes: boolean;
  /** The `$collStats` aggregation stage. */
  collStats: boolean;
  /** find projections are applied (fields left out are not returned). */
  projections: boolean;
  /** An index with a `partialFilterExpression` is created and listed with that filter. */
  partialIndexes: boolean;
  /**
   * A single-document update applies its filter and its change atomically: of conditional
   * updates racing on one document (`{ v: { $lt: k } }` → `$set: { v: k }`), none is lost.
   */
  atomicUpdates: boolean;
}

export type Capability = keyof Capabilities;

export const CAPABILITY_NAMES: readonly Capability[] = [
  'changeStreams',
  'transactions',
  'views',
  'uniqueMultikey',
  'pushOperator',
  'maxOperator',
  'dropDatabase',
  'dropIndexes',
  'collStats',
  'projections',
  'partialIndexes',
  'atomicUpdates',
];

/** The serializable description of a test server (what the vitest global setup provides). */
export interface ProvidedMongo {
  uri: string;
  kind: TestMongoKind;
  /**
   * e.g. 'MongoDB 8.0.4 replica set (MONGODB_URI)', 'jongodb 0.1.6 emulator (not MongoDB)' or
   * 'FerretDB 1.24.2 on PostgreSQL 15.18 (not MongoDB)'.
   */
  label: string;
  capabilities: Capabilities;
}

/** A running (or borrowed, for `MONGODB_URI`) test server. */
export interface TestMongo extends ProvidedMongo {
  /** `buildInfo.version` as the server reports it (the emulator says e.g. '8.0.0-jongodb'). */
  serverVersion: string;
  /** Why each earlier choice was passed over (empty when the first choice was taken). */
  skipped: string[];
  /** Stops the server this process started (nothing to stop for `MONGODB_URI`). Idempotent. */
  stop(): Promise<void>;
}
