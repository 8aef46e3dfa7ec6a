import type { EventStore } from '@flowra/eventstore-core';
import { MongoEventStore } from '@flowra/eventstore-mongo';
import type { ReadModelStore } from '@flowra/projections';
import { MongoReadModelStore } from '@flowra/projections/mongodb';
import type { MongoTarget } from './mongo-target.js';
import { checkFold } from './projection-fold-check.js';
import { type RunnerChild, startRunnerChild } from './runner-child.js';
import type { SeededRandom } from './seeded-random.js';
import { enterPhase } from './stress-phase.js';
import type { TakeoverPlan } from './stress-plan.js';

export interface TakeoverOutcome {
  /** From the SIGKILL to the survivor holding the lease; null when it never did. */
  takeoverSeconds: number | null;
  /** Where the kill was sent: before a batch's documents, or between them and its checkpoint. */
  killedAt: 'documents' | 'written' | null;
  /** The killed batch's checkpoint had not moved when the survivor took over. */
  batchReplayed: boolean;
  events: number;
  lost: number;
  appliedTwice: number;
  violations: string[];
}

const PROJECTION = 'stress-takeover';
/** The survivor retries every third of the lease; the rest is round trips on a slow server. */
const TAKEOVER_SLACK_MS = 1_000;
const READY_TIMEOUT_MS = 60_000;
const KILL_ATTEMPTS = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `appends` appends of 1–4 events over the plan's streams, by `writers` concurrent writers. */
async function appendBurst(
  store: EventStore,
  rng: SeededRandom,
  plan: TakeoverPlan,
  appends: number,
): Promise<void> {
  let left = appends;
  await Promise.all(
    Array.from({ length: plan.writers }, async () => {
      while (left-- > 0) {
        const events = Array.from({ length: rng.int(1, 4) }, () => ({ type: 'Ticked', data: {} }));
        await store.append(`takeover-${rng.int(0, plan.streams - 1)}`, events);
      }
    }),
  );
}

async function waitUntil(
  condition: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 20,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await sleep(everyMs);
  }
  return condition();
}

const checkpointOf = async (readModels: ReadModelStore) =>
  (await readModels.getState(PROJECTION))?.position ?? 0;

/**
 * Two processes run the same projection on one database while writers append; the one holding
 * the lease is killed with SIGKILL in the middle of a batch. The other must take over within
 * the lease time and bring the read model to the log's head with every event applied exactly
 * once, the killed batch's half-done work included.
 */
