import { InMemoryEventStore } from './in-memory-event-store.js';
import { eventStoreContract } from './contract/index.js';

eventStoreContract('InMemoryEventStore', { createStore: () => new InMemoryEventStore() });
