import { repositoryHarness } from '@flowra/repository/testing';
import { describeMongo, type FreshDb } from '@flowra/test-mongo-server/vitest';
import { beforeAll } from 'vitest';
import { MongoEventStore } from './mongo-event-store.js';

// The repository's behaviour, run where MongoDB is a real dependency.
describeMongo('the repository on MongoDB', (mongo) => {
  let handle: FreshDb;
  beforeAll(async () => {
    handle = await mongo.freshDb('repository');
  });
  repositoryHarness(mongo.server?.label ?? 'MongoDB', () => new MongoEventStore(handle.db));
});
