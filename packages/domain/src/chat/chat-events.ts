import { z } from 'zod';
import type { EventUnion } from '../domain-event.js';
import { DateSchema, IdSchema, TitleSchema } from '../primitives.js';
import { TaskStatusSchema } from '../status-machine.js';
import {
  ChatTypeSchema,
  PrioritySchema,
  SeveritySchema,
  TrackedChatTypeSchema,
} from '../vocabulary.js';

export const ChatCreatedSchema = z.object({
  chatId: IdSchema,
  workspaceId: IdSchema,
  type: ChatTypeSchema,
  title: TitleSchema,
  createdBy: IdSchema,
  createdAt: DateSchema,
});

export const ParticipantAddedSchema = z.object({
  chatId: IdSchema,
  userId: IdSchema,
  addedBy: IdSchema,
  addedAt: DateSchema,
});

export const ParticipantRemovedSchema = z.object({
  chatId: IdSchema,
  userId: IdSchema,
  removedBy: IdSchema,
  removedAt: DateSchema,
});

export const ChatRenamedSchema = z.object({
  chatId: IdSchema,
  title: TitleSchema,
  renamedBy: IdSchema,
  renamedAt: DateSchema,
});

// `from` is any chat type so that relaxing the conversion rule later needs no upcaster.
export const ChatConvertedToTaskSchema = z.object({
  chatId: IdSchema,
  from: ChatTypeSchema,
  to: TrackedChatTypeSchema,
  convertedBy: IdSchema,
  convertedAt: DateSchema,
});

export const StatusChangedSchema = z.object({
  chatId: IdSchema,
  from: TaskStatusSchema,
  to: TaskStatusSchema,
  changedBy: IdSchema,
  changedAt: DateSchema,
});

export const UserAssignedSchema = z.object({
  chatId: IdSchema,
  userId: IdSchema,
  assignedBy: IdSchema,
  assignedAt: DateSchema,
});

export const UserUnassignedSchema = z.object({
  chatId: IdSchema,
  userId: IdSchema,
  unassignedBy: IdSchema,
  unassignedAt: DateSchema,
});

export const PrioritySetSchema = z.object({
  chatId: IdSchema,
  priority: PrioritySchema,
  setBy: IdSchema,
  setAt: DateSchema,
});

export const DueDateSetSchema = z.object({
  chatId: IdSchema,
  dueDate: DateSchema.nullable(),
  setBy: IdSchema,
  setAt: DateSchema,
});

export const SeveritySetSchema = z.object({
  chatId: IdSchema,
  severity: SeveritySchema,
  setBy: IdSchema,
  setAt: DateSchema,
});

export const chatEventSchemas = {
  ChatCreated: ChatCreatedSchema,
  ParticipantAdded: ParticipantAddedSchema,
  ParticipantRemoved: ParticipantRemovedSchema,
  ChatRenamed: ChatRenamedSchema,
  ChatConvertedToTask: ChatConvertedToTaskSchema,
  StatusChanged: StatusChangedSchema,
  UserAssigned: UserAssignedSchema,
  UserUnassigned: UserUnassignedSchema,
  PrioritySet: PrioritySetSchema,
  DueDateSet: DueDateSetSchema,
  SeveritySet: SeveritySetSchema,
} as const;

export type ChatEvent = EventUnion<typeof chatEventSchemas>;
export type ChatEventType = ChatEvent['type'];
