import { z } from 'zod';
import type { EventUnion } from '../domain-event.js';
import { DateSchema, DescriptionSchema, IdSchema, TitleSchema } from '../primitives.js';
import { TaskStatusSchema } from '../status-machine.js';
import { PrioritySchema } from '../vocabulary.js';

export const TaskCreatedSchema = z.object({
  taskId: IdSchema,
  workspaceId: IdSchema,
  /** The chat the task came out of, if any. */
  chatId: IdSchema.nullable(),
  title: TitleSchema,
  description: DescriptionSchema,
  createdBy: IdSchema,
  createdAt: DateSchema,
});

export const TaskRenamedSchema = z.object({
  taskId: IdSchema,
  title: TitleSchema,
  renamedBy: IdSchema,
  renamedAt: DateSchema,
});

export const TaskDescriptionChangedSchema = z.object({
  taskId: IdSchema,
  description: DescriptionSchema,
  changedBy: IdSchema,
  changedAt: DateSchema,
});

/** Moves between open statuses; reaching and leaving `done` have events of their own. */
export const TaskStatusChangedSchema = z.object({
  taskId: IdSchema,
  from: TaskStatusSchema,
  to: TaskStatusSchema,
  changedBy: IdSchema,
  changedAt: DateSchema,
});

export const TaskCompletedSchema = z.object({
  taskId: IdSchema,
  from: TaskStatusSchema,
  completedBy: IdSchema,
  completedAt: DateSchema,
});

export const TaskReopenedSchema = z.object({
  taskId: IdSchema,
  to: TaskStatusSchema,
  reopenedBy: IdSchema,
  reopenedAt: DateSchema,
});

export const TaskAssignedSchema = z.object({
  taskId: IdSchema,
  userId: IdSchema,
  assignedBy: IdSchema,
  assignedAt: DateSchema,
});

export const TaskUnassignedSchema = z.object({
  taskId: IdSchema,
  userId: IdSchema,
  unassignedBy: IdSchema,
  unassignedAt: DateSchema,
});

export const TaskPrioritySetSchema = z.object({
  taskId: IdSchema,
  priority: PrioritySchema,
  setBy: IdSchema,
  setAt: DateSchema,
});

export const TaskDueDateSetSchema = z.object({
  taskId: IdSchema,
  dueDate: DateSchema.nullable(),
  setBy: IdSchema,
  setAt: DateSchema,
});

export const taskEventSchemas = {
  TaskCreated: TaskCreatedSchema,
  TaskRenamed: TaskRenamedSchema,
  TaskDescriptionChanged: TaskDescriptionChangedSchema,
  TaskStatusChanged: TaskStatusChangedSchema,
  TaskCompleted: TaskCompletedSchema,
  TaskReopened: TaskReopenedSchema,
  TaskAssigned: TaskAssignedSchema,
  TaskUnassigned: TaskUnassignedSchema,
  TaskPrioritySet: TaskPrioritySetSchema,
  TaskDueDateSet: TaskDueDateSetSchema,
} as const;

export type TaskEvent = EventUnion<typeof taskEventSchemas>;
export type TaskEventType = TaskEvent['type'];
