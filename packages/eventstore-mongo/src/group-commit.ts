import {
  type AppendResult,
  ConcurrencyError,
  type ExpectedVersion,
  FlowraError,
  LruCache,
  StoreUnavailableError,
  satisfiesExpectedVersion,
} from '@flowra/eventstore-core';
import { type Collection, ObjectId, type WriteConcernSettings } from 'mongodb';
import { type CommitDocument, placeCommit } from './commit-document.js';
import { duplicateKeyIndex, isTransientMongoError } from './mongo-errors.js';

export type Head = Pick<CommitDocument, 'last_version' | 'last_position'>;

export interface PendingAppend {
  streamId: string;
  ids: readonly string[];
  /** The encoded commit; numbered when placed. */
  commit: CommitDocument;
  expected: ExpectedVersion;
  /** Whether event ids must be looked up before placing (a retry the version check cannot tell). */
  lookUpIds: boolean;
  attempts: number;
  transientFailures: number;
  /** Read the stream's and the log's end from the database rather than trust what this process saw. */
  fresh: boolean;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

export interface GroupCommitDeps {
  events: Collection<CommitDocument>;
  writeConcern: WriteConcernSettings;
  maxTransientRetries: number;
  /** Appends placed by one write; 1 turns group commit off. */
  maxBatch: number;
  streamHead(streamId: string): Promise<Head | null>;
  logHead(): Promise<Head | null>;
  /** The original result when `ids` already are one commit of the stream (a retried append). */
  replayOf(
    streamId: string,
    ids: readonly string[],
    expected: ExpectedVersion,
  ): Promise<AppendResult | undefined>;
  onCommitted(): void;
}

/** A write acknowledged with fewer inserted documents than sent: placed again like a clash. */
class UnconfirmedInsertError extends Error {
  readonly code = 11000;
  constructor(inserted: number, sent: number) {
    super(
      `insertMany acknowledged ${inserted} of ${sent} commits (E11000 position_unique assumed)`,
    );
  }
}

/** Bounds the places in the log one append may lose to other writers before giving up. */
const MAX_PLACEMENT_ATTEMPTS = 10_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Places appends in the log. Appends that arrive while a write is under way wait and then
 * go together: one read of the log's end, one read of each stream's end, and one ordered
 * `insertMany` of their commits at consecutive positions. Each is still checked against its
 * own expected version, and each commit is still one document, so a batch changes no
 * guarantee: it only spends one round of reads and one write on many appends.
 *
 * Why the log stays gap-free and in commit order without a transaction: a commit is only
 * placed at `last_position + 1` of the commit that was the log's visible end when it was
 * read, and the unique index on `position` lets exactly one writer take each place. A loser
 * gets a duplicate key, re-reads the end (which now includes the winner) and tries again. So
 * every visible commit follows one that was already visible: a reader that has seen position
 * N never later sees a commit below N appear, and no place is skipped. The unique
 * `(aggregate_id, version)` index does the same for each stream's versions.
 */
export class GroupCommitter {
  readonly #queue: PendingAppend[] = [];
  #draining = false;
  /**
   * Ends this process has seen (read or written). Versions and positions only grow, so each
   * is a lower bound of the truth: placing a commit right after it can only collide (a
   * duplicate key, then a fresh read), never leave a gap. That saves the reads whenever this
   * process is the one writing, while the unique indexes stay what decides.
   */
  #knownLogEnd: number | undefined;
  readonly #knownStreamEnds = new LruCache<string, Head>(10_000);

  constructor(private readonly deps: GroupCommitDeps) {}

