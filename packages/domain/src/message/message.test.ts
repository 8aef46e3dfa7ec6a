import { describe, expect, it } from 'vitest';
import { Chat } from '../chat/chat.js';
import { NotParticipantError } from '../chat/chat-errors.js';
import { participantDirectory } from '../chat/participant-directory.js';
import type { CommandContext } from '../command-context.js';
import { AggregateNotCreatedError, InvalidInputError } from '../errors.js';
import { Message, MessageAggregate } from './message.js';
import {
  ChatMismatchError,
  MessageDeletedError,
  NotMessageAuthorError,
  ReactionAlreadyAddedError,
  ReactionNotFoundError,
} from './message-errors.js';

const T0 = Date.UTC(2025, 0, 1);
const at = (minute: number) => new Date(T0 + minute * 60_000);
const as = (userId: string, minute = 1): CommandContext => ({ userId, at: at(minute) });

const chat = Chat.create(
  'chat-1',
  { workspaceId: 'ws-1', title: 'General', participantIds: ['bob', 'carol'] },
  as('alice', 0),
);

function posted(): Message {
  const message = Message.post('msg-1', chat, { body: 'Ship it?' }, as('bob', 1));
  message.markCommitted();
  return message;
}

function deleted(): Message {
  const message = posted();
  message.delete(as('bob', 2));
  message.markCommitted();
  return message;
}

function expectDomainError<E>(
  action: () => unknown,
  errorClass: { isInstance(value: unknown): value is E },
  fields: Record<string, unknown> = {},
): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(errorClass.isInstance(caught)).toBe(true);
  expect(caught).toMatchObject(fields);
}

describe('Message.post', () => {
  it('records MessagePosted for a participant', () => {
    const message = Message.post(
      'msg-1',
      chat,
      { body: 'Ship it?', replyToId: 'msg-0' },
      as('bob', 1),
    );
    expect(message.uncommittedEvents).toEqual([
      {
        type: 'MessagePosted',
        data: {
          messageId: 'msg-1',
          chatId: 'chat-1',
          authorId: 'bob',
          body: 'Ship it?',
          replyToId: 'msg-0',
          postedAt: at(1),
        },
      },
    ]);
    expect(message).toMatchObject({ chatId: 'chat-1', authorId: 'bob', body: 'Ship it?' });
    expect(message.isDeleted).toBe(false);
    expect(message.version).toBe(1);
  });

  it('lets only participants post', () => {
    expectDomainError(
      () => Message.post('msg-1', chat, { body: 'hi' }, as('mallory')),
      NotParticipantError,
      { chatId: 'chat-1', userId: 'mallory' },
    );
  });

  it('accepts a participant list kept elsewhere', () => {
    const directory = participantDirectory('chat-7', ['zoe']);
    expect(Message.post('m', directory, { body: 'hi' }, as('zoe')).chatId).toBe('chat-7');
    expectDomainError(
      () => Message.post('m', directory, { body: 'hi' }, as('bob')),
      NotParticipantError,
    );
  });

  it('refuses a blank body', () => {
    expectDomainError(() => Message.post('m', chat, { body: '  ' }, as('bob')), InvalidInputError, {
      field: 'body',
    });
  });
});

describe('Message.edit', () => {
  it('records MessageEdited for the author', () => {
    const message = posted();
    message.edit({ body: 'Ship it!' }, as('bob', 3));
    expect(message.uncommittedEvents).toEqual([
      {
        type: 'MessageEdited',
        data: {
          messageId: 'msg-1',
          chatId: 'chat-1',
          body: 'Ship it!',
          editedBy: 'bob',
          editedAt: at(3),
        },
      },
    ]);
    expect(message.body).toBe('Ship it!');
    expect(message.state.editedAt).toEqual(at(3));
  });

  it('records nothing for an unchanged body', () => {
    const message = posted();
    message.edit({ body: 'Ship it?' }, as('bob'));
    expect(message.uncommittedEvents).toEqual([]);
  });

  it('lets only the author edit', () => {
    expectDomainError(() => posted().edit({ body: 'x' }, as('alice')), NotMessageAuthorError, {
      messageId: 'msg-1',
      userId: 'alice',
      operation: 'edit',
    });
  });

  it('cannot edit a deleted message', () => {
    expectDomainError(() => deleted().edit({ body: 'x' }, as('bob')), MessageDeletedError, {
      messageId: 'msg-1',
      operation: 'edit',
    });
  });
});

describe('Message.delete', () => {
  it('records MessageDeleted and leaves a tombstone', () => {
    const message = posted();
    message.addReaction(chat, { emoji: '🎉' }, as('carol'));
    message.delete(as('bob', 4));
    expect(message.uncommittedEvents.at(-1)).toEqual({
      type: 'MessageDeleted',
      data: { messageId: 'msg-1', chatId: 'chat-1', deletedBy: 'bob', deletedAt: at(4) },
    });
    expect(message.isDeleted).toBe(true);
    expect(message.body).toBe('');
    expect(message.reactions).toEqual([]);
  });

  it('lets only the author delete', () => {
    expectDomainError(() => posted().delete(as('carol')), NotMessageAuthorError, {
      operation: 'delete',
    });
  });

  it('cannot delete twice', () => {
    expectDomainError(() => deleted().delete(as('bob')), MessageDeletedError);
  });
});