export async function stressProjectionTakeover(
  target: MongoTarget,
  rng: SeededRandom,
  plan: TakeoverPlan,
): Promise<TakeoverOutcome> {
  const violations: string[] = [];
  const outcome: TakeoverOutcome = {
    takeoverSeconds: null,
    killedAt: null,
    batchReplayed: false,
    events: 0,
    lost: 0,
    appliedTwice: 0,
    violations,
  };
  const client = await target.connect();
  const dbName = target.freshDbName('stress_projection');
  const db = client.db(dbName);
  const store = new MongoEventStore(db);
  await store.migrate();
  const readModels = new MongoReadModelStore(db);
  const children: RunnerChild[] = ['a', 'b'].map((suffix) =>
    startRunnerChild({
      uri: target.server.uri,
      dbName,
      projection: PROJECTION,
      owner: `runner-${suffix}`,
      leaseTtlMs: plan.leaseTtlMs,
      batchSize: plan.batchSize,
      pauseMs: 50,
    }),
  );
  try {
    enterPhase('mongo: projection takeover, starting two runner processes');
    await Promise.all(children.map((c) => c.ready(READY_TIMEOUT_MS)));
    enterPhase('mongo: projection takeover, first events');
    await appendBurst(store, rng, plan, plan.burstAppends);
    const head = await store.headPosition();
    if (!(await waitUntil(async () => (await checkpointOf(readModels)) >= head, 30_000, 50))) {
      violations.push(
        `projection takeover: no runner applied the first ${head} events in 30 s (checkpoint ${await checkpointOf(readModels)})`,
      );
      return outcome;
    }

    enterPhase('mongo: projection takeover, killing the lease holder mid-batch');
    let killed: { child: RunnerChild; epoch: number; at: number; to?: number } | undefined;
    const bursts: Promise<void>[] = [];
    for (let attempt = 0; attempt < KILL_ATTEMPTS && !killed; attempt++) {
      const lease = await readModels.currentLease(PROJECTION);
      const holder = children.find((c) => c.owner === lease?.owner);
      if (!lease || !holder) {
        violations.push(`projection takeover: the lease is held by ${lease?.owner ?? 'no one'}`);
        return outcome;
      }
      const kind = rng.chance(0.5) ? 'documents' : 'written';
      const line = holder.next(kind, 10_000);
      bursts.push(appendBurst(store, rng, plan, plan.burstAppends));
      const seen = await line;
      if (!seen) continue;
      const at = Date.now();
      const exited = holder.kill();
      killed = { child: holder, epoch: lease.epoch, at, ...(seen.to ? { to: seen.to } : {}) };
      outcome.killedAt = kind;
      await exited;
    }
    if (!killed) {
      violations.push(
        `projection takeover: the lease holder ran no batch during ${KILL_ATTEMPTS} bursts`,
      );
      return outcome;
    }
    const checkpointAtKill = await checkpointOf(readModels);
    const survivor = children.find((c) => c !== killed.child)!;
    // Writers go on while the survivor takes over.
    bursts.push(appendBurst(store, rng, plan, plan.burstAppends));

    enterPhase('mongo: projection takeover, waiting for the survivor', () => survivor.owner);
    const limitMs = plan.leaseTtlMs + plan.leaseTtlMs / 3 + TAKEOVER_SLACK_MS;
    const tookOver = await waitUntil(async () => {
      const lease = await readModels.currentLease(PROJECTION);
      return lease?.owner === survivor.owner && lease.epoch > killed.epoch;
    }, 30_000);
    const takeoverMs = Date.now() - killed.at;
    if (!tookOver) {
      violations.push(
        `projection takeover: ${survivor.owner} did not take the lease within 30 s of the kill${survivor.warnings.length > 0 ? ` (${survivor.warnings.slice(-3).join('; ')})` : ''}`,
      );
    } else {
      outcome.takeoverSeconds = takeoverMs / 1_000;
      if (takeoverMs > limitMs) {
        violations.push(
          `projection takeover took ${takeoverMs} ms, more than the lease time and renewal slack (${limitMs} ms)`,
        );
      }
    }
    outcome.batchReplayed = killed.to !== undefined && checkpointAtKill < killed.to;

    enterPhase('mongo: projection takeover, survivor catching up', () => survivor.owner);
    await Promise.all(bursts);
    await appendBurst(store, rng, plan, plan.burstAppends);
    const finalHead = await store.headPosition();
    if (
      !(await waitUntil(
        async () => (await checkpointOf(readModels)) >= finalHead,
        plan.catchUpSeconds * 1_000,
        50,
      ))
    ) {
      violations.push(
        `projection takeover: the checkpoint stopped at ${await checkpointOf(readModels)} of ${finalHead}${survivor.warnings.length > 0 ? ` (${survivor.warnings.slice(-3).join('; ')})` : ''}`,
      );
    }
    const state = await readModels.getState(PROJECTION);
    const lease = await readModels.currentLease(PROJECTION);
    if (state && lease && state.epoch !== lease.epoch) {
      violations.push(
        `projection takeover: the checkpoint was last written by epoch ${state.epoch}, the lease is at ${lease.epoch}`,
      );
    }

    enterPhase('mongo: projection takeover, checking the read model against the log');
    const fold = await checkFold(store, readModels, PROJECTION);
    outcome.events = fold.events;
    outcome.lost = fold.lost;
    outcome.appliedTwice = fold.appliedTwice;
    if (fold.lost > 0 || fold.appliedTwice > 0) {
      violations.push(
        `projection takeover: ${fold.lost} events lost, ${fold.appliedTwice} applied twice of ${fold.events}`,
      );
    }
    violations.push(...fold.findings.slice(0, 10).map((f) => `projection takeover: ${f}`));
    return outcome;
  } finally {
    for (const child of children) {
      const problem = child.problem();
      if (problem) violations.push(`projection takeover: ${problem}`);
    }
    await Promise.all(children.map((c) => c.kill()));
    await store.close();
    await client.close(true).catch(() => {});
  }
}
