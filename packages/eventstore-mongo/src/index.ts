export { MongoEventStore, type MongoEventStoreOptions } from './mongo-event-store.js';
export {
  DEFAULT_COLLECTIONS,
  EVENTS_FLAT_PIPELINE,
  INDEXES,
  migrate,
  type CollectionNames,
  type IndexDefinition,
  type MigrateOptions,
  type MigrationReport,
} from './schema.js';
export type { CommitDocument, StoredEvent } from './commit-document.js';
export { buildCommit, decodeCommit, placeCommit } from './commit-document.js';
export { CommitTooLargeError, isTransientMongoError } from './mongo-errors.js';
