import type { CommitFindOptions, CommitFilter } from '../commit-collection.js';
import type { CommitDocument } from '../commit-document.js';
import type { SimClock, SimRandom } from './sim-clock.js';
import { query } from './sim-query.js';

interface Entry {
  term: number;
  kind: 'insert' | 'delete' | 'noop';
  doc?: CommitDocument;
  /** `client:txnNumber:statement` of a retryable write: what lets a re-sent statement be recognised. */
  txn?: string;
}

export interface Member {
  id: number;
  up: boolean;
  /** Cut off from the others (it still serves its clients): nothing replicates to or from it. */
  isolated: boolean;
  log: Entry[];
  /** Entries this member knows to be majority-committed: its `majority` read snapshot. */
  knownCommit: number;
}

export interface ReplicaSetOptions {
  /** Whether the unique indexes on array elements exist (MongoDB: yes). */
  multikeyUnique: boolean;
}

export class ReplicaSetError extends Error {
  constructor(
    message: string,
    readonly code: number,
    name = 'MongoServerError',
  ) {
    super(message);
    this.name = name;
  }
}

interface Waiter {
  member: Member;
  term: number;
  index: number;
  resolve(): void;
  reject(error: Error): void;
}

export interface InsertOutcome {
  inserted: number;
  /** Log index the write concern must reach (0 when nothing was written or found). */
  lastIndex: number;
  writeError?: { index: number; code: number; message: string };
}

/**
 * A three-member replica set as the store sees it through the driver: a primary that applies
 * writes to its own log at once and checks unique indexes against what it holds; secondaries
 * that copy the primary's log in steps; a majority commit point (Raft's rule: a majority holds
 * the entry, and it is of the current term); elections after a step-down or a crash that pick
 * the most up-to-date member; and rollback of what a member holds beyond the new primary's log.
 * Majority reads on a member see its log up to the commit point it knows, which lags on
 * secondaries and on a new primary.
 */
export class SimReplicaSet {
  readonly members: Member[] = [0, 1, 2].map((id) => ({
    id,
    up: true,
    isolated: false,
    log: [],
    knownCommit: 0,
  }));
  primary: Member | undefined;
  term = 0;
  commitIndex = 0;
  readonly #waiters = new Set<Waiter>();
  #electing = false;
  #stopped = false;
  rolledBack = 0;

  constructor(
    private readonly clock: SimClock,
    private readonly rng: SimRandom,
    private readonly options: ReplicaSetOptions,
  ) {}

  start(): void {
    this.#elect();
  }

  stop(): void {
    this.#stopped = true;
  }

  // ---- what the driver model calls ----

  /** Applies an ordered insert on the member (which must be primary): stops at the first clash. */
  executeInsert(member: Member, docs: readonly CommitDocument[], txn: string): InsertOutcome {
    let inserted = 0;
    let lastIndex = 0;
    const state = this.#docs(member, member.log.length);
    for (const [i, doc] of docs.entries()) {
      const key = `${txn}:${i}`;
      const earlier = member.log.findIndex((e) => e.txn === key);
      if (earlier >= 0) {
        // A retryable write re-sent: the statement ran before, its result stands.
        inserted++;
        lastIndex = Math.max(lastIndex, earlier + 1);
        continue;
      }
      const clash = this.#clash(state, doc);
      if (clash) {
        return {
          inserted,
          lastIndex,
          writeError: { index: i, code: 11000, message: `E11000 duplicate key error ${clash}` },
        };
      }
      const copy = structuredClone(doc);
      member.log.push({ term: this.term, kind: 'insert', doc: copy, txn: key });
      state.push(copy);
      inserted++;
      lastIndex = member.log.length;
    }
    this.#advanceCommit();
    return { inserted, lastIndex };
  }

  /** An operator deleting a commit on the primary (a purge, a partial restore). */
  deleteWhere(filter: CommitFilter): boolean {
    const primary = this.primary;
    if (!primary) return false;
    const docs = this.#docs(primary, primary.log.length) as unknown as Record<string, unknown>[];
    const [doc] = query(docs, filter) as unknown as CommitDocument[];
    if (!doc) return false;
    primary.log.push({ term: this.term, kind: 'delete', doc: { ...doc } });
    this.#advanceCommit();
    return true;
  }

