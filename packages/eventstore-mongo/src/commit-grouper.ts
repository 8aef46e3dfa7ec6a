import { type CommitDocument, buildCommit, defaultAggregateType } from './commit-document.js';
import { BSON } from 'mongodb';
import type { RestorableEvent } from './restore.js';

/** Below MongoDB's 16 MiB document limit with room for the commit's own fields. */
const MAX_COMMIT_BYTES = 15 * 1024 * 1024;
const EVENT_OVERHEAD_BYTES = 256;

/**
 * Turns events in position order back into commit documents: consecutive events of one stream
 * with consecutive versions and the same `recordedAt` (which an append gives all its events) form
 * one commit, so an exported store is rebuilt with the commits it had.
 */
export class CommitGrouper {
  #events: RestorableEvent[] = [];
  #aggregateType = '';
  #bytes = 0;
  readonly #aggregateTypeOf: (streamId: string) => string;

  /** `aggregateTypeOf` names the commits of events that do not carry an `aggregateType`. */
  constructor(aggregateTypeOf: (streamId: string) => string = defaultAggregateType) {
    this.#aggregateTypeOf = aggregateTypeOf;
  }

  /** Adds the next event; returns the commit it closed, if it starts a new one. */
  add(event: RestorableEvent): CommitDocument | undefined {
    const aggregateType = event.aggregateType ?? this.#aggregateTypeOf(event.streamId);
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
