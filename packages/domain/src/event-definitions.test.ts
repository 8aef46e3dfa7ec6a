import { describe, expect, it } from 'vitest';
import { chatEventSchemas } from './chat/chat-events.js';
import { allEventSchemas, domainEventDefinitions } from './event-definitions.js';
import { messageEventSchemas } from './message/message-events.js';

describe('domain event definitions', () => {
  it('merges every aggregate’s events without a name clash', () => {
    const sizes = [chatEventSchemas, messageEventSchemas].map(
      (schemas) => Object.keys(schemas).length,
    );
    expect(Object.keys(allEventSchemas)).toHaveLength(sizes.reduce((a, b) => a + b, 0));
  });

  it('gives every event its schema at version 1', () => {
    for (const [type, schema] of Object.entries(allEventSchemas)) {
      expect(domainEventDefinitions[type as keyof typeof allEventSchemas]).toEqual({
        schema,
        version: 1,
      });
    }
    expect(Object.isFrozen(domainEventDefinitions)).toBe(true);
  });

  it('validates data and turns stored dates back into Dates', () => {
    const parsed = domainEventDefinitions.MessageDeleted.schema.parse({
      messageId: 'm1',
      chatId: 'c1',
      deletedBy: 'u1',
      deletedAt: '2025-01-01T00:00:00.000Z',
    });
    expect(parsed.deletedAt).toBeInstanceOf(Date);
    expect(domainEventDefinitions.ChatCreated.schema.safeParse({ chatId: 'c1' }).success).toBe(
      false,
    );
  });
});
