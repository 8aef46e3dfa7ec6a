import { decodeCommit, defaultAggregateType } from './commit-document.js';
import { describe, expect, it } from 'vitest';
import { CommitGrouper } from './commit-grouper.js';
import type { RestorableEvent } from './restore.js';

let position = 0;
const versions = new Map<string, number>();
function event(streamId: string, at: number, aggregateType?: string): RestorableEvent {
  const version = (versions.get(streamId) ?? 0) + 1;
  versions.set(streamId, version);
  position++;
  return {
    eventId: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`,
    streamId,
    type: 'T',
    data: { n: position, at: new Date(at) },
    metadata: { userId: 'u' },
    version,
    position,
    recordedAt: new Date(at),
    ...(aggregateType ? { aggregateType } : {}),
  };
}

describe('CommitGrouper', () => {
  it('rebuilds one commit per append and decodes back to the same events', () => {
    const events = [
      event('Chat-1', 1),
      event('Chat-1', 1),
      event('Chat-2', 1),
      event('Chat-1', 2),
      event('Chat-1', 2, 'Custom'),
    ];
    const grouper = new CommitGrouper();
    const commits = [...events.map((e) => grouper.add(e)), grouper.flush()].filter(
      (c) => c !== undefined,
    );
    expect(
      commits.map((c) => [
        c.aggregate_id,
        c.aggregate_type,
        c.version,
        c.last_version,
        c.position,
        c.last_position,
      ]),
    ).toEqual([
      ['Chat-1', 'Chat', 1, 2, 1, 2],
      ['Chat-2', 'Chat', 1, 1, 3, 3],
      ['Chat-1', 'Chat', 3, 3, 4, 4],
      ['Chat-1', 'Custom', 4, 4, 5, 5],
    ]);
    const decoded = commits.flatMap((c) => decodeCommit(c));
    expect(decoded).toStrictEqual(events.map(({ aggregateType: _, ...e }) => e));
  });

  it('derives the aggregate type as the store does by default', () => {
    expect(defaultAggregateType('Chat-1')).toBe('Chat');
    expect(defaultAggregateType('order_9')).toBe('order');
    expect(defaultAggregateType('plain')).toBe('plain');
  });
});
