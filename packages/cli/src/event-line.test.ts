import type { RecordedEvent } from '@flowra/eventstore-core';
import { describe, expect, it } from 'vitest';
import { EventLineError, decodeEventLine, encodeEventLine } from './event-line.js';

const event: RecordedEvent = {
  eventId: '0b7a3c9e-5d2f-4e6a-9b1c-2d3e4f5a6b7c',
  streamId: 'Chat-1',
  type: 'MessagePosted',
  data: {
    text: 'hi',
    at: new Date('2025-05-01T10:00:00.000Z'),
    tags: [{ when: new Date(5) }],
    nan: Number.NaN,
  },
  metadata: { userId: 'u1', requestedAt: new Date(7) },
  version: 3,
  position: 17,
  recordedAt: new Date('2025-05-01T10:00:00.123Z'),
};

function line(overrides: Record<string, unknown>): string {
  return JSON.stringify({ ...JSON.parse(encodeEventLine(event)), ...overrides });
}

describe('event lines', () => {
  it('round-trip a RecordedEvent, nested Dates included', () => {
    const text = encodeEventLine(event, 'Chat');
    expect(text).not.toContain('\n');
    expect(decodeEventLine(text)).toStrictEqual({ ...event, aggregateType: 'Chat' });
  });

  it('keep a fixed field order', () => {
    expect(Object.keys(JSON.parse(encodeEventLine(event, 'Chat')))).toEqual([
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
  });

  it.each([
    ['not json', 'not JSON'],
    ['[1]', 'not a JSON object'],
    [line({ version: 0 }), 'version must be a positive integer'],
    [line({ position: 1.5 }), 'position must be a positive integer'],
    [line({ recordedAt: '2025-01-01' }), 'recordedAt must be a date'],
    [line({ eventId: 'nope' }), 'eventId must be a UUID'],
    [line({ eventId: undefined }), 'eventId is missing'],
    [line({ streamId: '' }), 'streamId'],
    [line({ type: '' }), 'type must be a non-empty string'],
    [line({ data: [1] }), 'data must be a plain object'],
    [line({ metadata: { userId: 5 } }), 'metadata.userId must be a string'],
    [line({ extra: true }), "unknown field 'extra'"],
    [line({ data: { $bad: 1 } }), 'unknown tag $bad'],
  ])('refuse %s', (text, message) => {
    expect(() => decodeEventLine(text)).toThrow(EventLineError);
    expect(() => decodeEventLine(text)).toThrow(message);
  });
});
