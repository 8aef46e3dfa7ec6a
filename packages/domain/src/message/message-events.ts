import { z } from 'zod';
import type { EventUnion } from '../domain-event.js';
import { DateSchema, EmojiSchema, IdSchema, MessageBodySchema } from '../primitives.js';

// Every event carries `chatId` so projections of a chat need not look the message up.

export const MessagePostedSchema = z.object({
  messageId: IdSchema,
  chatId: IdSchema,
  authorId: IdSchema,
  body: MessageBodySchema,
  replyToId: IdSchema.nullable(),
  postedAt: DateSchema,
});

export const MessageEditedSchema = z.object({
  messageId: IdSchema,
  chatId: IdSchema,
  body: MessageBodySchema,
  editedBy: IdSchema,
  editedAt: DateSchema,
});

export const MessageDeletedSchema = z.object({
  messageId: IdSchema,
  chatId: IdSchema,
  deletedBy: IdSchema,
  deletedAt: DateSchema,
});

export const ReactionAddedSchema = z.object({
  messageId: IdSchema,
  chatId: IdSchema,
  userId: IdSchema,
  emoji: EmojiSchema,
  addedAt: DateSchema,
});

export const ReactionRemovedSchema = z.object({
  messageId: IdSchema,
  chatId: IdSchema,
  userId: IdSchema,
  emoji: EmojiSchema,
  removedAt: DateSchema,
});

export const messageEventSchemas = {
  MessagePosted: MessagePostedSchema,
  MessageEdited: MessageEditedSchema,
  MessageDeleted: MessageDeletedSchema,
  ReactionAdded: ReactionAddedSchema,
  ReactionRemoved: ReactionRemovedSchema,
} as const;

export type MessageEvent = EventUnion<typeof messageEventSchemas>;
export type MessageEventType = MessageEvent['type'];
