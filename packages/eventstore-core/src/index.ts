export type {
  AggregateSnapshot,
  AppendResult,
  EventHandler,
  EventMetadata,
  EventStore,
  ExpectedVersion,
  NewEvent,
  ReadAllOptions,
  ReadDirection,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
} from './types.js';
export {
  AppendOutcomeUnknownError,
  AppendTimeoutError,
  ConcurrencyError,
  DuplicateEventIdError,
  EventDecodingError,
  FlowraError,
  LogGapError,
  LogOrderError,
  StoreClosedError,
  StoreSchemaError,
  StoreUnavailableError,
  UnknownEventTypeError,
  ValidationError,
  type SchemaProblem,
} from './errors.js';
export {
  EventRegistry,
  SCHEMA_VERSION_KEY,
  type EventDataOf,
  type EventDefinition,
  type TypedNewEvent,
  type TypedRecordedEvent,
  type Upcaster,
} from './registry.js';
export { InMemoryEventStore, type InMemoryEventStoreOptions } from './in-memory-event-store.js';
export {
  LogFeed,
  ReadTimeoutError,
  type FeedSubscribeOptions,
  type LogFeedOptions,
} from './log-feed.js';
export {
  continuation,
  readContiguous,
  type CheckedPage,
  type ContiguousReadOptions,
  type LogSource,
} from './log-continuity.js';
export { sleep, systemTimers, type Timers } from './timers.js';
export {
  assertExpectedVersionMet,
  isRetryOf,
  satisfiesExpectedVersion,
} from './expected-version.js';
export {
  MAX_DATA_DEPTH,
  MAX_STREAM_ID_LENGTH,
  assertExpectedVersion,
  assertNonNegativeInteger,
  assertStreamId,
  assertTypes,
  clonePlainData,
  isPlainObject,
  isUuid,
  prepareAppend,
  prepareEvents,
  prepareSnapshot,
  setOwnProperty,
  validateReadAllOptions,
  validateReadStreamOptions,
  type PreparedEvent,
  type ValidReadAllOptions,
  type ValidReadStreamOptions,
} from './validation.js';
export { collect } from './collect.js';
export { LruCache } from './lru-cache.js';
