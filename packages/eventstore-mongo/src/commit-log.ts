import {
  AppendOutcomeUnknownError,
  type AppendResult,
  AppendTimeoutError,
  ConcurrencyError,
  DuplicateEventIdError,
  type ExpectedVersion,
  FlowraError,
  StoreUnavailableError,
} from '@flowra/eventstore-core';
import {
  type AppendTrace,
  LruCache,
  type Timers,
  isRetryOf,
  satisfiesExpectedVersion,
} from '@flowra/eventstore-core/adapter';
import type { CommitCollection, CommitFilter } from './commit-collection.js';
import {
  type CommitDocument,
  HEAD_FIELDS,
  type Head,
  checkedHead,
  placeCommit,
} from './commit-document.js';
import { type LogMark, LogMarkWriter } from './log-mark.js';
import {
  type DuplicateKeyIndex,
  duplicateKeyIndex,
  isTransientMongoError,
} from './mongo-errors.js';

const EMPTY_STREAM: Head = Object.freeze({ last_version: 0, last_position: 0 });
const MATCH_FIELDS = {
  _id: 1,
  version: 1,
  last_version: 1,
  position: 1,
  last_position: 1,
  'events.event_id': 1,
} as const;

export interface CommitRequest {
  streamId: string;
  /** Built once, with its deterministic `_id`; numbered anew for each place it is tried at. */
  commit: CommitDocument;
  /** The event ids in order, generated ones included. */
  ids: readonly string[];
  /** Whether the caller gave event ids, so earlier appends may hold them (the event-id rules). */
  callerIds: boolean;
  expected: ExpectedVersion;
  /** Filled in as the append settles: how often it was placed again, and with how many others. */
  stats?: AppendTrace;
  /** When the append's deadline falls (`timers.now()`); default: `appendTimeoutMs` from now. */
  deadline?: number;
}

export interface CommitLogOptions {
  /** After this long an append rejects with `AppendTimeoutError`, whatever is under way. */
  appendTimeoutMs: number;
  /** Appends placed by one write; 1 turns group commit off. */
  maxBatch: number;
  timers: Timers;
  /** Called after commits were acknowledged (a wake-up for this process's readers). */
  onCommitted?(): void;
  /**
   * The log's end kept apart from the commits: read with the log's end, raised after
   * appends are acknowledged, so positions of commits removed by hand are never handed out
   * again, not even by a store started after the removal.
   */
  mark?: LogMark;
  /**
   * How long the mark may wait for this process's appends under way before it is written
   * (`LogMarkWriter`); default 0, a write after each acknowledgement.
   */
  markLingerMs?: number;
}

