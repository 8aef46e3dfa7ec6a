import { InMemoryEventStore } from '@flowra/eventstore-core';
import { repositoryHarness } from './repository.harness.js';

repositoryHarness('InMemoryEventStore', () => new InMemoryEventStore());
