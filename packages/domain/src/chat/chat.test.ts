import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../command-context.js';
import type { DomainError } from '../domain-error.js';
import {
  AggregateNotCreatedError,
  InvalidInputError,
  InvalidSnapshotError,
  NotAssignedError,
} from '../errors.js';
import { InvalidStatusTransitionError } from '../status-machine.js';
import { Chat, ChatAggregate } from './chat.js';
import {
  CannotRemoveCreatorError,
  ChatNotTrackedError,
  InvalidChatConversionError,
  NotParticipantError,
  ParticipantAlreadyAddedError,
  SeverityNotAllowedError,
} from './chat-errors.js';
import { type ChatEvent, chatEventSchemas } from './chat-events.js';
import { CHAT_SNAPSHOT_SCHEMA_VERSION } from './chat-state.js';

const T0 = Date.UTC(2025, 0, 1);
const at = (minute: number) => new Date(T0 + minute * 60_000);
const as = (userId: string, minute = 1): CommandContext => ({ userId, at: at(minute) });

function discussion(participantIds: string[] = ['bob']): Chat {
  const chat = Chat.create(
    'chat-1',
    { workspaceId: 'ws-1', title: 'Launch plan', participantIds },
    as('alice', 0),
  );
  chat.markCommitted();
  return chat;
}

function trackedChat(type: 'Task' | 'Bug' | 'Epic' = 'Task'): Chat {
  const chat = discussion();
  chat.convertToTask({ to: type }, as('alice'));
  chat.markCommitted();
  return chat;
}

type ErrorClass = (abstract new (
  ...args: any[]
) => DomainError) & {
  isInstance(value: unknown): boolean;
};

function expectDomainError<C extends ErrorClass>(
  action: () => unknown,
  errorClass: C,
  fields: Record<string, unknown> = {},
): InstanceType<C> {
  try {
    action();
  } catch (error) {
    expect(errorClass.isInstance(error)).toBe(true);
    expect(error).toMatchObject(fields);
    return error as InstanceType<C>;
  }
  throw new Error('expected the action to throw');
}

const lastEvent = (chat: Chat) => chat.uncommittedEvents.at(-1);

describe('Chat.create', () => {
  it('records ChatCreated and the extra participants, once each', () => {
    const chat = Chat.create(
      'chat-1',
      { workspaceId: 'ws-1', title: '  Launch plan ', participantIds: ['bob', 'alice', 'bob'] },
      as('alice', 0),
    );
    expect(chat.uncommittedEvents).toEqual([
      {
        type: 'ChatCreated',
        data: {
          chatId: 'chat-1',
          workspaceId: 'ws-1',
          type: 'Discussion',
          title: 'Launch plan',
          createdBy: 'alice',
          createdAt: at(0),
        },
      },
      {
        type: 'ParticipantAdded',
        data: { chatId: 'chat-1', userId: 'bob', addedBy: 'alice', addedAt: at(0) },
      },
    ]);
    expect(chat.version).toBe(2);
    expect(chat.committedVersion).toBe(0);
    expect(chat.exists).toBe(true);
    expect(chat.aggregateType).toBe('Chat');
    expect(chat.participants).toEqual(['alice', 'bob']);
    expect(chat.title).toBe('Launch plan');
    expect(chat.type).toBe('Discussion');
    expect(chat.status).toBeNull();
  });

  it('starts a chat created as a Task at the initial status', () => {
    const chat = Chat.create(
      'chat-2',
      { workspaceId: 'ws-1', type: 'Task', title: 'Fix' },
      as('a'),
    );
    expect(chat.status).toBe('todo');
    expect(chat.state).toMatchObject({ assigneeId: null, priority: null, dueDate: null });
  });

  it('refuses an empty title', () => {
    expectDomainError(
      () => Chat.create('chat-1', { workspaceId: 'ws-1', title: '   ' }, as('alice')),
      InvalidInputError,
      { field: 'title', reason: 'must not be empty' },
    );
  });

  it('refuses an unknown type', () => {
    const input = { workspaceId: 'ws-1', title: 'x', type: 'Meeting' } as never;
    expectDomainError(() => Chat.create('c', input, as('a')), InvalidInputError, { field: 'type' });
  });

  it('refuses an empty id and a bad context', () => {
    expectDomainError(
      () => Chat.create('', { workspaceId: 'ws-1', title: 'x' }, as('alice')),
      InvalidInputError,
      { field: 'id' },
    );
    expectDomainError(
      () =>
        Chat.create('c', { workspaceId: 'ws-1', title: 'x' }, { userId: 'a', at: new Date(NaN) }),
      InvalidInputError,
      { field: 'context.at' },
    );
    expectDomainError(
      () => Chat.create('c', { workspaceId: 'ws-1', title: 'x' }, { userId: '', at: at(0) }),
      InvalidInputError,
      { field: 'context.userId' },
    );
  });
});