interface Pending extends CommitRequest {
  idSet: ReadonlySet<string>;
  state: 'queued' | 'working' | 'waiting' | 'done';
  /** A write holding this commit is on its way right now. */
  writing: boolean;
  /** A write holding it was sent and neither confirmed nor refused: it may still land. */
  unknown: boolean;
  /** Stream versions it was sent at while its outcome stayed unknown. */
  triedVersions: Set<number>;
  /** Read the ends from the database rather than trust what this process knows. */
  fresh: boolean;
  /** Placed in a batch of its own (a batch was refused and the culprit is being found). */
  solo: boolean;
  clashes: number;
  failures: number;
  /** Inserts of it alone that failed with an error neither the server nor the network explains. */
  unexplained: number;
  lastError: unknown;
  deadlineTimer: unknown;
  /** Tells the round it was taken in that it is settled. */
  onFinish: (() => void) | undefined;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

type Decision =
  | { result: AppendResult }
  | { error: unknown }
  | { place: Head | null }
  | { later: unknown };

/**
 * Inserts of one append on its own that may fail with an error the server and the network do
 * not explain before it gives up: the first may be a fluke, the third is the append's own.
 */
const UNEXPLAINED_LIMIT = 3;

/** An acknowledged insert that stored fewer commits than it was given (one emulator answers a clash so). */
class UnconfirmedInsertError extends Error {
  readonly code = 11000;
  constructor(inserted: number, sent: number) {
    super(`insertMany acknowledged ${inserted} of ${sent} commits and no error`);
  }
}

/**
 * Places appends in the log: the one module that reads the ends, numbers commits, inserts them
 * and settles inserts whose outcome is unknown.
 *
 * Why the log stays gap-free, in commit order, and never holds an event twice:
 * - A commit is placed right after the end of the log and of its stream as read with read
 *   concern `majority` (or learnt from this process's own acknowledged writes): after a
 *   predecessor that is durable. A failover cannot take the predecessor away, so no retry of
 *   the insert, by the driver or by us, can land after a hole or behind a reader.
 * - The unique indexes let exactly one commit take each place: `position` (and, where the
 *   server keeps multikey unique indexes soundly, every event's position) in the log,
 *   `(aggregate_id, version)` in the stream. A loser gets a duplicate key, reads the ends
 *   again and tries again.
 * - The `_id` is derived from the stream and the event ids, so however often an append is
 *   sent (a lost reply, a retry from another process) only one copy can exist.
 * - Inserts are acknowledged with write concern `majority`. When the outcome is unknown (a
 *   reset connection, a step-down, a write-concern error) the commit is looked for with a
 *   majority read: found means durable; not found means it is placed again with the same
 *   `_id`; and a conflict is reported only once a durable commit holds every stream place it
 *   was sent to, which proves the lost write can never become durable.
 * Appends of this process that wait at the same time go together: one round of reads, one
 * ordered insertMany, each still checked against its own expected version, each still its own
 * commit. Back-off is a timer per append, so one append's retries never hold up the others,
 * and every append rejects with `AppendTimeoutError` at its deadline, whatever hangs.
 */
export class CommitLog {
  readonly #queue: Pending[] = [];
  #draining = false;
  /**
   * Ends this process learnt from majority reads and acknowledged writes: durable, so placing
   * right after one can only collide (a duplicate key, then a fresh read), never leave a hole.
   * It never goes down, not even when a read finds the log shorter (an operator removed its
   * last commits): a position seen held is never handed out again.
   */
  #knownLogEnd: number | undefined;
  /** Another writer took the place after `#knownLogEnd`: read the end before placing again. */
  #logEndStale = false;
  readonly #knownStreamEnds = new LruCache<string, Head>(10_000);
  /** How long the last rounds (reads and insert) took here: what back-off is measured in. */
  readonly #roundTimes = new RoundTimes();
  readonly #markWriter: LogMarkWriter | undefined;
  /** Appends taken and not yet settled: while there are any, the mark may wait for them. */
  #open = 0;

  /** The log's end as this process knows it (0 before it knows any): stored, durable. */
  get knownLogEnd(): number {
    return this.#knownLogEnd ?? 0;
  }

  constructor(
    private readonly events: CommitCollection,
    private readonly options: CommitLogOptions,
  ) {
    this.#markWriter =
      options.mark &&
      new LogMarkWriter(options.mark, {
        timers: options.timers,
        busy: () => this.#open > 0,
        lingerMs: options.markLingerMs ?? 0,
      });
  }

  /**
   * Resolves once the log's mark holds every position acknowledged so far (or failed to); marks
   * asked for later are written without waiting for other appends (the store is closing).
   */
  flushMark(): Promise<void> {
    return this.#markWriter?.flush() ?? Promise.resolve();
  }

