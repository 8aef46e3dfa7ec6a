import { InMemoryEventStore } from '@flowra/eventstore-core';
import { projectionRunnerContract } from './contract/runner.contract.js';
import { InMemoryReadModelStore } from './memory/in-memory-read-model-store.js';

// One process's memory: a sibling "process" shares the same stores, as processes share a database.
projectionRunnerContract('InMemoryEventStore + InMemoryReadModelStore', {
  createStores: async () => ({
    events: new InMemoryEventStore(),
    readModels: new InMemoryReadModelStore(),
  }),
  openSibling: async (stores) => stores,
});
