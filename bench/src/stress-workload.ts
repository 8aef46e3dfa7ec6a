import {
  AppendOutcomeUnknownError,
  type AppendResult,
  AppendTimeoutError,
  ConcurrencyError,
  type EventStore,
  type ExpectedVersion,
  type NewEvent,
  type RecordedEvent,
  StoreUnavailableError,
  type Subscription,
} from '@flowra/eventstore-core';
import { isTransientMongoError } from '@flowra/eventstore-mongo';
import type { SeededRandom } from './seeded-random.js';

export type ExpectedKind = 'any' | 'no_stream' | 'stream_exists' | 'exact' | 'exact_stale';
const KINDS: readonly ExpectedKind[] = [
  'any',
  'no_stream',
  'stream_exists',
  'exact',
  'exact_stale',
];
const TYPES = ['ChatCreated', 'MessagePosted', 'TaskStatusChanged', 'ReactionAdded'];

/** One batch a writer tried to append, and what it learnt about its fate. */
export interface AttemptedBatch {
  writer: number;
  streamId: string;
  ids: string[];
  kind: ExpectedKind;
  /** acked: the store returned a result; rejected: every attempt was refused for certain (conflicts); unknown: some attempt failed without an answer. */
  outcome: 'acked' | 'rejected' | 'unknown' | 'pending';
  result?: AppendResult;
  attempts: number;
}

export interface WorkloadOptions {
  rng: SeededRandom;
  writers: number;
  streams: number;
  maxAppends: number;
  maxBatch: number;
  /** No new append starts after this (ms since epoch). */
  deadline: number;
  /** Retrying one batch stops after this (ms since epoch); the batch's outcome is then unknown. */
  retryDeadline: number;
  /** Counts of store calls under way, for the watchdog. */
  inFlight?: { appends: number; reads: number };
  /** Conflicts one batch may meet before the writer gives it up. */
  maxConflicts: number;
  /** Store for each writer (several instances on one database, as several processes would have). */
  storeFor(writer: number): EventStore;
  /** Whether these ids are stored (read without faults): shows a retry that follows a lost reply. */
  probeLanded?(streamId: string, ids: readonly string[]): Promise<boolean>;
  /** Names the writer's store in the failure tally (which configuration let a failure through). */
  labelFor?(writer: number): string;
  /** Awaits between reading a version and appending, so in-process writers interleave. */
  interleave?: boolean;
}

export interface WorkloadStats {
  batches: AttemptedBatch[];
  conflicts: number;
  /** Appends or version reads that failed without an answer and were retried. */
  transientFailures: number;
  /** Retries of appends that had in fact been stored (their reply was lost): each must return the original result. */
  retriesAfterLanding: number;
  /** What those failures were, by kind, with the first message of each. */
  failureKinds: Map<string, { count: number; sample: string }>;
  unexpected: string[];
}

/**
 * Errors after which the same call may succeed and retrying it with the same ids is safe: a
 * dropped connection, a store that gave up retrying one, or an append that reached its
 * deadline (whether or not it may still land; with nothing written it is a plain refusal that
 * the caller may repeat, which is what SPEC.md's deadline promises).
 */
export function isTransient(error: unknown): boolean {
  return (
    isTransientMongoError(error) ||
    StoreUnavailableError.isInstance(error) ||
    AppendOutcomeUnknownError.isInstance(error) ||
    AppendTimeoutError.isInstance(error)
  );
}

function innermostMessage(error: unknown): string {
  let e = error as { message?: string; cause?: unknown };
  while (e?.cause !== undefined && typeof e.cause === 'object' && e.cause !== null)
    e = e.cause as typeof e;
  return String(e?.message ?? error).slice(0, 160);
}

