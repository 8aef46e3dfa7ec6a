import { Chat, ChatAggregate } from '@flowra/domain';
import { ConcurrencyError, type EventStore, ValidationError } from '@flowra/eventstore-core';
import { describe, expect, it } from 'vitest';
import { AggregateNotFoundError, TenantMismatchError } from './errors.js';
import { EventSourcedRepository, type RepositoryOptions } from './event-sourced-repository.js';
import { hashStreamNaming, temporalStreamNaming, tenantStreamNaming } from './stream-naming.js';

const ctx = (n = 0) => ({ userId: 'ann', at: new Date(Date.UTC(2026, 10, 1, 0, 0, n)) });
let seq = 0;
const newId = () => `chat${Date.now().toString(36)}${++seq}`;

function newChat(id = newId()): Chat {
  return Chat.create(id, { workspaceId: 'ws1', title: 'Launch', type: 'Task' }, ctx());
}

/** Renames a chat `count` times: one event each. */
function renames(chat: Chat, count: number, from = 0): void {
  for (let i = 0; i < count; i++) chat.rename({ title: `Title ${from + i}` }, ctx(i));
}

/**
 * The repository's behaviour, written once and run against every store (in-memory here,
 * MongoDB in the integration suite).
 */
export function repositoryHarness(
  name: string,
  makeStore: () => EventStore | Promise<EventStore>,
): void {
  const repo = async (options: Partial<RepositoryOptions<Chat>> = {}, store?: EventStore) =>
    new EventSourcedRepository<Chat>({
      store: store ?? (await makeStore()),
      aggregate: ChatAggregate,
      ...options,
    });

  describe(`EventSourcedRepository on ${name}`, () => {
    it('saves a new aggregate and loads it back equal', async () => {
      const r = await repo();
      const chat = newChat();
      renames(chat, 2);
      const result = await r.save(chat, {
        correlationId: 'corr-1',
        causationId: 'cmd-1',
        userId: 'ann',
      });
      expect(result?.nextExpectedVersion).toBe(chat.version);
      expect(chat.uncommittedEvents).toHaveLength(0);
      const loaded = await r.load(chat.id);
      expect(loaded.state).toEqual(chat.state);
      expect(loaded.version).toBe(chat.version);
      expect(await r.save(loaded)).toBeNull();
    });

    it('puts correlation and causation ids into every event of a save', async () => {
      const store = await makeStore();
      const r = await repo({}, store);
      const chat = newChat();
      renames(chat, 2);
      await r.save(chat, {
        correlationId: 'corr-9',
        causationId: 'cause-9',
        userId: 'bob',
        metadata: { source: 'test' },
      });
      const events = await store.getEvents(r.streamIdOf(chat.id));
      expect(events.length).toBeGreaterThan(2);
      for (const e of events) {
        expect(e.metadata).toMatchObject({
          correlationId: 'corr-9',
          causationId: 'cause-9',
          userId: 'bob',
          source: 'test',
          aggregateType: 'Chat',
          aggregateId: chat.id,
        });
      }
    });

    it('returns null for a missing aggregate and load throws AggregateNotFoundError', async () => {
      const r = await repo();
      expect(await r.getById('nobody')).toBeNull();
      const error = await r.load('nobody').catch((e) => e);
      expect(AggregateNotFoundError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({
        aggregateType: 'Chat',
        aggregateId: 'nobody',
        streamId: 'Chat-nobody',
      });
    });

    it('takes a snapshot every N events and then replays only the tail', async () => {
      const store = await makeStore();
      const writer = await repo({ snapshots: { every: 10 }, cacheSize: 0 }, store);
      const chat = newChat();
      await writer.save(chat);
      for (let i = 0; i < 5; i++) {
        const c = await writer.load(chat.id);
        renames(c, 5, i * 5);
        await writer.save(c);
      }
      const version = (await writer.load(chat.id)).version;
      const snapshot = await store.getSnapshot(writer.streamIdOf(chat.id));
      expect(snapshot!.version).toBeGreaterThan(version - 10);
      expect(snapshot!.version).toBeLessThan(version);
      const reader = await repo({ snapshots: { every: 10 }, cacheSize: 0 }, store);
      const loaded = await reader.load(chat.id);
      expect(loaded.version).toBe(version);
      expect(reader.stats.snapshotsUsed).toBe(1);
      // exactly the events after the snapshot, none of them applied twice
      expect(reader.stats.eventsRead).toBe(version - snapshot!.version);
      const full = await repo({ snapshots: false, cacheSize: 0 }, store);
      expect((await full.load(chat.id)).state).toEqual(loaded.state);
      expect(full.stats.eventsRead).toBe(version);
    });

    it('ignores a snapshot of another schema version and replays the stream', async () => {
      const store = await makeStore();
      const r = await repo({ snapshots: { every: 1 }, cacheSize: 0 }, store);
      const chat = newChat();
      renames(chat, 3);
      await r.save(chat);
      await store.saveSnapshot({
        streamId: r.streamIdOf(chat.id),
        version: chat.version,
        data: { schemaVersion: 999, aggregateType: 'Chat', state: {} },
        timestamp: new Date(),
      });
      const warnings: string[] = [];
      const reader = await repo({ cacheSize: 0, onWarning: (m) => warnings.push(m) }, store);
      const loaded = await reader.load(chat.id);
      expect(loaded.state).toEqual(chat.state);
      expect(reader.stats).toMatchObject({
        snapshotsIgnored: 1,
        snapshotsUsed: 0,
        eventsRead: chat.version,
      });
      expect(warnings[0]).toContain('schema version 999');
    });

    it('a snapshot ahead of its stream is never used: update works on the events', async () => {
      const store = await makeStore();
      const r = await repo({ cacheSize: 0 }, store);
      const chat = newChat();
      renames(chat, 2);
      await r.save(chat);
      const streamId = r.streamIdOf(chat.id);
      // As after restoring the events without the latest ones, or a rolled-back failover.
      const ahead = await repo({ snapshots: { every: 1 }, cacheSize: 0 }, store);
      const future = await ahead.load(chat.id);
      renames(future, 3, 100);
      await store.saveSnapshot({
        streamId,
        version: chat.version + 3,
        data: {
          schemaVersion: ChatAggregate.snapshotSchemaVersion,
          aggregateType: 'Chat',
          state: future.toSnapshot(),
        },
        timestamp: new Date(),
      });
      const updated = await r.update(chat.id, (c) => c.rename({ title: 'After restore' }, ctx(7)));
      expect(updated.version).toBe(chat.version + 1);
      expect((await r.load(chat.id)).state.title).toBe('After restore');
      expect(r.stats.snapshotsUsed).toBe(0);
    });

    it('a snapshot of other events at its version is ignored and counted', async () => {
      const store = await makeStore();
      const r = await repo({ cacheSize: 0 }, store);
      const chat = newChat();
      renames(chat, 2);
      await r.save(chat);
      const impostor = newChat(chat.id);
      renames(impostor, 2, 50);
      // Same version, built from events the stream no longer holds (their positions differ).
      await store.saveSnapshot({
        streamId: r.streamIdOf(chat.id),
        version: chat.version,
        data: {
          schemaVersion: ChatAggregate.snapshotSchemaVersion,
          aggregateType: 'Chat',
          state: impostor.toSnapshot(),
          lastPosition: 987_654_321,
        },
        timestamp: new Date(),
      });
      const warnings: string[] = [];
      const reader = await repo({ cacheSize: 0, onWarning: (m) => warnings.push(m) }, store);
      const loaded = await reader.load(chat.id);
      expect(loaded.state).toEqual(chat.state);
      expect(reader.stats).toMatchObject({ snapshotsIgnored: 1, eventsRead: chat.version });
      expect(warnings[0]).toContain('does not match the stream');
      const updated = await reader.update(chat.id, (c) => c.rename({ title: 'Fine' }, ctx(8)));
      expect(updated.version).toBe(chat.version + 1);
    });

    it('a snapshot predicate decides when to snapshot', async () => {
      const store = await makeStore();
      const r = await repo({ snapshots: { when: ({ version }) => version >= 3 } }, store);
      const chat = newChat();
      await r.save(chat);
      expect(await store.getSnapshot(r.streamIdOf(chat.id))).toBeNull();
      renames(chat, 3);
      await r.save(chat);
      expect((await store.getSnapshot(r.streamIdOf(chat.id)))?.version).toBe(chat.version);
    });

    it('a cache hit reads only the tail and is never stale', async () => {
      const store = await makeStore();
      const cached = await repo({ snapshots: false }, store);
      const other = await repo({ snapshots: false, cacheSize: 0 }, store);
      const chat = newChat();
      renames(chat, 20);
      await cached.save(chat);
      const before = cached.stats.eventsRead;
      const hit = await cached.load(chat.id);
      expect(cached.stats.cacheHits).toBe(1);
      expect(cached.stats.eventsRead - before).toBe(0);
      expect(hit.state).toEqual(chat.state);
      // another process saves: the cached repository must see it
      const changed = await other.load(chat.id);
      changed.rename({ title: 'Changed elsewhere' }, ctx(99));
      await other.save(changed);
      const fresh = await cached.load(chat.id);
      expect(fresh.state.title).toBe('Changed elsewhere');
      expect(cached.stats.eventsRead - before).toBe(1);
    });

    it('a stale save fails with ConcurrencyError; update retries and both changes land', async () => {
      const r = await repo();
      const chat = newChat();
      await r.save(chat);
      const a = await r.load(chat.id);
      const b = await r.load(chat.id);
      a.rename({ title: 'A' }, ctx(1));
      await r.save(a);
      b.rename({ title: 'B' }, ctx(2));
      const error = await r.save(b).catch((e) => e);
      expect(ConcurrencyError.isInstance(error)).toBe(true);
      expect(r.stats.conflicts).toBe(1);
      await Promise.all([
        r.update(chat.id, (c) => c.addParticipant({ userId: 'bob' }, ctx(3))),
        r.update(chat.id, (c) => c.addParticipant({ userId: 'cyd' }, ctx(4))),
      ]);
      const final = await r.load(chat.id);
      expect(final.state.participants).toEqual(expect.arrayContaining(['ann', 'bob', 'cyd']));
    });

    it('update gives up after its retries with the ConcurrencyError', async () => {
      const store = await makeStore();
      const r = await repo({}, store);
      const meddler = await repo({ cacheSize: 0 }, store);
      const chat = newChat();
      await r.save(chat);
      let runs = 0;
      const error = await r
        .update(
          chat.id,
          async (c) => {
            runs++;
            const m = await meddler.load(chat.id);
            m.rename({ title: `meddled ${runs}` }, ctx(runs));
            await meddler.save(m);
            c.rename({ title: `mine ${runs}` }, ctx(50 + runs));
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
      const chat = newChat();
      await a.save(chat);
      expect(a.streamIdOf(chat.id)).toBe(`acme_Chat_${chat.id}`);
      expect(await b.getById(chat.id)).toBeNull();
      // ids that try to spell another tenant's stream stay inside globex
      expect(b.streamIdOf(`x_acme_Chat_${chat.id}`)).toBe(`globex_Chat_x_acme_Chat_${chat.id}`);
      const theirs = newChat(chat.id);
      await b.save(theirs);
      expect(
        (await store.getEvents(`acme_Chat_${chat.id}`)).every(
          (e) => e.metadata.tenantId === 'acme',
        ),
      ).toBe(true);
      expect(() => tenantStreamNaming('acme_Chat')).toThrow(ValidationError);
      // an event of another tenant found in the stream is refused, not mixed in
      const foreign = newChat();
      await store.append(
        `globex_Chat_${foreign.id}`,
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
      const chat = newChat(id);
      await r.save(chat);
      const date = new Date(0x019a8b2c0000);
      const month = String(date.getUTCMonth() + 1).padStart(2, '0');
      expect(r.streamIdOf(id)).toBe(`Chat_${date.getUTCFullYear()}_${month}_${id}`);
      expect((await r.load(id)).state).toEqual(chat.state);
      expect(() => r.streamIdOf('not-a-uuid')).toThrow(ValidationError);
      const custom = await repo({
        naming: temporalStreamNaming({ dateOf: () => new Date(Date.UTC(2025, 0, 9)) }),
      });
      expect(custom.streamIdOf('abc')).toBe('Chat_2025_01_abc');
    });

    it('hash naming shares shard streams and still loads each aggregate alone', async () => {
      const store = await makeStore();
      const r = await repo({ naming: hashStreamNaming({ shards: 2 }) }, store);
      const chats = [newChat(), newChat(), newChat(), newChat()];
      for (const [i, c] of chats.entries()) {
        renames(c, i);
        await r.save(c);
      }
      const reader = await repo({ naming: hashStreamNaming({ shards: 2 }), cacheSize: 0 }, store);
      for (const c of chats) {
        expect(r.streamIdOf(c.id)).toMatch(/^Chat_[01]$/);
        expect((await reader.load(c.id)).state).toEqual(c.state);
      }
      const again = await reader.load(chats[0]!.id);
      again.rename({ title: 'sharded' }, ctx(7));
      await reader.save(again);
      expect((await reader.load(chats[0]!.id)).state.title).toBe('sharded');
      expect(await store.getSnapshot(r.streamIdOf(chats[0]!.id))).toBeNull();
    });
  });
}
