export { MongoEventStore, type MongoEventStoreOptions } from './mongo-event-store.js';
export {
  type CollectionNames,
  DEFAULT_COLLECTIONS,
  type MigrateOptions,
  type MigrationReport,
  type SchemaState,
  checkSchema,
  migrate,
} from './schema.js';
export {
  type RestorableEvent,
  type RestoreOptions,
  type RestoreRefusal,
  RestoreRefusedError,
  type RestoreReport,
} from './restore.js';
export {
  CommitTooLargeError,
  SnapshotTooLargeError,
  isTransientMongoError,
} from './mongo-errors.js';
