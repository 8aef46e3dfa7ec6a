import type { Timers } from '@flowra/eventstore-core/adapter';
import type { Db, ReadConcernLevel, WriteConcernSettings } from 'mongodb';
import { upsertRacing } from './mongo-errors.js';

/**
 * The highest log position a commit of this log was acknowledged at, kept apart from the
 * commits. The log's end is otherwise read from the commits themselves, so removing the last
 * ones by hand would let a store started afterwards hand their positions out again: a reader
 * that had delivered them would skip whatever took their place. Writers place after the mark
 * too, so those positions stay a hole that readers report.
 */
export interface LogMark {
  /** The mark, 0 when none was ever kept. */
  read(): Promise<number>;
  /** Raises the mark to `position` (never lowers it). */
  raise(position: number): Promise<void>;
}

interface MarkDocument {
  _id: string;
  position: number;
}

/** The mark's document in the meta collection: one per events collection. */
export function logMarkId(eventsCollection: string): string {
  return `log_end:${eventsCollection}`;
}

export function driverLogMark(
  db: Db,
  names: { meta: string; events: string },
  concerns: { readConcern: ReadConcernLevel; writeConcern: WriteConcernSettings },
): LogMark {
  const _id = logMarkId(names.events);
  const writers = db.collection<MarkDocument>(names.meta);
  const readers = db.collection<MarkDocument>(names.meta, {
    readConcern: { level: concerns.readConcern },
  });
  return {
    async read() {
      const found = await readers.findOne({ _id }, { projection: { position: 1 } });
      const position: unknown = found?.position;
      // A mark an operator broke is no mark: the commits still bound the log's end.
      return typeof position === 'number' && Number.isSafeInteger(position) && position > 0
        ? position
        : 0;
    },
    async raise(position) {
      // Only a lower mark matches; with none, the upsert inserts one.
      const filter = { _id, position: { $lt: position } };
      const update = { $set: { position } };
      // Meeting the mark's key: a mark at or above `position`, or another process's first mark
      // inserted at the same moment, which the update without upsert raises if it is lower.
      await upsertRacing(
        () =>
          writers.updateOne(filter, update, { upsert: true, writeConcern: concerns.writeConcern }),
        () => writers.updateOne(filter, update, { writeConcern: concerns.writeConcern }),
      );
    },
  };
}

export interface LogMarkWriterOptions {
  timers: Timers;
  /** Whether appends of this process are still under way. */
  busy(): boolean;
  /**
   * How long a position may wait for the mark while appends are under way, so that a busy
   * writer's acknowledgements share one write; 0 writes after each (one write at a time).
   */
  lingerMs: number;
}

/**
 * Raises a mark in the background, at most one write at a time and always to the highest
 * position asked for so far, so that appends never wait for it and many acknowledged appends
 * cost one write. While other appends of this process are under way, the write waits for them
 * up to `lingerMs` after the oldest position not yet written: a writer appending one batch
 * after another then sends one mark per linger, not one per append (next to the raw driver's
 * one insert, a second command per append was a third of the client's CPU). Once no append is
 * under way it is written at once, as an idle store's always was. A failed write is tried
 * again with the next acknowledged append.
 */
export class LogMarkWriter {
  #wanted = 0;
  #written = 0;
  /** The position a write under way carries (0 when none is under way). */
  #writing = 0;
  #running: Promise<void> | undefined;
  /** When the oldest position neither written nor being written was asked for. */
  #since = 0;
  /** Write without waiting for appends under way: the store is closing. */
  #urgent = false;
  /** Ends the wait for appends under way early: none is under way any more, or a flush. */
  #wake: (() => void) | undefined;
  readonly #options: LogMarkWriterOptions | undefined;

  constructor(
    private readonly mark: LogMark,
    options?: LogMarkWriterOptions,
  ) {
    this.#options = options && options.lingerMs > 0 ? options : undefined;
  }

  raise(position: number): void {
    if (position > this.#wanted) {
      if (this.#options && this.#wanted <= Math.max(this.#written, this.#writing)) {
        this.#since = this.#options.timers.now();
      }
      this.#wanted = position;
    }
    if (this.#written < this.#wanted) this.#running ??= this.#run();
  }

  /** No append of this process is under way any more: what lingers is written now. */
  idle(): void {
    this.#wake?.();
  }

  /**
   * A mark read from the database: positions up to it need no write of ours. With several
   * processes appending, their marks mostly overtake each other's, so this saves most writes.
   */
  seen(position: number): void {
    if (position > this.#written) this.#written = position;
    if (position > this.#wanted) this.#wanted = position;
  }

  /**
   * For a store that is closing: writes what was asked for now, and from now on writes every
   * raise without lingering (an append still under way may yet be acknowledged). Resolves once
   * what was asked for is written, or the write failed.
   */
  flush(): Promise<void> {
    this.#urgent = true;
    this.#wake?.();
    return this.#running ?? Promise.resolve();
  }

  async #run(): Promise<void> {
    try {
      while (this.#written < this.#wanted) {
        if (this.#options) await this.#linger(this.#options);
        // A mark read meanwhile may already hold it.
        if (this.#written >= this.#wanted) break;
        const target = this.#wanted;
        this.#writing = target;
        try {
          await this.mark.raise(target);
        } finally {
          this.#writing = 0;
        }
        if (target > this.#written) this.#written = target;
      }
    } catch {
      // Left for the next raise: the commits themselves are durable, the mark only guards
      // their positions against reuse once they are removed.
    } finally {
      this.#running = undefined;
    }
  }

  /** Until no append is under way, `lingerMs` have passed, or a flush asks for the write. */
  async #linger(options: LogMarkWriterOptions): Promise<void> {
    const { timers } = options;
    const until = this.#since + options.lingerMs;
    for (;;) {
      // A turn of the event loop first: a caller that appends again right after an
      // acknowledgement has its next append under way by then.
      await new Promise<void>((resolve) => timers.setTimeout(resolve, 0));
      const left = until - timers.now();
      if (this.#urgent || left <= 0 || !options.busy()) return;
      const lingered = await new Promise<boolean>((resolve) => {
        const timer = timers.setTimeout(() => {
          this.#wake = undefined;
          resolve(true);
        }, left);
        this.#wake = () => {
          this.#wake = undefined;
          timers.clearTimeout(timer);
          resolve(false);
        };
      });
      if (lingered) return;
    }
  }
}
