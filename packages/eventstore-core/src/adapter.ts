/**
 * `@flowra/eventstore-core/adapter`: the building blocks of a store, for adapter authors.
 * Every store in this repository is built on them: the same validation of input, the same
 * expected-version and event-id rules, the same checked reader for subscriptions. Not needed
 * to use a store.
 */
export {
  MAX_DATA_DEPTH,
  MAX_EVENT_TYPE_LENGTH,
  assertExpectedVersion,
  assertNonNegativeInteger,
  assertStreamId,
  assertTypes,
  isUuid,
} from './asserts.js';
export { clonePlainData, isPlainObject, setOwnProperty } from './plain-data.js';
export { prepareAppend, prepareEvents, type PreparedEvent } from './prepare-events.js';
export {
  validateReadAllOptions,
  validateReadStreamOptions,
  type ValidReadAllOptions,
  type ValidReadStreamOptions,
} from './read-options.js';
export { prepareSnapshot } from './snapshot-input.js';
export {
  assertExpectedVersionMet,
  isRetryOf,
  satisfiesExpectedVersion,
} from './expected-version.js';
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
  type ContiguousRead,
  type ContiguousReadOptions,
  type LogSource,
} from './log-continuity.js';
export { sleep, systemTimers, type AbortSignalLike, type Timers } from './timers.js';
export { LruCache } from './lru-cache.js';
export {
  Telemetry,
  errorType,
  inSpan,
  recordError,
  type Instruments,
  type TelemetryOptions,
} from './telemetry/telemetry.js';
export {
  StoreTelemetry,
  type AppendTrace,
  type StoreTelemetryOptions,
} from './telemetry/store-telemetry.js';
export {
  ConsumerTelemetry,
  type ConsumerTelemetryOptions,
} from './telemetry/consumer-telemetry.js';
export { traceCarrierOf, type TraceCarrier } from './telemetry/trace-context.js';
