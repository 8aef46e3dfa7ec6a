import { describe, expect, it } from 'vitest';
import {
  ConcurrencyError,
  DuplicateEventIdError,
  EventDecodingError,
  FlowraError,
  StoreClosedError,
  StoreUnavailableError,
  UnknownEventTypeError,
  ValidationError,
} from './errors.js';

describe('errors', () => {
  it('carry stable names and useful fields', () => {
    const c = new ConcurrencyError('chat-1', 3, 5);
    expect(c.name).toBe('ConcurrencyError');
    expect(c.message).toBe("Stream 'chat-1': expected version 3, actual version 5");
    expect(c).toBeInstanceOf(Error);
    expect(
      new ValidationError('streamId', 'must not be empty', { streamId: 's', eventType: 'T' })
        .message,
    ).toBe("Invalid streamId: must not be empty (event type 'T', stream 's')");
    expect(new UnknownEventTypeError('X', { streamId: 's', version: 2 }).message).toContain(
      'at version 2',
    );
    expect(new EventDecodingError('s', 4, 'bad').message).toContain("stream 's' at version 4");
    expect(new DuplicateEventIdError('s', 'e').eventId).toBe('e');
    expect(new StoreClosedError('append').name).toBe('StoreClosedError');
    const cause = new Error('socket closed');
    const u = new StoreUnavailableError('append', cause, 's');
    expect(u.cause).toBe(cause);
    expect(u.message).toContain('socket closed');
  });

  it('are recognised across package copies by brand, not by prototype', () => {
    const c = new ConcurrencyError('s', 'no_stream', 1);
    const copy = Object.assign(Object.create(Error.prototype), c);
    Object.defineProperty(copy, Symbol.for('@flowra/eventstore-core/error'), {
      value: 'ConcurrencyError',
    });
    expect(copy instanceof ConcurrencyError).toBe(false);
    expect(ConcurrencyError.isInstance(copy)).toBe(true);
    expect(ValidationError.isInstance(copy)).toBe(false);
    expect(FlowraError.isFlowraError(c)).toBe(true);
    expect(ConcurrencyError.isInstance(new Error('x'))).toBe(false);
    expect(ConcurrencyError.isInstance(null)).toBe(false);
    for (const e of [
      new ValidationError('f', 'r'),
      new UnknownEventTypeError('t'),
      new EventDecodingError('s', 1, 'r'),
      new DuplicateEventIdError('s', 'e'),
      new StoreClosedError('x'),
      new StoreUnavailableError('x', 'y'),
    ]) {
      const ctor = e.constructor as unknown as { isInstance(v: unknown): boolean };
      expect(ctor.isInstance(e)).toBe(true);
    }
  });
});