  submit(
    append: Omit<PendingAppend, 'resolve' | 'reject' | 'attempts' | 'transientFailures' | 'fresh'>,
  ): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({
        ...append,
        attempts: 0,
        transientFailures: 0,
        fresh: false,
        resolve,
        reject,
      });
      if (!this.#draining) {
        this.#draining = true;
        void this.#drain();
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#take();
        try {
          await this.#commit(batch);
        } catch (error) {
          for (const p of batch) p.reject(new StoreUnavailableError('append', error, p.streamId));
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  /** Oldest first, at most one append per stream: a second one must see the first's result. */
  #take(): PendingAppend[] {
    const batch: PendingAppend[] = [];
    const streams = new Set<string>();
    for (let i = 0; i < this.#queue.length && batch.length < this.deps.maxBatch; ) {
      const p = this.#queue[i]!;
      if (streams.has(p.streamId)) {
        i++;
        continue;
      }
      streams.add(p.streamId);
      batch.push(p);
      this.#queue.splice(i, 1);
    }
    return batch;
  }

  async #commit(batch: PendingAppend[]): Promise<void> {
    const live = (
      await Promise.all(
        batch.map(async (p) => {
          if (!p.lookUpIds || p.ids.length === 0) return p;
          const replay = await this.#settle(p, () =>
            this.deps.replayOf(p.streamId, p.ids, p.expected),
          );
          if (replay === 'failed') return undefined;
          if (replay) {
            p.resolve(replay);
            return undefined;
          }
          return p;
        }),
      )
    ).filter((p): p is PendingAppend => p !== undefined);
    if (live.length === 0) return;

    let logHead: Head | null;
    let heads: (Head | null)[];
    try {
      const needsLogRead = this.#knownLogEnd === undefined || live.some((p) => p.fresh);
      [logHead, heads] = await Promise.all([
        needsLogRead
          ? this.deps.logHead()
          : ({ last_position: this.#knownLogEnd!, last_version: 0 } as Head),
        Promise.all(live.map((p) => this.#streamEnd(p))),
      ]);
    } catch (error) {
      return this.#retryOrFail(live, error);
    }
    this.#sawLogEnd(logHead?.last_position ?? 0);

    const placed: { p: PendingAppend; doc: CommitDocument }[] = [];
    let position = (logHead?.last_position ?? 0) + 1;
    await Promise.all(
      live.map(async (p, i) => {
        const head = heads[i];
        const actual = head?.last_version ?? 0;
        if (satisfiesExpectedVersion(p.expected, actual)) return;
        // Not placed: a lost reply may have placed it before, or it is a real conflict.
        if (p.ids.length > 0 && !p.lookUpIds) {
          const replay = await this.#settle(p, () =>
            this.deps.replayOf(p.streamId, p.ids, p.expected),
          );
          if (replay === 'failed') return;
          if (replay) return p.resolve(replay);
        }
        p.reject(new ConcurrencyError(p.streamId, p.expected, actual));
      }),
    );
    for (const [i, p] of live.entries()) {
      const actual = heads[i]?.last_version ?? 0;
      if (!satisfiesExpectedVersion(p.expected, actual)) continue;
      if (p.ids.length === 0) {
        p.resolve({ nextExpectedVersion: actual, position: heads[i]?.last_position ?? 0 });
        continue;
      }
      const doc = { ...placeCommit(p.commit, actual + 1, position), _id: new ObjectId() };
      position = doc.last_position + 1;
      placed.push({ p, doc });
    }
    if (placed.length === 0) return;

    try {
      const result = await this.deps.events.insertMany(
        placed.map((x) => x.doc),
        { ordered: true, writeConcern: this.deps.writeConcern },
      );
      // An acknowledged write that stored fewer documents than it was given is a failed write
      // for the rest (one server seen here answers a clash this way, with no error at all), so
      // only what the `_id` check finds is acknowledged to callers.
      if (result.insertedCount !== placed.length) {
        await this.#afterFailedWrite(
          placed,
          new UnconfirmedInsertError(result.insertedCount, placed.length),
        );
        return;
      }
      for (const { p, doc } of placed) {
        this.#sawCommit(p.streamId, doc);
        p.resolve({ nextExpectedVersion: doc.last_version, position: doc.last_position });
      }
      this.deps.onCommitted();
    } catch (error) {
      await this.#afterFailedWrite(placed, error);
    }
  }

  /**
   * A failed ordered insert may still have written some of the batch (MongoDB keeps the
   * commits before the one that failed; a lost reply may hide a full success), so the batch's
   * own `_id`s tell which appends are done. The rest are placed again from fresh reads.
   */
  async #afterFailedWrite(
    placed: { p: PendingAppend; doc: CommitDocument }[],
    error: unknown,
  ): Promise<void> {
    let landed: Set<string> | undefined;
    try {
      const found = await this.deps.events
        .find({ _id: { $in: placed.map((x) => x.doc._id!) } }, { projection: { _id: 1 } })
        .toArray();
      landed = new Set(found.map((d) => String(d._id)));
    } catch {
      landed = undefined;
    }
    const rest: PendingAppend[] = [];
    for (const { p, doc } of placed) {
      if (landed?.has(String(doc._id))) {
        this.#sawCommit(p.streamId, doc);
        p.resolve({ nextExpectedVersion: doc.last_version, position: doc.last_position });
      } else {
        // Unknown outcome: the next round must look for the events before placing them again.
        if (!landed) p.lookUpIds = true;
        rest.push(p);
      }
    }
    if (landed && landed.size > 0) this.deps.onCommitted();
    if (rest.length > 0) await this.#retryOrFail(rest, error);
  }

