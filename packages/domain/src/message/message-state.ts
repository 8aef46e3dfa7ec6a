import { z } from 'zod';
import { DateSchema, EmojiSchema, IdSchema } from '../primitives.js';
import type { MessageEvent } from './message-events.js';

/** Bump with any change to `MessageStateSchema`; older snapshots are then refused and replayed. */
export const MESSAGE_SNAPSHOT_SCHEMA_VERSION = 1;

export const ReactionSchema = z.object({
  emoji: EmojiSchema,
  userId: IdSchema,
  addedAt: DateSchema,
});
export type Reaction = z.output<typeof ReactionSchema>;

export const MessageStateSchema = z.object({
  id: IdSchema,
  chatId: IdSchema,
  authorId: IdSchema,
  /** Emptied on delete: the tombstone keeps no content. */
  body: z.string(),
  replyToId: IdSchema.nullable(),
  postedAt: DateSchema,
  editedAt: DateSchema.nullable(),
  deletedAt: DateSchema.nullable(),
  /** In the order they were added. */
  reactions: z.array(ReactionSchema).readonly(),
});

export type MessageState = z.output<typeof MessageStateSchema>;

export function evolveMessage(state: MessageState | null, event: MessageEvent): MessageState {
  if (event.type === 'MessagePosted') {
    const { data } = event;
    return {
      id: data.messageId,
      chatId: data.chatId,
      authorId: data.authorId,
      body: data.body,
      replyToId: data.replyToId,
      postedAt: data.postedAt,
      editedAt: null,
      deletedAt: null,
      reactions: [],
    };
  }
  // The aggregate root only folds other events onto a posted message.
  const message = state!;
  switch (event.type) {
    case 'MessageEdited':
      return { ...message, body: event.data.body, editedAt: event.data.editedAt };
    case 'MessageDeleted':
      return { ...message, body: '', reactions: [], deletedAt: event.data.deletedAt };
    case 'ReactionAdded': {
      const { emoji, userId, addedAt } = event.data;
      if (hasReaction(message, userId, emoji)) return message;
      return { ...message, reactions: [...message.reactions, { emoji, userId, addedAt }] };
    }
    case 'ReactionRemoved': {
      const { emoji, userId } = event.data;
      const reactions = message.reactions.filter((r) => r.emoji !== emoji || r.userId !== userId);
      return { ...message, reactions };
    }
  }
}

export function hasReaction(state: MessageState, userId: string, emoji: string): boolean {
  return state.reactions.some((r) => r.userId === userId && r.emoji === emoji);
}
