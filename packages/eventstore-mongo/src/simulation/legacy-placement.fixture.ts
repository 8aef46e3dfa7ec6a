// The commit placement and landed-check this package had before the log's guarantees under
// faults were built (kept only as a test fixture): the simulation must find its violations,
// which is what shows the simulation can tell a broken placement from a sound one.
import {
  type AppendResult,
  ConcurrencyError,
  DuplicateEventIdError,
  type ExpectedVersion,
  FlowraError,
  StoreUnavailableError,
} from '@flowra/eventstore-core';
import {
  LruCache,
  type Timers,
  isRetryOf,
  satisfiesExpectedVersion,
  sleep,
} from '@flowra/eventstore-core/adapter';
import type { CommitCollection } from '../commit-collection.js';
import { type CommitDocument, placeCommit } from '../commit-document.js';
import type { CommitRequest } from '../commit-log.js';
import { duplicateKeyIndex, isTransientMongoError } from '../mongo-errors.js';

type Head = Pick<CommitDocument, 'last_version' | 'last_position'>;

interface PendingAppend {
  streamId: string;
  ids: readonly string[];
  commit: CommitDocument;
  expected: ExpectedVersion;
  lookUpIds: boolean;
  attempts: number;
  transientFailures: number;
  fresh: boolean;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

const HEAD = { _id: 0, last_version: 1, last_position: 1 } as const;

/** The old GroupCommitter, reading with the collection it is given (default read concern: local). */
export class LegacyPlacement {
  readonly #queue: PendingAppend[] = [];
  #draining = false;
  #knownLogEnd: number | undefined;
  readonly #knownStreamEnds = new LruCache<string, Head>(10_000);
  #ids = 0;

  constructor(
    private readonly events: CommitCollection,
    private readonly timers: Timers,
    /** ObjectIds are unique across processes; these ids must be too. */
    private readonly idPrefix: string,
    private readonly maxBatch = 64,
    private readonly maxTransientRetries = 8,
  ) {}

