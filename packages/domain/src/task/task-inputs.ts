import { z } from 'zod';
import { DateSchema, DescriptionSchema, IdSchema, TitleSchema } from '../primitives.js';
import { PrioritySchema } from '../vocabulary.js';

/** The task id and the creator come from the caller (URL, session), not the body. */
export const CreateTaskInput = z.object({
  workspaceId: IdSchema,
  title: TitleSchema,
  description: DescriptionSchema.default(''),
  chatId: IdSchema.nullable().default(null),
  priority: PrioritySchema.optional(),
  assigneeId: IdSchema.optional(),
  dueDate: DateSchema.optional(),
});
export type CreateTaskInput = z.input<typeof CreateTaskInput>;

export const RenameTaskInput = z.object({ title: TitleSchema });
export type RenameTaskInput = z.input<typeof RenameTaskInput>;

export const ChangeTaskDescriptionInput = z.object({ description: DescriptionSchema });
export type ChangeTaskDescriptionInput = z.input<typeof ChangeTaskDescriptionInput>;
