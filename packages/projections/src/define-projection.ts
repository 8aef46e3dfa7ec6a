import type { EventRegistry, RecordedEvent, TypedRecordedEvent } from '@flowra/eventstore-core';
import { ProjectionDefinitionError } from './errors.js';

/** The events a registry knows, typed: `defineProjection<EventsOf<typeof registry>>(…)`. */
export type EventsOf<R> = R extends EventRegistry<infer M> ? TypedRecordedEvent<M> : RecordedEvent;

/** A document as a projection sees it: its fields, and the position of the last event applied. */
export type ProjectedDocument<D> = D & { readonly _id: string; readonly lastPosition: number };

/**
 * What a handler may do to read-model documents while it handles one event. Reads see the
 * batch's own earlier writes; writes are kept until the batch is written, each conditional on
 * the document being as read, so an event replayed after a crash changes nothing twice.
 */
export interface DocumentContext {
  get<D extends object = Record<string, unknown>>(
    collection: string,
    id: string,
  ): Promise<ProjectedDocument<D> | null>;
  /** The document's new fields (`_id` and `lastPosition` are the runner's). */
  put(collection: string, id: string, fields: object): void;
  delete(collection: string, id: string): void;
}

export interface ProjectionDefinition<E extends RecordedEvent = RecordedEvent> {
  /** Also the key of its checkpoint and lease; a new name starts from position 0. */
  readonly name: string;
  /** The collections it writes, each kept per generation so a rebuild can swap them. */
  readonly collections: readonly string[];
  /** Event types it handles (default: all); others only move its checkpoint. */
  readonly eventTypes?: readonly string[];
  handle(event: E, documents: DocumentContext): void | Promise<void>;
  /** The documents `handle` will read for `event`, fetched for the whole batch in one go. */
  prefetch?(event: E): readonly (readonly [collection: string, id: string])[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

function assertName(what: string, name: unknown): void {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new ProjectionDefinitionError(
      what,
      `must be 1–100 letters, digits, '-' or '_' (starting with a letter or digit), got ${JSON.stringify(name)}`,
    );
  }
}

/** A projection with a general handler: it may touch any documents of its collections. */
export function defineProjection<E extends RecordedEvent = RecordedEvent>(
  definition: ProjectionDefinition<E>,
): ProjectionDefinition<E> {
  assertName('name', definition.name);
  if (!Array.isArray(definition.collections) || definition.collections.length === 0) {
    throw new ProjectionDefinitionError('collections', 'must list at least one collection');
  }
  for (const collection of definition.collections) assertName('collections', collection);
  if (typeof definition.handle !== 'function') {
    throw new ProjectionDefinitionError('handle', 'must be a function');
  }
  return Object.freeze({
    ...definition,
    collections: Object.freeze([...definition.collections]),
    ...(definition.eventTypes ? { eventTypes: Object.freeze([...definition.eventTypes]) } : {}),
  });
}

export interface DocumentProjection<E extends RecordedEvent, D extends object> {
  readonly name: string;
  readonly collection: string;
  readonly eventTypes?: readonly string[];
  /** The document the event changes, or null when it changes none. */
  documentId(event: E): string | null;
  /**
   * The document after the event, from the document before it (null when there is none);
   * null or undefined leaves it as it is. Pure: replays must give the same result.
   */
  evolve(current: ProjectedDocument<D> | null, event: E): D | null | undefined;
}

/** The common case: each event changes at most one document, found by its id. */
export function documentProjection<
  E extends RecordedEvent = RecordedEvent,
  D extends object = object,
>(projection: DocumentProjection<E, D>): ProjectionDefinition<E> {
  const { collection, documentId, evolve } = projection;
  return defineProjection<E>({
    name: projection.name,
    collections: [collection],
    ...(projection.eventTypes ? { eventTypes: projection.eventTypes } : {}),
    prefetch(event) {
      const id = documentId(event);
      return id === null ? [] : [[collection, id]];
    },
    async handle(event, documents) {
      const id = documentId(event);
      if (id === null) return;
      const current = await documents.get<D>(collection, id);
      const next = evolve(current, event);
      if (next !== null && next !== undefined) documents.put(collection, id, next);
    },
  });
}