  append(request: CommitRequest): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      const p: Pending = {
        ...request,
        idSet: new Set(request.ids),
        state: 'queued',
        writing: false,
        unknown: false,
        triedVersions: new Set(),
        fresh: false,
        solo: false,
        clashes: 0,
        failures: 0,
        unexplained: 0,
        lastError: undefined,
        deadlineTimer: undefined,
        onFinish: undefined,
        resolve,
        reject,
      };
      const timers = this.options.timers;
      const left =
        request.deadline === undefined
          ? this.options.appendTimeoutMs
          : Math.max(0, request.deadline - timers.now());
      p.deadlineTimer = timers.setTimeout(() => this.#expire(p), left);
      this.#open++;
      this.#queue.push(p);
      void this.#drain();
    });
  }

  #expire(p: Pending): void {
    if (p.state === 'done') return;
    const queued = this.#queue.indexOf(p);
    if (queued >= 0) this.#queue.splice(queued, 1);
    this.#finish(p);
    p.reject(
      new AppendTimeoutError(
        p.streamId,
        this.options.appendTimeoutMs,
        p.unknown || p.writing,
        p.ids,
        p.lastError,
      ),
    );
  }

  #finish(p: Pending): void {
    p.state = 'done';
    if (--this.#open === 0) this.#markWriter?.idle();
    if (p.stats) p.stats.placementRetries = p.clashes + p.failures;
    this.options.timers.clearTimeout(p.deadlineTimer);
    const onFinish = p.onFinish;
    p.onFinish = undefined;
    onFinish?.();
  }

  #resolve(p: Pending, result: AppendResult): void {
    if (p.state === 'done') return;
    // Every position an append resolves with is durable (acknowledged, or found by a
    // majority read), so the mark may cover it.
    if (result.position > 0) this.#markWriter?.raise(result.position);
    this.#finish(p);
    p.resolve(result);
  }

  #reject(p: Pending, error: unknown): void {
    if (p.state === 'done') return;
    this.#finish(p);
    p.reject(error);
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#take();
        if (batch.length > 0) await this.#run(batch);
      }
    } finally {
      this.#draining = false;
    }
  }

  /**
   * Oldest first. A later append to a stream already in the batch is decided after the ones
   * before it, against the end they would leave: placed behind them in the same ordered insert
   * (tried only if they land first), or refused or answered once they have landed (and decided
   * again next round if they do not). So a stream's waiting appends take one round, not one
   * each. One that shares an event id with them waits for the next round, so the event-id
   * rules, read from the database, see everything that could hold its ids. A write of unknown
   * outcome may follow too: it is looked for first, and placed again only with its own `_id`,
   * which cannot be stored twice. An append in a batch of its own (`solo`) is taken alone.
   */
  #take(): Pending[] {
    const batch: Pending[] = [];
    /** The event ids of each stream's appends taken so far. */
    const taken = new Map<string, Set<string>>();
    for (let i = 0; i < this.#queue.length && batch.length < this.options.maxBatch; ) {
      const p = this.#queue[i]!;
      if (p.state === 'done') {
        this.#queue.splice(i, 1);
        continue;
      }
      const ids = taken.get(p.streamId);
      if ((p.solo && batch.length > 0) || (ids && p.ids.some((id) => ids.has(id)))) {
        i++;
        continue;
      }
      if (ids) for (const id of p.ids) ids.add(id);
      else taken.set(p.streamId, new Set(p.ids));
      p.state = 'working';
      batch.push(p);
      this.#queue.splice(i, 1);
      if (p.solo) break;
    }
    return batch;
  }

  /**
   * One round for the batch. A round that hangs (a reply that never comes) is left behind
   * once every append in it has been settled (their deadlines reject them), so the appends
   * behind it go on.
   */
  #run(batch: Pending[]): Promise<void> {
    return new Promise<void>((resolve) => {
      let open = batch.length;
      const release = () => {
        if (--open === 0) resolve();
      };
      for (const p of batch) p.onFinish = release;
      this.#round(batch).then(resolve, (error: unknown) => {
        for (const p of batch)
          this.#reject(p, new StoreUnavailableError('append', error, p.streamId));
        resolve();
      });
    });
  }

  async #round(batch: Pending[]): Promise<void> {
    const started = this.options.timers.now();
    try {
      await this.#placeBatch(batch);
    } finally {
      const took = this.options.timers.now() - started;
      this.#roundTimes.add(took);
    }
  }

  async #placeBatch(batch: Pending[]): Promise<void> {
    const needLogEnd =
      this.#knownLogEnd === undefined || this.#logEndStale || batch.some((p) => p.fresh);
    // The first append of each stream reads (or knows) the stream's end; those after it in
    // the batch are placed after it. One that must read afresh makes the whole chain read.
    // One that expects a version behind another needs the stream's end as it is, not a
    // bound this process knows.
    const chainHeads = new Map<string, Pending>();
    const freshStreams = new Set<string>();
    for (const p of batch) {
      const head = chainHeads.get(p.streamId);
      if (!head) chainHeads.set(p.streamId, p);
      if (p.fresh || (head && p.expected !== 'any')) freshStreams.add(p.streamId);
    }
    let logEnd: number;
    let heads: (Head | null)[];
    let matches: (CommitDocument[] | undefined)[];
    try {
      // Where the decision can be a conflict (a version is expected, or a write of unknown
      // outcome is pending), what holds the append's ids or places is read after the stream's
      // end: no older than it, so a conflict it shows is never one our own commit made (or a
      // retry of the same append by another process). Otherwise all in one round trip.
      // The appends of one stream that need it share one read.
      const groups = new Map<string, Pending[]>();
      for (const p of batch) {
        if (!needsMatches(p)) continue;
        const group = groups.get(p.streamId);
        if (group) group.push(p);
        else groups.set(p.streamId, [p]);
      }
      const early = new Map<string, Promise<CommitDocument[]>>();
      for (const [streamId, group] of groups) {
        const ordered = group.some((p) => p.expected !== 'any');
        if (!ordered) early.set(streamId, this.#readMatches(streamId, group));
      }
      [logEnd, heads] = await Promise.all([
        needLogEnd ? this.#readLogEnd(this.#knownLogEnd) : this.#knownLogEnd!,
        Promise.all(
          batch.map((p) =>
            chainHeads.get(p.streamId) === p
              ? this.#streamEnd(p, freshStreams.has(p.streamId))
              : null,
          ),
        ),
        ...early.values(),
      ]);
      const found = new Map(
        await Promise.all(
          [...groups].map(
            async ([streamId, group]) =>
              [
                streamId,
                await (early.get(streamId) ?? this.#readMatches(streamId, group)),
              ] as const,
          ),
        ),
      );
      matches = batch.map((p) => (needsMatches(p) ? found.get(p.streamId) : undefined));
    } catch (error) {
      return this.#afterError(batch, error);
    }
    if (needLogEnd) {
      this.#knownLogEnd = logEnd;
      this.#logEndStale = false;
    }

    const placed: { p: Pending; doc: CommitDocument }[] = [];
    let position = logEnd + 1;
    const later: Pending[] = [];
    const streamHeads = new Map<string, Head | null>();
    // Streams whose end above is where appends placed earlier in this batch would leave it:
    // an outcome decided against it holds only once they have landed.
    const projected = new Set<string>();
    const pendingOnLanding: { p: Pending; decision: Decision }[] = [];
    for (const [i, p] of batch.entries()) {
      if (!streamHeads.has(p.streamId)) streamHeads.set(p.streamId, heads[i] ?? null);
      if (p.state === 'done') continue;
      const decision = this.#decide(p, streamHeads.get(p.streamId) ?? null, matches[i]);
      if (projected.has(p.streamId) && ('result' in decision || 'error' in decision)) {
        pendingOnLanding.push({ p, decision });
        continue;
      }
      if ('result' in decision) this.#resolve(p, decision.result);
      else if ('error' in decision) this.#reject(p, decision.error);
      else if ('later' in decision) {
        p.lastError = decision.later;
        later.push(p);
      } else {
        const version = (decision.place?.last_version ?? 0) + 1;
        const doc = placeCommit(p.commit, version, position);
        position = doc.last_position + 1;
        placed.push({ p, doc });
        streamHeads.set(p.streamId, doc);
        projected.add(p.streamId);
      }
    }
    if (later.length > 0) this.#later(later, 'transient');
    if (placed.length === 0) return;

    for (const { p, doc } of placed) {
      p.writing = true;
      p.triedVersions.add(doc.version);
    }
    let failure: unknown;
    try {
      const { insertedCount } = await this.events.insertMany(placed.map((x) => x.doc));
      if (insertedCount === placed.length) {
        for (const { p, doc } of placed) {
          p.writing = false;
          if (p.stats) p.stats.batchSize = placed.length;
          this.#learn(p.streamId, doc);
          this.#resolve(p, { nextExpectedVersion: doc.last_version, position: doc.last_position });
        }
        for (const { p, decision } of pendingOnLanding) {
          if ('result' in decision) this.#resolve(p, decision.result);
          else if ('error' in decision) this.#reject(p, decision.error);
        }
        this.options.onCommitted?.();
        return;
      }
      failure = new UnconfirmedInsertError(insertedCount, placed.length);
    } catch (error) {
      failure = error;
    }
    for (const { p } of placed) {
      p.writing = false;
      p.lastError = failure;
    }
    // Decided against ends that did not come about: decided again next round, as never tried.
    this.#requeue(pendingOnLanding.map((x) => x.p));
    const refused = writeErrorOf(failure);
    if (refused) {
      // The server refused one commit of the ordered batch: those before it landed (a look-up
      // confirms them with a majority read), those after it were never tried.
      const written: Pending[] = [];
      const untried: Pending[] = [];
      for (const [i, { p }] of placed.entries()) {
        if (i < refused.index) {
          p.unknown = true;
          written.push(p);
        } else if (i > refused.index) untried.push(p);
        else if (refused.code === 11000 || refused.code === 11001) {
          this.#forget([p], refused.clashOn);
          this.#later([p], refused.clashOn === 'position' ? 'position' : 'clash');
        } else this.#fail(p, failure);
      }
      this.#later(written, 'clash');
      // Never sent: what they knew of their streams still holds; only the log's end moved.
      this.#later(untried, refused.clashOn === 'position' ? 'position' : 'clash');
      return;
    }
    const clash = duplicateKeyIndex(failure) !== undefined;
    if (
      !clash &&
      !isTransientMongoError(failure) &&
      !(failure instanceof UnconfirmedInsertError) &&
      isServerRefusal(failure)
    ) {
      // The whole command was refused before it ran: find out which append it was about by
      // sending each on its own.
      if (placed.length === 1) return this.#fail(placed[0]!.p, failure);
      for (const { p } of placed) p.solo = true;
      return this.#later(
        placed.map((x) => x.p),
        'clash',
      );
    }
    if (
      placed.length === 1 &&
      duplicateKeyIndex(failure) === 'position' &&
      isServerRefusal(failure) &&
      !isTransientMongoError(failure) &&
      !hasWriteConcernError(failure)
    ) {
      // One commit refused by the log's position index as the command's own error (how some
      // servers answer an ordered insert of one document, rather than with a write error): a
      // document is stored with all its index keys or not at all, so it was not stored, as
      // with a write error. Another writer took the place: only the log's end is read again.
      return this.#later([placed[0]!.p], 'position');
    }
    // Some, all or none of the batch may have landed (a lost reply hides a success; a
    // write-concern error leaves the commit where it may still be rolled back): the next
    // round looks for each commit with a majority read before placing it again.
    for (const { p } of placed) p.unknown = true;
    if (clash)
      this.#forget(
        placed.map((x) => x.p),
        duplicateKeyIndex(failure),
      );
    if (
      !clash &&
      !isTransientMongoError(failure) &&
      !(failure instanceof UnconfirmedInsertError) &&
      !hasWriteConcernError(failure)
    ) {
      this.#afterUnexplained(placed, failure);
      return;
    }
    this.#later(
      placed.map((x) => x.p),
      clash ? 'clash' : 'transient',
    );
  }

  /**
   * An insert failed with an error that neither the server nor the network explains (one the
   * driver raised itself: a value it could not serialize, a closed client). It may have come
   * before anything was sent or after, so each commit is looked for before it is placed again,
   * as after a lost reply. Unlike a lost reply it may come again for the same commit every
   * time: a batch is split so that one append's failure does not hold up the others, and an
   * append that meets such errors on its own `UNEXPLAINED_LIMIT` times, its commit not found
   * in between, stops with `AppendOutcomeUnknownError` rather than retrying until its deadline.
   */
  #afterUnexplained(placed: readonly { p: Pending }[], failure: unknown): void {
    if (placed.length > 1) {
      for (const { p } of placed) p.solo = true;
      this.#later(
        placed.map((x) => x.p),
        'transient',
      );
      return;
    }
    const p = placed[0]!.p;
    p.solo = true;
    if (++p.unexplained >= UNEXPLAINED_LIMIT) this.#fail(p, failure);
    else this.#later([p], 'transient');
  }

  /**
   * The event-id rules, then the expected version, on what the reads showed. Mirrors the
   * in-memory store, which is the reference.
   */
  #decide(p: Pending, head: Head | null, matches: CommitDocument[] | undefined): Decision {
    const actual = head?.last_version ?? 0;
    const own = matches?.find((doc) => String(doc._id) === String(p.commit._id));
    if (matches && (p.callerIds || own)) {
      const rule = eventIdRule(p, matches, actual);
      if (rule) return rule;
    }
    if (!satisfiesExpectedVersion(p.expected, actual)) {
      // A write of ours that may still land: a conflict is only certain once durable commits of
      // others hold every place it was sent to, so it can never become durable itself.
      if (p.unknown && !provenLost(p, matches)) {
        return { later: new ConcurrencyError(p.streamId, p.expected, actual) };
      }
      return { error: new ConcurrencyError(p.streamId, p.expected, actual) };
    }
    if (p.ids.length === 0) {
      return { result: { nextExpectedVersion: actual, position: head?.last_position ?? 0 } };
    }
    return { place: head };
  }

  /**
   * Where the next commit goes: after the log's end read with read concern majority, and never
   * below `floor`, an end this process knows was durable. The read starts at the floor (an index
   * range rather than the whole log on servers that do not walk an index backwards for a bare
   * sort). Nothing at or above the floor means an operator removed the last commits: their
   * positions are not handed out again, since a reader may already have delivered them and
   * would skip whatever took their place; the hole stays, and readers report it. The log's
   * mark carries that floor to stores that did not see those commits (another process, a
   * restart).
   */
  async #readLogEnd(floor: number | undefined): Promise<number> {
    const [end, mark] = await Promise.all([
      this.#readCommitsEnd(floor),
      this.options.mark?.read() ?? 0,
    ]);
    this.#markWriter?.seen(mark);
    return Math.max(end, mark);
  }

  async #readCommitsEnd(floor: number | undefined): Promise<number> {
    if (floor !== undefined && floor > 0) {
      const [found] = await this.events.find(
        { last_position: { $gte: floor } },
        { sort: { last_position: -1 }, limit: 1, projection: HEAD_FIELDS },
      );
      const end = checkedHead(found);
      return end ? Math.max(end.last_position, floor) : floor;
    }
    const [found] = await this.events.find(
      {},
      { sort: { last_position: -1 }, limit: 1, projection: HEAD_FIELDS },
    );
    return checkedHead(found)?.last_position ?? 0;
  }

  /** The stream's end: what this process knows when that suffices for the expected version, else a read. */
  async #streamEnd(p: Pending, fresh: boolean): Promise<Head | null> {
    if (!fresh && p.ids.length > 0) {
      const expected = p.expected;
      // Version 0 is a lower bound of every stream: placing at 1 is safe for a new stream.
      if (expected === 'no_stream' || expected === 0) return null;
      const known = this.#knownStreamEnds.get(p.streamId);
      if (known && known.last_version === 0) {
        // Read as empty: a lower bound for 'any' (placing at 1 can only collide); any other
        // expectation needs to know whether the stream exists now.
        if (expected === 'any') return null;
      } else if (
        known &&
        (expected === 'any' || expected === 'stream_exists' || expected === known.last_version)
      ) {
        return known;
      }
    }
    const [found] = await this.events.find(
      { aggregate_id: p.streamId },
      { sort: { last_version: -1 }, limit: 1, projection: HEAD_FIELDS },
    );
    const head = checkedHead(found);
    // A stream read as empty is remembered too, so an append to a new stream that loses the
    // race for the log's position does not read its stream again on every retry.
    this.#knownStreamEnds.set(p.streamId, head ?? EMPTY_STREAM);
    return head ?? null;
  }

  /**
   * The stream's commits that hold one of the appends' ids (the event-id rules), their own
   * commits (`_id`), or a stream place one of their writes of unknown outcome was sent to.
   * Each append's decision picks out what concerns it.
   */
  async #readMatches(streamId: string, group: readonly Pending[]): Promise<CommitDocument[]> {
    const eventIds = new Set<string>();
    const commitIds: CommitDocument['_id'][] = [];
    const versions = new Set<number>();
    for (const p of group) {
      if (p.callerIds) for (const id of p.ids) eventIds.add(id);
      if (p.unknown) {
        commitIds.push(p.commit._id);
        for (const version of p.triedVersions) versions.add(version);
      }
    }
    const any: CommitFilter[] = [];
    if (eventIds.size > 0) any.push({ 'events.event_id': { $in: [...eventIds] } });
    if (commitIds.length > 0) any.push({ _id: { $in: commitIds } });
    if (versions.size > 0) any.push({ version: { $in: [...versions] } });
    return this.events.find(
      { aggregate_id: streamId, $or: any },
      { sort: { version: 1 }, projection: MATCH_FIELDS },
    );
  }

  #learn(streamId: string, doc: Head): void {
    this.#knownLogEnd = Math.max(this.#knownLogEnd ?? 0, doc.last_position);
    const known = this.#knownStreamEnds.get(streamId);
    if (!known || known.last_version < doc.last_version) {
      this.#knownStreamEnds.set(streamId, {
        last_version: doc.last_version,
        last_position: doc.last_position,
      });
    }
  }

  /** A failure of the round's reads: waited out when it may pass, else the appends fail. */
  #afterError(batch: Pending[], error: unknown): void {
    if (isTransientMongoError(error)) {
      for (const p of batch) p.lastError = error;
      this.#later(batch, 'transient');
      return;
    }
    for (const p of batch) this.#fail(p, error);
  }

  #fail(p: Pending, error: unknown): void {
    this.#reject(
      p,
      FlowraError.isFlowraError(error)
        ? error
        : p.unknown
          ? new AppendOutcomeUnknownError(p.streamId, p.ids, error)
          : new StoreUnavailableError('append', error, p.streamId),
    );
  }

  /** Back in the queue at once, for appends that were not tried (no back-off is owed). */
  #requeue(batch: readonly Pending[]): void {
    for (const p of batch) {
      if (p.state === 'done') continue;
      p.state = 'queued';
      p.onFinish = undefined;
      this.#queue.push(p);
    }
    if (batch.length > 0) void this.#drain();
  }

  /**
   * What a clash says about the ends this process knows: another writer took the log's next
   * place, or the stream's, or (an index the error does not name) either. The process's other
   * appends then read what went stale rather than try a place that is surely taken.
   */
  #forget(batch: readonly Pending[], clashOn: DuplicateKeyIndex | undefined): void {
    if (clashOn !== 'stream_version') this.#logEndStale = true;
    if (clashOn !== 'position') for (const p of batch) this.#knownStreamEnds.delete(p.streamId);
  }

  /**
   * Tries the appends again after a pause of their own (a timer each, so one append's back-off
   * never holds up the others), reading the ends afresh. A clash (another writer took the place)
   * is retried at once or nearly; a failure that may pass backs off exponentially.
   */
  #later(batch: Pending[], kind: 'position' | 'clash' | 'transient'): void {
    if (kind === 'position' && batch.length > 0) {
      // Another writer took the log's next place: the end known here is stale for every append
      // of this process.
      this.#logEndStale = true;
    }
    for (const p of batch) {
      if (p.state === 'done') continue;
      // A clash on the log's position says nothing about the stream: its known end (durable,
      // from a majority read or an acknowledged write) still bounds it, and if it is stale the
      // stream's unique index refuses the next try, which then reads it. Only the log's end is
      // read again (above), saving a query per lost race.
      if (kind !== 'position') p.fresh = true;
      let delay: number;
      if (kind !== 'transient') {
        // Writers that lost a place to each other spread out over a few rounds' time, so the
        // next try is less likely to collide again; the winner is not slowed.
        p.clashes++;
        delay =
          this.options.timers.random() *
          this.#roundTimes.typical() *
          Math.min(2 ** (p.clashes - 1), 8);
      } else {
        p.failures++;
        delay =
          Math.min(2_000, 25 * 2 ** Math.min(p.failures, 7)) * (0.5 + this.options.timers.random());
      }
      p.state = 'waiting';
      p.onFinish = undefined;
      this.options.timers.setTimeout(() => {
        if (p.state !== 'waiting') return;
        p.state = 'queued';
        this.#queue.push(p);
        void this.#drain();
      }, delay);
    }
  }
}

