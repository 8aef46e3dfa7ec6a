import { InMemoryEventStore } from '@flowra/eventstore-core';
import { eventStoreContract } from '@flowra/eventstore-core/contract';
import { InMemoryReadModelStore } from '@flowra/projections';
import { readModelStoreContract } from '@flowra/projections/contract';
import { repositoryHarness } from '@flowra/repository/testing';

eventStoreContract('InMemoryEventStore (from the tarball)', {
  createStore: () => new InMemoryEventStore(),
});
repositoryHarness('InMemoryEventStore (from the tarball)', () => new InMemoryEventStore());
readModelStoreContract('InMemoryReadModelStore (from the tarball)', {
  createStore: () => new InMemoryReadModelStore(),
});
