import assert = require('node:assert/strict');
import { ChatAggregate } from '@flowra/domain';
import { InMemoryEventStore } from '@flowra/eventstore-core';
import { prepareEvents } from '@flowra/eventstore-core/adapter';
import { MongoEventStore } from '@flowra/eventstore-mongo';
import { decodeCommit } from '@flowra/eventstore-mongo/storage';
import { EventSourcedRepository } from '@flowra/repository';
import { verifyStore } from '@flowra/cli';

// Type-checked only; cjs-consumer.cjs is what runs.
async function main() {
  const store = new InMemoryEventStore();
  const repository = new EventSourcedRepository({ store, aggregate: ChatAggregate });
  assert.equal(repository.streamIdOf('c-1'), 'Chat-c-1');
  await store.append('s-1', [{ type: 'T', data: { n: 1 } }]);
  assert.equal(await store.headPosition(), 1);
  for (const fn of [prepareEvents, decodeCommit, verifyStore, MongoEventStore]) {
    assert.equal(typeof fn, 'function');
  }
  await store.close();
  console.log('CJS consumer: ok');
}
void main();
