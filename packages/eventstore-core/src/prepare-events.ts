import { ValidationError } from './errors.js';
import type { TraceCarrier } from './telemetry/trace-context.js';
import type { EventMetadata } from './types.js';
import {
  type Context,
  assertEventType,
  assertExpectedVersion,
  isEventType,
  assertStreamId,
  describe,
  isUuid,
} from './asserts.js';
import { newEventId } from './event-ids.js';
import { copyPlainObject, type DataSite, isPlainObject, startCopies } from './plain-data.js';

export interface PreparedEvent {
  eventId: string;
  /** The id was made here, not given by the caller: no earlier append can hold it. */
  generatedId?: boolean;
  type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
}

const KNOWN_METADATA_STRINGS = ['correlationId', 'causationId', 'userId', 'tenantId'] as const;
const NO_METADATA: EventMetadata = Object.freeze({});

/**
 * The event of a batch being prepared, named for an error only when one is thrown: one
 * object per batch rather than closures per event, since this loop is an append's cost.
 */
class EventSite implements DataSite {
  index = 0;
  eventType = '';
  part = 'data';
  constructor(readonly streamId: string) {}
  field(): string {
    return `events[${this.index}].${this.part}`;
  }
  context(): Context {
    return { streamId: this.streamId, eventType: this.eventType };
  }
}

/**
 * The metadata's frozen copy. With a trace carrier (the append's span), its `traceparent` and
 * `tracestate` are added unless the caller set a `traceparent`; one copy per metadata object
 * of the batch (events of one save usually share theirs), so tracing adds no copy per event.
 */
function copyMetadata(value: unknown, site: EventSite, traced?: TracedBatch): EventMetadata {
  if (traced) return traced.metadataFor(value, site);
  if (value === undefined) return NO_METADATA;
  site.part = 'metadata';
  if (!isPlainObject(value)) {
    throw new ValidationError(
      site.field(),
      `must be a plain object, got ${describe(value)}`,
      site.context(),
    );
  }
  for (const key of KNOWN_METADATA_STRINGS) {
    const item = value[key];
    if (item !== undefined && typeof item !== 'string') {
      throw new ValidationError(
        `${site.field()}.${key}`,
        `must be a string, got ${describe(item)}`,
        site.context(),
      );
    }
  }
  return copyPlainObject(value, site) as EventMetadata;
}

/** The trace context an append adds to its events' metadata, and the copies made for it. */
class TracedBatch {
  readonly #copies = new Map<object, EventMetadata>();
  #bare: EventMetadata | undefined;

  constructor(readonly carrier: TraceCarrier) {}

  metadataFor(value: unknown, site: EventSite): EventMetadata {
    if (value === undefined) {
      this.#bare ??= Object.freeze({ ...this.carrier });
      return this.#bare;
    }
    const known = typeof value === 'object' && value !== null ? this.#copies.get(value) : undefined;
    if (known) return known;
    const copy = copyMetadata(value, site);
    const traced = 'traceparent' in copy ? copy : Object.freeze({ ...copy, ...this.carrier });
    this.#copies.set(value as object, traced);
    return traced;
  }
}

/**
 * What a batch's preparation makes of each valid event: a `PreparedEvent`, or a store's own
 * record straight away (the in-memory store), so that no object is made only to be read once.
 */
export type MakePrepared<T> = (
  eventId: string,
  generatedId: boolean,
  type: string,
  data: Record<string, unknown>,
  metadata: EventMetadata,
  index: number,
) => T;

const makePreparedEvent: MakePrepared<PreparedEvent> = (
  eventId,
  generatedId,
  type,
  data,
  metadata,
) => ({ eventId, generatedId, type, data, metadata });

export interface PrepareOptions {
  copyData?: boolean;
  trace?: TraceCarrier;
}

/**
 * Validates a whole batch before anything is written and returns frozen copies with event
 * ids filled in. `newId` is injectable so stores can stay deterministic in tests; `copyData:
 * false` leaves the data as given, for a caller that parses and copies it next (a registry).
 */
