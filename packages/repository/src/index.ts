export type { AggregateDefinition, EventSourcedAggregate } from './aggregate.js';
export {
  EventSourcedRepository,
  type SaveContext,
  type RepositoryOptions,
  type RepositoryStats,
  type SnapshotPolicy,
  type UpdateOptions,
} from './event-sourced-repository.js';
export { AggregateNotFoundError, TenantMismatchError, UncommittedEventsError } from './errors.js';
export {
  defaultStreamNaming,
  hashStreamNaming,
  stableHash,
  temporalStreamNaming,
  tenantStreamNaming,
  uuidV7Date,
  type StreamNamingStrategy,
} from './stream-naming.js';
