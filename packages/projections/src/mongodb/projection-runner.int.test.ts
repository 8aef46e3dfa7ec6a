import type { EventStore } from '@flowra/eventstore-core';
import { MongoEventStore } from '@flowra/eventstore-mongo';
import { describeMongo } from '@flowra/test-mongo-server/vitest';
import { MongoClient } from 'mongodb';
import { afterAll } from 'vitest';
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
