import { type FreshDb, type ProvidedMongo, describeMongo } from '@flowra/test-mongo-server/vitest';
import { beforeAll } from 'vitest';
import { type ReadModelStoreLimits, readModelStoreContract } from '../contract/index.js';
import { MongoReadModelStore } from './mongo-read-model-store.js';

/** What the emulators cannot keep that MongoDB does: those contract tests are skipped there. */
function limitsOf(server: ProvidedMongo | null): ReadModelStoreLimits {
  const limits: ReadModelStoreLimits = {};
  if (server && !server.capabilities.atomicUpdates) {
    limits.atomicConditionalWrites = `${server.label} loses racing conditional updates`;
  }
  if (server?.kind === 'ferretdb') {
    limits.nestedArrays = `${server.label} refuses arrays inside arrays ("nested arrays are not supported"; MongoDB stores them)`;
  }
  return limits;
}

describeMongo('MongoReadModelStore on the test server', (mongo) => {
  let handle: FreshDb;
  beforeAll(async () => {
    handle = await mongo.freshDb('projections');
  });

  readModelStoreContract(`MongoReadModelStore (${mongo.server?.label ?? 'no server'})`, {
    createStore: () => new MongoReadModelStore(handle.db),
    limits: limitsOf(mongo.server),
  });
});
