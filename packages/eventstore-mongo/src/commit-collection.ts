import type { Timers } from '@flowra/eventstore-core/adapter';
import { settleWithin } from './deadline.js';
import type { Db, ReadConcernLevel, WriteConcernSettings } from 'mongodb';
import type { CommitDocument } from './commit-document.js';

export type CommitFilter = Record<string, unknown>;

export interface CommitFindOptions {
  sort?: Record<string, 1 | -1>;
  limit?: number;
  /** A hint only: some servers return every field anyway. */
  projection?: Record<string, 0 | 1>;
}

/**
 * The part of the driver's collection API the commit log and the readers use, and nothing
 * more: ordered inserts with the store's write concern, and finds with its read concern.
 * Keeping it this small is what lets a simulated replica set stand behind the same code.
 */
export interface CommitCollection {
  /** `collection.find(filter, options).toArray()`, read concern as configured (majority). */
  find(filter: CommitFilter, options?: CommitFindOptions): Promise<CommitDocument[]>;
  /** `collection.insertMany(docs, { ordered: true, writeConcern })`. */
  insertMany(docs: CommitDocument[]): Promise<{ insertedCount: number }>;
}

export function driverCommitCollection(
  db: Db,
  name: string,
  concerns: { readConcern: ReadConcernLevel; writeConcern: WriteConcernSettings },
): CommitCollection {
  const writers = db.collection<CommitDocument>(name);
  const readers = db.collection<CommitDocument>(name, {
    readConcern: { level: concerns.readConcern },
  });
  return {
    find: (filter, options = {}) =>
      readers
        .find(filter, {
          ...(options.sort ? { sort: options.sort } : {}),
          // Every caller reads the whole result: in one reply, not a first batch of 101 and
          // a getMore for the rest.
          ...(options.limit !== undefined
            ? { limit: options.limit, batchSize: options.limit }
            : {}),
          ...(options.projection ? { projection: options.projection } : {}),
        })
        .toArray(),
    insertMany: async (docs) => {
      const result = await writers.insertMany(docs, {
        ordered: true,
        writeConcern: concerns.writeConcern,
      });
      return { insertedCount: result.insertedCount };
    },
  };
}

/**
 * `commits` whose finds reject when they have not settled within `timeoutMs`. A driver read
 * can wait for ever where no timeout of the client's covers it: a connection checkout waits
 * without bound unless the client sets `waitQueueTimeoutMS` or `timeoutMS`, and a stress run
 * under injected faults once saw a `getStreamVersion` wait over seven minutes. Readers turn
 * the rejection into `StoreUnavailableError`, which subscriptions retry like any failed read.
 * The abandoned read settles unobserved.
 */
export function withReadDeadline(
  commits: CommitCollection,
  timeoutMs: number,
  timers: Timers,
): CommitCollection {
  return {
    find: (filter, options) => settleWithin(commits.find(filter, options), timeoutMs, timers),
    insertMany: (docs) => commits.insertMany(docs),
  };
}
