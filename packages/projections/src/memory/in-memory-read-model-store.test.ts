import { readModelStoreContract } from '../contract/index.js';
import { InMemoryReadModelStore } from './in-memory-read-model-store.js';

readModelStoreContract('InMemoryReadModelStore', {
  createStore: () => new InMemoryReadModelStore(),
});
