import { InMemoryEventStore } from '@flowra/eventstore-core';
import { runBadInputs } from './bad-inputs.js';
import { runHostileCases } from './hostile-data.js';
import type { SeededRandom } from './seeded-random.js';
import { checkStore } from './stress-check.js';
import type { StressPlan } from './stress-plan.js';
import type { StoreOutcome } from './stress-report.js';
import { runWriters, subscribeFromStart, waitForSubscriber } from './stress-workload.js';
import { prepareBadInputTarget } from './bad-input-target.js';

/** The workload, the full check and the bad-input tables against the in-memory store. */
export async function stressInMemory(rng: SeededRandom, plan: StressPlan): Promise<StoreOutcome> {
  const started = performance.now();
  const violations: string[] = [];
  const store = new InMemoryEventStore();
  const subscriber = subscribeFromStart(store);
  const now = Date.now();
  const workload = await runWriters({
    rng,
    writers: plan.writers,
    streams: plan.streams,
    maxAppends: plan.maxAppends,
    maxBatch: plan.maxBatch,
    deadline: now + plan.seconds * 1_000,
    retryDeadline: now + (plan.seconds + plan.graceSeconds) * 1_000,
    maxConflicts: 20,
    storeFor: () => store,
    interleave: true,
  });
  const head = await store.headPosition();
  if (!(await waitForSubscriber(subscriber, head, plan.catchUpSeconds * 1_000))) {
    violations.push(
      `the subscription stopped at position ${subscriber.subscription.position} of ${head}${subscriber.subscription.error ? `: ${String(subscriber.subscription.error)}` : ' (stalled)'}`,
    );
  }
  await subscriber.subscription.close();
  const check = await checkStore(store, workload.batches, subscriber);
  await store.close();

  const inputs = new InMemoryEventStore();
  const target = await prepareBadInputTarget(inputs);
  const bad = await runBadInputs(inputs, target, false);
  const hostile = await runHostileCases(inputs, 'mem');
  await inputs.close();
  return {
    name: 'in-memory',
    check,
    workload,
    faults: undefined,
    faultsInjected: 0,
    bad,
    hostile,
    violations,
    gapsReported: 0,
    seconds: (performance.now() - started) / 1_000,
  };
}
