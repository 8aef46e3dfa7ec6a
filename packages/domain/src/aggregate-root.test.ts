import { describe, expect, it } from 'vitest';
import { type Chat, ChatAggregate } from './chat/chat.js';
import { InvalidEventError } from './errors.js';
import { allEventSchemas } from './event-definitions.js';

const created = {
  type: 'ChatCreated',
  data: {
    chatId: 'chat-1',
    workspaceId: 'ws-1',
    type: 'Discussion',
    title: 'Hello',
    createdBy: 'alice',
    createdAt: new Date('2025-01-01T00:00:00.000Z'),
  },
};

const renamed = {
  type: 'ChatRenamed',
  data: { chatId: 'chat-1', title: 'Hi', renamedBy: 'alice', renamedAt: '2025-01-02T00:00:00Z' },
};

function applyTo(chat: Chat, event: { type: string; data: unknown }): InvalidEventError {
  try {
    chat.applyEvent(event);
  } catch (error) {
    expect(InvalidEventError.isInstance(error)).toBe(true);
    return error as InvalidEventError;
  }
  throw new Error('expected applyEvent to throw');
}

describe('AggregateRoot.applyEvent', () => {
  it('folds events as the registry decoded them', () => {
    const decoded = [created, renamed].map(({ type, data }) => ({
      type,
      data: allEventSchemas[type as keyof typeof allEventSchemas].parse(data),
    }));
    const chat = ChatAggregate.fromEvents('chat-1', decoded);
    expect(chat.title).toBe('Hi');
    expect(chat.state.updatedAt).toEqual(new Date('2025-01-02T00:00:00Z'));
    expect(chat.version).toBe(2);
  });

  it('refuses an unknown event type, including prototype keys', () => {
    for (const type of ['MessagePosted', 'constructor', 'toString']) {
      const error = applyTo(ChatAggregate.empty('chat-1'), { type, data: {} });
      expect(error).toMatchObject({ eventType: type, reason: 'unknown event type' });
    }
  });

  it('refuses data that is not an object (validating its fields is the registry’s job)', () => {
    const error = applyTo(ChatAggregate.empty('chat-1'), { type: 'ChatCreated', data: null });
    expect(error.reason).toBe('its data is not an object');
  });

  it("refuses another aggregate's event", () => {
    const error = applyTo(ChatAggregate.empty('chat-2'), created);
    expect(error).toMatchObject({ aggregateId: 'chat-2', reason: "it belongs to 'chat-1'" });
  });

  it('requires the creation event first and only once', () => {
    expect(applyTo(ChatAggregate.empty('chat-1'), renamed).reason).toBe(
      "the first event must be 'ChatCreated'",
    );
    const chat = ChatAggregate.fromEvents('chat-1', [created]);
    expect(applyTo(chat, created).reason).toBe('it was already created');
    expect(chat.version).toBe(1);
  });
});
