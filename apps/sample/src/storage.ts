import { domainEventDefinitions } from '@flowra/domain';
import {
  EventRegistry,
  type EventStore,
  type FlowraLogger,
  InMemoryEventStore,
} from '@flowra/eventstore-core';
import { type MigrationReport, MongoEventStore } from '@flowra/eventstore-mongo';
import { type Db, MongoClient } from 'mongodb';
import type { Config } from './config.js';
import { InMemoryReadModelStore, type ReadModelStore } from '@flowra/projections';
import { MongoReadModelStore } from '@flowra/projections/mongodb';

/** The event store and the read models, chosen together: both in memory, or both in MongoDB. */
export interface Storage {
  readonly kind: 'memory' | 'mongodb';
  /** For logs: which store, and where. */
  readonly description: string;
  readonly store: EventStore;
  /** Where the projections keep their documents, checkpoints and leases. */
  readonly readModels: ReadModelStore;
  /** Position of the last event in the log. */
  headPosition(): Promise<number>;
  close(): Promise<void>;
}

/** Every write is checked against the domain's event schemas, and reads are decoded by them. */
export function domainRegistry() {
  return new EventRegistry().registerAll(domainEventDefinitions);
}

export function memoryStorage(options: { logger?: FlowraLogger } = {}): Storage {
  const store = new InMemoryEventStore({
    registry: domainRegistry(),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    kind: 'memory',
    description: 'the in-memory store (data lasts until the process exits)',
    store,
    readModels: new InMemoryReadModelStore(),
    headPosition: () => store.headPosition(),
    close: () => store.close(),
  };
}

export interface MongoStorageOptions {
  /** How often subscriptions poll where the server has no change streams. */
  pollIntervalMs?: number;
  /** Runs after the store is closed: e.g. closing a client this storage owns. */
  onClose?: () => Promise<void>;
  logger?: FlowraLogger;
}

/** Applies the schema first (idempotent, safe from several processes at once). */
export async function mongoStorage(
  db: Db,
  options: MongoStorageOptions = {},
): Promise<Storage & { migration: MigrationReport }> {
  const store = new MongoEventStore(db, {
    registry: domainRegistry(),
    pollIntervalMs: options.pollIntervalMs ?? 100,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const migration = await store.migrate();
  const readModels = new MongoReadModelStore(db);
  return {
    kind: 'mongodb',
    description: `MongoDB (database ${db.databaseName})`,
    store,
    readModels,
    migration,
    headPosition: () => store.headPosition(),
    close: async () => {
      await store.close();
      await options.onClose?.();
    },
  };
}

export async function openStorage(
  config: Config,
  options: { logger?: FlowraLogger } = {},
): Promise<Storage> {
  if (!config.mongodbUri) return memoryStorage(options);
  const client = new MongoClient(config.mongodbUri, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  try {
    return await mongoStorage(client.db(config.mongodbDb), {
      pollIntervalMs: config.pollIntervalMs,
      onClose: () => client.close(),
      ...options,
    });
  } catch (error) {
    await client.close();
    throw error;
  }
}
