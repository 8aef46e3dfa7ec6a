import assert from 'node:assert/strict';
import { Chat, ChatAggregate, domainEventDefinitions } from '@flowra/domain';
import {
  ConcurrencyError,
  EventRegistry,
  type EventStore,
  InMemoryEventStore,
  collect,
} from '@flowra/eventstore-core';
import { LogFeed, prepareEvents } from '@flowra/eventstore-core/adapter';
import { MongoEventStore, RestoreRefusedError, migrate } from '@flowra/eventstore-mongo';
import { type CommitDocument, INDEXES, decodeCommit } from '@flowra/eventstore-mongo/storage';
import { EventSourcedRepository } from '@flowra/repository';
import { collectStats, verifyStore } from '@flowra/cli';
import { InMemoryReadModelStore, Projections, documentProjection } from '@flowra/projections';
import { MongoReadModelStore } from '@flowra/projections/mongodb';
import { type Db, MongoClient } from 'mongodb';
import { z } from 'zod';

// The application's own zod schemas and its own driver's Db go into our APIs.
const registry = new EventRegistry()
  .registerAll(domainEventDefinitions)
  .register('Pinged', z.object({ at: z.date() }));
const store: EventStore = new InMemoryEventStore({ registry });
await store.append('ping-1', [registry.create('Pinged', { at: new Date() })], 'no_stream');
await assert.rejects(store.append('ping-1', [], 0), ConcurrencyError);
assert.equal(await store.headPosition(), 1);

const chats = new EventSourcedRepository({ store, aggregate: ChatAggregate });
const chat = Chat.create(
  'chat-1',
  { workspaceId: 'ws', title: 'Hello' },
  { userId: 'ann', at: new Date() },
);
await chats.save(chat);
assert.equal((await chats.load('chat-1')).title, 'Hello');
assert.equal((await collect(store.readAll())).length, 2);

const projections = Projections.start({
  store,
  readModels: new InMemoryReadModelStore(),
  projections: [
    documentProjection<any, { n: number }>({
      name: 'pings',
      collection: 'counts',
      eventTypes: ['Pinged'],
      documentId: (event) => event.streamId,
      evolve: (doc) => ({ n: (doc?.n ?? 0) + 1 }),
    }),
  ],
});
assert.equal(await projections.waitFor(await store.headPosition()), true);
assert.deepEqual((await projections.reader('pings').get<{ n: number }>('counts', 'ping-1'))?.n, 1);
await projections.stop();

const client = new MongoClient('mongodb://127.0.0.1:9', { serverSelectionTimeoutMS: 1 });
const db: Db = client.db('consumer');
const mongoStore: EventStore = new MongoEventStore(db, { registry });
assert.equal(typeof new MongoReadModelStore(db).getState, 'function');
const typed: [typeof migrate, typeof verifyStore, typeof collectStats] = [
  migrate,
  verifyStore,
  collectStats,
];
const storage: [typeof decodeCommit, typeof INDEXES, CommitDocument | undefined] = [
  decodeCommit,
  INDEXES,
  undefined,
];
assert.equal(typeof LogFeed, 'function');
assert.equal(typeof prepareEvents, 'function');
assert.equal(RestoreRefusedError.name, 'RestoreRefusedError');
assert.ok(typed.length === 3 && storage.length === 3);
await mongoStore.close();
await client.close();
await store.close();
console.log('ESM consumer: ok');
