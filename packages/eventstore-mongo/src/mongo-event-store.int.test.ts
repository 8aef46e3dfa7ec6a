import { eventStoreContract } from '@flowra/eventstore-core/contract';
import { describeMongo, type FreshDb } from '@flowra/test-mongo-server/vitest';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll } from 'vitest';
import { MongoEventStore } from './mongo-event-store.js';

describeMongo('MongoEventStore on the test server', (mongo) => {
  let handle: FreshDb;
  const siblings: MongoClient[] = [];
  let next = 0;

  beforeAll(async () => {
    handle = await mongo.freshDb('contract');
    // Separate clients (own connection pools) on the same database, as separate processes have.
    for (let i = 0; i < 3; i++) siblings.push(await new MongoClient(mongo.server!.uri).connect());
  });
  afterAll(async () => {
    await Promise.all(siblings.map((c) => c.close()));
  });

  eventStoreContract(`MongoEventStore (${mongo.server?.label ?? 'no server'})`, {
    createStore: () => new MongoEventStore(handle.db, { pollIntervalMs: 50 }),
    openSibling: () => {
      const client = siblings[next++ % siblings.length]!;
      return new MongoEventStore(client.db(handle.db.databaseName), { pollIntervalMs: 50 });
    },
    // The offline emulator is slow; a real server runs the suite at full size.
    scale: mongo.server?.kind === 'jongodb' ? 0.5 : 1,
    timeoutMs: 60_000,
  });
});
