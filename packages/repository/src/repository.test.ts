import {
  ConcurrencyError,
  type EventStore,
  InMemoryEventStore,
  ValidationError,
} from '@flowra/eventstore-core';
import { describe, expect, it } from 'vitest';
import { EventSourcedRepository } from './event-sourced-repository.js';
import { hashStreamNaming } from './stream-naming.js';
import { Note, NoteAggregate } from './testing/note.js';
import { Tally } from './testing/tally.js';
import { repositoryHarness } from './testing/repository-harness.js';

repositoryHarness('InMemoryEventStore', () => new InMemoryEventStore());

describe('a repository whose store was restored to an earlier state', () => {
  it('drops cache entries ahead of the stream and rebuilds from the events; update works', async () => {
    // The store behind the repository is swapped for a copy holding only the first events,
    // as a restore from a backup (or a rolled-back failover) would leave it.
    let current: EventStore = new InMemoryEventStore();
    const store = new Proxy({} as EventStore, {
      get: (_, prop) => {
        const value = (current as unknown as Record<PropertyKey, unknown>)[prop];
        return typeof value === 'function' ? value.bind(current) : value;
      },
    });
    const warnings: string[] = [];
    const r = new EventSourcedRepository<Note>({
      store,
      aggregate: NoteAggregate,
      snapshots: false,
      onWarning: (m) => warnings.push(m),
    });
    await r.save(Note.create('c1', 'One'));
    for (const title of ['Two', 'Three', 'Four']) {
      await r.update('c1', (c) => c.rename(title));
    }
    const streamId = r.streamIdOf('c1');
    const kept = (await current.getEvents(streamId)).slice(0, 2);
    const restored = new InMemoryEventStore();
    for (const e of kept) {
      await restored.append(streamId, [
        { type: e.type, data: e.data, metadata: e.metadata, eventId: e.eventId },
      ]);
    }
    current = restored;

    const loaded = await r.load('c1');
    expect(loaded.version).toBe(2);
    expect(loaded.state.title).toBe('Two');
    expect(r.stats.cacheEntriesIgnored).toBe(1);
    expect(warnings.at(-1)).toContain('does not match the stream');
    const updated = await r.update('c1', (c) => c.rename('Again'));
    expect(updated.version).toBe(3);
    expect((await r.load('c1')).state.title).toBe('Again');
  });
});

describe('a repository on shared (hash-named) streams', () => {
  it('a shard shorter than it was read (a restore) is a ConcurrencyError at once, not a rebase', async () => {
    let current: EventStore = new InMemoryEventStore();
    let appends = 0;
    const store = new Proxy({} as EventStore, {
      get: (_, prop) => {
        const value = (current as unknown as Record<PropertyKey, unknown>)[prop];
        if (prop === 'append') appends++;
        return typeof value === 'function' ? value.bind(current) : value;
      },
    });
    const r = new EventSourcedRepository<Tally>({
      store,
      aggregate: Tally.definition,
      naming: hashStreamNaming({ shards: 1 }),
      cacheSize: 0,
    });
    for (const id of ['x', 'y']) {
      const t = new Tally(id);
      t.add(id);
      await r.save(t);
    }
    const x = await r.load('x');
    const shard = r.streamIdOf('x');
    const [first] = await current.getEvents(shard);
    const restored = new InMemoryEventStore();
    await restored.append(shard, [
      { type: first!.type, data: first!.data, metadata: first!.metadata, eventId: first!.eventId },
    ]);
    current = restored;
    appends = 0;
    x.add('late');
    await expect(r.save(x)).rejects.toSatisfy((e: unknown) => ConcurrencyError.isInstance(e));
    expect(appends).toBe(1);
  });
});

describe('a repository whose aggregate type its naming cannot use', () => {
  it('is refused when made, not on every load and save', () => {
    const aggregate = { ...Tally.definition, aggregateType: 'Order-line' };
    expect(
      () => new EventSourcedRepository({ store: new InMemoryEventStore(), aggregate }),
    ).toThrow(ValidationError);
    // The temporal naming's own id rule does not count against the type.
    expect(
      () =>
        new EventSourcedRepository({
          store: new InMemoryEventStore(),
          aggregate: Tally.definition,
          naming: hashStreamNaming(),
        }),
    ).not.toThrow();
  });
});

describe('a repository caching an aggregate whose state holds class instances', () => {
  it('does not cache it (a warning) and loads it from its events every time', async () => {
    class Money {
      constructor(readonly cents: number) {}
      plus(cents: number) {
        return new Money(this.cents + cents);
      }
    }
    class Wallet {
      uncommittedEvents: { type: string; data: unknown }[] = [];
      balance = new Money(0);
      version = 0;
      constructor(readonly id: string) {}
      deposit(cents: number) {
        const event = { type: 'Deposited', data: { cents } };
        this.applyEvent(event);
        this.uncommittedEvents.push(event);
      }
      applyEvent(event: { type: string; data: unknown }) {
        this.balance = this.balance.plus((event.data as { cents: number }).cents);
        this.version++;
      }
      markCommitted() {
        this.uncommittedEvents = [];
      }
      toSnapshot() {
        return { balance: this.balance };
      }
    }
    const warnings: string[] = [];
    const r = new EventSourcedRepository<Wallet>({
      store: new InMemoryEventStore(),
      aggregate: {
        aggregateType: 'Wallet',
        snapshotSchemaVersion: 1,
        empty: (id) => new Wallet(id),
        fromSnapshot: (id, state, version) =>
          Object.assign(new Wallet(id), { ...(state as { balance: Money }), version }),
      },
      snapshots: false,
      onWarning: (m) => warnings.push(m),
    });
    const w = new Wallet('w1');
    w.deposit(5);
    await r.save(w);
    await r.update('w1', (x) => x.deposit(7));
    expect((await r.load('w1')).balance.cents).toBe(12);
    expect(r.stats.cacheHits).toBe(0);
    expect(warnings.join('\n')).toContain('not cached');
  });
});
