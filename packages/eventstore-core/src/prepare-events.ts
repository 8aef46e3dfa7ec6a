import { ValidationError } from './errors.js';
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
import { clonePlainData, isPlainObject } from './plain-data.js';

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

export function prepareMetadata(value: unknown, field: string, context: Context): EventMetadata {
  if (value === undefined) return NO_METADATA;
  if (!isPlainObject(value)) {
    throw new ValidationError(field, `must be a plain object, got ${describe(value)}`, context);
  }
  for (const key of KNOWN_METADATA_STRINGS) {
    const item = value[key];
    if (item !== undefined && typeof item !== 'string') {
      throw new ValidationError(
        `${field}.${key}`,
        `must be a string, got ${describe(item)}`,
        context,
      );
    }
  }
  return clonePlainData(value, field, context) as EventMetadata;
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
  options: { copyData?: boolean } = {},
): PreparedEvent[] {
  const copyData = options.copyData ?? true;
  if (!Array.isArray(events)) {
    throw new ValidationError('events', `must be an array, got ${describe(events)}`, { streamId });
  }
  // Only ids the caller gave can repeat within the batch.
  let ids: Set<string> | undefined;
  const out: PreparedEvent[] = [];
  // Names and context for errors, made only when one is thrown: this loop is an append's cost.
  let i = 0;
  let eventType = '';
  const errorContext = () => ({ streamId, eventType });
  const dataField = () => `events[${i}].data`;
  const metadataField = () => `events[${i}].metadata`;
  for (; i < events.length; i++) {
    const event: unknown = events[i];
    if (!isPlainObject(event)) {
      throw new ValidationError(`events[${i}]`, `must be an object, got ${describe(event)}`, {
        streamId,
      });
    }
    if (!isEventType(event.type)) assertEventType(event.type, `events[${i}].type`, streamId);
    eventType = event.type;
    const context = errorContext;
    if (!isPlainObject(event.data)) {
      throw new ValidationError(
        dataField(),
        `must be a plain object, got ${describe(event.data)}`,
        context(),
      );
    }
    let eventId: string;
    let generatedId = false;
    if (event.eventId === undefined) {
      eventId = newId();
      generatedId = true;
    } else if (isUuid(event.eventId)) {
      eventId = event.eventId.toLowerCase();
    } else {
      throw new ValidationError(
        `events[${i}].eventId`,
        `must be a UUID string, got ${typeof event.eventId === 'string' ? JSON.stringify(event.eventId.slice(0, 80)) : describe(event.eventId)}`,
        context(),
      );
    }
    if (!generatedId) {
      ids ??= new Set();
      if (ids.has(eventId)) {
        throw new ValidationError(
          `events[${i}].eventId`,
          `repeats '${eventId}' within the batch`,
          context(),
        );
      }
      ids.add(eventId);
    }
    out.push({
      eventId,
      generatedId,
      type: event.type,
      data: copyData
        ? (clonePlainData(event.data, dataField, context) as Record<string, unknown>)
        : event.data,
      metadata:
        event.metadata === undefined
          ? NO_METADATA
          : prepareMetadata(event.metadata, metadataField(), context()),
    });
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
): PreparedEvent[] {
  assertStreamId(streamId);
  assertExpectedVersion(expectedVersion, streamId);
  // With a registry the data is parsed by its schema and then copied once, after parsing.
  const validated = prepareEvents(streamId, events, newEventId, { copyData: !registry });
  return registry ? registry.encodePrepared(streamId, validated) : validated;
}