  /** Resolves once the entry at `index` is majority-committed; rejects if the member loses primacy first. */
  waitMajority(member: Member, index: number, wtimeoutMs?: number): Promise<void> {
    if (this.commitIndex >= index && this.primary === member) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { member, term: this.term, index, resolve, reject };
      this.#waiters.add(waiter);
      if (wtimeoutMs !== undefined) {
        this.clock.setTimeout(() => {
          if (!this.#waiters.delete(waiter)) return;
          reject(
            new ReplicaSetError('waiting for replication timed out', 64, 'MongoWriteConcernError'),
          );
        }, wtimeoutMs);
      }
    });
  }

  /** A find on the member: `majority` sees what it knows to be committed, `local` all it holds. */
  read(
    member: Member,
    concern: 'majority' | 'local',
    filter: CommitFilter,
    options?: CommitFindOptions,
  ): CommitDocument[] {
    const upTo = concern === 'majority' ? member.knownCommit : member.log.length;
    const docs = this.#docs(member, upTo) as unknown as Record<string, unknown>[];
    return structuredClone(query(docs, filter, options)) as unknown as CommitDocument[];
  }

  // ---- faults ----

  /** The primary steps down (an election, a maintenance): its pending write-concern waits fail. */
  stepDown(): void {
    const old = this.primary;
    if (!old) return;
    this.primary = undefined;
    this.#failWaiters(old, new ReplicaSetError('primary stepped down', 189));
    this.#scheduleElection();
  }

  /**
   * A network partition around the primary: it goes on taking writes that cannot reach a
   * majority until, after `stepDownAfterMs`, it notices and steps down and the others elect a
   * primary among themselves; it rejoins after `ms` (rolling back what only it had).
   */
  isolatePrimary(stepDownAfterMs: number, ms: number): void {
    const member = this.primary;
    if (!member) return;
    member.isolated = true;
    this.clock.setTimeout(() => {
      if (this.primary === member) this.stepDown();
    }, stepDownAfterMs);
    this.clock.setTimeout(
      () => {
        member.isolated = false;
        if (!this.primary) this.#scheduleElection();
        this.#kick();
      },
      Math.max(ms, stepDownAfterMs + 1),
    );
  }

  crash(member: Member): void {
    if (!member.up) return;
    if (this.primary === member) this.stepDown();
    member.up = false;
  }

  restart(member: Member): void {
    if (member.up) return;
    member.up = true;
    // What it knew to be committed it still knows; replication rolls back anything beyond.
    if (!this.primary) this.#scheduleElection();
    else this.#kick();
  }

  /** Everything up, one primary, every log equal and committed: the state a healed set settles in. */
  converged(): boolean {
    const primary = this.primary;
    if (!primary) return false;
    return (
      this.commitIndex === primary.log.length &&
      this.members.every(
        (m) => m.up && m.log.length === primary.log.length && m.knownCommit === this.commitIndex,
      )
    );
  }

  /** The durable log: the commits in the committed prefix of the primary's log. */
  durable(): CommitDocument[] {
    const primary = this.primary ?? this.members.find((m) => m.up) ?? this.members[0]!;
    return this.#docs(primary, this.commitIndex);
  }

  healAll(): void {
    for (const member of this.members) {
      member.isolated = false;
      this.restart(member);
    }
    if (!this.primary) this.#scheduleElection();
    this.#kick();
  }

  // ---- internals ----

  #docs(member: Member, upTo: number): CommitDocument[] {
    const docs: CommitDocument[] = [];
    for (let i = 0; i < upTo && i < member.log.length; i++) {
      const entry = member.log[i]!;
      if (entry.kind === 'insert') docs.push(entry.doc!);
      else if (entry.kind === 'delete') {
        const at = docs.findIndex((d) => String(d._id) === String(entry.doc!._id));
        if (at >= 0) docs.splice(at, 1);
      }
    }
    return docs;
  }

  #clash(state: readonly CommitDocument[], doc: CommitDocument): string | undefined {
    const positions = new Set(doc.events.map((e) => e.position));
    const ids = new Set(doc.events.map((e) => e.event_id));
    for (const other of state) {
      if (String(other._id) === String(doc._id)) return 'index: _id_';
      if (other.aggregate_id === doc.aggregate_id && other.version === doc.version) {
        return 'index: aggregate_version_unique';
      }
      if (other.position === doc.position) return 'index: position_unique';
      if (this.options.multikeyUnique) {
        if (other.events.some((e) => positions.has(e.position)))
          return 'index: events_position_unique';
        if (
          other.aggregate_id === doc.aggregate_id &&
          other.events.some((e) => ids.has(e.event_id))
        ) {
          return 'index: stream_event_id_unique';
        }
      }
    }
    return undefined;
  }

  readonly #replicating = new Set<Member>();

  /** Secondaries copy in steps of their own, only while there is something to copy. */
  #kick(): void {
    const primary = this.primary;
    if (!primary || this.#stopped) return;
    if (primary.isolated) return;
    for (const member of this.members) {
      if (member === primary || !member.up || member.isolated || this.#replicating.has(member)) {
        continue;
      }
      const behind =
        member.log.length < primary.log.length ||
        member.knownCommit < Math.min(this.commitIndex, member.log.length) ||
        member.log.some((e, i) => primary.log[i]?.term !== e.term);
      if (!behind) continue;
      this.#replicating.add(member);
      this.clock.setTimeout(
        () => {
          this.#replicating.delete(member);
          this.#replicate(member);
          this.#kick();
        },
        this.rng.int(1, 6),
      );
    }
  }

  #replicate(member: Member): void {
    const primary = this.primary;
    if (!primary?.up || !member.up || member === primary) return;
    if (primary.isolated || member.isolated) return;
    // Roll back whatever this member holds that the primary's log does not.
    let common = 0;
    while (
      common < member.log.length &&
      common < primary.log.length &&
      member.log[common]!.term === primary.log[common]!.term
    ) {
      common++;
    }
    if (common < member.log.length) {
      this.rolledBack += member.log.length - common;
      member.log.length = common;
      member.knownCommit = Math.min(member.knownCommit, common);
    }
    const take = this.rng.int(1, 3);
    for (let i = 0; i < take && member.log.length < primary.log.length; i++) {
      member.log.push(primary.log[member.log.length]!);
    }
    this.#advanceCommit();
    member.knownCommit = Math.max(
      member.knownCommit,
      Math.min(this.commitIndex, member.log.length),
    );
  }

  #advanceCommit(): void {
    const primary = this.primary;
    if (!primary) return;
    for (let n = primary.log.length; n > this.commitIndex; n--) {
      if (primary.log[n - 1]!.term !== this.term) break;
      const copies = this.members.filter(
        (m) => m.log.length >= n && m.log[n - 1]!.term === primary.log[n - 1]!.term,
      ).length;
      if (copies >= 2) {
        this.commitIndex = n;
        break;
      }
    }
    primary.knownCommit = this.commitIndex;
    this.#kick();
    for (const waiter of [...this.#waiters]) {
      if (
        waiter.member === primary &&
        waiter.term === this.term &&
        waiter.index <= this.commitIndex
      ) {
        this.#waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  #failWaiters(member: Member, error: Error): void {
    for (const waiter of [...this.#waiters]) {
      if (waiter.member === member) {
        this.#waiters.delete(waiter);
        waiter.reject(error);
      }
    }
  }

  #scheduleElection(): void {
    if (this.#electing) return;
    this.#electing = true;
    this.clock.setTimeout(
      () => {
        this.#electing = false;
        this.#elect();
      },
      this.rng.int(5, 40),
    );
  }

  /** The most up-to-date member of a majority that is up wins; it writes a no-op in its term. */
  #elect(): void {
    if (this.primary) return;
    const up = this.members.filter((m) => m.up && !m.isolated);
    if (up.length < 2) {
      this.#scheduleElection();
      return;
    }
    const last = (m: Member) => m.log.at(-1)?.term ?? 0;
    const best = Math.max(...up.map((m) => last(m) * 1e6 + m.log.length));
    const candidates = up.filter((m) => last(m) * 1e6 + m.log.length === best);
    const winner = this.rng.pick(candidates);
    this.term++;
    this.primary = winner;
    // A new primary only knows the commit point it had heard of.
    this.commitIndex = winner.knownCommit;
    winner.log.push({ term: this.term, kind: 'noop' });
    this.#advanceCommit();
  }
}
