import type { BadInputReport } from './bad-inputs.js';
import type { FaultCounts } from './fault-proxy.js';
import type { HostileReport } from './hostile-data.js';
import type { TakeoverOutcome } from './stress-projection-takeover.js';
import type { CheckResult } from './stress-check.js';
import type { WorkloadStats } from './stress-workload.js';

export interface StoreOutcome {
  name: string;
  check: CheckResult;
  workload: WorkloadStats;
  faults: FaultCounts | undefined;
  faultsInjected: number;
  bad: BadInputReport;
  hostile: HostileReport;
  /** Other violations: a stalled or failed subscription, misplaced commits, unexpected errors. */
  violations: string[];
  /** Readers that stopped with LogGapError at a commit deleted by hand (as they must). */
  gapsReported: number;
  /** The writer process killed with SIGKILL mid-run: appends it had acknowledged, of those it sent. */
  killedWriter?: { acknowledged: number; attempted: number };
  /** A projection runner process killed mid-batch, and the other taking over. */
  projectionTakeover?: TakeoverOutcome;
  seconds: number;
}

const n = (x: number) => x.toLocaleString('en');

export function mustBeZero(o: StoreOutcome): number {
  const c = o.check;
  return (
    c.lost +
    c.duplicated +
    c.gaps +
    c.partialBatches +
    c.ackMismatches +
    c.inconsistencies +
    o.bad.failures.length +
    o.hostile.failures.length +
    o.workload.unexpected.length +
    o.violations.length
  );
}

export function storeLine(o: StoreOutcome): string {
  const c = o.check;
  const appends = c.acknowledgedBatches;
  const parts = [
    `${n(c.acknowledgedEvents)} acknowledged (${n(appends)} appends of ${n(o.workload.batches.length)} tried)`,
    `${c.lost} lost`,
    `${c.duplicated} duplicated`,
    `${c.gaps} gaps`,
    `${c.partialBatches} partial batches`,
    `${c.ackMismatches + c.inconsistencies} inconsistencies`,
    `${n(o.workload.conflicts)} conflicts retried`,
    `${n(o.faultsInjected)} faults injected`,
    `${n(o.workload.transientFailures)} failed calls retried (${o.workload.retriesAfterLanding} of them appends that had landed)`,
    `${c.landedUnacknowledged} landed unacknowledged`,
    `subscription saw ${n(c.subscriptionSaw)}/${n(c.storedEvents)}`,
    `${o.bad.rejected}/${o.bad.tried} bad inputs rejected`,
    `${o.hostile.roundTripped} hostile values round-tripped, ${o.hostile.rejectedClearly} rejected clearly of ${o.hostile.tried}${o.hostile.skipped.length > 0 ? ` (${o.hostile.skipped.length} skipped)` : ''}`,
    `${o.seconds.toFixed(1)} s`,
  ];
  return `${o.name}: ${parts.join(', ')}`;
}

export function detailLines(o: StoreOutcome): string[] {
  const lines: string[] = [];
  if (o.faults) {
    const f = o.faults;
    lines.push(
      `  faults: ${f.resetOnConnect} resets on connect, ${f.resetBeforeForward} resets before a request, ${f.dropReply} replies dropped after the server acted, ${f.outages} outages (${f.refusedDuringOutage} connections refused), ${f.connections} connections`,
    );
  }
  if (o.killedWriter) {
    lines.push(
      `  a writer process killed with SIGKILL after ${o.killedWriter.acknowledged} acknowledged appends (${o.killedWriter.attempted} sent; all checked above); ${o.gapsReported} readers stopped with LogGapError at a commit deleted by hand`,
    );
  }
  const t = o.projectionTakeover;
  if (t) {
    const where =
      t.killedAt === 'documents'
        ? 'as it began writing a batch’s documents'
        : t.killedAt === 'written'
          ? `between a batch’s documents and its checkpoint${t.batchReplayed ? ' (the batch was replayed)' : ' (its checkpoint had moved already)'}`
          : 'never (no batch to kill it in)';
    lines.push(
      `  a projection runner process killed with SIGKILL ${where}; ${takeoverText(t)} of ${n(t.events)} events`,
    );
  }
  for (const skipped of o.hostile.skipped) {
    lines.push(`  skipped hostile data '${skipped.name}': ${skipped.reason} (MongoDB keeps it)`);
  }
  if (o.workload.failureKinds.size > 0) {
    lines.push('  failed calls, retried with the same event ids:');
    for (const [kind, { count, sample }] of [...o.workload.failureKinds].sort(
      (a, b) => b[1].count - a[1].count,
    )) {
      lines.push(`    ${count} x ${kind}: ${sample}`);
    }
  }
  const problems = [
    ...o.check.findings,
    ...o.bad.failures.map((f) => `bad input ${f}`),
    ...o.hostile.failures.map((f) => `hostile data ${f}`),
    ...o.workload.unexpected.map((u) => `unexpected error: ${u}`),
    ...o.violations,
  ];
  for (const p of problems.slice(0, 30)) lines.push(`  FAIL ${p}`);
  if (problems.length > 30) lines.push(`  ... and ${problems.length - 30} more`);
  return lines;
}

function takeoverText(t: TakeoverOutcome): string {
  const time =
    t.takeoverSeconds === null
      ? 'no takeover'
      : `projection takeover in ${t.takeoverSeconds.toFixed(1)} s`;
  return `${time}, ${t.lost} lost, ${t.appliedTwice} applied twice`;
}

export function finalLine(outcomes: readonly StoreOutcome[]): string {
  const sum = (f: (o: StoreOutcome) => number) => outcomes.reduce((acc, o) => acc + f(o), 0);
  const takeovers = outcomes.flatMap((o) => (o.projectionTakeover ? [o.projectionTakeover] : []));
  return (
    `stress: ${n(sum((o) => o.check.acknowledgedEvents))} acknowledged, ${sum((o) => o.check.lost)} lost, ` +
    `${sum((o) => o.check.duplicated)} duplicated, ${sum((o) => o.check.gaps)} gaps, ` +
    `${n(sum((o) => o.faultsInjected))} faults injected, ${sum((o) => o.bad.rejected)} bad inputs rejected, ` +
    `${sum((o) => o.gapsReported)} gaps reported` +
    takeovers.map((t) => `, ${takeoverText(t)}`).join('')
  );
}