describe('Chat.rename', () => {
  it('records ChatRenamed', () => {
    const chat = discussion();
    chat.rename({ title: 'Launch v2' }, as('bob', 5));
    expect(lastEvent(chat)).toEqual({
      type: 'ChatRenamed',
      data: { chatId: 'chat-1', title: 'Launch v2', renamedBy: 'bob', renamedAt: at(5) },
    });
    expect(chat.title).toBe('Launch v2');
    expect(chat.state.updatedAt).toEqual(at(5));
  });

  it('records nothing for the current title', () => {
    const chat = discussion();
    chat.rename({ title: ' Launch plan ' }, as('bob'));
    expect(chat.uncommittedEvents).toEqual([]);
  });

  it('refuses an empty title', () => {
    expectDomainError(() => discussion().rename({ title: '' }, as('bob')), InvalidInputError, {
      field: 'title',
    });
  });
});

describe('Chat participants', () => {
  it('adds a participant', () => {
    const chat = discussion();
    chat.addParticipant({ userId: 'carol' }, as('bob', 2));
    expect(lastEvent(chat)).toEqual({
      type: 'ParticipantAdded',
      data: { chatId: 'chat-1', userId: 'carol', addedBy: 'bob', addedAt: at(2) },
    });
    expect(chat.isParticipant('carol')).toBe(true);
  });

  it('refuses to add a participant twice', () => {
    expectDomainError(
      () => discussion().addParticipant({ userId: 'bob' }, as('alice')),
      ParticipantAlreadyAddedError,
      { chatId: 'chat-1', userId: 'bob', code: 'PARTICIPANT_ALREADY_ADDED' },
    );
  });

  it('removes a participant, who may also leave by themselves', () => {
    const chat = discussion(['bob', 'carol']);
    chat.removeParticipant({ userId: 'bob' }, as('alice', 3));
    chat.removeParticipant({ userId: 'carol' }, as('carol', 4));
    expect(chat.uncommittedEvents.map((e) => e.type)).toEqual([
      'ParticipantRemoved',
      'ParticipantRemoved',
    ]);
    expect(lastEvent(chat)?.data).toEqual({
      chatId: 'chat-1',
      userId: 'carol',
      removedBy: 'carol',
      removedAt: at(4),
    });
    expect(chat.participants).toEqual(['alice']);
  });

  it('refuses to remove the creator', () => {
    expectDomainError(
      () => discussion().removeParticipant({ userId: 'alice' }, as('bob')),
      CannotRemoveCreatorError,
      { chatId: 'chat-1', userId: 'alice' },
    );
  });

  it('refuses to remove a non-participant', () => {
    expectDomainError(
      () => discussion().removeParticipant({ userId: 'mallory' }, as('alice')),
      NotParticipantError,
      { chatId: 'chat-1', userId: 'mallory' },
    );
  });

  it('unassigns a removed assignee first', () => {
    const chat = trackedChat();
    chat.assign({ userId: 'bob' }, as('alice'));
    chat.markCommitted();
    chat.removeParticipant({ userId: 'bob' }, as('alice', 9));
    expect(chat.uncommittedEvents.map((e) => e.type)).toEqual([
      'UserUnassigned',
      'ParticipantRemoved',
    ]);
    expect(chat.assigneeId).toBeNull();
  });
});

describe('Chat.convertToTask', () => {
  it.each(['Task', 'Bug', 'Epic'] as const)('converts a Discussion into a %s', (to) => {
    const chat = discussion();
    chat.convertToTask({ to }, as('bob', 7));
    expect(lastEvent(chat)).toEqual({
      type: 'ChatConvertedToTask',
      data: { chatId: 'chat-1', from: 'Discussion', to, convertedBy: 'bob', convertedAt: at(7) },
    });
    expect(chat.type).toBe(to);
    expect(chat.status).toBe('todo');
  });

  it('converts only a Discussion', () => {
    expectDomainError(
      () => trackedChat('Task').convertToTask({ to: 'Bug' }, as('alice')),
      InvalidChatConversionError,
      { chatId: 'chat-1', from: 'Task', to: 'Bug' },
    );
  });

  it('refuses to convert into a Discussion', () => {
    expectDomainError(
      () => discussion().convertToTask({ to: 'Discussion' } as never, as('alice')),
      InvalidInputError,
      { field: 'to' },
    );
  });
});

