import { InMemoryEventStore } from '@flowra/eventstore-core';
import { InMemoryReadModelStore } from './memory/in-memory-read-model-store.js';
import { projectionTelemetryScenario } from './test-support/telemetry-scenario.js';

// One process's memory: the consumer's store is the producer's (its telemetry is the same).
let shared: InMemoryEventStore | undefined;
projectionTelemetryScenario('InMemoryEventStore + InMemoryReadModelStore', {
  async producer(telemetry) {
    shared = new InMemoryEventStore(telemetry);
    return shared;
  },
  async consumer() {
    return { events: shared!, readModels: new InMemoryReadModelStore() };
  },
});
