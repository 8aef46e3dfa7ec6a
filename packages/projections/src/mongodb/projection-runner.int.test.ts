import type { EventStore } from '@flowra/eventstore-core';
import { MongoEventStore } from '@flowra/eventstore-mongo';
import { describeMongo } from '@flowra/test-mongo-server/vitest';
import { MongoClient } from 'mongodb';
import { afterAll, expect, it } from 'vitest';
import { countingProjection } from '../test-support/counting-projection.js';
import { ProjectionReader } from '../projection-reader.js';
import { ProjectionRunner } from '../projection-runner.js';
import { projectionRunnerContract } from '../contract/runner.contract.js';
import { projectionTelemetryScenario } from '../test-support/telemetry-scenario.js';
import { MongoReadModelStore } from './mongo-read-model-store.js';

describeMongo('projection runner on MongoDB', (mongo) => {
  const clients: MongoClient[] = [];
  const databaseOf = new WeakMap<EventStore, string>();
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });
  projectionRunnerContract(`MongoEventStore + MongoReadModelStore (${mongo.server?.label})`, {
    async createStores() {
      const { db } = await mongo.freshDb('runner');
      const events = new MongoEventStore(db, { pollIntervalMs: 20 });
      databaseOf.set(events, db.databaseName);
      return { events, readModels: new MongoReadModelStore(db) };
    },
    // A second process: a client of its own on the same database.
    async openSibling(stores) {
      const client = new MongoClient(mongo.server!.uri);
      clients.push(client);
      const db = client.db(databaseOf.get(stores.events)!);
      return {
        events: new MongoEventStore(db, { pollIntervalMs: 20 }),
        readModels: new MongoReadModelStore(db),
      };
    },
  });

  it('a state removed by hand after a rebuild is written back with its generation: readers stay on it', async () => {
    const { db } = await mongo.freshDb('stategone');
    const events = new MongoEventStore(db, { pollIntervalMs: 20 });
    const readModels = new MongoReadModelStore(db);
    const name = 'counts';
    const runner = new ProjectionRunner({
      store: events,
      readModels,
      projection: countingProjection(name),
      leaseTtlMs: 2_000,
      pollIntervalMs: 20,
      dropOldGenerationAfterMs: 50,
    });
    try {
      const append = (n: number) =>
        events.append(
          's',
          Array.from({ length: n }, () => ({ type: 'Counted', data: {} })),
        );
      await append(5);
      runner.start();
      expect(await runner.waitFor(await events.headPosition(), 20_000)).toBe(true);
      await runner.rebuild();
      const switched = async () => (await readModels.getState(name))?.generation === 2;
      for (let i = 0; i < 500 && !(await switched()); i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(await switched(), 'the rebuild switched readers to generation 2').toBe(true);
      await new Promise((r) => setTimeout(r, 100));
      await db.collection('projection_states').deleteOne({ _id: name } as never);
      await append(3);
      expect(await runner.waitFor(await events.headPosition(), 20_000)).toBe(true);
      expect((await readModels.getState(name))?.generation).toBe(2);
      expect(await new ProjectionReader(readModels, name).get('counts', 's')).toMatchObject({
        n: 8,
      });
    } finally {
      await runner.stop();
      await events.close();
    }
  });

  let telemetryDb: string | undefined;
  projectionTelemetryScenario(`MongoEventStore + MongoReadModelStore (${mongo.server?.label})`, {
    async producer(telemetry) {
      const { db } = await mongo.freshDb('otel');
      telemetryDb = db.databaseName;
      return new MongoEventStore(db, { pollIntervalMs: 20, ...telemetry });
    },
    // The projection's process: a client of its own.
    async consumer(telemetry) {
      const client = new MongoClient(mongo.server!.uri);
      clients.push(client);
      const db = client.db(telemetryDb!);
      return {
        events: new MongoEventStore(db, { pollIntervalMs: 20, ...telemetry }),
        readModels: new MongoReadModelStore(db),
      };
    },
  });
});
