import { DomainError } from '../domain-error.js';
import type { ChatType } from '../vocabulary.js';

/** Posting, reacting or being assigned in a chat one does not participate in. */
export class NotParticipantError extends DomainError {
  static readonly code = 'NOT_PARTICIPANT';
  readonly chatId: string;
  readonly userId: string;

  constructor(chatId: string, userId: string) {
    super(
      'NotParticipantError',
      NotParticipantError.code,
      `User '${userId}' is not a participant of chat '${chatId}'`,
    );
    this.chatId = chatId;
    this.userId = userId;
  }
}

export class ParticipantAlreadyAddedError extends DomainError {
  static readonly code = 'PARTICIPANT_ALREADY_ADDED';
  readonly chatId: string;
  readonly userId: string;

  constructor(chatId: string, userId: string) {
    super(
      'ParticipantAlreadyAddedError',
      ParticipantAlreadyAddedError.code,
      `User '${userId}' already participates in chat '${chatId}'`,
    );
    this.chatId = chatId;
    this.userId = userId;
  }
}

/** The creator anchors the chat's ownership, so they cannot be removed from it. */
export class CannotRemoveCreatorError extends DomainError {
  static readonly code = 'CANNOT_REMOVE_CREATOR';
  readonly chatId: string;
  readonly userId: string;

  constructor(chatId: string, userId: string) {
    super(
      'CannotRemoveCreatorError',
      CannotRemoveCreatorError.code,
      `User '${userId}' created chat '${chatId}' and cannot be removed from it`,
    );
    this.chatId = chatId;
    this.userId = userId;
  }
}

/** Only a Discussion can be converted; a tracked chat keeps its type. */
export class InvalidChatConversionError extends DomainError {
  static readonly code = 'INVALID_CHAT_CONVERSION';
  readonly chatId: string;
  readonly from: ChatType;
  readonly to: ChatType;

  constructor(chatId: string, from: ChatType, to: ChatType) {
    super(
      'InvalidChatConversionError',
      InvalidChatConversionError.code,
      `Chat '${chatId}' is a ${from} and cannot be converted to a ${to}: only a Discussion can`,
    );
    this.chatId = chatId;
    this.from = from;
    this.to = to;
  }
}

/** Status, assignee, priority and due date exist only on Task, Bug and Epic chats. */
export class ChatNotTrackedError extends DomainError {
  static readonly code = 'CHAT_NOT_TRACKED';
  readonly chatId: string;
  readonly chatType: ChatType;
  readonly operation: string;

  constructor(chatId: string, chatType: ChatType, operation: string) {
    super(
      'ChatNotTrackedError',
      ChatNotTrackedError.code,
      `Cannot ${operation} on chat '${chatId}': a ${chatType} is not tracked; convert it first`,
    );
    this.chatId = chatId;
    this.chatType = chatType;
    this.operation = operation;
  }
}

export class SeverityNotAllowedError extends DomainError {
  static readonly code = 'SEVERITY_NOT_ALLOWED';
  readonly chatId: string;
  readonly chatType: ChatType;

  constructor(chatId: string, chatType: ChatType) {
    super(
      'SeverityNotAllowedError',
      SeverityNotAllowedError.code,
      `Chat '${chatId}' is a ${chatType}: only bugs have a severity`,
    );
    this.chatId = chatId;
    this.chatType = chatType;
  }
}
