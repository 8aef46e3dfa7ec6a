import { afterEach, describe } from 'vitest';
import type { EventStore } from '../types.js';
import { appendContract } from './append.contract.js';
import { badInputContract } from './bad-input.contract.js';
import { concurrencyContract } from './concurrency.contract.js';
import type { ContractContext, EventStoreContractOptions } from './context.js';
import { modelContract } from './model.contract.js';
import { readContract } from './read.contract.js';
import { readerContract } from './reader.contract.js';
import { snapshotContract } from './snapshot.contract.js';
import { subscriptionContract } from './subscription.contract.js';

export type {
  EventStoreContractOptions,
  EventStoreFaults,
  EventStoreLimits,
} from './context.js';
export { uniqueStreamId, waitFor } from './context.js';
export { telemetryContract, type TelemetryContractOptions } from './telemetry.contract.js';
export {
  loadTestTelemetry,
  type FinishedSpan,
  type MetricPoint,
  type TestTelemetry,
} from './telemetry-sdk.js';

/**
 * Registers the Flowra `EventStore` contract as vitest tests. Every store in this
 * repository runs it; adapter authors run it against theirs:
 *
 *   eventStoreContract('MyStore', { createStore: () => new MyStore(...) });
 */
export function eventStoreContract(name: string, options: EventStoreContractOptions): void {
  const made: EventStore[] = [];
  const ctx: ContractContext = {
    options: {
      timeoutMs: options.timeoutMs ?? 30_000,
      scale: options.scale ?? 1,
      deliveryTimeoutMs: options.deliveryTimeoutMs ?? 10_000,
    },
    limits: options.limits ?? {},
    faults: options.faults && {
      ...options.faults,
      async createIsolatedStore() {
        const store = await options.faults!.createIsolatedStore();
        made.push(store);
        return store;
      },
    },
    async store() {
      const store = await options.createStore();
      made.push(store);
      return store;
    },
    async sibling(store) {
      if (!options.openSibling) return store;
      const other = await options.openSibling(store);
      made.push(other);
      return other;
    },
  };

  describe(`EventStore contract: ${name}`, () => {
    afterEach(async () => {
      const stores = [...new Set(made.splice(0))];
      if (options.release) await options.release(stores);
      else await Promise.all(stores.map((s) => s.close()));
    });
    describe('append', () => appendContract(ctx));
    describe('read', () => readContract(ctx));
    describe('snapshots', () => snapshotContract(ctx));
    describe('subscriptions', () => subscriptionContract(ctx));
    describe('bad input', () => badInputContract(ctx));
    describe('concurrency', () => concurrencyContract(ctx));
    describe('readers under faults', () => readerContract(ctx));
    describe('model', () => modelContract(ctx));
  });
}
