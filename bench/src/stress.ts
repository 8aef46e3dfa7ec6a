/**
 * `pnpm stress [--quick] [--seed N] [--seconds N]`: a seeded, bounded workload against the
 * in-memory and MongoDB stores (faults injected on MongoDB), a full consistency check, and
 * tables of hostile input. Exits non-zero when anything that must be 0 is not.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readArgs } from './cli-args.js';
import { enterPhase, stressPhase } from './stress-phase.js';
import { startMongoTarget } from './mongo-target.js';
import { SeededRandom, randomSeed } from './seeded-random.js';
import { stressInMemory } from './stress-in-memory.js';
import { stressMongo } from './stress-mongo.js';
import { STRESS_PLANS, type StressPlan } from './stress-plan.js';
import {
  type StoreOutcome,
  detailLines,
  finalLine,
  mustBeZero,
  storeLine,
} from './stress-report.js';

const args = readArgs();
const mode = args.quick ? 'quick' : 'full';
const seed = args.seed ?? randomSeed();
const plans = STRESS_PLANS[mode];
const withSeconds = <P extends StressPlan>(plan: P): P =>
  args.seconds === undefined ? plan : { ...plan, seconds: args.seconds };
const memPlan = withSeconds(plans.inMemory);
const mongoPlan = withSeconds(plans.mongo);
const started = performance.now();
console.log(`stress: seed ${seed} (repeat with --seed ${seed}), ${mode} mode`);

// Everything is bounded; this only fires if something hangs, and says where.
const limitSeconds =
  memPlan.seconds +
  memPlan.graceSeconds +
  memPlan.catchUpSeconds +
  mongoPlan.seconds +
  mongoPlan.graceSeconds +
  mongoPlan.catchUpSeconds +
  300;
const watchdog = setTimeout(() => {
  const detail = stressPhase.detail();
  console.error(
    `stress: HANG — still in '${stressPhase.name}' after ${limitSeconds} s (seed ${seed})${detail ? `: ${detail}` : ''}`,
  );
  process.exit(3);
}, limitSeconds * 1_000);
watchdog.unref();

const root = new SeededRandom(seed);
const memRng = root.fork();
const mongoRng = root.fork();
const outcomes: StoreOutcome[] = [];
const report = (o: StoreOutcome) => {
  outcomes.push(o);
  console.log(storeLine(o));
  for (const line of detailLines(o)) console.log(line);
};

let failed = false;
try {
  enterPhase('in-memory');
  report(await stressInMemory(memRng, memPlan));
  enterPhase('starting MongoDB');
  const target = await startMongoTarget(args.server);
  if (!target) {
    console.log('mongo: skipped, no MongoDB server (see above)');
  } else {
    try {
      enterPhase('mongo');
      report(await stressMongo(target, mongoRng, mongoPlan, args.externalFaults));
    } finally {
      await target.stop();
    }
  }
  enterPhase('replica-set simulation');
  if (!simulate(args.quick ? 2_000 : 20_000)) failed = true;
} catch (error) {
  failed = true;
  console.error(`stress: failed in '${stressPhase.name}' (seed ${seed}):`, error);
}
clearTimeout(watchdog);

/**
 * More schedules of the deterministic replica-set simulation than `pnpm test` runs, from random
 * seeds (a failing one is printed with the command that replays it).
 */
function simulate(schedules: number): boolean {
  const script = new URL(
    '../../packages/eventstore-mongo/src/simulation/simulate.ts',
    import.meta.url,
  ).pathname;
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const run = spawnSync(
    process.execPath,
    ['--import', tsx, script, '--random', String(schedules)],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  return run.status === 0;
}

const problems = outcomes.reduce((n, o) => n + mustBeZero(o), 0);
console.log(finalLine(outcomes));
console.log(
  `stress: ${((performance.now() - started) / 1_000).toFixed(0)} s, seed ${seed}${problems > 0 ? `, ${problems} problems` : ''}`,
);
process.exit(failed || problems > 0 ? 1 : 0);
