import type { EventStore } from '@flowra/eventstore-core';
import {
  type EventStoreLimits,
  eventStoreContract,
  telemetryContract,
} from '@flowra/eventstore-core/contract';
import { capabilityReason } from '@flowra/test-mongo-server';
import { describeMongo, type FreshDb, type ProvidedMongo } from '@flowra/test-mongo-server/vitest';
import { type Db, MongoClient } from 'mongodb';
import { afterAll, beforeAll } from 'vitest';
import { MongoEventStore } from './mongo-event-store.js';

/**
 * What the emulators cannot keep that MongoDB does (BSON doubles keep -0, NaN and ±Infinity; a
 * single-document update is atomic): those contract tests are skipped there, with the reason.
 */
function limitsOf(server: ProvidedMongo | null): EventStoreLimits {
  if (!server) return {};
  const limits: EventStoreLimits = {};
  if (server.kind === 'ferretdb') {
    limits.negativeZero = `${server.label} gives -0 back as 0 (MongoDB keeps the sign of a BSON double)`;
    limits.nonFiniteNumbers = `${server.label} refuses ±Infinity and drops the connection on NaN (MongoDB stores both as BSON doubles)`;
  }
  if (!server.capabilities.atomicUpdates) {
    limits.conditionalUpdates = capabilityReason('atomicUpdates', server);
  }
  return limits;
}

describeMongo('MongoEventStore on the test server', (mongo) => {
  let handle: FreshDb;
  const siblings: MongoClient[] = [];
  let next = 0;
  const isolated = new WeakMap<EventStore, Db>();

  beforeAll(async () => {
    handle = await mongo.freshDb('contract');
    // Separate clients (own connection pools) on the same database, as separate processes have.
    for (let i = 0; i < 3; i++) siblings.push(await new MongoClient(mongo.server!.uri).connect());
  });
  afterAll(async () => {
    await Promise.all(siblings.map((c) => c.close()));
  });

  const emulator = mongo.server?.kind === 'jongodb' || mongo.server?.kind === 'ferretdb';
  eventStoreContract(`MongoEventStore (${mongo.server?.label ?? 'no server'})`, {
    createStore: () => new MongoEventStore(handle.db, { pollIntervalMs: 50 }),
    openSibling: () => {
      const client = siblings[next++ % siblings.length]!;
      return new MongoEventStore(client.db(handle.db.databaseName), { pollIntervalMs: 50 });
    },
    // The offline emulators are slow; a real server runs the suite at full size.
    scale: emulator ? 0.5 : 1,
    timeoutMs: 60_000,
    limits: limitsOf(mongo.server),
    faults: {
      gapTimeoutMs: 300,
      async createIsolatedStore() {
        const own = await mongo.freshDb('faults');
        const store = new MongoEventStore(own.db, { pollIntervalMs: 20, gapTimeoutMs: 300 });
        isolated.set(store, own.db);
        return store;
      },
      // As an operator's purge would: the whole commit holding the position goes.
      async removeEventAt(store, position) {
        const db = isolated.get(store)!;
        const { deletedCount } = await db
          .collection('events')
          .deleteOne({ position: { $lte: position }, last_position: { $gte: position } });
        if (deletedCount !== 1) throw new Error(`no commit holds position ${position}`);
      },
    },
  });

  telemetryContract(`MongoEventStore (${mongo.server?.label ?? 'no server'})`, {
    createStore: (telemetry) =>
      new MongoEventStore(handle.db, { pollIntervalMs: 50, ...telemetry }),
    // Another client on the same database: the link crosses instances as it crosses processes.
    openSibling: (_store, telemetry) => {
      const client = siblings[next++ % siblings.length]!;
      return new MongoEventStore(client.db(handle.db.databaseName), {
        pollIntervalMs: 50,
        ...telemetry,
      });
    },
    system: 'mongodb',
    placement: true,
    timeoutMs: 60_000,
  });
});
