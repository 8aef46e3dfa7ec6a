import {
  AppendOutcomeUnknownError,
  type AppendResult,
  AppendTimeoutError,
  ConcurrencyError,
  DuplicateEventIdError,
  type ExpectedVersion,
  type Subscription,
} from '@flowra/eventstore-core';
import {
  LogFeed,
  type PreparedEvent,
  satisfiesExpectedVersion,
} from '@flowra/eventstore-core/adapter';
import { buildCommit } from '../commit-document.js';
import { CommitLog, type CommitRequest } from '../commit-log.js';
import { CommitReader } from '../commit-reader.js';
import { LegacyPlacement } from './legacy-placement.fixture.js';
import { SimClock, SimRandom } from './sim-clock.js';
import { type NetworkFaults, NO_FAULTS, SimDriver } from './sim-driver.js';
import { SimReplicaSet } from './sim-replica-set.js';

export interface ScheduleOptions {
  /** The placement under test: this package's, or the one it had before (a fixture). */
  placement?: 'current' | 'legacy';
}

export interface ScheduleReport {
  seed: number;
  violations: string[];
  appends: number;
  acknowledged: number;
  events: number;
  /** What the schedule did to the replica set, in order. */
  faults: string[];
  rolledBack: number;
  virtualMs: number;
  steps: number;
}

type Outcome = 'acknowledged' | 'conflict' | 'duplicate' | 'unknown' | 'not-written' | 'failed';

interface Attempted {
  process: number;
  streamId: string;
  ids: string[];
  expected: ExpectedVersion;
  outcome: Outcome;
  result?: AppendResult;
  error?: unknown;
  /** Whether the same ids were sent again after this (a retry of an unknown outcome). */
  retried: boolean;
}

interface Delivery {
  position: number;
  eventId: string;
  type: string;
}

interface Watched {
  name: string;
  types?: ReadonlySet<string>;
  delivered: Delivery[];
  subscription: Subscription;
  stopped: boolean;
}

const STREAMS = ['s1', 's2', 's3', 's4'];
const TYPES = ['A', 'B'];
const APPEND_TIMEOUT_MS = 4_000;

function faultsFor(level: number): NetworkFaults {
  if (level === 0) return { ...NO_FAULTS };
  return {
    lostRequest: 0.015 * level,
    lostReply: 0.03 * level,
    hang: 0.004 * level,
    wtimeout: 0.03 * level,
    laggingRead: 0.05 * level,
  };
}

function classify(error: unknown): Outcome {
  if (ConcurrencyError.isInstance(error)) return 'conflict';
  if (DuplicateEventIdError.isInstance(error)) return 'duplicate';
  if (AppendTimeoutError.isInstance(error)) return error.outcomeUnknown ? 'unknown' : 'not-written';
  if (AppendOutcomeUnknownError.isInstance(error)) return 'unknown';
  return 'failed';
}

/**
 * One seeded schedule: three processes (each its own driver, commit log and reader) append to
 * a few shared streams while the replica set steps down, members crash and come back, replies
 * are lost or never come, write concerns time out and reads lag; two subscriptions follow the
 * log. Then the set heals, and the durable log, every acknowledged append and every reader's
 * deliveries are checked against the guarantees of SPEC.md "Under faults".
 */
