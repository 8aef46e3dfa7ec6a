import { FlowraError, type RecordedEvent } from '@flowra/eventstore-core';
import type { CommitCollection } from './commit-collection.js';
import type { CommitDocument } from './commit-document.js';
import { CommitGrouper } from './commit-grouper.js';

/**
 * An event as another store recorded it (an export line): its id, stream version, log position
 * and time are kept. `aggregateType` is the commit's, when the source knew it.
 */
export interface RestorableEvent extends RecordedEvent<Record<string, unknown>> {
  aggregateType?: string;
}

export interface RestoreOptions {
  /** Check everything against the target, write nothing. */
  dryRun?: boolean;
  /** After each written batch, with the number of events written so far. */
  onProgress?: (eventsWritten: number) => void;
}

export interface RestoreReport {
  /** Events written (or, on a dry run, that would be). */
  events: number;
  commits: number;
  /** Positions written; both 0 when there was nothing to write. */
  fromPosition: number;
  toPosition: number;
  dryRun: boolean;
}

export type RestoreRefusal =
  /** The events do not start right after the log's last position, or skip a position. */
  | 'gap'
  /** The events start at or below a position the log already holds. */
  | 'overlap'
  /** A stream's events do not continue its current version. */
  | 'stream-version'
  /** An event id the target already holds. */
  | 'event-id-taken'
  /** An event id the events themselves give twice in one stream. */
  | 'event-id-repeated'
  /** Another writer appended while the events were being written. */
  | 'concurrent-writer';

/** A restore that would break the log; nothing was written, except for `concurrent-writer`. */
export class RestoreRefusedError extends FlowraError {
  readonly reason: RestoreRefusal;
  /** The event refused, when one event is to blame. */
  readonly event: RestorableEvent | undefined;
  /** The log's last position when the restore was refused. */
  readonly headPosition: number;
  /** Events already written (only a `concurrent-writer` refusal comes after writing). */
  readonly written: number;

  constructor(
    reason: RestoreRefusal,
    message: string,
    details: { event?: RestorableEvent; headPosition: number; written?: number },
  ) {
    super('RestoreRefusedError', message);
    this.reason = reason;
    this.event = details.event;
    this.headPosition = details.headPosition;
    this.written = details.written ?? 0;
  }

  static isInstance(value: unknown): value is RestoreRefusedError {
    return FlowraError.hasName(value, 'RestoreRefusedError');
  }
}

export interface RestoreTarget {
  commits: CommitCollection;
  headPosition(): Promise<number>;
  streamVersion(streamId: string): Promise<number>;
  /** Returns one of `ids` the log already holds, if any. */
  takenEventId(ids: readonly string[]): Promise<string | undefined>;
  /** Applies and checks the schema: the unique indexes are what stop a concurrent writer. */
  ready(): Promise<void>;
  /** The commit's `aggregate_type` when the event does not say. */
  aggregateTypeOf(streamId: string): string;
}

/** Commits per ordered insert: few round trips, yet a refusal leaves little to re-check. */
const COMMITS_PER_WRITE = 100;
const IDS_PER_QUERY = 500;
const PARALLEL_QUERIES = 8;

function describe(event: RecordedEvent): string {
  return `${event.type} ${event.eventId} (stream '${event.streamId}' version ${event.version}, position ${event.position})`;
}

async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Writes events recorded elsewhere with their positions, versions and ids, as commit documents
 * of the same shape appends write (consecutive events of one append become one commit again).
 * The source is read twice: first every event is checked against the target (the log continues
 * without a gap or overlap, each stream continues its version, no id is taken), and only then
 * are commits written, in order, by ordered inserts under the store's unique indexes.
 */