describe('Chat.changeStatus', () => {
  it('records StatusChanged along the state machine', () => {
    const chat = trackedChat();
    chat.changeStatus({ status: 'in_progress' }, as('bob', 3));
    chat.changeStatus({ status: 'in_review' }, as('bob', 4));
    chat.changeStatus({ status: 'done' }, as('alice', 5));
    expect(lastEvent(chat)).toEqual({
      type: 'StatusChanged',
      data: {
        chatId: 'chat-1',
        from: 'in_review',
        to: 'done',
        changedBy: 'alice',
        changedAt: at(5),
      },
    });
    expect(chat.status).toBe('done');
  });

  it('refuses a move the state machine does not allow', () => {
    const chat = trackedChat();
    expectDomainError(
      () => chat.changeStatus({ status: 'done' }, as('bob')),
      InvalidStatusTransitionError,
      { aggregateId: 'chat-1', from: 'todo', to: 'done' },
    );
    expectDomainError(
      () => chat.changeStatus({ status: 'todo' }, as('bob')),
      InvalidStatusTransitionError,
    );
    expect(chat.uncommittedEvents).toEqual([]);
  });

  it('refuses an unknown status', () => {
    expectDomainError(
      () => trackedChat().changeStatus({ status: 'archived' } as never, as('bob')),
      InvalidInputError,
      { field: 'status' },
    );
  });
});

describe('Chat assignment', () => {
  it('assigns and unassigns a participant', () => {
    const chat = trackedChat();
    chat.assign({ userId: 'bob' }, as('alice', 2));
    expect(lastEvent(chat)).toEqual({
      type: 'UserAssigned',
      data: { chatId: 'chat-1', userId: 'bob', assignedBy: 'alice', assignedAt: at(2) },
    });
    expect(chat.assigneeId).toBe('bob');
    chat.unassign(as('bob', 3));
    expect(lastEvent(chat)).toEqual({
      type: 'UserUnassigned',
      data: { chatId: 'chat-1', userId: 'bob', unassignedBy: 'bob', unassignedAt: at(3) },
    });
    expect(chat.assigneeId).toBeNull();
  });

  it('records nothing when assigning the current assignee', () => {
    const chat = trackedChat();
    chat.assign({ userId: 'bob' }, as('alice'));
    chat.assign({ userId: 'bob' }, as('alice'));
    expect(chat.uncommittedEvents).toHaveLength(1);
  });

  it('assigns a different user over the current one', () => {
    const chat = trackedChat();
    chat.assign({ userId: 'bob' }, as('alice'));
    chat.assign({ userId: 'alice' }, as('alice'));
    expect(chat.assigneeId).toBe('alice');
  });

  it('assigns participants only', () => {
    expectDomainError(
      () => trackedChat().assign({ userId: 'mallory' }, as('alice')),
      NotParticipantError,
      { userId: 'mallory' },
    );
  });

  it('refuses to unassign when nobody is assigned', () => {
    expectDomainError(() => trackedChat().unassign(as('alice')), NotAssignedError, {
      aggregateType: 'Chat',
      aggregateId: 'chat-1',
    });
  });
});

