import { messageEventSchemas } from '@flowra/domain';
import type { RecordedEvent } from '@flowra/eventstore-core';
import { type ProjectedDocument, documentProjection } from '@flowra/projections';
import { type DomainRecordedEvent, asDomainEvent, iso, tenantKey } from './projection.js';

/**
 * One document per message rather than one per chat: a busy chat never outgrows a document,
 * and edits to different messages never contend for one.
 */
export interface TimelineEntry {
  tenantId: string;
  chatId: string;
  messageId: string;
  authorId: string;
  /** Empty once deleted: a tombstone keeps no content. */
  body: string;
  replyToId: string | null;
  postedAt: string;
  /** Position of `MessagePosted`: orders the timeline as the log does. */
  postedPosition: number;
  editedAt: string | null;
  edits: number;
  deletedAt: string | null;
  reactions: { emoji: string; userId: string }[];
  /** Events applied to this entry; a replayed event applied twice would show here. */
  eventCount: number;
}

const MESSAGE_EVENT_TYPES: ReadonlySet<string> = new Set(Object.keys(messageEventSchemas));

/** Chat timelines: one entry per message, in collection `entries`. */
export const timeline = documentProjection<RecordedEvent, TimelineEntry>({
  name: 'timeline',
  collection: 'entries',
  eventTypes: [...MESSAGE_EVENT_TYPES],
  documentId(event) {
    const domain = asDomainEvent(event);
    return domain && tenantKey(domain.tenantId, (domain.data as { messageId: string }).messageId);
  },
  evolve: (entry, event) => evolveEntry(entry, asDomainEvent(event)!),
});

function evolveEntry(
  entry: TimelineEntry | null,
  event: DomainRecordedEvent,
): TimelineEntry | null {
  if (event.type === 'MessagePosted') {
    const { data } = event;
    return {
      tenantId: event.tenantId,
      chatId: data.chatId,
      messageId: data.messageId,
      authorId: data.authorId,
      body: data.body,
      replyToId: data.replyToId,
      postedAt: data.postedAt.toISOString(),
      postedPosition: event.position,
      editedAt: null,
      edits: 0,
      deletedAt: null,
      reactions: [],
      eventCount: 1,
    };
  }
  if (entry === null) return null;
  const next = { ...entry, eventCount: entry.eventCount + 1 };
  switch (event.type) {
    case 'MessageEdited':
      return {
        ...next,
        body: event.data.body,
        editedAt: iso(event.data.editedAt),
        edits: entry.edits + 1,
      };
    case 'MessageDeleted':
      return { ...next, body: '', reactions: [], deletedAt: iso(event.data.deletedAt) };
    case 'ReactionAdded': {
      const { emoji, userId } = event.data;
      return { ...next, reactions: [...entry.reactions, { emoji, userId }] };
    }
    case 'ReactionRemoved': {
      const { emoji, userId } = event.data;
      const reactions = entry.reactions.filter((r) => r.emoji !== emoji || r.userId !== userId);
      return { ...next, reactions };
    }
    default:
      return null;
  }
}

/** What a client sees of a message: reactions grouped by emoji, in first-reaction order. */
export function toMessageView(entry: ProjectedDocument<TimelineEntry>) {
  const reactions: Record<string, string[]> = {};
  for (const { emoji, userId } of entry.reactions)
    reactions[emoji] = [...(reactions[emoji] ?? []), userId];
  return {
    messageId: entry.messageId,
    authorId: entry.authorId,
    body: entry.body,
    replyToId: entry.replyToId,
    postedAt: entry.postedAt,
    editedAt: entry.editedAt,
    edits: entry.edits,
    deleted: entry.deletedAt !== null,
    reactions,
  };
}

export function inTimelineOrder(
  entries: ProjectedDocument<TimelineEntry>[],
): ProjectedDocument<TimelineEntry>[] {
  return entries.sort((a, b) => a.postedPosition - b.postedPosition);
}
