import { describe, expect, it } from 'vitest';
import { collect } from './collect.js';
import { ConcurrencyError, ValidationError } from './errors.js';
import { InMemoryEventStore } from './in-memory-event-store.js';

/**
 * An append checks its whole batch first, and only then reads where the stream and the log end
 * and what time it is: checking runs the caller's code (getters, a schema's refinements).
 */
describe('InMemoryEventStore append, in order', () => {
  it('reads the stream only after checking the batch, whose getters may append themselves', async () => {
    const store = new InMemoryEventStore();
    await store.append('x', [{ type: 'T', data: { n: 0 } }]);
    let inner: Promise<unknown> | undefined;
    const data = {
      get n() {
        inner ??= store.append('x', [{ type: 'T', data: { n: 'inner' } }]);
        return 1;
      },
    };
    await expect(store.append('x', [{ type: 'T', data }], 1)).rejects.toBeInstanceOf(
      ConcurrencyError,
    );
    await inner;
    const log = await collect(store.readAll());
    expect(log.map((e) => [e.version, e.position])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(await store.getStreamVersion('x')).toBe(2);
  });

  it("refuses 'no_stream' when a getter created the stream, and keeps the getter's event", async () => {
    const store = new InMemoryEventStore();
    let inner: Promise<unknown> | undefined;
    const data = {
      get n() {
        inner ??= store.append('y', [{ type: 'T', data: { n: 'inner' } }]);
        return 1;
      },
    };
    await expect(store.append('y', [{ type: 'T', data }], 'no_stream')).rejects.toBeInstanceOf(
      ConcurrencyError,
    );
    await inner;
    expect((await store.getEvents('y')).map((e) => e.data)).toEqual([{ n: 'inner' }]);
    const appended = await store.append('y', [{ type: 'T', data }], 'any');
    expect(appended).toEqual({ nextExpectedVersion: 2, position: 2 });
  });

  it('asks the clock only for appends that store events', async () => {
    let ticks = 0;
    const store = new InMemoryEventStore({ clock: () => new Date(++ticks * 1000) });
    const id = '00000000-0000-4000-8000-000000000001';
    await expect(store.append('s', [{ type: 'T', data: 5 as never }])).rejects.toBeInstanceOf(
      ValidationError,
    );
    await store.append('s', []);
    await store.append('s', [{ type: 'T', data: {}, eventId: id }], 'no_stream');
    await store.append('s', [{ type: 'T', data: {}, eventId: id }], 'no_stream');
    await expect(store.append('s', [{ type: 'T', data: {} }], 5)).rejects.toBeInstanceOf(
      ConcurrencyError,
    );
    await store.append('s', [{ type: 'T', data: {} }], 1);
    expect(ticks).toBe(2);
    expect((await store.getEvents('s')).map((e) => e.recordedAt.getTime())).toEqual([1000, 2000]);
  });

  it('reports a bad batch before consulting a clock that fails', () => {
    const store = new InMemoryEventStore({
      clock: () => {
        throw new Error('clock down');
      },
    });
    expect(() => store.appendSync('', [{ type: 'T', data: {} }])).toThrow(ValidationError);
    expect(store.appendSync('w', [])).toEqual({ nextExpectedVersion: 0, position: 0 });
  });
});
