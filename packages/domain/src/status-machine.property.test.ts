import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Chat, ChatAggregate } from './chat/chat.js';
import { Message, MessageAggregate } from './message/message.js';
import { InvalidStatusTransitionError, TASK_STATUSES, canTransition } from './status-machine.js';

const T0 = Date.UTC(2025, 0, 1);
const ctx = (step: number) => ({ userId: 'alice', at: new Date(T0 + step * 1_000) });
const statuses = fc.array(fc.constantFrom(...TASK_STATUSES), { maxLength: 40 });

describe('status state machine, property-based', () => {
  it('a tracked chat follows the same machine and replays to the same state', () => {
    fc.assert(
      fc.property(fc.constantFrom('Task', 'Bug', 'Epic' as const), statuses, (type, targets) => {
        const chat = Chat.create('chat-1', { workspaceId: 'ws', title: 'C' }, ctx(0));
        chat.convertToTask({ to: type }, ctx(0));
        targets.forEach((to, step) => {
          const from = chat.status!;
          try {
            chat.changeStatus({ status: to }, ctx(step + 1));
            expect(canTransition(from, to)).toBe(true);
            expect(chat.status).toBe(to);
          } catch (error) {
            expect(InvalidStatusTransitionError.isInstance(error)).toBe(true);
            expect(canTransition(from, to)).toBe(false);
            expect(chat.status).toBe(from);
          }
        });
        const replayed = ChatAggregate.fromEvents('chat-1', chat.uncommittedEvents);
        expect(replayed.state).toEqual(chat.state);
        expect(replayed.version).toBe(chat.version);
        const restored = ChatAggregate.fromSnapshot('chat-1', chat.toSnapshot(), chat.version);
        expect(restored.state).toEqual(chat.state);
      }),
    );
  });
});

describe('reactions, property-based', () => {
  const users = ['alice', 'bob', 'carol'] as const;
  const emoji = ['👍', '🎉', '👀'] as const;
  const ops = fc.array(
    fc.record({
      add: fc.boolean(),
      userId: fc.constantFrom(...users),
      emoji: fc.constantFrom(...emoji),
    }),
    { maxLength: 60 },
  );

  it('match a set of (user, emoji) pairs, and replay reproduces them', () => {
    fc.assert(
      fc.property(ops, (operations) => {
        const chat = Chat.create(
          'chat-1',
          { workspaceId: 'ws', title: 'C', participantIds: [...users] },
          ctx(0),
        );
        const message = Message.post('msg-1', chat, { body: 'hi' }, ctx(0));
        const model = new Set<string>();
        operations.forEach((op, step) => {
          const key = `${op.userId} ${op.emoji}`;
          const context = { userId: op.userId, at: new Date(T0 + step) };
          const valid = op.add ? !model.has(key) : model.has(key);
          const run = () =>
            op.add
              ? message.addReaction(chat, { emoji: op.emoji }, context)
              : message.removeReaction({ emoji: op.emoji }, context);
          if (valid) {
            run();
            if (op.add) model.add(key);
            else model.delete(key);
          } else {
            expect(run).toThrow();
          }
        });
        const actual = message.reactions.map((r) => `${r.userId} ${r.emoji}`);
        expect(new Set(actual)).toEqual(model);
        expect(actual).toHaveLength(model.size);
        expect(MessageAggregate.fromEvents('msg-1', message.uncommittedEvents).state).toEqual(
          message.state,
        );
      }),
    );
  });
});