export async function runSchedule(
  seed: number,
  options: ScheduleOptions = {},
): Promise<ScheduleReport> {
  const rng = new SimRandom(seed);
  const clock = new SimClock(rng);
  const rs = new SimReplicaSet(clock, rng, { multikeyUnique: true });
  rs.start();
  const faultLog: string[] = [];
  const level = rng.int(0, 3);
  const faults = faultsFor(level);
  faultLog.push(`network faults level ${level}`);

  const drivers = [0, 1, 2].map(
    (i) =>
      new SimDriver(
        `p${i}`,
        clock,
        rng,
        rs,
        { ...faults },
        { writes: rng.chance(0.8), reads: true },
      ),
  );
  const feeds: LogFeed[] = [];
  const writers = drivers.map((driver, i) => {
    const maxBatch = rng.pick([1, 8]);
    if (options.placement === 'legacy') {
      return new LegacyPlacement(driver.collection('local'), clock, `legacy-p${i}`, maxBatch);
    }
    return new CommitLog(driver.collection('majority'), {
      appendTimeoutMs: APPEND_TIMEOUT_MS,
      maxBatch,
      timers: clock,
      onCommitted: () => feeds[i]?.wake(),
    });
  });

  // Readers: each process has its shared reader; two subscriptions follow the log from 0.
  for (const driver of drivers) {
    const reader = new CommitReader(driver.collection('majority'), {
      batchSize: rng.pick([2, 5, 50]),
      decode: (e) => e,
      gapTimeoutMs: 1_500,
      timers: clock,
    });
    feeds.push(
      new LogFeed(reader, {
        pollIntervalMs: 25,
        gapTimeoutMs: 1_500,
        pageSize: rng.pick([3, 100]),
        readTimeoutMs: 500,
        maxConsecutiveFailures: 1_000,
        timers: clock,
      }),
    );
  }
  const watched: Watched[] = [];
  const watch = (name: string, feed: LogFeed, types?: string[]) => {
    const delivered: Delivery[] = [];
    const w: Watched = {
      name,
      types: types ? new Set(types) : undefined,
      delivered,
      subscription: feed.subscribe(
        (e) => void delivered.push({ position: e.position, eventId: e.eventId, type: e.type }),
        { fromPosition: 0, types },
      ),
      stopped: false,
    };
    w.subscription.done.then(
      () => {
        w.stopped = true;
      },
      () => {
        w.stopped = true;
      },
    );
    watched.push(w);
  };
  watch('subscription on p0', feeds[0]!);
  watch(`subscription on p1 (types ${TYPES[0]})`, feeds[1]!, [TYPES[0]!]);

  // Faults of the replica set, at random times while the writers run.
  let healed = false;
  const at = (ms: number, what: string, act: () => void) =>
    clock.setTimeout(() => {
      if (healed) return;
      faultLog.push(`${clock.now()} ms: ${what}`);
      act();
    }, ms);
  if (rng.chance(0.6)) at(rng.int(0, 300), 'primary steps down', () => rs.stepDown());
  if (rng.chance(0.3)) at(rng.int(0, 300), 'second step-down', () => rs.stepDown());
  if (rng.chance(0.4)) {
    const member = rng.pick(rs.members);
    const down = rng.int(0, 300);
    at(down, `member ${member.id} crashes`, () => rs.crash(member));
    at(down + rng.int(20, 400), `member ${member.id} restarts`, () => rs.restart(member));
  }
  if (rng.chance(0.35)) {
    const start = rng.int(0, 250);
    const stepDown = rng.int(10, 200);
    at(start, `the primary is cut off for a while (steps down after ${stepDown} ms)`, () =>
      rs.isolatePrimary(stepDown, stepDown + rng.int(10, 300)),
    );
  }
  if (rng.chance(0.25)) {
    const down = rng.int(0, 300);
    let crashed: number | undefined;
    at(down, 'the primary crashes', () => {
      crashed = rs.primary?.id;
      if (rs.primary) rs.crash(rs.primary);
    });
    at(down + rng.int(50, 500), 'the crashed primary restarts', () => {
      if (crashed !== undefined) rs.restart(rs.members[crashed]!);
    });
  }

  // Writers: two loops per process, each a few appends with its own expectations, and in
  // some processes a burst of appends to one stream at once (decided one after the other in
  // the same round).
  const attempted: Attempted[] = [];
  let running = 0;
  const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
  const appendOnce = async (
    process: number,
    streamId: string,
    expected: ExpectedVersion,
    seen: Map<string, number>,
  ) => {
    const events: PreparedEvent[] = Array.from({ length: rng.int(1, 3) }, () => ({
      eventId: rng.uuid(),
      type: rng.pick(TYPES),
      data: { p: process },
      metadata: {},
    }));
    const request: CommitRequest = {
      streamId,
      commit: buildCommit(streamId, 's', events, 1, 1, new Date(clock.now())),
      ids: events.map((e) => e.eventId),
      callerIds: true,
      expected,
    };
    const record: Attempted = {
      process,
      streamId,
      ids: request.ids as string[],
      expected,
      outcome: 'failed',
      retried: false,
    };
    attempted.push(record);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        record.result = await writers[process]!.append(request);
        record.outcome = 'acknowledged';
        seen.set(streamId, record.result.nextExpectedVersion);
      } catch (error) {
        record.outcome = classify(error);
        record.error = error;
      }
      // An unknown outcome is settled by sending the same events again, as the error says.
      if (record.outcome !== 'unknown' || attempt > 0) break;
      record.retried = true;
    }
  };
  const writerLoop = async (process: number) => {
    running++;
    const seen = new Map<string, number>();
    try {
      for (let n = rng.int(1, 3); n > 0; n--) {
        await sleep(rng.int(0, 60));
        const streamId = rng.pick(STREAMS);
        const r = rng.next();
        const expected: ExpectedVersion =
          r < 0.45
            ? 'any'
            : r < 0.6
              ? 'no_stream'
              : r < 0.7
                ? 'stream_exists'
                : (seen.get(streamId) ?? 0);
        await appendOnce(process, streamId, expected, seen);
      }
    } finally {
      running--;
    }
  };
  const burst = async (process: number) => {
    running++;
    try {
      await sleep(rng.int(0, 60));
      const streamId = rng.pick(STREAMS);
      const seen = new Map<string, number>();
      // Mostly 'any'; the others are decided against where the ones before them would leave it.
      const expectation = (): ExpectedVersion => {
        const r = rng.next();
        return r < 0.5 ? 'any' : r < 0.65 ? 'no_stream' : r < 0.8 ? 'stream_exists' : rng.int(0, 4);
      };
      await Promise.all(
        Array.from({ length: rng.int(2, 5) }, () =>
          appendOnce(process, streamId, expectation(), seen),
        ),
      );
    } finally {
      running--;
    }
  };
  const loops = [0, 1, 2].flatMap((p) =>
    rng.chance(0.5) ? [writerLoop(p), writerLoop(p), burst(p)] : [writerLoop(p), writerLoop(p)],
  );
  await clock.run(() => running === 0, 120_000);
  void loops;

  // Heal: no more faults, every member up, replicated and committed to the end.
  healed = true;
  for (const driver of drivers) driver.faults = { ...NO_FAULTS };
  rs.healAll();
  faultLog.push(`${clock.now()} ms: healed`);
  const violations: string[] = [];
  await clock.run(() => rs.converged(), clock.now() + 60_000);
  if (!rs.converged())
    violations.push('simulation: the replica set did not converge after healing');
  if (running > 0)
    violations.push(
      `${running} writer loops never finished (an append stayed pending past its deadline)`,
    );

  const durable = rs.durable();
  const events = durable
    .flatMap((doc) =>
      doc.events.map((e, i) => ({
        position: doc.position + i,
        version: doc.version + i,
        streamId: doc.aggregate_id,
        eventId: e.event_id,
        type: e.event_type,
        commit: String(doc._id),
      })),
    )
    .sort((a, b) => a.position - b.position);
  const head = events.at(-1)?.position ?? 0;
  await clock.run(
    () =>
      watched.every((w) => w.stopped || (w.delivered.at(-1)?.position ?? 0) >= lastOf(w, events)),
    clock.now() + 60_000,
  );

  checkLog(events, violations);
  checkAppends(attempted, events, violations);
  for (const w of watched) checkReader(w, events, violations);

  for (const w of watched) void w.subscription.close();
  for (const feed of feeds) void feed.close();
  rs.stop();
  return {
    seed,
    violations,
    appends: attempted.length,
    acknowledged: attempted.filter((a) => a.outcome === 'acknowledged').length,
    events: head,
    faults: faultLog,
    rolledBack: rs.rolledBack,
    virtualMs: clock.now(),
    steps: clock.steps,
  };
}

