import type { EventStore } from '@flowra/eventstore-core';
import { enterPhase } from './stress-phase.js';
import { MongoEventStore } from '@flowra/eventstore-mongo';
import { MongoClient, type MongoClientOptions } from 'mongodb';
import { runBadInputs } from './bad-inputs.js';
import { prepareBadInputTarget } from './bad-input-target.js';
import { checkCommitLog } from './commit-log-check.js';
import { FaultProxy, type FaultRates } from './fault-proxy.js';
import { FERRETDB_LIMITS, runHostileCases } from './hostile-data.js';
import type { MongoTarget } from './mongo-target.js';
import { proxyTarget } from './proxied-uri.js';
import type { SeededRandom } from './seeded-random.js';
import { checkStore } from './stress-check.js';
import { withoutReadPreference } from './wire-messages.js';
import type { MongoStressPlan } from './stress-plan.js';
import type { StoreOutcome } from './stress-report.js';
import { runWriters, subscribeFromStart, waitForSubscriber } from './stress-workload.js';
import { stressGapFault } from './stress-gap-fault.js';
import { startKilledWriter } from './stress-killed-writer.js';
import { stressProjectionTakeover } from './stress-projection-takeover.js';

export const FAULT_RATES: FaultRates = {
  resetOnConnect: 0.05,
  resetBeforeForward: 0.01,
  dropReply: 0.012,
  outagePerSecond: 0.06,
};

/** Low timeouts so a fault costs seconds, not minutes (the proxied URI asks for a direct connection). */
const PROXIED_CLIENT: MongoClientOptions = {
  serverSelectionTimeoutMS: 2_000,
  connectTimeoutMS: 1_500,
  socketTimeoutMS: 5_000,
  // A checkout otherwise waits without bound; the store's own read deadline is 30 s.
  waitQueueTimeoutMS: 5_000,
  heartbeatFrequencyMS: 500,
  maxPoolSize: 10,
};

/**
 * Writers and a subscription reach MongoDB through a fault-injecting proxy; the check, the
 * bad inputs and the hostile data go through a direct client.
 */
