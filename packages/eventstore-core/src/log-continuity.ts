import { LogGapError, LogOrderError } from './errors.js';
import { type AbortSignalLike, type Timers, sleep, systemTimers } from './timers.js';
import type { RecordedEvent } from './types.js';

/** What a reader reads the log from: pages by position, as stored (holes and all). */
export interface LogSource {
  /**
   * Events with a position above `after`, in position order as the storage returns them, about
   * `limit` of them (whole commits). It reports what is stored: a hole stays a hole.
   */
  readPage(
    after: number,
    limit: number,
  ): Promise<readonly RecordedEvent[]> | readonly RecordedEvent[];
  /** Position of the log's last event (0 when empty). */
  headPosition(): Promise<number> | number;
  /** Whether a failed read is worth retrying (a dropped connection) rather than fatal. */
  isTransient?(error: unknown): boolean;
}

export interface CheckedPage {
  /** The events that continue the log right after `after`, without a hole. */
  events: RecordedEvent[];
  /** The first missing stretch, when the page continues only past a hole. */
  hole?: { from: number; to: number };
  /**
   * The page went back to a position at or below one already passed (overlapping commits):
   * waiting cannot mend it, so the reader stops with this once `events` are handed on.
   */
  backwards?: LogOrderError;
}

/** Splits a page read after `after` into the part that continues the log and what stops it. */
export function continuation(after: number, page: readonly RecordedEvent[]): CheckedPage {
  const events: RecordedEvent[] = [];
  let expected = after + 1;
  for (const event of page) {
    if (event.position === expected) {
      events.push(event);
      expected++;
      continue;
    }
    if (event.position < expected) {
      return {
        events,
        backwards: new LogOrderError(expected - 1, event.position, event.streamId, event.version),
      };
    }
    return { events, hole: { from: expected, to: event.position - 1 } };
  }
  return { events };
}

export interface ContiguousReadOptions {
  /** How long a hole may stay before the read fails with `LogGapError`. */
  gapTimeoutMs: number;
  timers?: Timers;
  signal?: AbortSignalLike;
}

export interface ContiguousRead {
  /** What continues the log right after `after`; `[]` with no `backwards`: the log ends there. */
  events: RecordedEvent[];
  /** Throw this once `events` are handed on: the log went backwards after them. */
  backwards?: LogOrderError;
}

/**
 * Reads the next events after `after` and hands back only what continues the log. A hole right
 * after `after` (a commit that is not there while later ones are) is re-read until it fills, for
 * at most `gapTimeoutMs`, then this throws `LogGapError` naming the missing positions: a reader
 * never jumps over a hole on its own.
 */
export async function readContiguous(
  source: LogSource,
  after: number,
  limit: number,
  options: ContiguousReadOptions,
): Promise<ContiguousRead> {
  const timers = options.timers ?? systemTimers;
  let holeSince: number | undefined;
  for (;;) {
    const page = await source.readPage(after, limit);
    const { events, hole, backwards } = continuation(after, page);
    if (events.length > 0 || backwards || !hole) return { events, backwards };
    const now = timers.now();
    holeSince ??= now;
    const waited = now - holeSince;
    if (waited >= options.gapTimeoutMs) {
      throw new LogGapError(after, hole.from, hole.to, waited);
    }
    await sleep(
      timers,
      Math.min(holeRetryMs(options.gapTimeoutMs), options.gapTimeoutMs - waited),
      options.signal,
    );
    if (options.signal?.aborted) return { events: [] };
  }
}

/** Re-read a hole often enough to see it fill soon after, rarely enough to cost little. */
export function holeRetryMs(gapTimeoutMs: number): number {
  return Math.max(5, Math.min(250, Math.floor(gapTimeoutMs / 10)));
}
