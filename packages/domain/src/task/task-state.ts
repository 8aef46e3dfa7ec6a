import { z } from 'zod';
import { DateSchema, DescriptionSchema, IdSchema, TitleSchema } from '../primitives.js';
import { INITIAL_STATUS, TaskStatusSchema } from '../status-machine.js';
import { PrioritySchema } from '../vocabulary.js';
import type { TaskEvent } from './task-events.js';

/** Bump with any change to `TaskStateSchema`; older snapshots are then refused and replayed. */
export const TASK_SNAPSHOT_SCHEMA_VERSION = 1;

export const TaskStateSchema = z.object({
  id: IdSchema,
  workspaceId: IdSchema,
  chatId: IdSchema.nullable(),
  title: TitleSchema,
  description: DescriptionSchema,
  status: TaskStatusSchema,
  assigneeId: IdSchema.nullable(),
  priority: PrioritySchema.nullable(),
  dueDate: DateSchema.nullable(),
  createdBy: IdSchema,
  createdAt: DateSchema,
  /** Set while the status is `done`. */
  completedAt: DateSchema.nullable(),
  updatedAt: DateSchema,
});

export type TaskState = z.output<typeof TaskStateSchema>;

export function evolveTask(state: TaskState | null, event: TaskEvent): TaskState {
  if (event.type === 'TaskCreated') {
    const { data } = event;
    return {
      id: data.taskId,
      workspaceId: data.workspaceId,
      chatId: data.chatId,
      title: data.title,
      description: data.description,
      status: INITIAL_STATUS,
      assigneeId: null,
      priority: null,
      dueDate: null,
      createdBy: data.createdBy,
      createdAt: data.createdAt,
      completedAt: null,
      updatedAt: data.createdAt,
    };
  }
  // The aggregate root only folds other events onto a created task.
  const task = state!;
  switch (event.type) {
    case 'TaskRenamed':
      return { ...task, title: event.data.title, updatedAt: event.data.renamedAt };
    case 'TaskDescriptionChanged':
      return { ...task, description: event.data.description, updatedAt: event.data.changedAt };
    case 'TaskStatusChanged':
      return { ...task, status: event.data.to, updatedAt: event.data.changedAt };
    case 'TaskCompleted': {
      const { completedAt } = event.data;
      return { ...task, status: 'done', completedAt, updatedAt: completedAt };
    }
    case 'TaskReopened': {
      const { to, reopenedAt } = event.data;
      return { ...task, status: to, completedAt: null, updatedAt: reopenedAt };
    }
    case 'TaskAssigned':
      return { ...task, assigneeId: event.data.userId, updatedAt: event.data.assignedAt };
    case 'TaskUnassigned':
      return { ...task, assigneeId: null, updatedAt: event.data.unassignedAt };
    case 'TaskPrioritySet':
      return { ...task, priority: event.data.priority, updatedAt: event.data.setAt };
    case 'TaskDueDateSet':
      return { ...task, dueDate: event.data.dueDate, updatedAt: event.data.setAt };
  }
}
