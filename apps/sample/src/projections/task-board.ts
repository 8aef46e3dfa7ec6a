import {
  type ChatType,
  type Priority,
  type Severity,
  TASK_STATUSES,
  type TaskStatus,
  chatEventSchemas,
} from '@flowra/domain';
import type { RecordedEvent } from '@flowra/eventstore-core';
import { type ProjectedDocument, documentProjection } from '@flowra/projections';
import { type DomainRecordedEvent, asDomainEvent, iso, tenantKey } from './projection.js';

/**
 * One card per chat. Discussions get a card too (with `status: null`, kept off the board)
 * because the title comes from `ChatCreated` and a later conversion needs it.
 */
export interface TaskCard {
  tenantId: string;
  chatId: string;
  workspaceId: string;
  type: ChatType;
  title: string;
  status: TaskStatus | null;
  assigneeId: string | null;
  priority: Priority | null;
  dueDate: string | null;
  severity: Severity | null;
  /** The chat stream's version: what a client sends back as `If-Match`. */
  version: number;
  /** Events applied to this card; a replayed event applied twice would show here. */
  eventCount: number;
  updatedAt: string;
}

const CHAT_EVENT_TYPES: ReadonlySet<string> = new Set(Object.keys(chatEventSchemas));

/** The task board: one card per chat, in collection `cards`. */
export const taskBoard = documentProjection<RecordedEvent, TaskCard>({
  name: 'task-board',
  collection: 'cards',
  eventTypes: [...CHAT_EVENT_TYPES],
  documentId(event) {
    const domain = asDomainEvent(event);
    return domain && tenantKey(domain.tenantId, (domain.data as { chatId: string }).chatId);
  },
  evolve: (card, event) => evolveCard(card, asDomainEvent(event)!),
});

function evolveCard(card: TaskCard | null, event: DomainRecordedEvent): TaskCard | null {
  if (event.type === 'ChatCreated') {
    const { data } = event;
    const tracked = data.type !== 'Discussion';
    return {
      tenantId: event.tenantId,
      chatId: data.chatId,
      workspaceId: data.workspaceId,
      type: data.type,
      title: data.title,
      status: tracked ? 'todo' : null,
      assigneeId: null,
      priority: null,
      dueDate: null,
      severity: null,
      version: event.version,
      eventCount: 1,
      updatedAt: data.createdAt.toISOString(),
    };
  }
  // Events of a chat whose creation this card never saw cannot be placed on the board.
  if (card === null) return null;
  const next = { ...card, version: event.version, eventCount: card.eventCount + 1 };
  switch (event.type) {
    case 'ChatRenamed':
      return { ...next, title: event.data.title, updatedAt: iso(event.data.renamedAt)! };
    case 'ChatConvertedToTask':
      return {
        ...next,
        type: event.data.to,
        status: card.status ?? 'todo',
        updatedAt: iso(event.data.convertedAt)!,
      };
    case 'StatusChanged':
      return { ...next, status: event.data.to, updatedAt: iso(event.data.changedAt)! };
    case 'UserAssigned':
      return { ...next, assigneeId: event.data.userId, updatedAt: iso(event.data.assignedAt)! };
    case 'UserUnassigned':
      return { ...next, assigneeId: null, updatedAt: iso(event.data.unassignedAt)! };
    case 'PrioritySet':
      return { ...next, priority: event.data.priority, updatedAt: iso(event.data.setAt)! };
    case 'DueDateSet':
      return { ...next, dueDate: iso(event.data.dueDate), updatedAt: iso(event.data.setAt)! };
    case 'SeveritySet':
      return { ...next, severity: event.data.severity, updatedAt: iso(event.data.setAt)! };
    default:
      // Participants change the chat (and its version) but nothing shown on a card.
      return next;
  }
}

const PRIORITY_RANK: Record<Priority, number> = { urgent: 0, high: 1, medium: 2, low: 3 };

export interface BoardColumn {
  status: TaskStatus;
  cards: ProjectedDocument<TaskCard>[];
}

/** Tracked chats in board columns, most urgent first, then by title. */
export function toColumns(cards: readonly ProjectedDocument<TaskCard>[]): BoardColumn[] {
  const rank = (card: TaskCard) => (card.priority ? PRIORITY_RANK[card.priority] : 4);
  return TASK_STATUSES.map((status) => ({
    status,
    cards: cards
      .filter((card) => card.status === status)
      .sort((a, b) => rank(a) - rank(b) || a.title.localeCompare(b.title)),
  }));
}

/** A card as clients see it: the storage bookkeeping left out. */
export function toCardView(card: ProjectedDocument<TaskCard>) {
  const { _id, tenantId, lastPosition, ...view } = card;
  return view;
}