describe('Chat priority, due date and severity', () => {
  it('sets the priority once per value', () => {
    const chat = trackedChat();
    chat.setPriority({ priority: 'high' }, as('bob', 2));
    chat.setPriority({ priority: 'high' }, as('bob', 3));
    expect(chat.uncommittedEvents).toEqual([
      {
        type: 'PrioritySet',
        data: { chatId: 'chat-1', priority: 'high', setBy: 'bob', setAt: at(2) },
      },
    ]);
    expect(chat.priority).toBe('high');
  });

  it('refuses an unknown priority', () => {
    expectDomainError(
      () => trackedChat().setPriority({ priority: 'asap' } as never, as('bob')),
      InvalidInputError,
      { field: 'priority' },
    );
  });

  it('sets, keeps and clears the due date, from a Date or ISO text', () => {
    const chat = trackedChat();
    chat.setDueDate({ dueDate: '2025-02-01' }, as('bob', 2));
    chat.setDueDate({ dueDate: new Date('2025-02-01T00:00:00.000Z') }, as('bob', 3));
    chat.setDueDate({ dueDate: null }, as('bob', 4));
    chat.setDueDate({ dueDate: null }, as('bob', 5));
    expect(chat.uncommittedEvents.map((e) => e.data)).toEqual([
      {
        chatId: 'chat-1',
        dueDate: new Date('2025-02-01T00:00:00.000Z'),
        setBy: 'bob',
        setAt: at(2),
      },
      { chatId: 'chat-1', dueDate: null, setBy: 'bob', setAt: at(4) },
    ]);
    expect(chat.dueDate).toBeNull();
  });

  it('refuses an invalid due date', () => {
    expectDomainError(
      () => trackedChat().setDueDate({ dueDate: 'someday' }, as('bob')),
      InvalidInputError,
      { field: 'dueDate' },
    );
  });

  it('sets the severity of a bug once per value', () => {
    const chat = trackedChat('Bug');
    chat.setSeverity({ severity: 'critical' }, as('bob', 2));
    chat.setSeverity({ severity: 'critical' }, as('bob', 3));
    expect(chat.uncommittedEvents).toEqual([
      {
        type: 'SeveritySet',
        data: { chatId: 'chat-1', severity: 'critical', setBy: 'bob', setAt: at(2) },
      },
    ]);
    expect(chat.severity).toBe('critical');
  });

  it.each(['Task', 'Epic'] as const)('refuses a severity on a %s', (type) => {
    expectDomainError(
      () => trackedChat(type).setSeverity({ severity: 'minor' }, as('bob')),
      SeverityNotAllowedError,
      { chatId: 'chat-1', chatType: type },
    );
  });

  it('refuses a severity on a Discussion', () => {
    expectDomainError(
      () => discussion().setSeverity({ severity: 'minor' }, as('bob')),
      SeverityNotAllowedError,
      { chatType: 'Discussion' },
    );
  });
});

describe('Chat tracking on a Discussion', () => {
  const attempts: [string, (chat: Chat) => void][] = [
    ['change the status', (chat) => chat.changeStatus({ status: 'in_progress' }, as('bob'))],
    ['assign a user', (chat) => chat.assign({ userId: 'bob' }, as('bob'))],
    ['unassign', (chat) => chat.unassign(as('bob'))],
    ['set the priority', (chat) => chat.setPriority({ priority: 'low' }, as('bob'))],
    ['set the due date', (chat) => chat.setDueDate({ dueDate: null }, as('bob'))],
  ];

  it.each(attempts)('refuses to %s', (operation, attempt) => {
    expectDomainError(() => attempt(discussion()), ChatNotTrackedError, {
      chatId: 'chat-1',
      chatType: 'Discussion',
      operation,
    });
  });
});

function busyChat(): Chat {
  const chat = Chat.create(
    'chat-1',
    { workspaceId: 'ws-1', title: 'Crash on start', participantIds: ['bob', 'carol'] },
    as('alice', 0),
  );
  chat.rename({ title: 'Crash on startup' }, as('bob', 1));
  chat.convertToTask({ to: 'Bug' }, as('alice', 2));
  chat.setSeverity({ severity: 'major' }, as('alice', 3));
  chat.setPriority({ priority: 'urgent' }, as('alice', 4));
  chat.setDueDate({ dueDate: at(1_000) }, as('alice', 5));
  chat.assign({ userId: 'carol' }, as('alice', 6));
  chat.changeStatus({ status: 'in_progress' }, as('carol', 7));
  chat.removeParticipant({ userId: 'carol' }, as('alice', 8));
  chat.addParticipant({ userId: 'dave' }, as('alice', 9));
  return chat;
}

