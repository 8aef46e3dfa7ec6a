import { StoreClosedError } from './errors.js';
import type {
  EventHandler,
  ReadAllOptions,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
} from './types.js';

/** What a store gives the catch-up loop. The log, read by position, is the source of truth. */
export interface CatchUpSource {
  readAll(options: ReadAllOptions): AsyncIterable<RecordedEvent>;
  /** The position of the last committed event. */
  headPosition(): Promise<number> | number;
  /**
   * Resolves once events past `position` may exist, or when `signal` aborts. A store may
   * resolve early or spuriously (a poll tick, a change-stream wake-up): the loop re-reads.
   */
  waitForEvents(position: number, signal: AbortSignal): Promise<void>;
  /** Whether a failed read is worth retrying (a dropped connection) rather than fatal. */
  isTransient?(error: unknown): boolean;
}

export interface CatchUpOptions extends Omit<SubscribeOptions, 'fromPosition'> {
  /** Start after this position; a promise lets a store resolve "now" asynchronously. */
  fromPosition: number | Promise<number>;
  /** Events per read while catching up. */
  pageSize?: number;
  /** Upper bound of the back-off between retries after transient read errors. */
  maxRetryDelayMs?: number;
  /** Transient read errors in a row after which the subscription stops with the last one (default 50). */
  maxConsecutiveFailures?: number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Delivers the log to one handler, one event at a time, in position order: it reads
 * everything after the last delivered position, then waits for the store to say more may
 * have come, and reads again. Because the catch-up and the live phase are the same read,
 * there is no switch-over at which an event could be skipped or handed over twice.
 */
class CatchUpSubscription implements Subscription {
  readonly done: Promise<void>;
  #position = 0;
  #error: unknown;
  #inHandler = false;
  readonly #abort = new AbortController();

  constructor(
    private readonly source: CatchUpSource,
    private readonly handler: EventHandler,
    private readonly options: CatchUpOptions,
  ) {
    this.done = this.#run();
    // Whoever awaits `done` still sees the rejection; nobody awaiting it must not crash the process.
    this.done.catch(() => {});
  }

  get position(): number {
    return this.#position;
  }

  get error(): unknown {
    return this.#error;
  }

  async close(): Promise<void> {
    this.#abort.abort();
    // Called from inside the handler, waiting for the loop would wait for ourselves.
    if (this.#inHandler) return;
    await this.done.catch(() => {});
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    const { pageSize = 500, maxRetryDelayMs = 5_000, maxConsecutiveFailures = 50 } = this.options;
    let failures = 0;
    try {
      this.#position = await this.options.fromPosition;
      let scanned = this.#position;
      while (!signal.aborted) {
        try {
          // Everything up to the head read first is delivered by the loop below, so the wait
          // afterwards starts from there and a filtered subscription does not spin.
          const head = await this.source.headPosition();
          let from = Math.max(scanned, this.#position);
          for (;;) {
            let count = 0;
            for await (const event of this.source.readAll({
              fromPosition: from,
              maxCount: pageSize,
              types: this.options.types,
            })) {
              if (signal.aborted) return;
              count++;
              from = event.position;
              await this.#deliver(event);
            }
            if (count < pageSize || signal.aborted) break;
          }
          failures = 0;
          scanned = Math.max(head, from);
          await this.source.waitForEvents(scanned, signal);
        } catch (error) {
          if (error instanceof HandlerFailure) throw error.cause;
          if (StoreClosedError.isInstance(error)) return;
          if (!this.source.isTransient?.(error)) throw error;
          if (++failures > maxConsecutiveFailures) throw error;
          await sleep(Math.min(maxRetryDelayMs, 50 * 2 ** Math.min(failures, 10)), signal);
        }
      }
    } catch (error) {
      this.#error = error;
      this.#abort.abort();
      this.options.onError?.(error);
      throw error;
    }
  }

  async #deliver(event: RecordedEvent): Promise<void> {
    this.#inHandler = true;
    try {
      await this.handler(event);
    } catch (error) {
      throw new HandlerFailure(error);
    } finally {
      this.#inHandler = false;
    }
    this.#position = event.position;
  }
}

class HandlerFailure {
  constructor(readonly cause: unknown) {}
}

export function startCatchUpSubscription(
  source: CatchUpSource,
  handler: EventHandler,
  options: CatchUpOptions,
): Subscription {
  return new CatchUpSubscription(source, handler, options);
}
