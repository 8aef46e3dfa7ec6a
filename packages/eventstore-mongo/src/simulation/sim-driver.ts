import type { CommitCollection, CommitFindOptions, CommitFilter } from '../commit-collection.js';
import type { CommitDocument } from '../commit-document.js';
import type { SimClock, SimRandom } from './sim-clock.js';
import { type Member, ReplicaSetError, type SimReplicaSet } from './sim-replica-set.js';

export interface NetworkFaults {
  /** A request that never reaches the server: the client sees a network error. */
  lostRequest: number;
  /** A reply that never reaches the client after the server acted: a network error. */
  lostReply: number;
  /** A reply that never comes and no error either (no socket timeout): only deadlines help. */
  hang: number;
  /** The write concern wait gives up (as with `wtimeout`) while the write stays on the primary. */
  wtimeout: number;
  /** A read served by a secondary's older majority snapshot. */
  laggingRead: number;
}

export const NO_FAULTS: NetworkFaults = {
  lostRequest: 0,
  lostReply: 0,
  hang: 0,
  wtimeout: 0,
  laggingRead: 0,
};

function networkError(message: string): Error {
  const error = new Error(message);
  error.name = 'MongoNetworkError';
  return error;
}

/** What the driver throws for an ordered insert that stopped at a duplicate key. */
class SimBulkWriteError extends Error {
  override name = 'MongoBulkWriteError';
  constructor(
    readonly code: number,
    message: string,
    readonly writeErrors: { index: number; code: number; errmsg: string }[],
    readonly result: { insertedCount: number },
  ) {
    super(message);
  }
}

function retryable(error: unknown): boolean {
  const e = error as { name?: string; code?: number };
  return (
    e.name === 'MongoNetworkError' ||
    e.name === 'MongoServerSelectionError' ||
    e.code === 189 ||
    e.code === 10107 ||
    e.code === 11602 ||
    e.code === 91
  );
}

/**
 * The driver as the store uses it, in front of a simulated replica set: server selection that
 * waits for a primary, message latency, lost requests and replies, replies that never come,
 * write-concern timeouts, lagging reads; and retryable writes: after a retryable error the
 * same insert (same transaction number) is sent once more to whichever member is primary
 * then, which runs only the statements it has not seen.
 */
export class SimDriver {
  #txn = 0;
  faults: NetworkFaults;

  constructor(
    readonly id: string,
    private readonly clock: SimClock,
    private readonly rng: SimRandom,
    private readonly rs: SimReplicaSet,
    faults: NetworkFaults,
    private readonly retry = { writes: true, reads: true },
  ) {
    this.faults = faults;
  }

  collection(readConcern: 'majority' | 'local' = 'majority'): CommitCollection {
    return {
      find: (filter, options) => this.#find(readConcern, filter, options),
      insertMany: (docs) => this.#insertMany(docs),
    };
  }

  #latency(): Promise<void> {
    return new Promise((resolve) => this.clock.setTimeout(resolve, this.rng.int(0, 4)));
  }

  #never<T>(): Promise<T> {
    return new Promise<T>(() => {});
  }

  async #select(): Promise<Member> {
    const until = this.clock.now() + 300;
    for (;;) {
      const primary = this.rs.primary;
      if (primary?.up) return primary;
      if (this.clock.now() >= until) {
        throw new ReplicaSetError('server selection timed out', 0, 'MongoServerSelectionError');
      }
      await new Promise((resolve) => this.clock.setTimeout(() => resolve(undefined), 10));
    }
  }

  async #insertMany(docs: CommitDocument[]): Promise<{ insertedCount: number }> {
    const txn = `${this.id}:${++this.#txn}`;
    const sent = structuredClone(docs);
    try {
      return await this.#insertAttempt(sent, txn);
    } catch (error) {
      if (!this.retry.writes || !retryable(error)) throw error;
      return this.#insertAttempt(sent, txn);
    }
  }

  async #insertAttempt(docs: CommitDocument[], txn: string): Promise<{ insertedCount: number }> {
    const member = await this.#select();
    await this.#latency();
    const hang = this.rng.chance(this.faults.hang);
    if (this.rng.chance(this.faults.lostRequest)) {
      if (hang) return this.#never();
      throw networkError('connection reset before the request arrived');
    }
    if (!member.up) throw networkError('connection refused');
    if (this.rs.primary !== member) throw new ReplicaSetError('not writable primary', 10107);
    const outcome = this.rs.executeInsert(member, docs, txn);
    let concernError: unknown;
    if (outcome.lastIndex > 0) {
      try {
        const wtimeout = this.rng.chance(this.faults.wtimeout) ? this.rng.int(1, 30) : undefined;
        await this.rs.waitMajority(member, outcome.lastIndex, wtimeout);
      } catch (error) {
        if ((error as { code?: number }).code !== 64) {
          // The primary stepped down while waiting: the server closes the connection.
          throw networkError(`connection closed: ${(error as Error).message}`);
        }
        concernError = error;
      }
    }
    await this.#latency();
    if (hang) return this.#never();
    if (this.rng.chance(this.faults.lostReply))
      throw networkError('connection reset after the write');
    if (outcome.writeError) {
      throw new SimBulkWriteError(
        outcome.writeError.code,
        outcome.writeError.message,
        [
          {
            index: outcome.writeError.index,
            code: outcome.writeError.code,
            errmsg: outcome.writeError.message,
          },
        ],
        { insertedCount: outcome.inserted },
      );
    }
    if (concernError) throw concernError;
    return { insertedCount: outcome.inserted };
  }

  async #find(
    concern: 'majority' | 'local',
    filter: CommitFilter,
    options?: CommitFindOptions,
  ): Promise<CommitDocument[]> {
    try {
      return await this.#findAttempt(concern, filter, options);
    } catch (error) {
      if (!this.retry.reads || !retryable(error)) throw error;
      return this.#findAttempt(concern, filter, options);
    }
  }

  async #findAttempt(
    concern: 'majority' | 'local',
    filter: CommitFilter,
    options?: CommitFindOptions,
  ): Promise<CommitDocument[]> {
    let member = await this.#select();
    if (this.rng.chance(this.faults.laggingRead)) {
      const secondaries = this.rs.members.filter((m) => m.up && m !== member);
      if (secondaries.length > 0) member = this.rng.pick(secondaries);
    }
    await this.#latency();
    const hang = this.rng.chance(this.faults.hang);
    if (this.rng.chance(this.faults.lostRequest)) {
      if (hang) return this.#never();
      throw networkError('connection reset before the request arrived');
    }
    if (!member.up) throw networkError('connection refused');
    const docs = this.rs.read(member, concern, filter, options);
    await this.#latency();
    if (hang) return this.#never();
    if (this.rng.chance(this.faults.lostReply))
      throw networkError('connection reset before the reply');
    return docs;
  }
}