export async function restoreEvents(
  target: RestoreTarget,
  source: () => AsyncIterable<RestorableEvent>,
  options: RestoreOptions = {},
): Promise<RestoreReport> {
  const head = await target.headPosition();
  const refuse = (reason: RestoreRefusal, message: string, event?: RestorableEvent) =>
    new RestoreRefusedError(reason, message, { event, headPosition: head });

  let expected = head + 1;
  let events = 0;
  let commits = 0;
  const grouper = new CommitGrouper(target.aggregateTypeOf);
  const firstOfStream = new Map<string, RestorableEvent>();
  const lastVersion = new Map<string, number>();
  // Ids are unique per stream in every store; the unique index that would also catch a repeat
  // is not on every server, and never sees two events of one commit. One id kept per event
  // (about 100 bytes) until the restore ends: the price of refusing before writing anything.
  const idsOfStream = new Map<string, Set<string>>();
  let ids: RestorableEvent[] = [];
  const checkIds = async () => {
    const batch = ids;
    ids = [];
    if (batch.length === 0 || head === 0) return;
    const taken = await target.takenEventId(batch.map((e) => e.eventId));
    if (taken === undefined) return;
    const event = batch.find((e) => e.eventId === taken)!;
    throw refuse('event-id-taken', `event ${describe(event)} is already in the target`, event);
  };
  for await (const event of source()) {
    if (event.position !== expected) {
      throw event.position <= head
        ? refuse(
            'overlap',
            `${describe(event)}: the target's log already holds positions up to ${head}`,
            event,
          )
        : refuse(
            'gap',
            expected === head + 1
              ? `the target's log ends at position ${head} and the events start at position ${event.position}: restoring would leave a gap`
              : `${describe(event)} follows position ${expected - 1}: restoring would leave a gap`,
            event,
          );
    }
    expected++;
    const previous = lastVersion.get(event.streamId);
    if (previous === undefined) firstOfStream.set(event.streamId, event);
    else if (event.version !== previous + 1) {
      throw refuse(
        'stream-version',
        `${describe(event)} follows version ${previous} of its stream`,
        event,
      );
    }
    lastVersion.set(event.streamId, event.version);
    let streamIds = idsOfStream.get(event.streamId);
    if (!streamIds) {
      streamIds = new Set();
      idsOfStream.set(event.streamId, streamIds);
    }
    if (streamIds.has(event.eventId)) {
      throw refuse(
        'event-id-repeated',
        `${describe(event)} repeats an event id given earlier in its stream`,
        event,
      );
    }
    streamIds.add(event.eventId);
    events++;
    if (grouper.add(event)) commits++;
    ids.push(event);
    if (ids.length >= IDS_PER_QUERY) await checkIds();
  }
  await checkIds();
  if (grouper.flush()) commits++;
  await inParallel([...firstOfStream.values()], PARALLEL_QUERIES, async (first) => {
    const current = head === 0 ? 0 : await target.streamVersion(first.streamId);
    if (first.version !== current + 1) {
      throw refuse(
        'stream-version',
        `${describe(first)} does not continue its stream, which is at version ${current} in the target`,
        first,
      );
    }
  });
  const report = {
    events,
    commits,
    fromPosition: events === 0 ? 0 : head + 1,
    toPosition: events === 0 ? 0 : head + events,
    dryRun: options.dryRun === true,
  };
  if (options.dryRun || events === 0) return report;

  await target.ready();
  let written = 0;
  let batch: CommitDocument[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    try {
      await target.commits.insertMany(batch);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 11000) throw error;
      // Ordered: the commits before the refused one are in.
      const inserted = (error as { insertedCount?: unknown }).insertedCount;
      if (typeof inserted === 'number') {
        written += batch.slice(0, inserted).reduce((n, c) => n + c.events.length, 0);
      }
      const now = await target.headPosition();
      const wrote =
        written === 0
          ? 'nothing was written'
          : `${written} events were written (positions ${head + 1}-${head + written})`;
      throw new RestoreRefusedError(
        'concurrent-writer',
        `another writer appended at position ${head + written + 1} or after it while restoring; ` +
          `${wrote} and the log now ends at position ${now}. The rest cannot follow them any more ` +
          `(their positions are taken): restore into a database nothing else writes to`,
        { headPosition: now, written },
      );
    }
    written += batch.reduce((n, c) => n + c.events.length, 0);
    options.onProgress?.(written);
    batch = [];
  };
  const writer = new CommitGrouper(target.aggregateTypeOf);
  for await (const event of source()) {
    const closed = writer.add(event);
    if (closed) batch.push(closed);
    if (batch.length >= COMMITS_PER_WRITE) await flush();
  }
  const last = writer.flush();
  if (last) batch.push(last);
  await flush();
  return report;
}
