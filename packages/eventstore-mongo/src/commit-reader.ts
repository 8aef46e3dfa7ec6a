import {
  EventDecodingError,
  FlowraError,
  type RecordedEvent,
  StoreUnavailableError,
} from '@flowra/eventstore-core';
import { type LogSource, type Timers, readContiguous } from '@flowra/eventstore-core/adapter';
import type { CommitCollection, CommitFilter } from './commit-collection.js';
import {
  type CommitDocument,
  HEAD_FIELDS,
  checkedHead,
  decodeCommit,
  decodeCommitInto,
} from './commit-document.js';
import { isTransientMongoError } from './mongo-errors.js';

/**
 * What reads decode: the seed's shape repeats the commit's time in every event (`created_at`,
 * `metadata.timestamp`), and each Date costs the driver more to decode than the rest of a small
 * event. The commit's own `created_at` is what `recordedAt` is read from. A hint: servers that
 * ignore projections send every field, and the result is the same.
 */
export const COMMIT_READ_PROJECTION = {
  _id: 0,
  aggregate_type: 0,
  'events.created_at': 0,
  'events.metadata.timestamp': 0,
} as const;

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
 * Checks that a stream's commits, as a read meets them (by version, up or down), leave no
 * version out and hold none twice. The store places every commit right after its stream's end,
 * so a missing or doubled version is a commit removed or written by hand: an aggregate folded
 * over it would be silently wrong, so the read fails naming the versions.
 */
class VersionRun {
  /** The version the next commit must hold (forwards: start; backwards: end). */
  #next: number | undefined;
  #first = true;
  readonly #from: number;

  constructor(
    readonly streamId: string,
    fromVersion: number,
    readonly forwards: boolean,
  ) {
    this.#from = Math.max(1, fromVersion);
    this.#next = forwards ? this.#from : undefined;
  }

  check(doc: CommitDocument): void {
    const next = this.#next;
    if (this.forwards) {
      // The first commit may begin before the read's start: it covers it.
      if (next !== undefined && doc.version > next) throw this.#missing(next, doc.version - 1);
      if (next !== undefined && !this.#first && doc.version < next) throw this.#twice(doc, next);
      this.#next = doc.last_version + 1;
    } else {
      if (next !== undefined && doc.last_version < next) {
        throw this.#missing(doc.last_version + 1, next);
      }
      if (next !== undefined && doc.last_version > next) throw this.#twice(doc, next);
      this.#next = doc.version - 1;
    }
    this.#first = false;
  }

  /** A backwards read that ran out of commits must have come down to its start. */
  end(): void {
    if (!this.forwards && this.#next !== undefined && this.#next >= this.#from) {
      throw this.#missing(this.#from, this.#next);
    }
  }

  #missing(from: number, to: number): EventDecodingError {
    const which = from === to ? `version ${from} is` : `versions ${from}..${to} are`;
    return new EventDecodingError(
      this.streamId,
      from,
      `${which} missing from the stream (a commit removed by hand?)`,
    );
  }

  #twice(doc: CommitDocument, next: number): EventDecodingError {
    return new EventDecodingError(
      this.streamId,
      doc.version,
      `the commit of versions ${doc.version}..${doc.last_version} overlaps another (the next version expected was ${next})`,
    );
  }
}

/**
 * Reads commits back as events, in pages rather than long-lived cursors: a page that fails is
 * read again from the last position handed on, which also carries readers across a failover.
 * `readPage` is what subscriptions and `readAll` check for holes and order.
 */
export class CommitReader implements LogSource {
  /** Events per commit in the log as read lately: how many commits a page asks for. */
  #eventsPerCommit: number | undefined;

  constructor(
    private readonly events: CommitCollection,
    private readonly options: CommitReaderOptions,
  ) {}

