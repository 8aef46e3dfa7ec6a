import { describe, expect, it } from 'vitest';
import { runSeeds } from './run-seeds.js';
import { runSchedule } from './sim-schedule.js';

/** `FLOWRA_SIM_SEEDS=from:to` runs another range (default 1:10000). */
function seedRange(): number[] {
  const [from, to] = (process.env.FLOWRA_SIM_SEEDS ?? '1:10000').split(':').map(Number);
  return Array.from({ length: to! - from! + 1 }, (_, i) => from! + i);
}

function describeFailures(failures: { seed: number; violations: string[]; faults: string[] }[]) {
  return failures
    .slice(0, 5)
    .map(
      (f) =>
        `seed ${f.seed} (replay: pnpm --filter @flowra/eventstore-mongo simulate --seed ${f.seed}): ${f.violations.join('; ')} [${f.faults.join(' | ')}]`,
    )
    .join('\n');
}

describe('the commit log and readers in a simulated 3-member replica set', () => {
  const seeds = seedRange();
  const chunk = 1_000;
  for (let start = 0; start < seeds.length; start += chunk) {
    const part = seeds.slice(start, start + chunk);
    it(`hold every guarantee under faults: seeds ${part[0]}..${part.at(-1)}`, {
      timeout: 300_000,
    }, async () => {
      const summary = await runSeeds(part);
      console.log(summary.line);
      expect(summary.failures, describeFailures(summary.failures)).toEqual([]);
      // The schedules do bite: failovers happen and writes are rolled back.
      expect(summary.withFailover).toBeGreaterThan(part.length / 4);
      expect(summary.rolledBack).toBeGreaterThan(0);
    });
  }

  it('replays a schedule exactly from its seed', async () => {
    const [a, b] = [await runSchedule(4242), await runSchedule(4242)];
    expect(b).toEqual(a);
  });

  it('finds the violations of the previous placement (kept as a fixture)', {
    timeout: 300_000,
  }, async () => {
    const summary = await runSeeds(
      Array.from({ length: 300 }, (_, i) => i + 1),
      { placement: 'legacy' },
    );
    console.log(summary.line);
    const all = summary.failures.flatMap((f) => f.violations);
    // Point 7: a commit placed after a predecessor that was not durable, re-sent after a failover.
    expect(all.some((v) => v.startsWith('log: hole'))).toBe(true);
    // Point 6: a write-concern failure or lost reply settled by a local read, then rolled back.
    expect(all.some((v) => v.includes('acknowledged') && v.includes('not durable'))).toBe(true);
    // Point 10: a reply that never comes and no deadline.
    expect(all.some((v) => v.includes('never finished'))).toBe(true);
  });
});
