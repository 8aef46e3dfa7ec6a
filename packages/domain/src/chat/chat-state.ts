import { z } from 'zod';
import { DateSchema, IdSchema, TitleSchema } from '../primitives.js';
import { INITIAL_STATUS, TaskStatusSchema } from '../status-machine.js';
import {
  ChatTypeSchema,
  PrioritySchema,
  SeveritySchema,
  isTrackedChatType,
} from '../vocabulary.js';
import type { ChatEvent } from './chat-events.js';

/** Bump with any change to `ChatStateSchema`; older snapshots are then refused and replayed. */
export const CHAT_SNAPSHOT_SCHEMA_VERSION = 1;

export const ChatStateSchema = z.object({
  id: IdSchema,
  workspaceId: IdSchema,
  type: ChatTypeSchema,
  title: TitleSchema,
  createdBy: IdSchema,
  createdAt: DateSchema,
  /** In the order they joined; the creator first. */
  participants: z.array(IdSchema).readonly(),
  /** `null` while the chat is a Discussion. */
  status: TaskStatusSchema.nullable(),
  assigneeId: IdSchema.nullable(),
  priority: PrioritySchema.nullable(),
  dueDate: DateSchema.nullable(),
  /** Bugs only. */
  severity: SeveritySchema.nullable(),
  updatedAt: DateSchema,
});

export type ChatState = z.output<typeof ChatStateSchema>;

export function evolveChat(state: ChatState | null, event: ChatEvent): ChatState {
  if (event.type === 'ChatCreated') {
    const { data } = event;
    return {
      id: data.chatId,
      workspaceId: data.workspaceId,
      type: data.type,
      title: data.title,
      createdBy: data.createdBy,
      createdAt: data.createdAt,
      participants: [data.createdBy],
      status: isTrackedChatType(data.type) ? INITIAL_STATUS : null,
      assigneeId: null,
      priority: null,
      dueDate: null,
      severity: null,
      updatedAt: data.createdAt,
    };
  }
  // The aggregate root only folds other events onto a created chat.
  const chat = state!;
  switch (event.type) {
    case 'ParticipantAdded': {
      const { userId, addedAt } = event.data;
      const participants = chat.participants.includes(userId)
        ? chat.participants
        : [...chat.participants, userId];
      return { ...chat, participants, updatedAt: addedAt };
    }
    case 'ParticipantRemoved': {
      const { userId, removedAt } = event.data;
      const participants = chat.participants.filter((participant) => participant !== userId);
      return { ...chat, participants, updatedAt: removedAt };
    }
    case 'ChatRenamed':
      return { ...chat, title: event.data.title, updatedAt: event.data.renamedAt };
    case 'ChatConvertedToTask':
      return {
        ...chat,
        type: event.data.to,
        status: chat.status ?? INITIAL_STATUS,
        updatedAt: event.data.convertedAt,
      };
    case 'StatusChanged':
      return { ...chat, status: event.data.to, updatedAt: event.data.changedAt };
    case 'UserAssigned':
      return { ...chat, assigneeId: event.data.userId, updatedAt: event.data.assignedAt };
    case 'UserUnassigned':
      return { ...chat, assigneeId: null, updatedAt: event.data.unassignedAt };
    case 'PrioritySet':
      return { ...chat, priority: event.data.priority, updatedAt: event.data.setAt };
    case 'DueDateSet':
      return { ...chat, dueDate: event.data.dueDate, updatedAt: event.data.setAt };
    case 'SeveritySet':
      return { ...chat, severity: event.data.severity, updatedAt: event.data.setAt };
  }
}
