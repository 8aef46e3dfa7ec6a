import { type ScheduleOptions, type ScheduleReport, runSchedule } from './sim-schedule.js';

export interface SeedsSummary {
  schedules: number;
  failures: ScheduleReport[];
  appends: number;
  acknowledged: number;
  events: number;
  rolledBack: number;
  /** Schedules that had at least one fault of the replica set (beyond network faults). */
  withFailover: number;
  seconds: number;
  line: string;
}

/** Runs the schedules one after the other and sums them up. */
export async function runSeeds(
  seeds: readonly number[],
  options: ScheduleOptions = {},
): Promise<SeedsSummary> {
  const started = performance.now();
  const failures: ScheduleReport[] = [];
  let appends = 0;
  let acknowledged = 0;
  let events = 0;
  let rolledBack = 0;
  let withFailover = 0;
  for (const seed of seeds) {
    const report = await runSchedule(seed, options);
    appends += report.appends;
    acknowledged += report.acknowledged;
    events += report.events;
    rolledBack += report.rolledBack;
    if (report.faults.some((f) => /steps down|crashes|cut off/.test(f))) withFailover++;
    if (report.violations.length > 0) failures.push(report);
  }
  const seconds = (performance.now() - started) / 1000;
  const line =
    `simulation (${options.placement ?? 'current'} placement): ${seeds.length} schedules, ${failures.length} with violations; ` +
    `${withFailover} with step-downs, crashes or partitions, ${rolledBack} oplog entries rolled back; ` +
    `${appends} appends, ${acknowledged} acknowledged, ${events} durable events; ${seconds.toFixed(1)} s`;
  return {
    schedules: seeds.length,
    failures,
    appends,
    acknowledged,
    events,
    rolledBack,
    withFailover,
    seconds,
    line,
  };
}
