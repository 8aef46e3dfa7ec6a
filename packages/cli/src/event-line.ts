import { FlowraError, type RecordedEvent, ValidationError } from '@flowra/eventstore-core';
import { assertStreamId, isPlainObject, prepareEvents } from '@flowra/eventstore-core/adapter';
import { TaggedJsonError, fromTaggedJson, toTaggedJson } from './tagged-json.js';

/**
 * One line of `flowra export` (and of `--json` event output): a `RecordedEvent` in the tagged
 * JSON encoding, plus the `aggregateType` its commit was stored with, so an import writes the
 * same documents back even for stores with a custom `aggregateTypeOf`.
 */
export interface EventLine extends RecordedEvent<Record<string, unknown>> {
  aggregateType?: string;
}

const FIELDS = new Set([
  'eventId',
  'streamId',
  'version',
  'position',
  'type',
  'recordedAt',
  'aggregateType',
  'data',
  'metadata',
]);

export class EventLineError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'EventLineError';
  }
}

export function encodeEventLine(event: RecordedEvent, aggregateType?: string): string {
  // Fixed key order keeps exports diffable.
  const line: Record<string, unknown> = {
    eventId: event.eventId,
    streamId: event.streamId,
    version: event.version,
    position: event.position,
    type: event.type,
    recordedAt: event.recordedAt,
  };
  if (aggregateType !== undefined) line.aggregateType = aggregateType;
  line.data = event.data;
  line.metadata = event.metadata;
  return JSON.stringify(toTaggedJson(line));
}

function positiveInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new EventLineError(`${field} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Parses and validates one line as strictly as an append would validate the event, so an import
 * never writes what the store itself would have refused.
 */
export function decodeEventLine(text: string): EventLine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new EventLineError(`not JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(parsed)) throw new EventLineError('not a JSON object');
  let raw: Record<string, unknown>;
  try {
    raw = fromTaggedJson(parsed) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TaggedJsonError) throw new EventLineError(error.message);
    throw error;
  }
  const unknown = Object.keys(raw).find((k) => !FIELDS.has(k));
  if (unknown !== undefined) throw new EventLineError(`unknown field '${unknown}'`);
  const version = positiveInteger(raw.version, 'version');
  const position = positiveInteger(raw.position, 'position');
  const recordedAt = raw.recordedAt;
  if (!(recordedAt instanceof Date)) {
    throw new EventLineError('recordedAt must be a date ({"$date": "<ISO 8601>"})');
  }
  const aggregateType = raw.aggregateType;
  if (aggregateType !== undefined && (typeof aggregateType !== 'string' || aggregateType === '')) {
    throw new EventLineError('aggregateType must be a non-empty string when present');
  }
  if (raw.eventId === undefined) throw new EventLineError('eventId is missing');
  try {
    assertStreamId(raw.streamId);
    const [prepared] = prepareEvents(raw.streamId, [
      { eventId: raw.eventId, type: raw.type, data: raw.data, metadata: raw.metadata },
    ]);
    const event: EventLine = {
      eventId: prepared!.eventId,
      streamId: raw.streamId,
      version,
      position,
      type: prepared!.type,
      recordedAt,
      data: prepared!.data,
      metadata: prepared!.metadata,
    };
    if (aggregateType !== undefined) event.aggregateType = aggregateType as string;
    return event;
  } catch (error) {
    if (ValidationError.isInstance(error)) {
      // The batch validator names fields inside `events[0]`; a line is a single event.
      throw new EventLineError(
        `${error.field.replace(/^events\[0\]\.?/, '') || 'event'} ${error.reason}`,
      );
    }
    if (FlowraError.isFlowraError(error)) throw new EventLineError(error.message);
    throw error;
  }
}
