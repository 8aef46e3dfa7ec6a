import { Bench } from 'tinybench';

/** One row of `results/latest.json`. */
export interface Measurement {
  name: string;
  median_ms: number;
  min_ms: number;
  max_ms: number;
  runs: number;
  /** Events (or appends, for the concurrency rows) per second at the median run. */
  events_per_s: number | null;
  /** What a reader needs to know to compare the row (sizes, emulation, baseline). */
  note?: string;
  /** Extra figures some rows carry (latency percentiles, conflicts, retries). */
  details?: Record<string, number | string>;
  /**
   * This process's CPU time (user + system) at the median run: what the code under test costs
   * the client, whatever the server's own time. Only for rows timed by `measure`.
   */
  cpu_median_ms?: number;
}

export interface MeasureOptions {
  runs: number;
  /** Untimed runs first (JIT, caches, connection pool). */
  warmup?: number;
  /** Events one run handles, for `events_per_s`. */
  events?: number;
  /** Untimed preparation before each run (warm-up runs included). */
  beforeEach?: () => unknown;
  note?: string;
}

/**
 * Times `fn` `runs` times with tinybench (exactly that many samples: no time budget) and
 * reports the median, min and max run.
 */
export async function measure(
  name: string,
  fn: () => unknown,
  options: MeasureOptions,
): Promise<Measurement> {
  const warmup = options.warmup ?? 1;
  const bench = new Bench({
    iterations: options.runs,
    time: 0,
    warmup: warmup > 0,
    warmupIterations: warmup,
    warmupTime: 0,
    throws: true,
  });
  const beforeEach = options.beforeEach;
  const cpuSamples: number[] = [];
  bench.add(
    name,
    async () => {
      cpuSamples.push(await cpuOf(fn));
    },
    beforeEach ? { beforeEach: async () => void (await beforeEach()) } : {},
  );
  await bench.run();
  const result = bench.getTask(name)?.result;
  if (!result || (result.state !== 'completed' && result.state !== 'aborted-with-statistics')) {
    const error = result && 'error' in result ? result.error : undefined;
    throw new Error(`benchmark '${name}' did not complete (${result?.state ?? 'no result'})`, {
      cause: error,
    });
  }
  const { latency } = result;
  const row: Measurement = {
    name,
    median_ms: round(latency.p50),
    min_ms: round(latency.min),
    max_ms: round(latency.max),
    runs: latency.samplesCount,
    events_per_s:
      options.events !== undefined && latency.p50 > 0
        ? Math.round((options.events * 1000) / latency.p50)
        : null,
  };
  // The warm-up runs come first; the rest are the timed ones.
  const timedCpu = cpuSamples.slice(-latency.samplesCount).sort((a, b) => a - b);
  if (timedCpu.length > 0) row.cpu_median_ms = round(percentile(timedCpu, 50));
  if (options.note) row.note = options.note;
  return row;
}

/** A row from run durations measured by hand (scenarios tinybench cannot time as one call). */
export function fromSamples(
  name: string,
  samplesMs: readonly number[],
  eventsPerRun: number | null,
): Measurement {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const median = percentile(sorted, 50);
  return {
    name,
    median_ms: round(median),
    min_ms: round(sorted[0] ?? Number.NaN),
    max_ms: round(sorted.at(-1) ?? Number.NaN),
    runs: sorted.length,
    events_per_s:
      eventsPerRun !== null && median > 0 ? Math.round((eventsPerRun * 1000) / median) : null,
  };
}

/** Linear-interpolated percentile of ascending `sorted`. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export function round(ms: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(ms * f) / f;
}

/** CPU time of this process spent in `fn`, in ms (user + system). */
async function cpuOf(fn: () => unknown): Promise<number> {
  const before = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

export interface PairedCpu {
  /** Median over the pairs of `a`'s CPU time over `b`'s. */
  ratio: number;
  a_median_ms: number;
  b_median_ms: number;
  pairs: number;
}

/**
 * `a` and `b` run in turn, `pairs` times each (ABBA order, so neither always runs second), and
 * each pair's CPU times are divided: the two runs of a pair share the machine's state of that
 * moment, so the median of these ratios moves far less with a noisy machine than the ratio of
 * two medians taken seconds apart.
 */
export async function pairedCpu(
  a: () => unknown,
  b: () => unknown,
  pairs: number,
): Promise<PairedCpu> {
  const ratios: number[] = [];
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < pairs; i++) {
    let ta: number;
    let tb: number;
    if (i % 2 === 0) {
      ta = await cpuOf(a);
      tb = await cpuOf(b);
    } else {
      tb = await cpuOf(b);
      ta = await cpuOf(a);
    }
    as.push(ta);
    bs.push(tb);
    if (tb > 0) ratios.push(ta / tb);
  }
  const median = (xs: number[]) =>
    percentile(
      xs.sort((x, y) => x - y),
      50,
    );
  return {
    ratio: round(median(ratios), 2),
    a_median_ms: round(median(as)),
    b_median_ms: round(median(bs)),
    pairs,
  };
}
