import type { z } from 'zod';
import type { DomainEvent, EventOf } from './domain-event.js';
import {
  AggregateNotCreatedError,
  InvalidEventError,
  InvalidInputError,
  InvalidSnapshotError,
} from './errors.js';
import { IdSchema } from './primitives.js';

/** The per-aggregate facts the base class needs; one constant per aggregate. */
export interface AggregateSpec<TState extends { readonly id: string }, TEvent extends DomainEvent> {
  readonly aggregateType: string;
  /** Bump when `stateSchema` changes shape: older snapshots are then ignored and replayed. */
  readonly snapshotSchemaVersion: number;
  /** The schemas an event registry validates with; the aggregate only needs their names. */
  readonly eventSchemas: { readonly [K in TEvent['type']]: z.ZodType };
  /** The event that starts a stream; it must come first and only once. */
  readonly creationEventType: TEvent['type'];
  /** The key in every event's data that names the aggregate, e.g. `chatId`. */
  readonly idField: string;
  readonly stateSchema: z.ZodType<TState>;
  /** Pure fold. Never throws for rule violations: stored events are facts, not requests. */
  evolve(state: TState | null, event: TEvent): TState;
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

/** Validates a state written by `toSnapshot()`; the schema version is the repository's to check. */
function restoreSnapshot<TState extends { readonly id: string }>(
  spec: AggregateSpec<TState, DomainEvent<any, any>>,
  id: string,
  state: unknown,
  version: number,
): RestoredState<TState> {
  const fail = (reason: string, cause?: unknown): never => {
    throw new InvalidSnapshotError(spec.aggregateType, id, reason, { cause });
  };
  if (!Number.isSafeInteger(version) || version < 1) {
    fail(`version must be a positive integer, got ${String(version)}`);
  }
  const result = spec.stateSchema.safeParse(state);
  if (!result.success) return fail(describeIssue(result.error), result.error);
  if (result.data.id !== id) fail(`it holds the state of '${result.data.id}'`);
  return { state: result.data, version };
}

/**
 * Event-sourced aggregate: commands check invariants and `record` events; state only ever
 * changes by folding events, whether recorded now or loaded from a store.
 *
 * Event data is validated once per path, by the store's event registry (on append and on read):
 * commands build events from inputs they have already parsed, and stored events arrive decoded.
 * The aggregate checks only what the registry cannot know: the type is one of its own, the event
 * names this aggregate, and the creation event comes first.
 */
export abstract class AggregateRoot<
  TState extends { readonly id: string },
  TEvent extends DomainEvent,
> {
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

  /** `version` minus the uncommitted events: the expected version for the next append. */
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

  /** Folds a stored event, as the store's registry decoded it; records nothing. */
  applyEvent(event: { readonly type: string; readonly data: unknown }): void {
    this.#fold(this.#accept(event));
  }

  markCommitted(): void {
    this.#uncommitted = [];
  }

  /** The state alone; includes uncommitted events, so take it after saving. */
  toSnapshot(): TState {
    return structuredClone(this.state);
  }

  /** Applies and queues an event built by a command from inputs it has parsed. */
  protected record<K extends TEvent['type']>(type: K, data: EventOf<TEvent, K>['data']): void {
    const event = this.#accept({ type, data });
    this.#fold(event);
    this.#uncommitted.push(event);
  }

  #accept(event: { readonly type: string; readonly data: unknown }): TEvent {
    const { aggregateType, eventSchemas, idField } = this.#spec;
    if (!Object.hasOwn(eventSchemas, event.type)) {
      throw new InvalidEventError(aggregateType, this.id, event.type, 'unknown event type');
    }
    const data = event.data as Record<string, unknown> | null;
    if (typeof data !== 'object' || data === null) {
      throw new InvalidEventError(aggregateType, this.id, event.type, 'its data is not an object');
    }
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

/**
 * What a repository is given to build and restore one aggregate type (it fits
 * `@flowra/repository`'s `AggregateDefinition`), from the aggregate's spec and its constructor.
 */
export function defineAggregate<
  TState extends { readonly id: string },
  TEvent extends DomainEvent,
  T extends AggregateRoot<TState, TEvent>,
>(
  spec: AggregateSpec<TState, TEvent>,
  construct: (id: string, restored?: RestoredState<TState>) => T,
) {
  return Object.freeze({
    aggregateType: spec.aggregateType,
    snapshotSchemaVersion: spec.snapshotSchemaVersion,
    eventTypes: Object.freeze(Object.keys(spec.eventSchemas)) as readonly TEvent['type'][],
    /** An aggregate with no events (`version` 0), ready for `applyEvent`. */
    empty: (id: string): T => construct(id),
    fromEvents(id: string, events: Iterable<{ type: string; data: unknown }>): T {
      const aggregate = construct(id);
      for (const event of events) aggregate.applyEvent(event);
      return aggregate;
    },
    /** From what `toSnapshot()` returned, at the stream version it was taken at. */
    fromSnapshot: (id: string, state: unknown, version: number): T =>
      construct(id, restoreSnapshot(spec, id, state, version)),
  });
}
