import type { NewEvent } from '@flowra/eventstore-core';

const BODY =
  'The quick brown fox jumps over the lazy dog; a typical chat message of modest length.';
const SENT_AT = new Date('2026-01-01T00:00:00Z');

/**
 * `count` realistic events (~250 bytes of data and metadata each, a Date among them); no
 * event ids, so a store generates them as it would for most callers.
 */
export function sampleEvents(count: number, offset = 0): NewEvent[] {
  const out: NewEvent[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const n = offset + i;
    out[i] = {
      type: n % 3 === 0 ? 'MessagePosted' : n % 3 === 1 ? 'MessageEdited' : 'ReactionAdded',
      data: {
        messageId: `msg-${n}`,
        chatId: 'chat-1',
        authorId: `user-${n % 17}`,
        body: BODY,
        seq: n,
        tags: ['bench', 'sample'],
        sentAt: SENT_AT,
      },
      metadata: { correlationId: `corr-${n}`, userId: `user-${n % 17}` },
    };
  }
  return out;
}

/** The same events with fresh ids: for stores or baselines that need them up front. */
export function withIds(events: readonly NewEvent[]): NewEvent[] {
  return events.map((e) => ({ ...e, eventId: crypto.randomUUID() }));
}