interface DurableEvent {
  position: number;
  version: number;
  streamId: string;
  eventId: string;
  type: string;
  commit: string;
}

function lastOf(w: Watched, events: readonly DurableEvent[]): number {
  const mine = w.types ? events.filter((e) => w.types!.has(e.type)) : events;
  return mine.at(-1)?.position ?? 0;
}

/** Positions are 1..N with no hole and no overlap; each stream's versions are 1..n; ids once per stream. */
function checkLog(events: readonly DurableEvent[], violations: string[]): void {
  for (let i = 0; i < events.length; i++) {
    if (events[i]!.position !== i + 1) {
      const e = events[i]!;
      violations.push(
        e.position <= i
          ? `log: position ${e.position} is held twice (commit ${e.commit}, stream ${e.streamId})`
          : `log: hole before position ${e.position} (expected ${i + 1})`,
      );
      return;
    }
  }
  const streams = new Map<string, DurableEvent[]>();
  for (const e of events) {
    const list = streams.get(e.streamId) ?? [];
    list.push(e);
    streams.set(e.streamId, list);
  }
  for (const [streamId, list] of streams) {
    const versions = list.map((e) => e.version).sort((a, b) => a - b);
    if (versions.some((v, i) => v !== i + 1)) {
      violations.push(
        `stream ${streamId}: versions ${versions.join(',')} are not 1..${list.length}`,
      );
    }
    const ids = new Set(list.map((e) => e.eventId));
    if (ids.size !== list.length)
      violations.push(`stream ${streamId}: an event id is stored twice`);
  }
}