describe('Message reactions', () => {
  it('adds and removes a reaction', () => {
    const message = posted();
    message.addReaction(chat, { emoji: '👍' }, as('carol', 5));
    expect(message.uncommittedEvents.at(-1)).toEqual({
      type: 'ReactionAdded',
      data: { messageId: 'msg-1', chatId: 'chat-1', userId: 'carol', emoji: '👍', addedAt: at(5) },
    });
    expect(message.hasReaction('carol', '👍')).toBe(true);
    message.removeReaction({ emoji: '👍' }, as('carol', 6));
    expect(message.uncommittedEvents.at(-1)).toEqual({
      type: 'ReactionRemoved',
      data: {
        messageId: 'msg-1',
        chatId: 'chat-1',
        userId: 'carol',
        emoji: '👍',
        removedAt: at(6),
      },
    });
    expect(message.reactions).toEqual([]);
  });

  it('groups reactions by emoji', () => {
    const message = posted();
    message.addReaction(chat, { emoji: '👍' }, as('carol'));
    message.addReaction(chat, { emoji: '🎉' }, as('alice'));
    message.addReaction(chat, { emoji: '👍' }, as('bob'));
    expect(message.reactionsByEmoji()).toEqual(
      new Map([
        ['👍', ['carol', 'bob']],
        ['🎉', ['alice']],
      ]),
    );
  });

  it('adds a reaction once per user and emoji', () => {
    const message = posted();
    message.addReaction(chat, { emoji: '👍' }, as('carol'));
    expectDomainError(
      () => message.addReaction(chat, { emoji: ' 👍 ' }, as('carol')),
      ReactionAlreadyAddedError,
      { messageId: 'msg-1', userId: 'carol', emoji: '👍' },
    );
    message.addReaction(chat, { emoji: '👍' }, as('alice'));
    expect(message.reactions).toHaveLength(2);
  });

  it('refuses to remove a reaction that is not there', () => {
    const message = posted();
    message.addReaction(chat, { emoji: '👍' }, as('carol'));
    expectDomainError(
      () => message.removeReaction({ emoji: '👍' }, as('alice')),
      ReactionNotFoundError,
      { userId: 'alice', emoji: '👍' },
    );
    expectDomainError(
      () => message.removeReaction({ emoji: '🎉' }, as('carol')),
      ReactionNotFoundError,
    );
  });

  it('lets only participants of the same chat react', () => {
    expectDomainError(
      () => posted().addReaction(chat, { emoji: '👍' }, as('mallory')),
      NotParticipantError,
    );
    expectDomainError(
      () =>
        posted().addReaction(
          participantDirectory('chat-2', ['carol']),
          { emoji: '👍' },
          as('carol'),
        ),
      ChatMismatchError,
      { messageId: 'msg-1', expectedChatId: 'chat-1', actualChatId: 'chat-2' },
    );
  });

  it('refuses reactions on a deleted message', () => {
    expectDomainError(
      () => deleted().addReaction(chat, { emoji: '👍' }, as('carol')),
      MessageDeletedError,
    );
    expectDomainError(
      () => deleted().removeReaction({ emoji: '👍' }, as('carol')),
      MessageDeletedError,
    );
  });

  it('refuses an empty emoji', () => {
    expectDomainError(
      () => posted().addReaction(chat, { emoji: '' }, as('carol')),
      InvalidInputError,
      { field: 'emoji' },
    );
  });
});

function busyMessage(): Message {
  const message = Message.post('msg-1', chat, { body: 'v1' }, as('bob', 1));
  message.edit({ body: 'v2' }, as('bob', 2));
  message.addReaction(chat, { emoji: '👍' }, as('carol', 3));
  message.addReaction(chat, { emoji: '🎉' }, as('alice', 4));
  message.removeReaction({ emoji: '👍' }, as('carol', 5));
  message.addReaction(chat, { emoji: '👍' }, as('bob', 6));
  return message;
}

describe('Message rebuild and snapshots', () => {
  it('rebuilds the command-built state from its events', () => {
    const built = busyMessage();
    const rebuilt = MessageAggregate.fromEvents('msg-1', built.uncommittedEvents);
    expect(rebuilt.state).toEqual(built.state);
    expect(rebuilt.version).toBe(built.version);
  });

  it('tolerates a replayed duplicate reaction, since stored events are facts', () => {
    const built = busyMessage();
    const events = [...built.uncommittedEvents, built.uncommittedEvents.at(-1)!];
    expect(MessageAggregate.fromEvents('msg-1', events).reactions).toHaveLength(2);
  });

  it('round-trips a snapshot, also through JSON', () => {
    const built = busyMessage();
    const snapshot = built.toSnapshot();
    for (const data of [snapshot, JSON.parse(JSON.stringify(snapshot)) as unknown]) {
      const restored = MessageAggregate.fromSnapshot('msg-1', data, built.version);
      expect(restored.state).toEqual(built.state);
      expect(restored.version).toBe(built.version);
    }
  });

  it('describes the aggregate and refuses commands before the post', () => {
    expect(MessageAggregate.aggregateType).toBe('Message');
    expect(MessageAggregate.eventTypes).toEqual([
      'MessagePosted',
      'MessageEdited',
      'MessageDeleted',
      'ReactionAdded',
      'ReactionRemoved',
    ]);
    expectDomainError(
      () => MessageAggregate.empty('msg-9').delete(as('bob')),
      AggregateNotCreatedError,
    );
  });
});
