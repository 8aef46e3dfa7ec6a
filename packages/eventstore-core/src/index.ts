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
  ConcurrencyError,
  DuplicateEventIdError,
  EventDecodingError,
  FlowraError,
  StoreClosedError,
  StoreUnavailableError,
  UnknownEventTypeError,
  ValidationError,
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
  startCatchUpSubscription,
  type CatchUpOptions,
  type CatchUpSource,
} from './catch-up-subscription.js';
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