/**
 * The typical time of a round lately: the median of the last ones. A mean would let the odd
 * round that stalls (a server pausing, a lock waited for) stretch every back-off after it,
 * and back-offs of several rounds' time stretched so hold up the writers that lost far longer
 * than the next free place does.
 */
class RoundTimes {
  static readonly #kept = 15;
  /** Seeded with one guess, overwritten first once the ring is full, as the oldest. */
  readonly #times: number[] = [5];
  #next = 1;

  add(ms: number): void {
    if (this.#times.length < RoundTimes.#kept) this.#times.push(ms);
    else this.#times[this.#next] = ms;
    this.#next = (this.#next + 1) % RoundTimes.#kept;
  }

  typical(): number {
    const sorted = [...this.#times].sort((a, b) => a - b);
    return sorted[sorted.length >> 1]!;
  }
}

/** Whether deciding `p` takes the commits that may hold its ids or its lost write. */
function needsMatches(p: Pending): boolean {
  return (p.callerIds && p.ids.length > 0) || p.unknown;
}

/** The first refused statement of an ordered insert, when the server answered with write errors. */
function writeErrorOf(
  error: unknown,
): { index: number; code: number; clashOn: DuplicateKeyIndex | undefined } | undefined {
  const e = error as { writeErrors?: unknown };
  if (!Array.isArray(e?.writeErrors) || e.writeErrors.length === 0) return undefined;
  // A write-concern error as well: what landed may still be rolled back; settled as unknown.
  if (hasWriteConcernError(error)) return undefined;
  let first: { index: number; code: number; clashOn: DuplicateKeyIndex | undefined } | undefined;
  for (const w of e.writeErrors as {
    index?: number;
    code?: number;
    errmsg?: string;
    keyPattern?: Record<string, unknown>;
    err?: { index?: number; code?: number; errmsg?: string; keyPattern?: Record<string, unknown> };
  }[]) {
    const index = w.index ?? w.err?.index;
    const code = w.code ?? w.err?.code;
    if (typeof index !== 'number' || typeof code !== 'number') return undefined;
    if (!first || index < first.index) {
      // Which unique index refused it: 'other' (read everything again) when it does not say.
      const clashOn = duplicateKeyIndex({
        code,
        keyPattern: w.keyPattern ?? w.err?.keyPattern,
        message: w.errmsg ?? w.err?.errmsg ?? '',
      });
      first = { index, code, clashOn };
    }
  }
  return first;
}

function hasWriteConcernError(error: unknown): boolean {
  const e = error as {
    writeConcernError?: unknown;
    errorResponse?: { writeConcernError?: unknown };
    result?: { getWriteConcernError?: () => unknown };
  };
  return Boolean(
    e?.writeConcernError ||
      e?.errorResponse?.writeConcernError ||
      e?.result?.getWriteConcernError?.(),
  );
}

/** A server error answer (with a code), as opposed to a failure of the connection or the driver. */
function isServerRefusal(error: unknown): boolean {
  const e = error as { name?: string; code?: unknown };
  return typeof e?.code === 'number' && e.name !== 'MongoNetworkError';
}

/** The in-memory store's event-id rules, on the commits that hold the append's ids. */
function eventIdRule(
  p: Pending,
  matches: readonly CommitDocument[],
  actual: number,
): Decision | undefined {
  const at = new Map<string, { version: number; position: number }>();
  for (const doc of matches) {
    doc.events.forEach((e, i) => {
      if (p.idSet.has(e.event_id))
        at.set(e.event_id, { version: doc.version + i, position: doc.position + i });
    });
  }
  if (at.size === 0) return undefined;
  const first = at.get(p.ids[0]!);
  if (!first) {
    return { error: new DuplicateEventIdError(p.streamId, p.ids.find((id) => at.has(id))!) };
  }
  // Only a run of the stream's own events, in order, is a retry; anything else reuses ids.
  for (let i = 1; i < p.ids.length; i++) {
    if (at.get(p.ids[i]!)?.version !== first.version + i) {
      return { error: new DuplicateEventIdError(p.streamId, p.ids[0]!) };
    }
  }
  if (!isRetryOf(p.expected, first.version)) {
    if (!satisfiesExpectedVersion(p.expected, actual)) {
      return { error: new ConcurrencyError(p.streamId, p.expected, actual) };
    }
    return { error: new DuplicateEventIdError(p.streamId, p.ids[0]!) };
  }
  const last = at.get(p.ids.at(-1)!)!;
  return { result: { nextExpectedVersion: last.version, position: last.position } };
}

/** Every stream place a write of unknown outcome went to is held by another durable commit. */
function provenLost(p: Pending, matches: readonly CommitDocument[] | undefined): boolean {
  for (const version of p.triedVersions) {
    const holder = matches?.find((doc) => doc.version === version);
    if (!holder || String(holder._id) === String(p.commit._id)) return false;
  }
  return true;
}
