import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { collect } from './collect.js';
import { EventDecodingError, UnknownEventTypeError, ValidationError } from './errors.js';
import { InMemoryEventStore } from './in-memory-event-store.js';
import { EventRegistry, SCHEMA_VERSION_KEY } from './registry.js';

const ChatCreated = z.object({ chatId: z.string(), title: z.string().min(1), at: z.date() });
const ChatRenamedV2 = z.object({ title: z.string(), renamedBy: z.string() });

function registry() {
  return new EventRegistry()
    .register('ChatCreated', ChatCreated)
    .register('ChatRenamed', ChatRenamedV2, {
      version: 3,
      upcasters: {
        1: (v1: { name: string }) => ({ title: v1.name }),
        2: (v2: { title: string }) => ({ ...v2, renamedBy: 'unknown' }),
      },
    });
}

describe('EventRegistry', () => {
  it('creates events whose data the compiler checks', () => {
    const r = registry();
    const e = r.create('ChatCreated', { chatId: 'c1', title: 'Hello', at: new Date(0) });
    expect(e).toEqual({
      type: 'ChatCreated',
      data: { chatId: 'c1', title: 'Hello', at: new Date(0) },
    });
    expectTypeOf(e.data).toEqualTypeOf<{ chatId: string; title: string; at: Date }>();
    // @ts-expect-error unknown event type
    expect(() => r.create('Nope', {})).toThrow(UnknownEventTypeError);
    // @ts-expect-error missing field
    expect(() => r.create('ChatCreated', { chatId: 'c1', at: new Date() })).toThrow(
      ValidationError,
    );
  });

  it('names the type and the field when data does not match', () => {
    const r = registry();
    try {
      r.create('ChatCreated', { chatId: 'c1', title: '', at: new Date() });
      expect.unreachable();
    } catch (error) {
      expect(ValidationError.isInstance(error)).toBe(true);
      expect((error as ValidationError).field).toBe('data.title');
      expect((error as ValidationError).eventType).toBe('ChatCreated');
      expect((error as Error).message).toContain("event type 'ChatCreated'");
    }
  });

  it('refuses duplicate types, bad versions and missing upcasters', () => {
    const r = registry();
    expect(() => r.register('ChatCreated', ChatCreated)).toThrow(/already registered/);
    expect(() => new EventRegistry().register('X', ChatCreated, { version: 0 })).toThrow(
      ValidationError,
    );
    expect(() => new EventRegistry().register('X', ChatCreated, { version: 2 })).toThrow(
      /no upcaster from version 1/,
    );
    expect(() => new EventRegistry().register('', ChatCreated)).toThrow(ValidationError);
  });

  it('registers a map of definitions at once', () => {
    const r = new EventRegistry().registerAll({
      A: { schema: z.object({ a: z.number() }) },
      B: { schema: z.object({ b: z.string() }), version: 1 },
    });
    expect(r.types).toEqual(['A', 'B']);
    expect(r.create('A', { a: 1 }).data).toEqual({ a: 1 });
    expect(r.has('B')).toBe(true);
    expect(r.schemaVersionOf('B')).toBe(1);
    expect(() => r.schemaVersionOf('C')).toThrow(UnknownEventTypeError);
  });

  it('validates appends in a store and stamps the schema version', async () => {
    const store = new InMemoryEventStore({ registry: registry() });
    await expect(store.append('s', [{ type: 'Unknown', data: {} }])).rejects.toThrow(
      UnknownEventTypeError,
    );
    const error = await store
      .append('s', [{ type: 'ChatCreated', data: { chatId: 1 } }])
      .catch((e) => e);
    expect(error).toMatchObject({ name: 'ValidationError', field: 'events[0].data.chatId' });
    expect(await store.getStreamVersion('s')).toBe(0);
    await store.append('s', [
      { type: 'ChatCreated', data: { chatId: 'c', title: 't', at: new Date(5), extra: 1 } },
    ]);
    const [event] = await store.getEvents('s');
    expect(event?.data).toEqual({ chatId: 'c', title: 't', at: new Date(5) });
    expect(event?.metadata[SCHEMA_VERSION_KEY]).toBe(1);
  });

  it('upcasts older schema versions through the chain on every read path', async () => {
    const plain = new InMemoryEventStore();
    const r = registry();
    await plain.append('s', [
      { type: 'ChatRenamed', data: { name: 'v1 title' } },
      { type: 'ChatRenamed', data: { title: 'v2 title' }, metadata: { [SCHEMA_VERSION_KEY]: 2 } },
      {
        type: 'ChatRenamed',
        data: { title: 'v3', renamedBy: 'ann' },
        metadata: { [SCHEMA_VERSION_KEY]: 3 },
      },
    ]);
    const raw = await plain.getEvents('s');
    const decoded = raw.map((e) => r.decode(e));
    expect(decoded.map((e) => e.data)).toEqual([
      { title: 'v1 title', renamedBy: 'unknown' },
      { title: 'v2 title', renamedBy: 'unknown' },
      { title: 'v3', renamedBy: 'ann' },
    ]);
    expect(decoded[0]?.metadata[SCHEMA_VERSION_KEY]).toBe(3);
  });

  it('fails reads of unknown or undecodable events naming stream and version', async () => {
    const writer = new InMemoryEventStore();
    await writer.append('s', [{ type: 'Mystery', data: {} }]);
    await writer.append('t', [{ type: 'ChatCreated', data: { chatId: 5 } }]);
    await writer.append('u', [
      { type: 'ChatRenamed', data: {}, metadata: { [SCHEMA_VERSION_KEY]: 9 } },
    ]);
    await writer.append('v', [{ type: 'ChatRenamed', data: {} }]);
    const r = registry();
    const [mystery] = await writer.getEvents('s');
    expect(() => r.decode(mystery!)).toThrow(UnknownEventTypeError);
    try {
      r.decode(mystery!);
    } catch (error) {
      expect(error).toMatchObject({ streamId: 's', version: 1, eventType: 'Mystery' });
    }
    const [bad] = await writer.getEvents('t');
    expect(() => r.decode(bad!)).toThrow(EventDecodingError);
    const [future] = await writer.getEvents('u');
    expect(() => r.decode(future!)).toThrow(/schema version 9/);
    const [broken] = await writer.getEvents('v');
    expect(() => r.decode(broken!)).toThrow(/upcaster failed|does not match/);
  });

  it('a store with a registry decodes in getEvents, readStream and readAll', async () => {
    const store = new InMemoryEventStore({ registry: registry() });
    await store.append('s', [{ type: 'ChatRenamed', data: { title: 't', renamedBy: 'b' } }]);
    const viaAll = await collect(store.readAll());
    const viaStream = await collect(store.readStream('s'));
    expect(viaAll[0]?.data).toEqual({ title: 't', renamedBy: 'b' });
    expect(viaStream).toEqual(viaAll);
  });
});
