import { InMemoryEventStore } from '@flowra/eventstore-core';
import { eventStoreContract } from '@flowra/eventstore-core/contract';
import { repositoryHarness } from '@flowra/repository/testing';

eventStoreContract('InMemoryEventStore (from the tarball)', {
  createStore: () => new InMemoryEventStore(),
});
repositoryHarness('InMemoryEventStore (from the tarball)', () => new InMemoryEventStore());
