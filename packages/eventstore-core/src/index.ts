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
export { MAX_STREAM_ID_LENGTH } from './asserts.js';
export { collect } from './collect.js';
export {
  ALL_STREAMS_DESTINATION,
  FlowraAttributes,
  FlowraMetrics,
} from './telemetry/attributes.js';
export {
  consoleLogger,
  silentLogger,
  type FlowraLogger,
  type LogFields,
  type LogLevel,
} from './telemetry/logger.js';
export { traceContextOf, type TraceCarrier } from './telemetry/trace-context.js';
export type { TelemetryOptions } from './telemetry/telemetry.js';
