import {
  type EventStore,
  LogGapError,
  type RecordedEvent,
  type Subscription,
  collect,
} from '@flowra/eventstore-core';
import { MongoEventStore } from '@flowra/eventstore-mongo';
import type { CommitDocument } from '@flowra/eventstore-mongo/storage';
import type { MongoTarget } from './mongo-target.js';
import type { SeededRandom } from './seeded-random.js';

export interface GapFaultOutcome {
  /** Readers that stopped with LogGapError naming the deleted positions. */
  gapsReported: number;
  violations: string[];
}

const GAP_TIMEOUT_MS = 1_000;

interface Reader {
  name: string;
  seen: RecordedEvent[];
  subscription: Subscription;
}

/** How long a reader may take to stop at the hole before that is a violation, not a hang. */
const STOP_DEADLINE_MS = 60_000;

/**
 * A reader held at its first event until `gate` opens, so it is still behind the commit that
 * will be deleted however fast or slow the writers are. `onFirst` is called when its first
 * event arrives: what it read before then is what it holds until the gate opens.
 */
function follow(
  store: EventStore,
  name: string,
  gate: Promise<void>,
  onFirst: () => void = () => {},
): Reader {
  const seen: RecordedEvent[] = [];
  return {
    name,
    seen,
    subscription: store.subscribe(
      async (e) => {
        onFirst();
        await gate;
        seen.push(e);
      },
      { fromPosition: 0 },
    ),
  };
}

async function until(condition: () => boolean, failed: () => unknown): Promise<void> {
  while (!condition()) {
    const error = failed();
    if (error !== undefined) throw error;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A commit deleted by hand while writers go on (an operator's purge): every reader must stop
 * with `LogGapError` naming exactly the deleted positions, having delivered everything before
 * them and nothing after; none may skip the hole.
 */
export async function stressGapFault(
  target: MongoTarget,
  rng: SeededRandom,
): Promise<GapFaultOutcome> {
  const violations: string[] = [];
  const client = await target.connect();
  const db = client.db(target.freshDbName('stress_gap'));
  const writer = new MongoEventStore(db);
  const readerStore = new MongoEventStore(db, { gapTimeoutMs: GAP_TIMEOUT_MS, pollIntervalMs: 20 });
  let openGate = () => {};
  const gate = new Promise<void>((resolve) => {
    openGate = resolve;
  });
  let firstArrived = () => {};
  const arrived = new Promise<void>((resolve) => {
    firstArrived = resolve;
  });
  const early = follow(readerStore, 'a subscription following the log', gate, firstArrived);
  let writing = true;
  let written = 0;
  let writeError: unknown;
  const writes = (async () => {
    while (writing) {
      await writer.append(
        `gap-${rng.int(0, 5)}`,
        Array.from({ length: rng.int(1, 3) }, () => ({ type: 'G', data: {} })),
      );
      written++;
    }
  })();
  writes.catch((error: unknown) => {
    writeError = error ?? new Error('an append failed');
  });
  await until(
    () => written >= 30,
    () => writeError,
  );
  // The reader's store reads ahead of its handler: the events it held when the first one
  // arrived were read before then, so only commits placed after that are behind it.
  const stopped = await Promise.race([
    arrived.then(() => undefined),
    early.subscription.done.then(
      () => new Error('it ended before its first event'),
      (e: unknown) => e,
    ),
    new Promise<Error>((resolve) =>
      setTimeout(
        () => resolve(new Error(`no first event within ${STOP_DEADLINE_MS / 1000} s`)),
        STOP_DEADLINE_MS,
      ).unref(),
    ),
  ]);
  if (stopped !== undefined) {
    writing = false;
    await writes.catch(() => {});
    await early.subscription.close();
    await Promise.all([writer.close(), readerStore.close()]);
    return {
      gapsReported: 0,
      violations: [`gap fault: ${early.name} did not start: ${String(stopped)}`],
    };
  }
  const readUpTo = await writer.headPosition();
  const writtenThen = written;
  await until(
    () => written >= writtenThen + 10,
    () => writeError,
  );
  // Delete a commit from the part of the log written last, while the writers go on.
  const head = await writer.headPosition();
  const victim = await db
    .collection<CommitDocument>('events')
    .findOne(
      { position: { $gt: readUpTo }, last_position: { $gte: Math.max(1, head - 5) } },
      { sort: { position: 1 } },
    );
  if (!victim) throw new Error('no commit to delete');
  await db.collection('events').deleteOne({ _id: victim._id } as never);
  openGate();
  await until(
    () => written >= writtenThen + 40,
    () => writeError,
  );
  const late = follow(readerStore, 'a subscription started after the deletion', gate);
  writing = false;
  await writes;

  const expected = { missingFrom: victim.position, missingTo: victim.last_position };
  let gapsReported = 0;
  for (const reader of [early, late]) {
    let timer: NodeJS.Timeout | undefined;
    const error = await Promise.race([
      reader.subscription.done.then(
        () => new Error('it ended without an error'),
        (e: unknown) => e,
      ),
      new Promise<Error>((resolve) => {
        timer = setTimeout(
          () => resolve(new Error(`it was still running ${STOP_DEADLINE_MS / 1000} s later`)),
          STOP_DEADLINE_MS,
        );
      }),
    ]);
    clearTimeout(timer);
    const positions = reader.seen.map((e) => e.position);
    if (!LogGapError.isInstance(error)) {
      violations.push(`gap fault: ${reader.name} did not stop with LogGapError: ${String(error)}`);
    } else if (
      error.missingFrom !== expected.missingFrom ||
      error.missingTo !== expected.missingTo
    ) {
      violations.push(
        `gap fault: ${reader.name} reported positions ${error.missingFrom}..${error.missingTo}, deleted were ${expected.missingFrom}..${expected.missingTo}`,
      );
    } else {
      gapsReported++;
    }
    if (positions.some((p, i) => p !== i + 1) || positions.length !== victim.position - 1) {
      violations.push(
        `gap fault: ${reader.name} delivered ${positions.length} events (last ${positions.at(-1)}), not exactly 1..${victim.position - 1}`,
      );
    }
  }
  const read = await collect(readerStore.readAll()).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (LogGapError.isInstance(read)) gapsReported++;
  else
    violations.push(
      `gap fault: readAll over the hole did not fail with LogGapError: ${String(read)}`,
    );
  await Promise.all([early.subscription.close(), late.subscription.close()]);
  await Promise.all([writer.close(), readerStore.close()]);
  return { gapsReported, violations };
}