describe('Chat rebuild', () => {
  it('rebuilds the command-built state from its events', () => {
    const built = busyChat();
    const rebuilt = ChatAggregate.fromEvents('chat-1', built.uncommittedEvents);
    expect(rebuilt.state).toEqual(built.state);
    expect(rebuilt.version).toBe(built.version);
    expect(rebuilt.uncommittedEvents).toEqual([]);
    expect(rebuilt.committedVersion).toBe(built.version);
  });

  it('rebuilds from events that went through JSON and were decoded by their schemas', () => {
    const built = busyChat();
    const stored = JSON.parse(JSON.stringify(built.uncommittedEvents)) as ChatEvent[];
    // What the store's event registry does on read.
    const decoded = stored.map(({ type, data }) => ({
      type,
      data: chatEventSchemas[type].parse(data),
    }));
    const rebuilt = ChatAggregate.fromEvents('chat-1', decoded);
    expect(rebuilt.state).toEqual(built.state);
  });

  it('applies loaded events onto an empty aggregate without recording them', () => {
    const built = busyChat();
    const loaded = ChatAggregate.empty('chat-1');
    expect(loaded.version).toBe(0);
    expect(loaded.exists).toBe(false);
    for (const event of built.uncommittedEvents) loaded.applyEvent(event);
    expect(loaded.version).toBe(built.version);
    expect(loaded.uncommittedEvents).toEqual([]);
  });

  it('commits: clears the uncommitted events and moves the committed version', () => {
    const chat = busyChat();
    const version = chat.version;
    chat.markCommitted();
    expect(chat.uncommittedEvents).toEqual([]);
    expect(chat.committedVersion).toBe(version);
    chat.rename({ title: 'Crash' }, as('bob', 10));
    expect(chat.committedVersion).toBe(version);
    expect(chat.version).toBe(version + 1);
  });

  it('hands out frozen events and a copy of the list', () => {
    const chat = busyChat();
    const events = chat.uncommittedEvents as unknown[];
    events.length = 0;
    expect(chat.uncommittedEvents.length).toBeGreaterThan(0);
    expect(Object.isFrozen(chat.uncommittedEvents[0])).toBe(true);
    expect(Object.isFrozen(chat.uncommittedEvents[0]?.data)).toBe(true);
  });
});

describe('Chat snapshots', () => {
  it('round-trips through toSnapshot and fromSnapshot', () => {
    const chat = busyChat();
    chat.markCommitted();
    const snapshot = chat.toSnapshot();
    const restored = ChatAggregate.fromSnapshot('chat-1', snapshot, chat.version);
    expect(restored.state).toEqual(chat.state);
    expect(restored.version).toBe(chat.version);
    expect(restored.uncommittedEvents).toEqual([]);
  });

  it('round-trips through JSON and keeps working afterwards', () => {
    const chat = busyChat();
    const json = JSON.parse(JSON.stringify(chat.toSnapshot())) as unknown;
    const restored = ChatAggregate.fromSnapshot('chat-1', json, chat.version);
    expect(restored.state).toEqual(chat.state);
    restored.changeStatus({ status: 'in_review' }, as('alice', 11));
    expect(restored.version).toBe(chat.version + 1);
    expect(restored.committedVersion).toBe(chat.version);
  });

  it('detaches the snapshot from the live state', () => {
    const chat = busyChat();
    const snapshot = chat.toSnapshot();
    (snapshot.participants as string[]).push('mallory');
    expect(chat.isParticipant('mallory')).toBe(false);
  });

  it('rejects malformed snapshots', () => {
    const snapshot = busyChat().toSnapshot();
    const cases: [unknown, number, string][] = [
      [null, 3, ''],
      ['{}', 3, ''],
      [{ ...snapshot, status: 'lost' }, 3, 'status'],
      [{ schemaVersion: 1, state: snapshot }, 3, ''],
      [snapshot, 0, 'version must be a positive integer'],
      [snapshot, 1.5, 'version must be a positive integer'],
    ];
    for (const [data, version, reason] of cases) {
      const error = expectDomainError(
        () => ChatAggregate.fromSnapshot('chat-1', data, version),
        InvalidSnapshotError,
        { aggregateType: 'Chat', aggregateId: 'chat-1' },
      );
      expect(error.reason).toContain(reason);
    }
  });

  it("rejects another chat's snapshot", () => {
    expectDomainError(
      () => ChatAggregate.fromSnapshot('chat-2', busyChat().toSnapshot(), 3),
      InvalidSnapshotError,
      { reason: "it holds the state of 'chat-1'" },
    );
  });
});

describe('ChatAggregate', () => {
  it('describes the aggregate for a repository', () => {
    expect(ChatAggregate.aggregateType).toBe('Chat');
    expect(ChatAggregate.snapshotSchemaVersion).toBe(CHAT_SNAPSHOT_SCHEMA_VERSION);
    expect(ChatAggregate.eventTypes).toContain('ChatCreated');
    expect(ChatAggregate.eventTypes).toHaveLength(11);
  });

  it('refuses commands and snapshots on a chat that does not exist', () => {
    const chat = ChatAggregate.empty('chat-9');
    expectDomainError(() => chat.rename({ title: 'x' }, as('a')), AggregateNotCreatedError, {
      aggregateType: 'Chat',
      aggregateId: 'chat-9',
    });
    expectDomainError(() => chat.toSnapshot(), AggregateNotCreatedError);
  });
});
