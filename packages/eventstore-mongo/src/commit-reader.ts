import {
  FlowraError,
  LogOrderError,
  type RecordedEvent,
  StoreUnavailableError,
} from '@flowra/eventstore-core';
import { type LogSource, type Timers, readContiguous } from '@flowra/eventstore-core/adapter';
import type { CommitCollection, CommitFilter } from './commit-collection.js';
import { type CommitDocument, decodeCommit } from './commit-document.js';
import { isTransientMongoError } from './mongo-errors.js';

const HEAD_FIELDS = { _id: 0, last_version: 1, last_position: 1 } as const;

export interface CommitReaderOptions {
  /** Commits per read. */
  batchSize: number;
  /** Upcasts (the registry) or passes events through. */
  decode(event: RecordedEvent): RecordedEvent;
  gapTimeoutMs: number;
  timers: Timers;
}

/** A failure of the database, named by the operation; our own errors pass as they are. */
function unavailable(operation: string, error: unknown, streamId?: string): unknown {
  return FlowraError.isFlowraError(error)
    ? error
    : new StoreUnavailableError(operation, error, streamId);
}

/**
 * Reads commits back as events, in pages rather than long-lived cursors: a page that fails is
 * read again from the last position handed on, which also carries readers across a failover.
 * `readPage` is what subscriptions and `readAll` check for holes and order.
 */
export class CommitReader implements LogSource {
  constructor(
    private readonly events: CommitCollection,
    private readonly options: CommitReaderOptions,
  ) {}

  async readPage(after: number, limit: number): Promise<RecordedEvent[]> {
    let docs: CommitDocument[];
    try {
      docs = await this.events.find(
        { last_position: { $gt: after } },
        { sort: { last_position: 1 }, limit: Math.max(1, Math.min(limit, this.options.batchSize)) },
      );
    } catch (error) {
      throw unavailable('readAll', error);
    }
    const out: RecordedEvent[] = [];
    for (const doc of docs) {
      for (const event of decodeCommit(doc)) {
        if (event.position > after) out.push(this.options.decode(event));
      }
    }
    return out;
  }

  async headPosition(): Promise<number> {
    try {
      const [end] = await this.events.find(
        {},
        { sort: { last_position: -1 }, limit: 1, projection: HEAD_FIELDS },
      );
      return end?.last_position ?? 0;
    } catch (error) {
      throw unavailable('headPosition', error);
    }
  }

  isTransient(error: unknown): boolean {
    // A reader lives long: any database failure is waited out and the read resumed from the
    // last position handed on; the reader gives up only after many in a row.
    return isTransientMongoError(error) || StoreUnavailableError.isInstance(error);
  }

  async streamVersion(streamId: string): Promise<number> {
    try {
      const [head] = await this.events.find(
        { aggregate_id: streamId },
        { sort: { last_version: -1 }, limit: 1, projection: HEAD_FIELDS },
      );
      return head?.last_version ?? 0;
    } catch (error) {
      throw unavailable('getStreamVersion', error, streamId);
    }
  }

  /** The log after `fromPosition`, every page checked: a hole is waited for, then reported. */
  async *readAll(fromPosition: number, maxCount: number): AsyncGenerator<RecordedEvent> {
    let after = fromPosition;
    let left = maxCount;
    while (left > 0) {
      const { events, backwards } = await readContiguous(
        this,
        after,
        Math.min(left, this.options.batchSize),
        {
          gapTimeoutMs: this.options.gapTimeoutMs,
          timers: this.options.timers,
        },
      );
      for (const event of events) {
        yield event;
        if (--left <= 0) return;
      }
      if (backwards) throw backwards;
      if (events.length === 0) return;
      after = events.at(-1)!.position;
    }
  }

  /**
   * The log's events of the given types. Commits of other types are not read, so holes between
   * them cannot be seen here; positions are still checked to only ever increase.
   */
  async *readTypes(
    fromPosition: number,
    maxCount: number,
    types: ReadonlySet<string>,
  ): AsyncGenerator<RecordedEvent> {
    let after = fromPosition;
    let left = maxCount;
    while (left > 0) {
      let docs: CommitDocument[];
      try {
        docs = await this.events.find(
          { last_position: { $gt: after }, 'events.event_type': { $in: [...types] } },
          { sort: { last_position: 1 }, limit: Math.min(left, this.options.batchSize) },
        );
      } catch (error) {
        throw unavailable('readAll', error);
      }
      if (docs.length === 0) return;
      let last = after;
      for (const doc of docs) {
        for (const event of decodeCommit(doc)) {
          if (event.position <= after) continue;
          if (event.position <= last) {
            throw new LogOrderError(last, event.position, event.streamId, event.version);
          }
          last = event.position;
          if (!types.has(event.type)) continue;
          yield this.options.decode(event);
          if (--left <= 0) return;
        }
      }
      after = last;
    }
  }

  /** A stream's events from `fromVersion`, in pages, forwards or backwards. */
  async *readStream(
    streamId: string,
    fromVersion: number,
    forwards: boolean,
    maxCount: number,
  ): AsyncGenerator<RecordedEvent> {
    let left = maxCount;
    // Forwards: commits ending after the last one read; backwards: commits starting before it.
    let bound: CommitFilter = { $gte: Math.max(1, fromVersion) };
    while (left > 0) {
      let docs: CommitDocument[];
      try {
        docs = await this.events.find(
          { aggregate_id: streamId, last_version: bound },
          {
            sort: { last_version: forwards ? 1 : -1 },
            limit: Math.max(1, Math.min(this.options.batchSize, left)),
          },
        );
      } catch (error) {
        throw unavailable('readStream', error, streamId);
      }
      if (docs.length === 0) return;
      for (const doc of docs) {
        const events = decodeCommit(doc);
        if (!forwards) events.reverse();
        for (const event of events) {
          if (event.version < fromVersion) continue;
          yield this.options.decode(event);
          if (--left <= 0) return;
        }
      }
      const edge = docs.at(-1)!;
      bound = forwards
        ? { $gt: edge.last_version }
        : { $gte: Math.max(1, fromVersion), $lt: edge.version };
    }
  }
}
