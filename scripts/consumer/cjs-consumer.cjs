// The CommonJS entry points, loaded with require() by plain Node.
const assert = require('node:assert/strict');
const { ChatAggregate } = require('@flowra/domain');
const { InMemoryEventStore } = require('@flowra/eventstore-core');
const { prepareEvents } = require('@flowra/eventstore-core/adapter');
const { MongoEventStore } = require('@flowra/eventstore-mongo');
const { decodeCommit } = require('@flowra/eventstore-mongo/storage');
const { EventSourcedRepository } = require('@flowra/repository');
const { verifyStore } = require('@flowra/cli');
const { Projections } = require('@flowra/projections');
const { MongoReadModelStore } = require('@flowra/projections/mongodb');

async function main() {
  const store = new InMemoryEventStore();
  const repository = new EventSourcedRepository({ store, aggregate: ChatAggregate });
  assert.equal(repository.streamIdOf('c-1'), 'Chat-c-1');
  await store.append('s-1', [{ type: 'T', data: { n: 1 } }]);
  assert.equal(await store.headPosition(), 1);
  for (const fn of [prepareEvents, decodeCommit, verifyStore, MongoEventStore, Projections, MongoReadModelStore]) {
    assert.equal(typeof fn, 'function');
  }
  await store.close();
  console.log('CJS consumer: ok');
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
