import { type EventStore, InMemoryEventStore } from '@flowra/eventstore-core';
import { describe, expect, it } from 'vitest';
import { EventSourcedRepository } from './event-sourced-repository.js';
import { Note, NoteAggregate } from './testing/note.js';
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
