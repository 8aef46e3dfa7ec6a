import { MongoEventStore } from '@flowra/eventstore-mongo';
import { describeMongo, type FreshDb } from '@flowra/test-mongo-server/vitest';
import { beforeAll } from 'vitest';
import { repositoryHarness } from './repository.harness.js';

describeMongo('repository on MongoDB', (mongo) => {
  let handle: FreshDb;
  beforeAll(async () => {
    handle = await mongo.freshDb('repository');
  });
  repositoryHarness(mongo.server?.label ?? 'MongoDB', () => new MongoEventStore(handle.db));
});