  append(request: CommitRequest): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({
        streamId: request.streamId,
        ids: request.ids,
        commit: request.commit,
        expected: request.expected,
        lookUpIds:
          request.callerIds && (request.expected === 'any' || request.expected === 'stream_exists'),
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

  #take(): PendingAppend[] {
    const batch: PendingAppend[] = [];
    const streams = new Set<string>();
    for (let i = 0; i < this.#queue.length && batch.length < this.maxBatch; ) {
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

  async #replayOf(streamId: string, ids: readonly string[], expected: ExpectedVersion) {
    const found = await this.events.find({
      aggregate_id: streamId,
      'events.event_id': { $in: [...ids] },
    });
    if (found.length === 0) return undefined;
    const commit = found[0]!;
    const same =
      found.length === 1 &&
      commit.events.length === ids.length &&
      commit.events.every((e, i) => e.event_id === ids[i]);
    if (!same) throw new DuplicateEventIdError(streamId, ids[0]!);
    if (!isRetryOf(expected, commit.version)) {
      const actual = (await this.#streamHead(streamId))?.last_version ?? 0;
      if (!satisfiesExpectedVersion(expected, actual)) {
        throw new ConcurrencyError(streamId, expected, actual);
      }
      throw new DuplicateEventIdError(streamId, ids[0]!);
    }
    return { nextExpectedVersion: commit.last_version, position: commit.last_position };
  }

  async #streamHead(streamId: string): Promise<Head | null> {
    const [head] = await this.events.find(
      { aggregate_id: streamId },
      { sort: { last_version: -1 }, limit: 1, projection: HEAD },
    );
    return head ?? null;
  }

  async #logHead(): Promise<Head | null> {
    const [head] = await this.events.find(
      {},
      { sort: { last_position: -1 }, limit: 1, projection: HEAD },
    );
    return head ?? null;
  }

  async #commit(batch: PendingAppend[]): Promise<void> {
    const live = (
      await Promise.all(
        batch.map(async (p) => {
          if (!p.lookUpIds || p.ids.length === 0) return p;
          const replay = await this.#settle(p, () => this.#replayOf(p.streamId, p.ids, p.expected));
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
          ? this.#logHead()
          : ({ last_position: this.#knownLogEnd!, last_version: 0 } as Head),
        Promise.all(live.map((p) => this.#streamEnd(p))),
      ]);
    } catch (error) {
      return this.#retryOrFail(live, error);
    }
    this.#knownLogEnd = Math.max(this.#knownLogEnd ?? 0, logHead?.last_position ?? 0);

    const placed: { p: PendingAppend; doc: CommitDocument }[] = [];
    let position = (logHead?.last_position ?? 0) + 1;
    await Promise.all(
      live.map(async (p, i) => {
        const actual = heads[i]?.last_version ?? 0;
        if (satisfiesExpectedVersion(p.expected, actual)) return;
        if (p.ids.length > 0 && !p.lookUpIds) {
          const replay = await this.#settle(p, () => this.#replayOf(p.streamId, p.ids, p.expected));
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
      const doc = {
        ...placeCommit(p.commit, actual + 1, position),
        _id: `${this.idPrefix}-${++this.#ids}`,
      };
      position = doc.last_position + 1;
      placed.push({ p, doc });
    }
    if (placed.length === 0) return;

    try {
      const result = await this.events.insertMany(placed.map((x) => x.doc));
      if (result.insertedCount !== placed.length) {
        await this.#afterFailedWrite(
          placed,
          Object.assign(new Error('unconfirmed'), { code: 11000 }),
        );
        return;
      }
      for (const { p, doc } of placed) {
        this.#sawCommit(p.streamId, doc);
        p.resolve({ nextExpectedVersion: doc.last_version, position: doc.last_position });
      }
    } catch (error) {
      await this.#afterFailedWrite(placed, error);
    }
  }

  async #afterFailedWrite(placed: { p: PendingAppend; doc: CommitDocument }[], error: unknown) {
    let landed: Set<string> | undefined;
    try {
      const found = await this.events.find(
        { _id: { $in: placed.map((x) => x.doc._id!) } },
        { projection: { _id: 1 } },
      );
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
        if (!landed) p.lookUpIds = true;
        rest.push(p);
      }
    }
    if (rest.length > 0) await this.#retryOrFail(rest, error);
  }

  async #streamEnd(p: PendingAppend): Promise<Head | null> {
    if (!p.fresh && p.ids.length > 0) {
      const known = this.#knownStreamEnds.get(p.streamId);
      const expected = p.expected;
      if (expected === 'no_stream' || expected === 0) return null;
      if (
        known &&
        (expected === 'any' || expected === 'stream_exists' || expected === known.last_version)
      ) {
        return known;
      }
    }
    const head = await this.#streamHead(p.streamId);
    if (head) this.#knownStreamEnds.set(p.streamId, head);
    return head;
  }

  #sawCommit(streamId: string, doc: CommitDocument): void {
    this.#knownLogEnd = Math.max(this.#knownLogEnd ?? 0, doc.last_position);
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
        if (p.attempts >= 10_000) {
          p.reject(new StoreUnavailableError('append', error, p.streamId));
          continue;
        }
        delay = Math.max(delay, this.timers.random() * Math.min(20, 2 ** Math.min(p.attempts, 5)));
      } else if (transient && p.transientFailures < this.maxTransientRetries) {
        p.transientFailures++;
        p.lookUpIds = true;
        delay = Math.max(
          delay,
          Math.min(2_000, 50 * 2 ** p.transientFailures) * (0.5 + this.timers.random()),
        );
      } else {
        p.reject(new StoreUnavailableError('append', error, p.streamId));
        continue;
      }
      again.push(p);
    }
    this.#queue.unshift(...again);
    if (delay > 0) await sleep(this.timers, delay);
  }

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
