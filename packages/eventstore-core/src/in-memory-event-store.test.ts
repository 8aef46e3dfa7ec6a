import { InMemoryEventStore } from './in-memory-event-store.js';
import { eventStoreContract, telemetryContract } from './contract/index.js';

eventStoreContract('InMemoryEventStore', { createStore: () => new InMemoryEventStore() });

// One process, one log: the "other instance" of the cross-instance link is the store itself.
telemetryContract('InMemoryEventStore', {
  createStore: (telemetry) => new InMemoryEventStore(telemetry),
  openSibling: (store) => store,
  system: 'flowra.memory',
});
