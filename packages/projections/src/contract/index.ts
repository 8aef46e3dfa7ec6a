import { describe } from 'vitest';
import type { ContractContext, ReadModelStoreContractOptions } from './context.js';
import { documentsContract } from './documents.contract.js';
import { leaseContract } from './lease.contract.js';
import { stateContract } from './state.contract.js';

export type { ReadModelStoreContractOptions, ReadModelStoreLimits } from './context.js';

/**
 * Registers the `ReadModelStore` contract as vitest tests. Every store in this repository runs
 * it; authors of another store run it against theirs:
 *
 *   readModelStoreContract('MyStore', { createStore: () => new MyStore(...) });
 */
export function readModelStoreContract(name: string, options: ReadModelStoreContractOptions): void {
  const ctx: ContractContext = {
    limits: options.limits ?? {},
    store: async () => options.createStore(),
  };
  describe(`ReadModelStore contract: ${name}`, () => {
    describe('documents', () => documentsContract(ctx));
    describe('projection state', () => stateContract(ctx));
    describe('leases', () => leaseContract(ctx));
  });
}
export {
  type ProjectionRunnerContractOptions,
  projectionRunnerContract,
} from './runner.contract.js';
