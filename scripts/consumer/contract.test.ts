import { InMemoryEventStore } from '@flowra/eventstore-core';
import { eventStoreContract, telemetryContract } from '@flowra/eventstore-core/contract';
import { InMemoryReadModelStore } from '@flowra/projections';
import { readModelStoreContract } from '@flowra/projections/contract';
import { repositoryHarness } from '@flowra/repository/testing';

eventStoreContract('InMemoryEventStore (from the tarball)', {
  createStore: () => new InMemoryEventStore(),
});
// Skipped with its reason where the OpenTelemetry SDK is not installed (the oldest consumer).
telemetryContract('InMemoryEventStore (from the tarball)', {
  createStore: (telemetry) => new InMemoryEventStore(telemetry),
  openSibling: (store) => store,
  system: 'flowra.memory',
});
repositoryHarness('InMemoryEventStore (from the tarball)', () => new InMemoryEventStore());
readModelStoreContract('InMemoryReadModelStore (from the tarball)', {
  createStore: () => new InMemoryReadModelStore(),
});
