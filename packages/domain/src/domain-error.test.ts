import { describe, expect, it } from 'vitest';
import { NotParticipantError } from './chat/chat-errors.js';
import { DomainError } from './domain-error.js';
import {
  AggregateNotCreatedError,
  InvalidEventError,
  InvalidInputError,
  InvalidSnapshotError,
  NotAssignedError,
} from './errors.js';
import { ReactionNotFoundError } from './message/message-errors.js';

describe('DomainError', () => {
  it('carries a stable name, code and fields', () => {
    const error = new NotParticipantError('c1', 'u9');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('NotParticipantError');
    expect(error.code).toBe('NOT_PARTICIPANT');
    expect(NotParticipantError.code).toBe('NOT_PARTICIPANT');
    expect(error).toMatchObject({ chatId: 'c1', userId: 'u9' });
    expect(error.message).toContain("'u9'");
  });

  it('recognises errors by brand, per class and for the base', () => {
    const error = new NotParticipantError('c1', 'u9');
    expect(DomainError.isInstance(error)).toBe(true);
    expect(NotParticipantError.isInstance(error)).toBe(true);
    expect(ReactionNotFoundError.isInstance(error)).toBe(false);
  });

  it('recognises an error from another copy of the package', () => {
    // What a second copy's error looks like: same global symbol, different class.
    const foreign = new Error('from elsewhere');
    Object.defineProperty(foreign, Symbol.for('@flowra/domain/error'), {
      value: 'NOT_PARTICIPANT',
    });
    expect(foreign instanceof NotParticipantError).toBe(false);
    expect(NotParticipantError.isInstance(foreign)).toBe(true);
    expect(DomainError.isInstance(foreign)).toBe(true);
  });

  it('rejects values without the brand', () => {
    for (const value of [null, undefined, 'NOT_PARTICIPANT', 42, new Error('x'), {}]) {
      expect(DomainError.isInstance(value)).toBe(false);
    }
    expect(DomainError.isInstance({ [Symbol.for('@flowra/domain/error')]: 1 })).toBe(false);
  });

  it('keeps the name off the enumerable fields', () => {
    expect(Object.keys(new InvalidInputError('title', 'must not be empty'))).not.toContain('name');
  });

  it('describes each generic error', () => {
    const cause = new Error('zod');
    const errors = [
      new InvalidInputError('title', 'must not be empty', { cause }),
      new AggregateNotCreatedError('Chat', 'c1'),
      new InvalidEventError('Chat', 'c1', 'Nope', 'unknown event type', { cause }),
      new InvalidSnapshotError('Chat', 'c1', 'bad', { cause }),
      new NotAssignedError('Task', 't1'),
    ];
    expect(errors.map((e) => e.code)).toEqual([
      'INVALID_INPUT',
      'AGGREGATE_NOT_CREATED',
      'INVALID_EVENT',
      'INVALID_SNAPSHOT',
      'NOT_ASSIGNED',
    ]);
    expect(errors[0]!.cause).toBe(cause);
    expect(errors[3]!.message).toContain('bad');
    for (const error of errors) expect(DomainError.isInstance(error)).toBe(true);
  });
});