/** A short name for why a call failed without an answer, to tally them. */
function describeFailure(error: unknown): string {
  const e = error as { name?: string; code?: unknown; cause?: unknown };
  const cause = StoreUnavailableError.isInstance(error) ? describeFailure(e.cause) : '';
  const code = typeof e.code === 'number' ? ` ${e.code}` : '';
  return `${e.name ?? typeof error}${code}${cause ? ` <- ${cause}` : ''}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tick = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Writers over a set of streams mixing every expected-version kind, always supplying event
 * ids. A `ConcurrencyError` makes the writer re-read the version and try again; a failure
 * without an answer makes it retry the same batch with the same ids and expected version.
 */
export async function runWriters(options: WorkloadOptions): Promise<WorkloadStats> {
  const stats: WorkloadStats = {
    batches: [],
    conflicts: 0,
    transientFailures: 0,
    retriesAfterLanding: 0,
    failureKinds: new Map(),
    unexpected: [],
  };
  const tally = (w: number, error: unknown) => {
    stats.transientFailures++;
    const label = options.labelFor?.(w);
    const kind = `${label ? `[${label}] ` : ''}${describeFailure(error)}`;
    const seen = stats.failureKinds.get(kind);
    if (seen) seen.count++;
    else stats.failureKinds.set(kind, { count: 1, sample: innermostMessage(error) });
  };
  const streamIds = Array.from({ length: options.streams }, (_, i) => `stress-${i}`);
  let started = 0;

  const writer = async (w: number, rng: SeededRandom) => {
    const store = options.storeFor(w);
    const known = new Map<string, number>();
    let seq = 0;

    const readVersion = async (streamId: string): Promise<number | undefined> => {
      for (;;) {
        try {
          if (options.inFlight) options.inFlight.reads++;
          const v = await store.getStreamVersion(streamId).finally(() => {
            if (options.inFlight) options.inFlight.reads--;
          });
          known.set(streamId, v);
          return v;
        } catch (error) {
          if (!isTransient(error) || Date.now() > options.retryDeadline) throw error;
          tally(w, error);
          await sleep(rng.int(5, 50));
        }
      }
    };

    while (started < options.maxAppends && Date.now() < options.deadline) {
      started++;
      const streamId = rng.pick(streamIds);
      const count = rng.int(1, options.maxBatch);
      const kind = rng.pick(KINDS);
      const events: NewEvent[] = Array.from({ length: count }, (_, i) => ({
        type: rng.pick(TYPES),
        eventId: rng.uuid(),
        data: {
          writer: w,
          seq,
          i,
          text: rng.chance(0.1) ? '$where: this.a == 1' : `event ${seq}.${i}`,
        },
        metadata: { correlationId: `w${w}-${seq}` },
      }));
      seq++;
      const batch: AttemptedBatch = {
        writer: w,
        streamId,
        ids: events.map((e) => e.eventId!),
        kind,
        outcome: 'pending',
        attempts: 0,
      };
      stats.batches.push(batch);
      let uncertain = false;
      let conflicts = 0;
      try {
        let expected: ExpectedVersion;
        if (kind === 'exact') expected = (await readVersion(streamId))!;
        else if (kind === 'exact_stale') expected = known.get(streamId) ?? 0;
        else expected = kind;
        for (;;) {
          if (options.interleave && rng.chance(0.5)) await tick();
          batch.attempts++;
          try {
            if (options.inFlight) options.inFlight.appends++;
            batch.result = await store.append(streamId, events, expected).finally(() => {
              if (options.inFlight) options.inFlight.appends--;
            });
            batch.outcome = 'acked';
            known.set(streamId, batch.result.nextExpectedVersion);
            break;
          } catch (error) {
            if (ConcurrencyError.isInstance(error)) {
              stats.conflicts++;
              if (++conflicts > options.maxConflicts || Date.now() > options.retryDeadline) {
                batch.outcome = uncertain ? 'unknown' : 'rejected';
                break;
              }
              expected = (await readVersion(streamId))!;
              continue;
            }
            if (isTransient(error) && Date.now() < options.retryDeadline) {
              uncertain = true;
              tally(w, error);
              if (await options.probeLanded?.(streamId, batch.ids).catch(() => false)) {
                stats.retriesAfterLanding++;
              }
              await sleep(rng.int(5, 100));
              continue;
            }
            throw error;
          }
        }
      } catch (error) {
        batch.outcome = 'unknown';
        if (!isTransient(error)) {
          stats.unexpected.push(
            `writer ${w} stream ${streamId} (${kind}, ${count} events): ${(error as Error).name}: ${(error as Error).message}`,
          );
        }
      }
    }
  };

  await Promise.all(
    Array.from({ length: options.writers }, (_, w) => writer(w, options.rng.fork())),
  );
  return stats;
}

export interface Subscriber {
  subscription: Subscription;
  seen: RecordedEvent[];
  /** Deliveries that did not follow the previous one by exactly one position. */
  outOfOrder: number;
}

/** A catch-up subscription from position 0 that records what it is handed. */
export function subscribeFromStart(store: EventStore): Subscriber {
  const subscriber: Subscriber = {
    seen: [],
    outOfOrder: 0,
    subscription: undefined as unknown as Subscription,
  };
  let last = 0;
  subscriber.subscription = store.subscribe(
    (event) => {
      if (event.position !== last + 1) subscriber.outOfOrder++;
      last = event.position;
      subscriber.seen.push(event);
    },
    { fromPosition: 0 },
  );
  return subscriber;
}

/** Waits until the subscription has handed over `head` events (or stopped, or time ran out). */
export async function waitForSubscriber(
  subscriber: Subscriber,
  head: number,
  timeoutMs: number,
): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (subscriber.subscription.position >= head) return true;
    if (subscriber.subscription.error !== undefined) return false;
    await sleep(25);
  }
  return subscriber.subscription.position >= head;
}