  /**
   * Whole commits holding about `limit` events after `after`. Commits hold any number of events,
   * so how many to ask for is estimated from the commits read before (asking for `limit` commits
   * would read and decode up to `limit` times the events wanted); a page that comes back short is
   * simply followed by another. Commits past the one that reaches `limit` are not decoded.
   */
  async readPage(after: number, limit: number, upcast = true): Promise<RecordedEvent[]> {
    const wanted = Math.max(1, limit);
    const commits = Math.max(
      1,
      Math.min(
        wanted,
        this.options.batchSize,
        Math.ceil(wanted / (this.#eventsPerCommit ?? 1)) + 1,
      ),
    );
    let docs: CommitDocument[];
    try {
      docs = await this.events.find(
        { last_position: { $gt: after } },
        { sort: { last_position: 1 }, limit: commits, projection: COMMIT_READ_PROJECTION },
      );
    } catch (error) {
      throw unavailable('readAll', error);
    }
    const out: RecordedEvent[] = [];
    let decoded = 0;
    for (const doc of docs) {
      decoded++;
      this.#decodeInto(doc, out, (e) => e.position <= after, upcast);
      if (out.length >= wanted) break;
    }
    if (decoded > 0) {
      // Events per commit of this page (the whole page when it was read to its end).
      let events = 0;
      for (let i = 0; i < decoded; i++) {
        const doc = docs[i]!;
        events += doc.last_position - doc.position + 1;
      }
      const seen = events / decoded;
      const short = out.length < wanted && docs.length === commits;
      // A page that came back short (commits smaller than thought) corrects at once.
      this.#eventsPerCommit =
        this.#eventsPerCommit === undefined || short
          ? seen
          : this.#eventsPerCommit * 0.5 + seen * 0.5;
    }
    return out;
  }

  async headPosition(): Promise<number> {
    try {
      const [end] = await this.events.find(
        {},
        { sort: { last_position: -1 }, limit: 1, projection: HEAD_FIELDS },
      );
      return checkedHead(end)?.last_position ?? 0;
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
      return checkedHead(head)?.last_version ?? 0;
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
   * The log's events of the given types. Every commit is read and checked as `readAll` checks
   * them, so a hole between two events of these types is waited for and reported, never passed
   * over; only the events of these types are upcast (a reader need not know the others).
   */
  async *readTypes(
    fromPosition: number,
    maxCount: number,
    types: ReadonlySet<string>,
  ): AsyncGenerator<RecordedEvent> {
    const stored: LogSource = {
      readPage: (after, limit) => this.readPage(after, limit, false),
      headPosition: () => this.headPosition(),
      isTransient: (error) => this.isTransient(error),
    };
    let after = fromPosition;
    let left = maxCount;
    while (left > 0) {
      const { events, backwards } = await readContiguous(stored, after, this.options.batchSize, {
        gapTimeoutMs: this.options.gapTimeoutMs,
        timers: this.options.timers,
      });
      for (const event of events) {
        if (!types.has(event.type)) continue;
        yield this.options.decode(event);
        if (--left <= 0) return;
      }
      if (backwards) throw backwards;
      if (events.length === 0) return;
      after = events.at(-1)!.position;
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
    const run = new VersionRun(streamId, fromVersion, forwards);
    let bound: CommitFilter | undefined = { $gte: Math.max(1, fromVersion) };
    while (left > 0 && bound) {
      const page = await this.#streamPage(streamId, fromVersion, forwards, bound, left);
      for (const doc of page.docs) {
        run.check(doc);
        const events = decodeCommit(doc);
        if (!forwards) events.reverse();
        for (const event of events) {
          if (event.version < fromVersion) continue;
          yield this.options.decode(event);
          if (--left <= 0) return;
        }
      }
      bound = page.next;
    }
    run.end();
  }

  /** A stream's events from `fromVersion` forwards, all at once (`getEvents`): no generator per event. */
  async streamEvents(streamId: string, fromVersion: number): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    const before = (e: RecordedEvent) => e.version < fromVersion;
    const run = new VersionRun(streamId, fromVersion, true);
    let bound: CommitFilter | undefined = { $gte: Math.max(1, fromVersion) };
    while (bound) {
      const page = await this.#streamPage(streamId, fromVersion, true, bound, Infinity);
      for (const doc of page.docs) {
        run.check(doc);
        this.#decodeInto(doc, out, before);
      }
      bound = page.next;
    }
    return out;
  }

  /**
   * A commit's events pushed onto `out`, upcast, less those `before` the read's start. Events
   * of a commit are in order and only the first commit read can start before it, so only the
   * leading ones are looked at.
   */
  #decodeInto(
    doc: unknown,
    out: RecordedEvent[],
    before: (e: RecordedEvent) => boolean,
    upcast = true,
  ): void {
    const first = out.length;
    decodeCommitInto(doc, out);
    let skip = 0;
    while (first + skip < out.length && before(out[first + skip]!)) skip++;
    if (skip > 0) out.splice(first, skip);
    if (!upcast) return;
    const decode = this.options.decode;
    for (let i = first; i < out.length; i++) out[i] = decode(out[i]!);
  }

  /**
   * One read of a stream's commits. Forwards: commits ending after the last one read; backwards:
   * commits starting before it. `next` is the bound of the following read, absent when this one
   * came back with fewer commits than asked for: the stream ends there, no need to ask again.
   */
  async #streamPage(
    streamId: string,
    fromVersion: number,
    forwards: boolean,
    bound: CommitFilter,
    left: number,
  ): Promise<{ docs: CommitDocument[]; next: CommitFilter | undefined }> {
    const limit = Math.max(1, Math.min(this.options.batchSize, left));
    let docs: CommitDocument[];
    try {
      docs = await this.events.find(
        { aggregate_id: streamId, last_version: bound },
        { sort: { last_version: forwards ? 1 : -1 }, limit, projection: COMMIT_READ_PROJECTION },
      );
    } catch (error) {
      throw unavailable('readStream', error, streamId);
    }
    if (docs.length < limit) return { docs, next: undefined };
    const edge = docs.at(-1)!;
    return {
      docs,
      next: forwards
        ? { $gt: edge.last_version }
        : { $gte: Math.max(1, fromVersion), $lt: edge.version },
    };
  }
}
