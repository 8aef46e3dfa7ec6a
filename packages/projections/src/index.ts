export {
  type DocumentContext,
  type DocumentProjection,
  type EventsOf,
  type ProjectedDocument,
  type ProjectionDefinition,
  defineProjection,
  documentProjection,
} from './define-projection.js';
export {
  LeaseLostError,
  ProjectionDefinitionError,
  ProjectionHandlerError,
  ReadModelConflictError,
} from './errors.js';
export { type ProjectionHealth, type ProjectionStatus, projectionHealth } from './health.js';
export { InMemoryReadModelStore } from './memory/in-memory-read-model-store.js';
export { ProjectionReader } from './projection-reader.js';
export {
  ProjectionRunner,
  type ProjectionRunnerOptions,
  type RestartPolicy,
  type RunnerHooks,
  requestRebuild,
} from './projection-runner.js';
export { Projections, type ProjectionsOptions } from './projections.js';
export {
  type DocumentWrite,
  type FieldFilter,
  type Lease,
  type ProjectionErrorRecord,
  type ProjectionState,
  type ReadModelStore,
  type RebuildState,
  type StateChange,
  type StateInitial,
  type StoredDocument,
  type WriteOutcome,
  generationCollection,
} from './read-model-store.js';
