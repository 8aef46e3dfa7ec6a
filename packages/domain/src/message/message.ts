import {
  AggregateRoot,
  type AggregateSpec,
  type RestoredState,
  defineAggregate,
} from '../aggregate-root.js';
import { NotParticipantError } from '../chat/chat-errors.js';
import type { ParticipantDirectory } from '../chat/participant-directory.js';
import { type CommandContext, parseContext } from '../command-context.js';
import { parseInput } from '../validation.js';
import {
  ChatMismatchError,
  MessageDeletedError,
  NotMessageAuthorError,
  ReactionAlreadyAddedError,
  ReactionNotFoundError,
} from './message-errors.js';
import { type MessageEvent, messageEventSchemas } from './message-events.js';
import {
  AddReactionInput,
  EditMessageInput,
  PostMessageInput,
  RemoveReactionInput,
} from './message-inputs.js';
import {
  MESSAGE_SNAPSHOT_SCHEMA_VERSION,
  type MessageState,
  MessageStateSchema,
  type Reaction,
  evolveMessage,
  hasReaction,
} from './message-state.js';

const MESSAGE_SPEC: AggregateSpec<MessageState, MessageEvent> = {
  aggregateType: 'Message',
  snapshotSchemaVersion: MESSAGE_SNAPSHOT_SCHEMA_VERSION,
  eventSchemas: messageEventSchemas,
  creationEventType: 'MessagePosted',
  idField: 'messageId',
  stateSchema: MessageStateSchema,
  evolve: evolveMessage,
};

/**
 * One message in a chat, in a stream of its own so edits and reactions on different messages
 * never contend for one chat stream's version.
 */
export class Message extends AggregateRoot<MessageState, MessageEvent> {
  private constructor(id: string, restored?: RestoredState<MessageState>) {
    super(MESSAGE_SPEC, id, restored);
  }

  /** Builds and restores messages: what a repository is given. */
  static readonly definition = defineAggregate(
    MESSAGE_SPEC,
    (id, restored): Message => new Message(id, restored),
  );

  /** Only participants of `chat` may post in it. */
  static post(
    id: string,
    chat: ParticipantDirectory,
    input: PostMessageInput,
    context: CommandContext,
  ): Message {
    const { userId, at } = parseContext(context);
    const { body, replyToId } = parseInput(PostMessageInput, input);
    if (!chat.isParticipant(userId)) throw new NotParticipantError(chat.id, userId);
    const message = new Message(id);
    message.record('MessagePosted', {
      messageId: id,
      chatId: chat.id,
      authorId: userId,
      body,
      replyToId,
      postedAt: at,
    });
    return message;
  }

  get chatId(): string {
    return this.state.chatId;
  }

  get authorId(): string {
    return this.state.authorId;
  }

  get body(): string {
    return this.state.body;
  }

  get isDeleted(): boolean {
    return this.state.deletedAt !== null;
  }

  get reactions(): readonly Reaction[] {
    return this.state.reactions;
  }

  hasReaction(userId: string, emoji: string): boolean {
    return hasReaction(this.state, userId, emoji);
  }

  /** Emoji → the users who reacted with it, in first-reaction order. */
  reactionsByEmoji(): Map<string, string[]> {
    const grouped = new Map<string, string[]>();
    for (const { emoji, userId } of this.state.reactions) {
      grouped.set(emoji, [...(grouped.get(emoji) ?? []), userId]);
    }
    return grouped;
  }

  /** Author only. An unchanged body records nothing. */
  edit(input: EditMessageInput, context: CommandContext): void {
    const { userId, at } = parseContext(context);
    const { body } = parseInput(EditMessageInput, input);
    this.#assertAuthor(userId, 'edit');
    if (body === this.state.body) return;
    this.record('MessageEdited', {
      messageId: this.id,
      chatId: this.state.chatId,
      body,
      editedBy: userId,
      editedAt: at,
    });
  }

  /** Author only. */
  delete(context: CommandContext): void {
    const { userId, at } = parseContext(context);
    this.#assertAuthor(userId, 'delete');
    this.record('MessageDeleted', {
      messageId: this.id,
      chatId: this.state.chatId,
      deletedBy: userId,
      deletedAt: at,
    });
  }

  /** Reacting is taking part, so only participants of the message's chat may react. */
  addReaction(chat: ParticipantDirectory, input: AddReactionInput, context: CommandContext): void {
    const { userId, at } = parseContext(context);
    const { emoji } = parseInput(AddReactionInput, input);
    this.#assertNotDeleted('react to');
    if (chat.id !== this.state.chatId) {
      throw new ChatMismatchError(this.id, this.state.chatId, chat.id);
    }
    if (!chat.isParticipant(userId)) throw new NotParticipantError(chat.id, userId);
    if (this.hasReaction(userId, emoji)) {
      throw new ReactionAlreadyAddedError(this.id, userId, emoji);
    }
    this.record('ReactionAdded', {
      messageId: this.id,
      chatId: this.state.chatId,
      userId,
      emoji,
      addedAt: at,
    });
  }

  /** Removes the acting user's own reaction; one that is not there is an error. */
  removeReaction(input: RemoveReactionInput, context: CommandContext): void {
    const { userId, at } = parseContext(context);
    const { emoji } = parseInput(RemoveReactionInput, input);
    this.#assertNotDeleted('remove a reaction from');
    if (!this.hasReaction(userId, emoji)) throw new ReactionNotFoundError(this.id, userId, emoji);
    this.record('ReactionRemoved', {
      messageId: this.id,
      chatId: this.state.chatId,
      userId,
      emoji,
      removedAt: at,
    });
  }

  #assertNotDeleted(operation: string): void {
    if (this.isDeleted) throw new MessageDeletedError(this.id, operation);
  }

  #assertAuthor(userId: string, operation: string): void {
    this.#assertNotDeleted(operation);
    if (userId !== this.state.authorId) {
      throw new NotMessageAuthorError(this.id, userId, operation);
    }
  }
}

/** Builds and restores messages: what a repository is given. */
export const MessageAggregate = Message.definition;