  /** The stream's end: what this process knows when that suffices for the expected version, else a read. */
  async #streamEnd(p: PendingAppend): Promise<Head | null> {
    if (!p.fresh && p.ids.length > 0) {
      const known = this.#knownStreamEnds.get(p.streamId);
      const expected = p.expected;
      // Version 0 is a lower bound of every stream: placing at 1 is safe for a new stream.
      if (expected === 'no_stream' || expected === 0) return null;
      if (
        known &&
        (expected === 'any' || expected === 'stream_exists' || expected === known.last_version)
      ) {
        return known;
      }
    }
    const head = await this.deps.streamHead(p.streamId);
    if (head) this.#knownStreamEnds.set(p.streamId, head);
    return head;
  }

  #sawLogEnd(position: number): void {
    this.#knownLogEnd = Math.max(this.#knownLogEnd ?? 0, position);
  }

  #sawCommit(streamId: string, doc: CommitDocument): void {
    this.#sawLogEnd(doc.last_position);
    const known = this.#knownStreamEnds.get(streamId);
    if (!known || known.last_version < doc.last_version) {
      this.#knownStreamEnds.set(streamId, {
        last_version: doc.last_version,
        last_position: doc.last_position,
      });
    }
  }

  async #retryOrFail(batch: PendingAppend[], error: unknown): Promise<void> {
    const clash = duplicateKeyIndex(error);
    const transient = !clash && isTransientMongoError(error);
    let delay = 0;
    const again: PendingAppend[] = [];
    for (const p of batch) {
      p.attempts++;
      p.fresh = true;
      if (clash === 'position' || clash === 'stream_version') {
        if (p.attempts >= MAX_PLACEMENT_ATTEMPTS) {
          p.reject(new StoreUnavailableError('append', error, p.streamId));
          continue;
        }
        delay = Math.max(delay, Math.random() * Math.min(20, 2 ** Math.min(p.attempts, 5)));
      } else if (transient && p.transientFailures < this.deps.maxTransientRetries) {
        p.transientFailures++;
        p.lookUpIds = true;
        delay = Math.max(
          delay,
          Math.min(2_000, 50 * 2 ** p.transientFailures) * (0.5 + Math.random()),
        );
      } else {
        p.reject(new StoreUnavailableError('append', error, p.streamId));
        continue;
      }
      again.push(p);
    }
    this.#queue.unshift(...again);
    if (delay > 0) await sleep(delay);
  }

  /** Runs a lookup for one append; a failure is retried or rejected like a failed write. */
  async #settle<T>(p: PendingAppend, lookup: () => Promise<T>): Promise<T | 'failed'> {
    try {
      return await lookup();
    } catch (error) {
      if (FlowraError.isFlowraError(error)) {
        p.reject(error);
        return 'failed';
      }
      await this.#retryOrFail([p], error);
      return 'failed';
    }
  }
}
