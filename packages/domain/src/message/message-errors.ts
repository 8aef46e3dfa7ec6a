import { DomainError } from '../domain-error.js';

/** A deleted message is a tombstone: no edits, reactions or second delete. */
export class MessageDeletedError extends DomainError {
  static readonly code = 'MESSAGE_DELETED';
  readonly messageId: string;
  readonly operation: string;

  constructor(messageId: string, operation: string) {
    super(
      'MessageDeletedError',
      MessageDeletedError.code,
      `Cannot ${operation} message '${messageId}': it was deleted`,
    );
    this.messageId = messageId;
    this.operation = operation;
  }
}

/** Only the author edits or deletes a message. */
export class NotMessageAuthorError extends DomainError {
  static readonly code = 'NOT_MESSAGE_AUTHOR';
  readonly messageId: string;
  readonly userId: string;
  readonly operation: string;

  constructor(messageId: string, userId: string, operation: string) {
    super(
      'NotMessageAuthorError',
      NotMessageAuthorError.code,
      `User '${userId}' cannot ${operation} message '${messageId}': only its author can`,
    );
    this.messageId = messageId;
    this.userId = userId;
    this.operation = operation;
  }
}

export class ReactionAlreadyAddedError extends DomainError {
  static readonly code = 'REACTION_ALREADY_ADDED';
  readonly messageId: string;
  readonly userId: string;
  readonly emoji: string;

  constructor(messageId: string, userId: string, emoji: string) {
    super(
      'ReactionAlreadyAddedError',
      ReactionAlreadyAddedError.code,
      `User '${userId}' already reacted with '${emoji}' to message '${messageId}'`,
    );
    this.messageId = messageId;
    this.userId = userId;
    this.emoji = emoji;
  }
}

export class ReactionNotFoundError extends DomainError {
  static readonly code = 'REACTION_NOT_FOUND';
  readonly messageId: string;
  readonly userId: string;
  readonly emoji: string;

  constructor(messageId: string, userId: string, emoji: string) {
    super(
      'ReactionNotFoundError',
      ReactionNotFoundError.code,
      `User '${userId}' has no '${emoji}' reaction on message '${messageId}'`,
    );
    this.messageId = messageId;
    this.userId = userId;
    this.emoji = emoji;
  }
}

/** The chat handed to a message command is not the one the message was posted in. */
export class ChatMismatchError extends DomainError {
  static readonly code = 'CHAT_MISMATCH';
  readonly messageId: string;
  readonly expectedChatId: string;
  readonly actualChatId: string;

  constructor(messageId: string, expectedChatId: string, actualChatId: string) {
    super(
      'ChatMismatchError',
      ChatMismatchError.code,
      `Message '${messageId}' belongs to chat '${expectedChatId}', not '${actualChatId}'`,
    );
    this.messageId = messageId;
    this.expectedChatId = expectedChatId;
    this.actualChatId = actualChatId;
  }
}
