import { z } from 'zod';
import { DateSchema, IdSchema } from './primitives.js';
import { TaskStatusSchema } from './status-machine.js';
import { PrioritySchema } from './vocabulary.js';

// Shared by tracked chats and tasks, so one request body validates against either.

export const ChangeStatusInput = z.object({ status: TaskStatusSchema });
export type ChangeStatusInput = z.input<typeof ChangeStatusInput>;

export const AssignUserInput = z.object({ userId: IdSchema });
export type AssignUserInput = z.input<typeof AssignUserInput>;

export const SetPriorityInput = z.object({ priority: PrioritySchema });
export type SetPriorityInput = z.input<typeof SetPriorityInput>;

/** `null` clears the due date. */
export const SetDueDateInput = z.object({ dueDate: DateSchema.nullable() });
export type SetDueDateInput = z.input<typeof SetDueDateInput>;
