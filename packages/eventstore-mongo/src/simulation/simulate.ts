/**
 * Runs schedules of the replica-set simulation from the command line:
 *   tsx src/simulation/simulate.ts --seed 3564          one schedule, with what happened
 *   tsx src/simulation/simulate.ts --seeds 1:10000      a range
 *   tsx src/simulation/simulate.ts --random 20000       random seeds (printed when one fails)
 *   ... --legacy                                         the previous placement (a fixture)
 * Exits 1 when any schedule breaks a guarantee; prints each failing seed, which replays exactly.
 */
import { parseArgs } from 'node:util';
import { runSeeds } from './run-seeds.js';
import { runSchedule } from './sim-schedule.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    seed: { type: 'string' },
    seeds: { type: 'string' },
    random: { type: 'string' },
    legacy: { type: 'boolean', default: false },
  },
  strict: true,
});
const placement = values.legacy ? 'legacy' : 'current';

if (values.seed !== undefined) {
  const report = await runSchedule(Number(values.seed), { placement });
  console.log(JSON.stringify(report, null, 2));
  process.exit(report.violations.length > 0 ? 1 : 0);
}

let seeds: number[];
if (values.random !== undefined) {
  const base = Math.floor(Math.random() * 2 ** 40);
  seeds = Array.from({ length: Number(values.random) }, (_, i) => base + i * 7919);
} else {
  const [from, to] = (values.seeds ?? '1:10000').split(':').map(Number);
  seeds = Array.from({ length: to! - from! + 1 }, (_, i) => from! + i);
}
const summary = await runSeeds(seeds, { placement });
console.log(summary.line);
for (const failure of summary.failures.slice(0, 10)) {
  console.log(`seed ${failure.seed}: ${failure.violations.slice(0, 3).join('; ')}`);
  console.log(
    `  replay: pnpm --filter @flowra/eventstore-mongo simulate --seed ${failure.seed}${values.legacy ? ' --legacy' : ''}`,
  );
}
process.exit(summary.failures.length > 0 ? 1 : 0);
