import type { z } from 'zod';
import type { EventSourcedAggregate, IncomingEvent } from './aggregate-definition.js';
import type { DomainEvent, EventOf } from './domain-event.js';
import {
  AggregateNotCreatedError,
  InvalidEventError,
  InvalidInputError,
  InvalidSnapshotError,
  UnsupportedSnapshotVersionError,
} from './errors.js';
import { IdSchema } from './primitives.js';

/** The per-aggregate facts the base class needs; one constant per aggregate. */
export interface AggregateSpec<TState extends { readonly id: string }, TEvent extends DomainEvent> {
  readonly aggregateType: string;
  readonly snapshotSchemaVersion: number;
  readonly eventSchemas: { readonly [K in TEvent['type']]: z.ZodType };
  /** The event that starts a stream; it must come first and only once. */
  readonly creationEventType: TEvent['type'];
  /** The key in every event's data that names the aggregate, e.g. `chatId`. */
  readonly idField: string;
  readonly stateSchema: z.ZodType<TState>;
  /** Pure fold. Never throws for rule violations: stored events are facts, not requests. */
  evolve(state: TState | null, event: TEvent): TState;
}

export interface SnapshotData<TState> {
  readonly schemaVersion: number;
  readonly state: TState;
}

export interface RestoredState<TState> {
  readonly state: TState;
  readonly version: number;
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'does not match the schema';
  return issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message;
}

/** Validates a snapshot written by `toSnapshot()` and returns the state it holds. */
export function restoreSnapshot<TState extends { readonly id: string }>(
  spec: AggregateSpec<TState, DomainEvent<any, any>>,
  id: string,
  data: unknown,
  version: number,
): RestoredState<TState> {
  const fail = (reason: string, cause?: unknown): never => {
    throw new InvalidSnapshotError(spec.aggregateType, id, reason, { cause });
  };
  if (!Number.isSafeInteger(version) || version < 1) {
    fail(`version must be a positive integer, got ${String(version)}`);
  }
  if (typeof data !== 'object' || data === null) return fail('must be an object');
  const { schemaVersion, state } = data as { schemaVersion?: unknown; state?: unknown };
  if (schemaVersion !== spec.snapshotSchemaVersion) {
    throw new UnsupportedSnapshotVersionError(
      spec.aggregateType,
      id,
      spec.snapshotSchemaVersion,
      schemaVersion,
    );
  }
  const result = spec.stateSchema.safeParse(state);
  if (!result.success) return fail(describeIssue(result.error), result.error);
  if (result.data.id !== id) fail(`it holds the state of '${result.data.id}'`);
  return { state: result.data, version };
}

/**
 * Event-sourced aggregate: commands check invariants and `record` events; state only ever
 * changes by folding events, whether recorded now or loaded from a store.
 */
export abstract class AggregateRoot<
  TState extends { readonly id: string },
  TEvent extends DomainEvent,
> implements EventSourcedAggregate<TEvent>
{
  readonly id: string;
  readonly #spec: AggregateSpec<TState, TEvent>;
  #state: TState | null;
  #version: number;
  #uncommitted: TEvent[] = [];

  protected constructor(
    spec: AggregateSpec<TState, TEvent>,
    id: string,
    restored?: RestoredState<TState>,
  ) {
    const parsed = IdSchema.safeParse(id);
    if (!parsed.success) {
      throw new InvalidInputError('id', describeIssue(parsed.error), { cause: parsed.error });
    }
    this.#spec = spec;
    this.id = id;
    this.#state = restored?.state ?? null;
    this.#version = restored?.version ?? 0;
  }

  get aggregateType(): string {
    return this.#spec.aggregateType;
  }

  get version(): number {
    return this.#version;
  }

  get committedVersion(): number {
    return this.#version - this.#uncommitted.length;
  }

  get uncommittedEvents(): readonly TEvent[] {
    return [...this.#uncommitted];
  }

  /** False until the creation event was applied. */
  get exists(): boolean {
    return this.#state !== null;
  }

  /** Immutable: every event yields a new state object, so holding on to one is safe. */
  get state(): TState {
    if (this.#state === null) throw new AggregateNotCreatedError(this.#spec.aggregateType, this.id);
    return this.#state;
  }

  applyEvent(event: IncomingEvent): void {
    this.#fold(this.#parse(event));
  }

  markCommitted(): void {
    this.#uncommitted = [];
  }

  /** Includes uncommitted events; take it after saving so it matches the stream version. */
  toSnapshot(): SnapshotData<TState> {
    return { schemaVersion: this.#spec.snapshotSchemaVersion, state: structuredClone(this.state) };
  }

  /** Applies and queues an event; parsing it keeps recorded events identical to loaded ones. */
  protected record<K extends TEvent['type']>(type: K, data: EventOf<TEvent, K>['data']): void {
    const event = this.#parse({ type, data });
    this.#fold(event);
    this.#uncommitted.push(event);
  }

  #parse(event: IncomingEvent): TEvent {
    const { aggregateType, eventSchemas, idField } = this.#spec;
    const schemas = eventSchemas as Readonly<Record<string, z.ZodType>>;
    const schema = Object.hasOwn(schemas, event.type) ? schemas[event.type] : undefined;
    if (schema === undefined) {
      throw new InvalidEventError(aggregateType, this.id, event.type, 'unknown event type');
    }
    const result = schema.safeParse(event.data);
    if (!result.success) {
      throw new InvalidEventError(aggregateType, this.id, event.type, describeIssue(result.error), {
        cause: result.error,
      });
    }
    const data = result.data as Record<string, unknown>;
    if (data[idField] !== this.id) {
      throw new InvalidEventError(
        aggregateType,
        this.id,
        event.type,
        `it belongs to '${String(data[idField])}'`,
      );
    }
    return Object.freeze({ type: event.type, data: Object.freeze(data) }) as unknown as TEvent;
  }

  #fold(event: TEvent): void {
    const { aggregateType, creationEventType, evolve } = this.#spec;
    const creates = event.type === creationEventType;
    if (this.#state === null && !creates) {
      throw new InvalidEventError(
        aggregateType,
        this.id,
        event.type,
        `the first event must be '${creationEventType}'`,
      );
    }
    if (this.#state !== null && creates) {
      throw new InvalidEventError(aggregateType, this.id, event.type, 'it was already created');
    }
    this.#state = evolve(this.#state, event);
    this.#version += 1;
  }
}
