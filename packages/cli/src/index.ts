export { type EventLine, EventLineError, decodeEventLine, encodeEventLine } from './event-line.js';
export { TaggedJsonError, fromTaggedJson, toTaggedJson } from './tagged-json.js';
export {
  MAX_LISTED_PROBLEMS,
  type VerifyOptions,
  type VerifyProblem,
  type VerifyProblemKind,
  type VerifyReport,
  verifyStore,
} from './verify-store.js';
export { type StoreStats, type StorageSizes, collectStats } from './commands/stats.js';
