import {
  type AggregateSnapshot,
  ConcurrencyError,
  EventDecodingError,
  type EventStore,
  StoreUnavailableError,
  ValidationError,
} from '@flowra/eventstore-core';
import { describe, expect, it } from 'vitest';
import { AggregateNotFoundError, TenantMismatchError, UncommittedEventsError } from '../errors.js';
import { EventSourcedRepository, type RepositoryOptions } from '../event-sourced-repository.js';
import { hashStreamNaming, temporalStreamNaming, tenantStreamNaming } from '../stream-naming.js';
import { Note, NoteAggregate } from './note.js';
import { Tally } from './tally.js';

let seq = 0;
const newId = () => `note${Date.now().toString(36)}${++seq}`;

function newNote(id = newId()): Note {
  return Note.create(id, 'Launch');
}

/** Renames a note `count` times: one event each. */
function renames(note: Note, count: number, from = 0): void {
  for (let i = 0; i < count; i++) note.rename(`Title ${from + i}`);
}

/** `store` with its `getSnapshot` replaced; every other method is the store's own. */
function withGetSnapshot(
  store: EventStore,
  getSnapshot: () => Promise<AggregateSnapshot | null>,
): EventStore {
  return new Proxy(store, {
    get(target, key) {
      if (key === 'getSnapshot') return getSnapshot;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * The repository's behaviour on a store, written once and run against every store this
 * repository has (in-memory here, MongoDB in its package): `@flowra/repository/testing`.
 * The store may be shared by earlier tests: every test uses aggregates of its own.
 */
export function repositoryHarness(
  name: string,
  makeStore: () => EventStore | Promise<EventStore>,
): void {
  const repo = async (options: Partial<RepositoryOptions<Note>> = {}, store?: EventStore) =>
    new EventSourcedRepository<Note>({
      store: store ?? (await makeStore()),
      aggregate: NoteAggregate,
      ...options,
    });

  describe(`EventSourcedRepository on ${name}`, () => {
    it('saves a new aggregate and loads it back equal', async () => {
      const r = await repo();
      const note = newNote();
      renames(note, 2);
      const result = await r.save(note, {
        correlationId: 'corr-1',
        causationId: 'cmd-1',
        userId: 'ann',
      });
      expect(result?.nextExpectedVersion).toBe(note.version);
      expect(note.uncommittedEvents).toHaveLength(0);
      const loaded = await r.load(note.id);
      expect(loaded.state).toEqual(note.state);
      expect(loaded.version).toBe(note.version);
      expect(await r.save(loaded)).toBeNull();
    });

    it('puts correlation and causation ids into every event of a save', async () => {
      const store = await makeStore();
      const r = await repo({}, store);
      const note = newNote();
      renames(note, 2);
      await r.save(note, {
        correlationId: 'corr-9',
        causationId: 'cause-9',
        userId: 'bob',
        metadata: { source: 'test' },
      });
      const events = await store.getEvents(r.streamIdOf(note.id));
      expect(events.length).toBeGreaterThan(2);
      for (const e of events) {
        expect(e.metadata).toMatchObject({
          correlationId: 'corr-9',
          causationId: 'cause-9',
          userId: 'bob',
          source: 'test',
          aggregateType: 'Note',
          aggregateId: note.id,
        });
      }
    });

    it('returns null for a missing aggregate and load throws AggregateNotFoundError', async () => {
      const r = await repo();
      expect(await r.getById('nobody')).toBeNull();
      const error = await r.load('nobody').catch((e) => e);
      expect(AggregateNotFoundError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({
        aggregateType: 'Note',
        aggregateId: 'nobody',
        streamId: 'Note-nobody',
      });
    });

    it('takes a snapshot every N events and then replays only the tail', async () => {
      const store = await makeStore();
      const writer = await repo({ snapshots: { every: 10 }, cacheSize: 0 }, store);
      const note = newNote();
      await writer.save(note);
      for (let i = 0; i < 5; i++) {
        const c = await writer.load(note.id);
        renames(c, 5, i * 5);
        await writer.save(c);
      }
      const version = (await writer.load(note.id)).version;
      const snapshot = await store.getSnapshot(writer.streamIdOf(note.id));
      expect(snapshot!.version).toBeGreaterThan(version - 10);
      expect(snapshot!.version).toBeLessThan(version);
      const reader = await repo({ snapshots: { every: 10 }, cacheSize: 0 }, store);
      const loaded = await reader.load(note.id);
      expect(loaded.version).toBe(version);
      expect(reader.stats.snapshotsUsed).toBe(1);
      // exactly the events after the snapshot, none of them applied twice
      expect(reader.stats.eventsRead).toBe(version - snapshot!.version);
      const full = await repo({ snapshots: false, cacheSize: 0 }, store);
      expect((await full.load(note.id)).state).toEqual(loaded.state);
      expect(full.stats.eventsRead).toBe(version);
    });

    it('ignores a snapshot of another schema version and replays the stream', async () => {
      const store = await makeStore();
      const r = await repo({ snapshots: { every: 1 }, cacheSize: 0 }, store);
      const note = newNote();
      renames(note, 3);
      await r.save(note);
      await store.saveSnapshot({
        streamId: r.streamIdOf(note.id),
        version: note.version,
        data: { schemaVersion: 999, aggregateType: 'Note', state: {} },
        timestamp: new Date(),
      });
      const warnings: string[] = [];
      const reader = await repo({ cacheSize: 0, onWarning: (m) => warnings.push(m) }, store);
      const loaded = await reader.load(note.id);
      expect(loaded.state).toEqual(note.state);
      expect(reader.stats).toMatchObject({
        snapshotsIgnored: 1,
        snapshotsUsed: 0,
        eventsRead: note.version,
      });
      expect(warnings[0]).toContain('schema version 999');
    });

    it('a snapshot ahead of its stream is never used: update works on the events', async () => {
      const store = await makeStore();
      const r = await repo({ cacheSize: 0 }, store);
      const note = newNote();
      renames(note, 2);
      await r.save(note);
      const streamId = r.streamIdOf(note.id);
      // As after restoring the events without the latest ones, or a rolled-back failover.
      const ahead = await repo({ snapshots: { every: 1 }, cacheSize: 0 }, store);
      const future = await ahead.load(note.id);
      renames(future, 3, 100);
      await store.saveSnapshot({
        streamId,
        version: note.version + 3,
        data: {
          schemaVersion: NoteAggregate.snapshotSchemaVersion,
          aggregateType: 'Note',
          state: future.toSnapshot(),
        },
        timestamp: new Date(),
      });
      const updated = await r.update(note.id, (c) => c.rename('After restore'));
      expect(updated.version).toBe(note.version + 1);
      expect((await r.load(note.id)).state.title).toBe('After restore');
      expect(r.stats.snapshotsUsed).toBe(0);
    });

    it('a snapshot of other events at its version is ignored and counted', async () => {
      const store = await makeStore();
      const r = await repo({ cacheSize: 0 }, store);
      const note = newNote();
      renames(note, 2);
      await r.save(note);
      const impostor = newNote(note.id);
      renames(impostor, 2, 50);
      // Same version, built from events the stream no longer holds (their positions differ).
      await store.saveSnapshot({
        streamId: r.streamIdOf(note.id),
        version: note.version,
        data: {
          schemaVersion: NoteAggregate.snapshotSchemaVersion,
          aggregateType: 'Note',
          state: impostor.toSnapshot(),
          lastPosition: 987_654_321,
        },
        timestamp: new Date(),
      });
      const warnings: string[] = [];
      const reader = await repo({ cacheSize: 0, onWarning: (m) => warnings.push(m) }, store);
      const loaded = await reader.load(note.id);
      expect(loaded.state).toEqual(note.state);
      expect(reader.stats).toMatchObject({
        snapshotsIgnored: 1,
        snapshotsUsed: 0,
        eventsRead: note.version,
      });
      expect(warnings[0]).toContain('does not match the stream');
      const updated = await reader.update(note.id, (c) => c.rename('Fine'));
      expect(updated.version).toBe(note.version + 1);
    });

    it('a snapshot the store cannot read, or one at version 0, is ignored; the events load', async () => {
      const store = await makeStore();
      const r = await repo({ cacheSize: 0 }, store);
      const note = newNote();
      renames(note, 3);
      await r.save(note);
      const streamId = r.streamIdOf(note.id);
      const damaged = new EventDecodingError(streamId, 2, 'damaged', undefined, 'snapshot');
      // As an operator's edit would leave them: what the store then hands the repository.
      const served: Record<string, () => Promise<AggregateSnapshot | null>> = {
        unreadable: () => Promise.reject(damaged),
        versionZero: async () => ({
          streamId,
          version: 0,
          data: {
            schemaVersion: NoteAggregate.snapshotSchemaVersion,
            aggregateType: 'Note',
            state: note.toSnapshot(),
          },
          timestamp: new Date(),
        }),
      };
      for (const [what, getSnapshot] of Object.entries(served)) {
        const warnings: string[] = [];
        const reader = await repo(
          { cacheSize: 0, onWarning: (m) => warnings.push(m) },
          withGetSnapshot(store, getSnapshot),
        );
        const loaded = await reader.load(note.id);
        expect(loaded.state, what).toEqual(note.state);
        expect(loaded.version, what).toBe(note.version);
        expect(reader.stats, what).toMatchObject({ snapshotsIgnored: 1, snapshotsUsed: 0 });
        expect(warnings, what).toHaveLength(1);
      }
      // A store that cannot be reached is no snapshot to skip: the load fails.
      const down = new StoreUnavailableError('getSnapshot', new Error('down'), streamId);
      const unreachable = await repo(
        { cacheSize: 0 },
        withGetSnapshot(store, () => Promise.reject(down)),
      );
      await expect(unreachable.load(note.id)).rejects.toBe(down);
    });

    it('a snapshot predicate decides when to snapshot', async () => {
      const store = await makeStore();
      const r = await repo({ snapshots: { when: ({ version }) => version >= 3 } }, store);
      const note = newNote();
      await r.save(note);
      expect(await store.getSnapshot(r.streamIdOf(note.id))).toBeNull();
      renames(note, 3);
      await r.save(note);
      expect((await store.getSnapshot(r.streamIdOf(note.id)))?.version).toBe(note.version);
    });

    it('a snapshot of unsaved events is refused with UncommittedEventsError; nothing is written', async () => {
      const store = await makeStore();
      const r = await repo({ snapshots: false }, store);
      const note = newNote();
      await r.save(note);
      renames(note, 2);
      const refused = await r.snapshot(note).catch((error: unknown) => error);
      expect(UncommittedEventsError.isInstance(refused)).toBe(true);
      expect(refused).toMatchObject({
        name: 'UncommittedEventsError',
        aggregateId: note.id,
        streamId: r.streamIdOf(note.id),
        uncommitted: 2,
      });
      expect(await store.getSnapshot(r.streamIdOf(note.id))).toBeNull();
      await r.save(note);
      await r.snapshot(note);
      expect((await store.getSnapshot(r.streamIdOf(note.id)))?.version).toBe(note.version);
    });

    it('a cache hit reads only the tail and is never stale', async () => {
      const store = await makeStore();
      const cached = await repo({ snapshots: false }, store);
      const other = await repo({ snapshots: false, cacheSize: 0 }, store);
      const note = newNote();
      renames(note, 20);
      await cached.save(note);
      const before = cached.stats.eventsRead;
      const hit = await cached.load(note.id);
      expect(cached.stats.cacheHits).toBe(1);
      expect(cached.stats.eventsRead - before).toBe(0);
      expect(hit.state).toEqual(note.state);
      // another process saves: the cached repository must see it
      const changed = await other.load(note.id);
      changed.rename('Changed elsewhere');
      await other.save(changed);
      const fresh = await cached.load(note.id);
      expect(fresh.state.title).toBe('Changed elsewhere');
      expect(cached.stats.eventsRead - before).toBe(1);
    });

    it('a stale save fails with ConcurrencyError; update retries and both changes land', async () => {
      const r = await repo();
      const note = newNote();
      await r.save(note);
      const a = await r.load(note.id);
      const b = await r.load(note.id);
      a.rename('A');
      await r.save(a);
      b.rename('B');
      const error = await r.save(b).catch((e) => e);
      expect(ConcurrencyError.isInstance(error)).toBe(true);
      expect(r.stats.conflicts).toBe(1);
      await Promise.all([
        r.update(note.id, (c) => c.tag('bob')),
        r.update(note.id, (c) => c.tag('cyd')),
      ]);
      const final = await r.load(note.id);
      expect(final.state.tags).toEqual(expect.arrayContaining(['bob', 'cyd']));
    });

    it('update gives up after its retries with the ConcurrencyError', async () => {
      const store = await makeStore();
      const r = await repo({}, store);
      const meddler = await repo({ cacheSize: 0 }, store);
      const note = newNote();
      await r.save(note);
      let runs = 0;
      const error = await r
        .update(
          note.id,
          async (c) => {
            runs++;
            const m = await meddler.load(note.id);
            m.rename(`meddled ${runs}`);
            await meddler.save(m);
            c.rename(`mine ${runs}`);
          },
          { retries: 2 },
        )
        .catch((e) => e);
      expect(ConcurrencyError.isInstance(error)).toBe(true);
      expect(runs).toBe(3);
    });

    it('a tenant-bound repository can never load or write another tenant’s stream', async () => {
      const store = await makeStore();
      const a = await repo({ naming: tenantStreamNaming('acme') }, store);
      const b = await repo({ naming: tenantStreamNaming('globex') }, store);
      const note = newNote();
      await a.save(note);
      expect(a.streamIdOf(note.id)).toBe(`acme_Note_${note.id}`);
      expect(await b.getById(note.id)).toBeNull();
      // ids that try to spell another tenant's stream stay inside globex
      expect(b.streamIdOf(`x_acme_Note_${note.id}`)).toBe(`globex_Note_x_acme_Note_${note.id}`);
      const theirs = newNote(note.id);
      await b.save(theirs);
      expect(
        (await store.getEvents(`acme_Note_${note.id}`)).every(
          (e) => e.metadata.tenantId === 'acme',
        ),
      ).toBe(true);
      expect(() => tenantStreamNaming('acme_Note')).toThrow(ValidationError);
      // an event of another tenant found in the stream is refused, not mixed in
      const foreign = newNote();
      await store.append(
        `globex_Note_${foreign.id}`,
        foreign.uncommittedEvents.map((e) => ({
          type: e.type,
          data: e.data,
          metadata: { tenantId: 'acme' },
        })),
      );
      expect(TenantMismatchError.isInstance(await b.getById(foreign.id).catch((e) => e))).toBe(
        true,
      );
    });

    it('temporal naming puts a UUIDv7 aggregate in its month’s stream', async () => {
      const r = await repo({ naming: temporalStreamNaming() });
      const id = '019a8b2c-0000-7000-8000-000000000001';
      const note = newNote(id);
      await r.save(note);
      const date = new Date(0x019a8b2c0000);
      const month = String(date.getUTCMonth() + 1).padStart(2, '0');
      expect(r.streamIdOf(id)).toBe(`Note_${date.getUTCFullYear()}_${month}_${id}`);
      expect((await r.load(id)).state).toEqual(note.state);
      expect(() => r.streamIdOf('not-a-uuid')).toThrow(ValidationError);
      const custom = await repo({
        naming: temporalStreamNaming({ dateOf: () => new Date(Date.UTC(2025, 0, 9)) }),
      });
      expect(custom.streamIdOf('abc')).toBe('Note_2025_01_abc');
    });

    it('hash naming shares shard streams and still loads each aggregate alone', async () => {
      const store = await makeStore();
      const r = await repo({ naming: hashStreamNaming({ shards: 2 }) }, store);
      const notes = [newNote(), newNote(), newNote(), newNote()];
      for (const [i, c] of notes.entries()) {
        renames(c, i);
        await r.save(c);
      }
      const reader = await repo({ naming: hashStreamNaming({ shards: 2 }), cacheSize: 0 }, store);
      for (const c of notes) {
        expect(r.streamIdOf(c.id)).toMatch(/^Note_[01]$/);
        expect((await reader.load(c.id)).state).toEqual(c.state);
      }
      const again = await reader.load(notes[0]!.id);
      again.rename('sharded');
      await reader.save(again);
      expect((await reader.load(notes[0]!.id)).state.title).toBe('sharded');
      expect(await store.getSnapshot(r.streamIdOf(notes[0]!.id))).toBeNull();
    });
  });

  describe(`EventSourcedRepository on ${name}: shared streams, the cache and bad options`, () => {
    const tallies = async (options: Partial<RepositoryOptions<Tally>>, store: EventStore) =>
      new EventSourcedRepository<Tally>({ store, aggregate: Tally.definition, ...options });
    const oneShard = () => hashStreamNaming({ shards: 1 });
    const conflictOf = (p: Promise<unknown>) =>
      p.then(
        () => 'saved',
        (error: unknown) => (ConcurrencyError.isInstance(error) ? 'conflict' : error),
      );

    it('hash naming: the cache never hands one aggregate another’s state; an id never saved is null', async () => {
      const store = await makeStore();
      const r = await tallies({ naming: oneShard() }, store);
      const [x, y] = [new Tally(newId()), new Tally(newId())];
      x.add('x1', 1);
      await r.save(x);
      y.add('y1', 100);
      await r.save(y);
      expect((await r.load(x.id)).state).toEqual({ total: 1, items: ['x1'] });
      expect((await r.load(y.id)).state).toEqual({ total: 100, items: ['y1'] });
      expect(await r.getById(newId())).toBeNull();
      expect((await r.load(x.id)).state.total).toBe(1);
    });

    it('hash naming: an id saved twice or a stale aggregate is a ConcurrencyError; other aggregates of the shard are not', async () => {
      const store = await makeStore();
      const [a, b, c] = await Promise.all(
        [1, 2, 3].map(() => tallies({ naming: oneShard() }, store)),
      );
      const x = new Tally(newId());
      x.add('first');
      await a!.save(x);
      const twin = new Tally(x.id);
      twin.add('twin');
      expect(await conflictOf(b!.save(twin))).toBe('conflict');

      const stale = await a!.load(x.id);
      await c!.update(x.id, (t) => t.add('by c'));
      stale.add('late');
      expect(await conflictOf(b!.save(stale))).toBe('conflict');
      expect(await conflictOf(a!.save(stale))).toBe('conflict');

      // Saves of other aggregates move the shard's version, which is no conflict for x.
      const fresh = await a!.load(x.id);
      for (let i = 0; i < 3; i++) {
        const other = new Tally(newId());
        other.add(`other ${i}`);
        await b!.save(other);
      }
      fresh.add('after the others');
      expect(await conflictOf(a!.save(fresh))).toBe('saved');
      const reader = await tallies({ naming: oneShard(), cacheSize: 0 }, store);
      expect((await reader.load(x.id)).state.items).toEqual(['first', 'by c', 'after the others']);
      // Concurrent updates of one aggregate from two repositories both land, once each.
      await Promise.all([a!.update(x.id, (t) => t.add('a')), b!.update(x.id, (t) => t.add('b'))]);
      expect((await reader.load(x.id)).state.items.slice(3).sort()).toEqual(['a', 'b']);
    });

    it('a command that fails, or a caller changing a loaded aggregate, leaves the cache as stored', async () => {
      const store = await makeStore();
      const r = await tallies({}, store);
      const t = new Tally(newId());
      t.add('apple');
      await r.save(t);
      t.state.items.push('changed after the save');
      const boom = new Error('refused');
      await expect(
        r.update(t.id, (loaded) => {
          loaded.add('pear');
          throw boom;
        }),
      ).rejects.toBe(boom);
      const loaded = await r.load(t.id);
      expect(loaded.state).toEqual({ total: 1, items: ['apple'] });
      loaded.state.items.push('changed after the load');
      expect((await r.load(t.id)).state.items).toEqual(['apple']);
      expect(r.stats.cacheHits).toBeGreaterThan(0);
    });

    it('refuses bad options and a bad save context with ValidationError, writing nothing', async () => {
      const store = await makeStore();
      for (const cacheSize of [Number.NaN, -1, 1.5, 'x']) {
        await expect(tallies({ cacheSize: cacheSize as number }, store)).rejects.toThrow(
          ValidationError,
        );
      }
      for (const snapshots of [{ every: 0 }, { every: Number.NaN }, { when: 1 }, 'often']) {
        await expect(
          tallies(
            { snapshots: snapshots as unknown as RepositoryOptions<Tally>['snapshots'] },
            store,
          ),
        ).rejects.toThrow(ValidationError);
      }
      const r = await tallies({}, store);
      const t = new Tally(newId());
      t.add('one');
      await r.save(t);
      for (const retries of [Number.NaN, -1, 1.5]) {
        await expect(r.update(t.id, (x) => x.add('two'), { retries })).rejects.toThrow(
          ValidationError,
        );
      }
      const fresh = new Tally(newId());
      fresh.add('one');
      const bad = { metadata: 'xyz' as unknown as Record<string, unknown> };
      await expect(r.save(fresh, bad)).rejects.toThrow(ValidationError);
      expect(await r.getById(fresh.id)).toBeNull();
      expect((await r.load(t.id)).version).toBe(1);
    });

    it('a snapshot policy that throws is a warning: the save stands and is not made twice', async () => {
      const store = await makeStore();
      const warnings: string[] = [];
      const r = await tallies(
        {
          snapshots: {
            when: () => {
              throw new Error('policy broke');
            },
          },
          onWarning: (m) => warnings.push(m),
        },
        store,
      );
      const t = new Tally(newId());
      t.add('one');
      await r.save(t);
      expect(warnings.join('\n')).toContain('snapshot policy failed');
      expect(await store.getSnapshot(r.streamIdOf(t.id))).toBeNull();
      await r.update(t.id, (x) => x.add('two'));
      expect((await r.load(t.id)).state.items).toEqual(['one', 'two']);
    });

    it('a snapshot of another aggregate type is ignored, and the warning says why', async () => {
      const store = await makeStore();
      const warnings: string[] = [];
      const r = await tallies({ cacheSize: 0, onWarning: (m) => warnings.push(m) }, store);
      const t = new Tally(newId());
      t.add('one');
      await r.save(t);
      await store.saveSnapshot({
        streamId: r.streamIdOf(t.id),
        version: 1,
        data: { schemaVersion: 1, aggregateType: 'Note', state: { total: 9, items: [] } },
        timestamp: new Date(),
      });
      expect((await r.load(t.id)).state.total).toBe(1);
      expect(r.stats).toMatchObject({ snapshotsIgnored: 1, snapshotsUsed: 0 });
      expect(warnings[0]).toContain('aggregate type "Note"');
    });
  });
}