export function prepareEvents(
  streamId: string,
  events: unknown,
  newId: () => string = newEventId,
  options: PrepareOptions = {},
): PreparedEvent[] {
  return prepareEventsAs(streamId, events, makePreparedEvent, newId, options);
}

/**
 * `prepareEvents` with each event handed to `make` as soon as it is valid; a later invalid
 * event still throws, and what was made for the batch is dropped with it.
 */
export function prepareEventsAs<T>(
  streamId: string,
  events: unknown,
  make: MakePrepared<T>,
  newId: () => string = newEventId,
  options: PrepareOptions = {},
): T[] {
  const copyData = options.copyData ?? true;
  const traced = options.trace ? new TracedBatch(options.trace) : undefined;
  if (!Array.isArray(events)) {
    throw new ValidationError('events', `must be an array, got ${describe(events)}`, { streamId });
  }
  startCopies();
  // Only ids the caller gave can repeat within the batch.
  let ids: Set<string> | undefined;
  const out = new Array<T>(events.length);
  const site = new EventSite(streamId);
  for (let i = 0; i < events.length; i++) {
    const event: unknown = events[i];
    site.index = i;
    if (!isPlainObject(event)) {
      throw new ValidationError(`events[${i}]`, `must be an object, got ${describe(event)}`, {
        streamId,
      });
    }
    const type = event.type;
    if (!isEventType(type)) assertEventType(type, `events[${i}].type`, streamId);
    site.eventType = type;
    site.part = 'data';
    const data = event.data;
    if (!isPlainObject(data)) {
      throw new ValidationError(
        site.field(),
        `must be a plain object, got ${describe(data)}`,
        site.context(),
      );
    }
    let eventId: string;
    let generatedId = false;
    const givenId = event.eventId;
    if (givenId === undefined) {
      eventId = newId();
      generatedId = true;
    } else if (isUuid(givenId)) {
      eventId = givenId.toLowerCase();
      ids ??= new Set();
      if (ids.has(eventId)) {
        throw new ValidationError(
          `events[${i}].eventId`,
          `repeats '${eventId}' within the batch`,
          site.context(),
        );
      }
      ids.add(eventId);
    } else {
      throw new ValidationError(
        `events[${i}].eventId`,
        `must be a UUID string, got ${typeof givenId === 'string' ? JSON.stringify(givenId.slice(0, 80)) : describe(givenId)}`,
        site.context(),
      );
    }
    out[i] = make(
      eventId,
      generatedId,
      type,
      copyData ? copyPlainObject(data, site) : data,
      copyMetadata(event.metadata, site, traced),
      i,
    );
  }
  return out;
}

/**
 * Everything an append checks before it touches storage: the stream id, the expected
 * version, every event, and the registry's schemas when there is one.
 */
export function prepareAppend(
  streamId: unknown,
  events: unknown,
  expectedVersion: unknown,
  registry?: {
    encodePrepared(streamId: string, prepared: readonly PreparedEvent[]): PreparedEvent[];
  },
  trace?: TraceCarrier,
): PreparedEvent[] {
  assertStreamId(streamId);
  assertExpectedVersion(expectedVersion, streamId);
  // With a registry the data is parsed by its schema and then copied once, after parsing.
  const validated = prepareEvents(streamId, events, newEventId, {
    copyData: !registry,
    ...(trace ? { trace } : {}),
  });
  return registry ? registry.encodePrepared(streamId, validated) : validated;
}

/**
 * `prepareAppend` without a registry, each event handed to `make`: for a store that builds its
 * own records while the batch is checked.
 */
export function prepareAppendAs<T>(
  streamId: unknown,
  events: unknown,
  expectedVersion: unknown,
  make: MakePrepared<T>,
  trace?: TraceCarrier,
): T[] {
  assertStreamId(streamId);
  assertExpectedVersion(expectedVersion, streamId);
  return prepareEventsAs(streamId, events, make, newEventId, trace ? { trace } : {});
}
