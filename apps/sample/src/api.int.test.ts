import { describeMongo } from '@flowra/test-mongo-server/vitest';
import { apiSuite } from './api.suite.js';
import { mongoStorage } from './storage.js';

describeMongo('HTTP API on MongoDB', (mongo) => {
  // A database of its own per storage; the emulator polls instead of change streams, so poll fast.
  apiSuite(async () => {
    const { db } = await mongo.freshDb('sample');
    return mongoStorage(db, { pollIntervalMs: 50 });
  });
});
