export { MongoEventStore, type MongoEventStoreOptions } from './mongo-event-store.js';
export {
  DEFAULT_COLLECTIONS,
  EVENTS_FLAT_PIPELINE,
  INDEXES,
  SCHEMA_FIX,
  WEAKER_GUARANTEE,
  checkSchema,
  indexMismatch,
  migrate,
  type CollectionNames,
  type IndexDefinition,
  type MigrateOptions,
  type MigrationReport,
  type SchemaRecord,
  type SchemaState,
} from './schema.js';
export type { CommitDocument, StoredEvent } from './commit-document.js';
export { buildCommit, commitId, decodeCommit, placeCommit } from './commit-document.js';
export { CommitTooLargeError, isTransientMongoError } from './mongo-errors.js';
