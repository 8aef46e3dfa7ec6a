import { z } from 'zod';
import { EmojiSchema, IdSchema, MessageBodySchema } from '../primitives.js';

/** The chat comes from the caller (URL), the author from the session. */
export const PostMessageInput = z.object({
  body: MessageBodySchema,
  replyToId: IdSchema.nullable().default(null),
});
export type PostMessageInput = z.input<typeof PostMessageInput>;

export const EditMessageInput = z.object({ body: MessageBodySchema });
export type EditMessageInput = z.input<typeof EditMessageInput>;

export const AddReactionInput = z.object({ emoji: EmojiSchema });
export type AddReactionInput = z.input<typeof AddReactionInput>;

export const RemoveReactionInput = z.object({ emoji: EmojiSchema });
export type RemoveReactionInput = z.input<typeof RemoveReactionInput>;
