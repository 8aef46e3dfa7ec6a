// How the store lays out its documents, for operator tools (`flowra stats`, `export`, `verify`)
// and anyone reading the collections directly. Writing goes through `MongoEventStore` only.
export {
  type CommitDocument,
  type StoredEvent,
  commitId,
  decodeCommit,
  defaultAggregateType,
} from './commit-document.js';
export { COMMIT_READ_PROJECTION } from './commit-reader.js';
export { logMarkId } from './log-mark.js';
export type { SnapshotDocument } from './snapshot-document.js';
export {
  EVENTS_FLAT_PIPELINE,
  INDEXES,
  type IndexDefinition,
  type ListedIndex,
  SCHEMA_FIX,
  type SchemaRecord,
  WEAKER_GUARANTEE,
  indexMismatch,
  listIndexes,
  schemaRecordLabel,
  schemaRecordProblem,
} from './schema.js';
