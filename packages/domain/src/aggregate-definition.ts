import type { DomainEvent } from './domain-event.js';

/** An event as it comes out of a store: the data is checked against the schema on apply. */
export interface IncomingEvent {
  readonly type: string;
  readonly data: unknown;
}

/** What a generic event-sourced repository needs from any aggregate instance. */
export interface EventSourcedAggregate<TEvent extends DomainEvent = DomainEvent> {
  readonly aggregateType: string;
  readonly id: string;
  /** Events applied so far, recorded ones included: the stream version once saved. */
  readonly version: number;
  /** `version` minus the uncommitted events: the expected version for the next append. */
  readonly committedVersion: number;
  readonly uncommittedEvents: readonly TEvent[];
  /** Applies a stored event: validates it, advances `version`, records nothing. */
  applyEvent(event: IncomingEvent): void;
  /** Call after the uncommitted events were appended. */
  markCommitted(): void;
  /** `{ schemaVersion, state }`, for `AggregateDefinition.fromSnapshot`. */
  toSnapshot(): unknown;
}

/** Lets a repository build and restore an aggregate without knowing its class. */
export interface AggregateDefinition<T extends EventSourcedAggregate = EventSourcedAggregate> {
  readonly aggregateType: string;
  /** Snapshots of any other schema version are refused by `fromSnapshot`. */
  readonly snapshotSchemaVersion: number;
  readonly eventTypes: readonly string[];
  /** An aggregate with no events (`version` 0), ready for `applyEvent`. */
  empty(id: string): T;
  /** `version` is the stream version the snapshot was taken at. */
  fromSnapshot(id: string, data: unknown, version: number): T;
  fromEvents(id: string, events: Iterable<IncomingEvent>): T;
}
