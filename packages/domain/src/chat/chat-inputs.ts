import { z } from 'zod';
import { IdSchema, TitleSchema } from '../primitives.js';
import { ChatTypeSchema, SeveritySchema, TrackedChatTypeSchema } from '../vocabulary.js';

/** The chat id and the creator come from the caller (URL, session), not the body. */
export const CreateChatInput = z.object({
  workspaceId: IdSchema,
  type: ChatTypeSchema.default('Discussion'),
  title: TitleSchema,
  /** Besides the creator, who always participates. Duplicates are ignored. */
  participantIds: z.array(IdSchema).max(1_000).default([]),
});
export type CreateChatInput = z.input<typeof CreateChatInput>;

export const RenameChatInput = z.object({ title: TitleSchema });
export type RenameChatInput = z.input<typeof RenameChatInput>;

export const AddParticipantInput = z.object({ userId: IdSchema });
export type AddParticipantInput = z.input<typeof AddParticipantInput>;

export const RemoveParticipantInput = z.object({ userId: IdSchema });
export type RemoveParticipantInput = z.input<typeof RemoveParticipantInput>;

export const ConvertChatInput = z.object({ to: TrackedChatTypeSchema });
export type ConvertChatInput = z.input<typeof ConvertChatInput>;

export const SetSeverityInput = z.object({ severity: SeveritySchema });
export type SetSeverityInput = z.input<typeof SetSeverityInput>;