/** Every acknowledged append is durable exactly once where it was told; refused ones wrote nothing. */
function checkAppends(
  attempted: readonly Attempted[],
  events: readonly DurableEvent[],
  violations: string[],
): void {
  const byId = new Map<string, DurableEvent[]>();
  for (const e of events) byId.set(e.eventId, [...(byId.get(e.eventId) ?? []), e]);
  for (const a of attempted) {
    const stored = a.ids.map((id) => byId.get(id) ?? []);
    const what = `append of ${a.ids.length} to ${a.streamId} (expected ${String(a.expected)}, process p${a.process})`;
    if (stored.some((copies) => copies.length > 1))
      violations.push(`${what}: stored more than once`);
    if (a.outcome === 'acknowledged') {
      if (stored.some((copies) => copies.length === 0)) {
        violations.push(`${what}: acknowledged (${JSON.stringify(a.result)}) but not durable`);
        continue;
      }
      const last = stored.at(-1)![0]!;
      if (last.version !== a.result!.nextExpectedVersion || last.position !== a.result!.position) {
        violations.push(
          `${what}: acknowledged as ${JSON.stringify(a.result)} but stored at version ${last.version}, position ${last.position}`,
        );
      }
      const commits = new Set(stored.map((copies) => copies[0]!.commit));
      if (commits.size !== 1) violations.push(`${what}: its events are split across commits`);
      const first = stored[0]![0]!.version;
      if (!satisfiesExpectedVersion(a.expected, first - 1)) {
        violations.push(`${what}: acknowledged, but stored from version ${first}`);
      }
    } else if (['conflict', 'duplicate', 'not-written'].includes(a.outcome) && !a.retried) {
      if (stored.some((copies) => copies.length > 0)) {
        violations.push(`${what}: refused (${String(a.error)}) yet stored`);
      }
    } else if (a.outcome === 'failed') {
      violations.push(`${what}: failed with an untyped outcome: ${String(a.error)}`);
    }
  }
}

/** A reader delivers each durable event once, in order, and never goes back. */
function checkReader(w: Watched, events: readonly DurableEvent[], violations: string[]): void {
  let previous = 0;
  for (const d of w.delivered) {
    if (d.position <= previous) {
      violations.push(`${w.name}: delivered position ${d.position} after ${previous}`);
      return;
    }
    previous = d.position;
  }
  const expected = (w.types ? events.filter((e) => w.types!.has(e.type)) : events).map(
    (e) => `${e.position}:${e.eventId}`,
  );
  const got = w.delivered.map((d) => `${d.position}:${d.eventId}`);
  if (w.subscription.error !== undefined) {
    violations.push(`${w.name}: stopped with ${String(w.subscription.error)}`);
  }
  if (got.length !== expected.length || got.some((g, i) => g !== expected[i])) {
    const at = got.findIndex((g, i) => g !== expected[i]);
    violations.push(
      `${w.name}: delivered ${got.length} of ${expected.length} durable events; first difference at #${at}: got ${got[at] ?? 'nothing'}, durable ${expected[at] ?? 'nothing'}`,
    );
  }
}