export async function stressMongo(
  target: MongoTarget,
  rng: SeededRandom,
  plan: MongoStressPlan,
  /** Faults come from outside (a replica set stepped down and restarted while this runs). */
  externalFaults = false,
): Promise<StoreOutcome> {
  const started = performance.now();
  const violations: string[] = [];
  const direct = await target.connect();
  const dbName = target.freshDbName('stress');
  const directStore = new MongoEventStore(direct.db(dbName));
  await directStore.migrate();

  const address = proxyTarget(target.server.uri);
  let proxy: FaultProxy | undefined;
  let uri = target.server.uri;
  if (address) {
    // Over a direct connection drivers ask for primaryPreferred, which the emulator refuses.
    proxy = new FaultProxy(
      address,
      rng.fork(),
      FAULT_RATES,
      target.server.kind === 'jongodb' ? withoutReadPreference : undefined,
    );
    uri = address.viaProxy(await proxy.listen());
  } else if (externalFaults) {
    console.log('mongo: no fault proxy in front of a replica set; the faults come from outside');
  } else {
    violations.push(
      `no faults: a single TCP proxy cannot front ${target.server.uri.replace(/\/\/[^@]*@/, '//')} (with --external-faults the faults come from outside)`,
    );
  }
  // Two writer stores, as two processes would have. One as configured in production (the
  // driver and the store retry what failed); one that retries nothing itself, so every fault
  // reaches the writer, which retries with the same event ids.
  const writerA = new MongoClient(uri, PROXIED_CLIENT);
  const writerB = new MongoClient(uri, {
    ...PROXIED_CLIENT,
    retryWrites: false,
    retryReads: false,
  });
  const reader = new MongoClient(uri, PROXIED_CLIENT);
  const clients = [writerA, writerB, reader];
  await Promise.all(clients.map((c) => c.connect()));
  const writerStores: EventStore[] = [
    new MongoEventStore(writerA.db(dbName), { maxTransientRetries: 4 }),
    new MongoEventStore(writerB.db(dbName), { maxTransientRetries: 0 }),
  ];
  const subStore = new MongoEventStore(reader.db(dbName), {
    pollIntervalMs: 50,
    maxTransientRetries: 4,
  });
  const subscriber = subscribeFromStart(subStore);

  proxy?.enable();
  // A writer process of its own, killed with SIGKILL while it appends.
  const killed = startKilledWriter(uri, dbName, rng.fork(), plan.streams);
  const killedBatches = new Promise<Awaited<ReturnType<typeof killed.kill>>>((resolve, reject) => {
    setTimeout(
      () => killed.kill().then(resolve, reject),
      rng.int(1_000, Math.max(1_500, (plan.seconds * 1_000) / 2)),
    );
  });
  const now = Date.now();
  const inFlight = { appends: 0, reads: 0 };
  enterPhase(
    'mongo: writers',
    () => `${inFlight.appends} appends and ${inFlight.reads} reads in flight`,
  );
  const workload = await runWriters({
    inFlight,
    rng,
    writers: plan.writers,
    streams: plan.streams,
    maxAppends: plan.maxAppends,
    maxBatch: plan.maxBatch,
    deadline: now + plan.seconds * 1_000,
    retryDeadline: now + (plan.seconds + plan.graceSeconds) * 1_000,
    maxConflicts: 50,
    storeFor: (w) => writerStores[w % writerStores.length]!,
    probeLanded: async (streamId, ids) => {
      const stored = new Set((await directStore.getEvents(streamId)).map((e) => e.eventId));
      return ids.every((id) => stored.has(id));
    },
    labelFor: (w) =>
      w % writerStores.length === 0 ? 'store A, retries on' : 'store B, retries off',
  });
  proxy?.disable();
  const { batches: fromKilled, problem: killedProblem } = await killedBatches;
  if (killedProblem) violations.push(killedProblem);
  workload.batches.push(...fromKilled);
  const killedAcked = fromKilled.filter((b) => b.outcome === 'acked').length;

  enterPhase(
    'mongo: subscription catch-up',
    () => `subscription at ${subscriber.subscription.position}`,
  );
  const head = await directStore.headPosition();
  if (!(await waitForSubscriber(subscriber, head, plan.catchUpSeconds * 1_000))) {
    violations.push(
      `the subscription stopped at position ${subscriber.subscription.position} of ${head}${subscriber.subscription.error ? `: ${String(subscriber.subscription.error)}` : ` (stalled for ${plan.catchUpSeconds} s after the writers stopped)`}`,
    );
  }
  enterPhase('mongo: closing stores, clients and the proxy');
  await subscriber.subscription.close();
  await Promise.all([...writerStores, subStore].map((s) => s.close()));
  await Promise.all(clients.map((c) => c.close(true).catch(() => {})));
  await proxy?.close();

  enterPhase('mongo: checking the stored log (direct client)');
  const check = await checkStore(directStore, workload.batches, subscriber);
  const commits = await checkCommitLog(direct.db(dbName));
  if (commits.misplaced > 0) violations.push(...commits.findings.map((f) => `commit log: ${f}`));
  await directStore.close();

  enterPhase('mongo: a commit deleted by hand while writers run');
  const gap = await stressGapFault(target, rng.fork());
  violations.push(...gap.violations);

  enterPhase('mongo: projection takeover');
  const takeover = await stressProjectionTakeover(target, rng.fork(), plan.takeover);
  violations.push(...takeover.violations);

  enterPhase('mongo: bad inputs and hostile data');
  const inputs = new MongoEventStore(direct.db(target.freshDbName('stress_inputs')));
  const badTarget = await prepareBadInputTarget(inputs);
  const bad = await runBadInputs(inputs, badTarget, true);
  const hostile = await runHostileCases(
    inputs,
    'mongo',
    target.server.kind === 'ferretdb' ? FERRETDB_LIMITS : undefined,
  );
  await inputs.close();
  await direct.close();
  return {
    name: `mongo (${target.label})`,
    check,
    workload,
    faults: proxy?.counts,
    faultsInjected: proxy?.injected ?? 0,
    bad,
    hostile,
    violations,
    gapsReported: gap.gapsReported,
    killedWriter: { acknowledged: killedAcked, attempted: fromKilled.length },
    projectionTakeover: takeover,
    seconds: (performance.now() - started) / 1_000,
  };
}
