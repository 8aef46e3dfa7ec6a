import { type CommitDocument, buildCommit } from '@flowra/eventstore-mongo';
import { BSON } from 'mongodb';
import type { EventLine } from './event-line.js';

/** Below MongoDB's 16 MiB document limit with room for the commit's own fields. */
const MAX_COMMIT_BYTES = 15 * 1024 * 1024;
const EVENT_OVERHEAD_BYTES = 256;

/** MongoEventStore's default `aggregateTypeOf`, for lines written without an `aggregateType`. */
export function defaultAggregateType(streamId: string): string {
  const cut = streamId.search(/[-_]/);
  return cut > 0 ? streamId.slice(0, cut) : streamId;
}

/**
 * Turns events in position order back into commit documents: consecutive events of one stream
 * with consecutive versions and the same `recordedAt` (which an append gives all its events) form
 * one commit, so an exported store is rebuilt with the commits it had.
 */
export class CommitGrouper {
  #events: EventLine[] = [];
  #aggregateType = '';
  #bytes = 0;

  /** Adds the next event; returns the commit it closed, if it starts a new one. */
  add(event: EventLine): CommitDocument | undefined {
    const aggregateType = event.aggregateType ?? defaultAggregateType(event.streamId);
    const bytes =
      BSON.calculateObjectSize({ data: event.data, metadata: event.metadata }) +
      EVENT_OVERHEAD_BYTES;
    const last = this.#events.at(-1);
    const continues =
      last !== undefined &&
      event.streamId === last.streamId &&
      aggregateType === this.#aggregateType &&
      event.version === last.version + 1 &&
      event.position === last.position + 1 &&
      event.recordedAt.getTime() === last.recordedAt.getTime() &&
      this.#bytes + bytes <= MAX_COMMIT_BYTES;
    const closed = continues ? undefined : this.flush();
    this.#events.push(event);
    this.#aggregateType = aggregateType;
    this.#bytes += bytes;
    return closed;
  }

  /** The commit being built, if any, and starts afresh. */
  flush(): CommitDocument | undefined {
    const first = this.#events[0];
    if (!first) return undefined;
    const commit = buildCommit(
      first.streamId,
      this.#aggregateType,
      this.#events,
      first.version,
      first.position,
      first.recordedAt,
    );
    this.#events = [];
    this.#bytes = 0;
    return commit;
  }
}
