import { LogGapError, LogOrderError, StoreClosedError, ValidationError } from './errors.js';
import { type LogSource, continuation, holeRetryMs, readContiguous } from './log-continuity.js';
import { type AbortSignalLike, type Timers, sleep, systemTimers } from './timers.js';
import type { EventHandler, RecordedEvent, SubscribeOptions, Subscription } from './types.js';
import { ConsumerTelemetry } from './telemetry/consumer-telemetry.js';
import { type TelemetryOptions, errorType } from './telemetry/telemetry.js';
import { type FlowraLogger, silentLogger } from './telemetry/logger.js';
import { setOwnProperty } from './plain-data.js';
import { ReadOnlyDate, readOnlyDate } from './read-only-date.js';

export interface LogFeedOptions {
  /**
   * How often the shared reader re-reads the log while a subscription waits at its end. A
   * function lets a store poll less while change streams wake it. Omitted: only `wake()`
   * (a store that sees every append itself).
   */
  pollIntervalMs?: number | (() => number);
  /** How long a hole in the log may stay before readers stop with `LogGapError` (default 10 s). */
  gapTimeoutMs?: number;
  /** Events per read (default 500). */
  pageSize?: number;
  /** Recent events kept for subscriptions that are nearly caught up (default 2 pages). */
  bufferSize?: number;
  /** Upper bound of the back-off after transient read errors (default 5 s). */
  maxRetryDelayMs?: number;
  /** Transient read errors in a row after which readers stop with the last one (default 50). */
  maxConsecutiveFailures?: number;
  /**
   * How long reads may keep failing with transient errors, from the start of the first failed
   * read, before readers stop with the last one (default: no time bound, only
   * `maxConsecutiveFailures`). For a consumer that must say soon that the database is gone
   * rather than wait out an outage.
   */
  readFailureTimeoutMs?: number;
  /**
   * A read that has not answered after this long is given up and tried again (default 30 s):
   * a reply lost without a socket timeout must not stall every subscription for good.
   */
  readTimeoutMs?: number;
  timers?: Timers;
  /** Where subscriptions send their consumer spans, lag gauges and log lines. */
  telemetry?: TelemetryOptions & { scope: string };
}

/** A read of the log that did not answer in time; retried like a dropped connection. */
export class ReadTimeoutError extends Error {
  override readonly name = 'ReadTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`reading the log did not answer within ${timeoutMs} ms`);
  }
}

/** The source's reads bounded in time; the bound's own error counts as transient. */
function boundedSource(source: LogSource, timers: Timers, timeoutMs: number): LogSource {
  return {
    readPage: (after, limit) => {
      const read = source.readPage(after, limit);
      if (!(read instanceof Promise)) return read;
      return new Promise((resolve, reject) => {
        const handle = timers.setTimeout(() => reject(new ReadTimeoutError(timeoutMs)), timeoutMs);
        read.then(
          (page) => {
            timers.clearTimeout(handle);
            resolve(page);
          },
          (error: unknown) => {
            timers.clearTimeout(handle);
            reject(error);
          },
        );
      });
    },
    headPosition: () => source.headPosition(),
    isTransient: (error) =>
      error instanceof ReadTimeoutError || (source.isTransient?.(error) ?? false),
  };
}

export interface FeedSubscribeOptions extends Omit<SubscribeOptions, 'fromPosition'> {
  /** Start after this position; a promise lets a store resolve "the end of the log now". */
  fromPosition: number | Promise<number>;
}

interface Waiter {
  after: number;
  since: number;
  resolve(): void;
  reject(error: unknown): void;
}

const DEFAULTS = {
  gapTimeoutMs: 10_000,
  pageSize: 500,
  maxRetryDelayMs: 5_000,
  maxConsecutiveFailures: 50,
};

/**
 * One reader of the log per store, shared by all its subscriptions: however many subscriptions
 * wait at the end of the log, one read at a time looks for what comes next, and the events it
 * finds are handed to each of them from a small buffer. A subscription further behind reads its
 * own pages until it reaches the buffer. Every read is checked: positions continue one by one,
 * a hole is waited for (bounded), then reported, never skipped; nothing at or below a position
 * already passed is delivered.
 */
export class LogFeed {
  readonly #source: LogSource;
  readonly #timers: Timers;
  readonly #pollIntervalMs: (() => number) | undefined;
  readonly #gapTimeoutMs: number;
  readonly #pageSize: number;
  readonly #bufferSize: number;
  readonly #maxRetryDelayMs: number;
  readonly #maxConsecutiveFailures: number;
  readonly #readFailureTimeoutMs: number;
  /** The position up to which the feed has read the log, checked; undefined before any read. */
  #tail: number | undefined;
  /** The last events up to `#tail`, contiguous. */
  #buffer: RecordedEvent[] = [];
  readonly #waiters = new Set<Waiter>();
  readonly #subscriptions = new Set<Subscription>();
  #reading = false;
  /** Something may have been appended since the last read started (a wake-up, a new tail). */
  #dirty = true;
  #interrupt: (() => void) | undefined;
  #holeSince: number | undefined;
  /** What stops every reader at `#tail` for good (the log went backwards right after it). */
  #failure: unknown;
  #closed = false;
  readonly #telemetry: (TelemetryOptions & { scope: string }) | undefined;
  readonly #logger: FlowraLogger;

  constructor(source: LogSource, options: LogFeedOptions = {}) {
    this.#telemetry = options.telemetry;
    this.#logger = options.telemetry?.logger ?? silentLogger;
    this.#timers = options.timers ?? systemTimers;
    this.#source = boundedSource(source, this.#timers, options.readTimeoutMs ?? 30_000);
    const poll = options.pollIntervalMs;
    this.#pollIntervalMs =
      poll === undefined ? undefined : typeof poll === 'number' ? () => poll : poll;
    this.#gapTimeoutMs = options.gapTimeoutMs ?? DEFAULTS.gapTimeoutMs;
    this.#pageSize = options.pageSize ?? DEFAULTS.pageSize;
    this.#bufferSize = options.bufferSize ?? this.#pageSize * 2;
    this.#maxRetryDelayMs = options.maxRetryDelayMs ?? DEFAULTS.maxRetryDelayMs;
    this.#maxConsecutiveFailures =
      options.maxConsecutiveFailures ?? DEFAULTS.maxConsecutiveFailures;
    this.#readFailureTimeoutMs = options.readFailureTimeoutMs ?? Number.POSITIVE_INFINITY;
  }

  /** The position up to which the feed has read the log (undefined before its first read). */
  get tail(): number | undefined {
    return this.#tail;
  }

  /** A hint that events may have been appended: the shared reader reads again soon. */
  wake(): void {
    this.#dirty = true;
    this.#interrupt?.();
  }

  subscribe(handler: EventHandler, options: FeedSubscribeOptions): Subscription {
    if (this.#closed) throw new StoreClosedError('subscribe');
    if (options.name !== undefined && typeof options.name !== 'string') {
      throw new ValidationError('name', 'must be a string');
    }
    const subscription = new FeedSubscription(this, this.#source, handler, options, {
      pageSize: this.#pageSize,
      gapTimeoutMs: this.#gapTimeoutMs,
      maxRetryDelayMs: this.#maxRetryDelayMs,
      maxConsecutiveFailures: this.#maxConsecutiveFailures,
      readFailureTimeoutMs: this.#readFailureTimeoutMs,
      timers: this.#timers,
      consumer: new ConsumerTelemetry({
        scope: 'flowra',
        ...this.#telemetry,
        kind: 'subscription',
        ...(options.name === undefined ? {} : { group: options.name }),
      }),
      logger: this.#logger,
    });
    this.#subscriptions.add(subscription);
    const forget = () => this.#subscriptions.delete(subscription);
    subscription.done.then(forget, forget);
    return subscription;
  }

  get subscriptionCount(): number {
    return this.#subscriptions.size;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((s) => s.close()));
    for (const waiter of [...this.#waiters]) this.#settle(waiter);
    this.#interrupt?.();
  }

  /**
   * The buffered events after `after`: `[]` when `after` is the end the feed knows, undefined
   * when the feed does not hold what follows `after` (the caller reads it itself).
   */
  eventsAfter(after: number): readonly RecordedEvent[] | undefined {
    const tail = this.#tail;
    if (tail === undefined || after > tail) return undefined;
    if (after === tail) return [];
    const first = tail - this.#buffer.length;
    if (after < first) return undefined;
    return this.#buffer.slice(after - first);
  }

  /**
   * Resolves when events after `after` may be there to take (`eventsAfter` tells), rejects
   * with what stops readers at this point: a hole that stayed, or a read that kept failing.
   */
  waitAfter(after: number, signal: AbortSignalLike): Promise<void> {
    if (this.#closed || signal.aborted) return Promise.resolve();
    if (this.#tail === undefined || after > this.#tail) {
      // A subscription read up to here on its own: the shared reader continues from its end.
      this.#tail = after;
      this.#buffer = [];
      this.#holeSince = undefined;
      this.#failure = undefined;
      this.#dirty = true;
      for (const waiter of [...this.#waiters]) if (waiter.after < after) this.#settle(waiter);
    } else if (after < this.#tail) {
      return Promise.resolve();
    } else if (this.#failure !== undefined) {
      return Promise.reject(this.#failure);
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        after,
        since: this.#timers.now(),
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      const onAbort = () => this.#settle(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
      if (this.#dirty) this.#interrupt?.();
      void this.#read();
    });
  }

  #settle(waiter: Waiter, error?: unknown): void {
    if (!this.#waiters.delete(waiter)) return;
    if (error === undefined) waiter.resolve();
    else waiter.reject(error);
  }

  #settleAll(error: unknown): void {
    for (const waiter of [...this.#waiters]) this.#settle(waiter, error);
  }

  async #read(): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    const failures = new FailureRun(
      this.#timers,
      this.#maxConsecutiveFailures,
      this.#readFailureTimeoutMs,
      this.#maxRetryDelayMs,
    );
    try {
      while (!this.#closed && this.#waiters.size > 0) {
        const after = this.#tail!;
        this.#dirty = false;
        let page: readonly RecordedEvent[];
        const startedAt = this.#timers.now();
        try {
          page = await this.#source.readPage(after, this.#pageSize);
          failures.reset();
        } catch (error) {
          if (StoreClosedError.isInstance(error)) {
            for (const waiter of [...this.#waiters]) this.#settle(waiter);
            return;
          }
          const retryIn = this.#source.isTransient?.(error) ? failures.retryIn(startedAt) : -1;
          if (retryIn < 0) {
            this.#settleAll(error);
            return;
          }
          await this.#pause(retryIn);
          continue;
        }
        // A subscription moved the tail while this read was under way: read from there.
        if (this.#tail !== after) continue;
        const checked = continuation(after, page);
        if (checked.events.length > 0) {
          this.#holeSince = undefined;
          this.#append(checked.events);
          for (const waiter of [...this.#waiters]) {
            if (waiter.after < this.#tail!) this.#settle(waiter);
          }
        }
        if (checked.backwards) {
          this.#failure = checked.backwards;
          this.#settleAll(checked.backwards);
          return;
        }
        if (checked.events.length > 0) {
          if (checked.events.length >= this.#pageSize) continue;
        } else if (checked.hole) {
          const now = this.#timers.now();
          this.#holeSince ??= now;
          for (const waiter of [...this.#waiters]) {
            const waited = now - Math.max(this.#holeSince, waiter.since);
            if (waiter.after === after && waited >= this.#gapTimeoutMs) {
              this.#settle(
                waiter,
                new LogGapError(after, checked.hole.from, checked.hole.to, waited),
              );
            }
          }
        } else {
          this.#holeSince = undefined;
        }
        if (this.#waiters.size === 0) return;
        if (this.#dirty) continue;
        const interval = this.#pollIntervalMs?.();
        const hole = checked.events.length === 0 && checked.hole !== undefined;
        if (hole)
          await this.#pause(
            Math.min(interval ?? Number.POSITIVE_INFINITY, holeRetryMs(this.#gapTimeoutMs)),
          );
        else await this.#pause(interval);
      }
    } finally {
      this.#reading = false;
    }
  }

  /** Sleeps `ms` (forever when undefined) or until `wake()`/a new waiter interrupts. */
  #pause(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      let handle: unknown;
      const done = () => {
        if (handle !== undefined) this.#timers.clearTimeout(handle);
        this.#interrupt = undefined;
        resolve();
      };
      this.#interrupt = done;
      if (ms !== undefined && Number.isFinite(ms)) handle = this.#timers.setTimeout(done, ms);
    });
  }

  #append(events: readonly RecordedEvent[]): void {
    for (const event of events) this.#buffer.push(event);
    const excess = this.#buffer.length - this.#bufferSize;
    if (excess > 0) this.#buffer.splice(0, excess);
    this.#tail = events.at(-1)!.position;
  }
}

/**
 * What a handler is given: frozen in place, its Dates replaced by read-only copies (freezing
 * leaves a Date's setters working). Buffered events are handed to every subscription, so none
 * may change what another sees; events a subscription read itself are sealed alike, so a
 * handler meets the same events catching up as live. A frozen object is taken as sealed: the
 * stores freeze only what they sealed (the in-memory store's events).
 */
function seal<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  const target = value as Record<string, unknown>;
  const keys = Object.keys(target);
  for (const key of keys) {
    const member = target[key];
    if (member instanceof Date && !(member instanceof ReadOnlyDate)) {
      try {
        setOwnProperty(target, key, readOnlyDate(member.getTime()));
      } catch {
        // A getter or a read-only property (an upcaster's own object): left as it is.
      }
    }
  }
  // Frozen before its members are walked, so a value met again (a cycle) is passed over.
  Object.freeze(target);
  for (const key of keys) seal(target[key]);
  return value;
}

interface SubscriptionSettings {
  pageSize: number;
  gapTimeoutMs: number;
  maxRetryDelayMs: number;
  maxConsecutiveFailures: number;
  readFailureTimeoutMs: number;
  timers: Timers;
  consumer: ConsumerTelemetry;
  logger: FlowraLogger;
}

/**
 * Delivers the log to one handler, one event at a time, strictly in position order: from its
 * own checked reads while it is behind, from the feed's buffer once it is near the end, and
 * by waiting on the feed at the end. Catch-up and live are the same loop, so there is no
 * switch-over at which an event could be skipped or handed over twice.
 */
class FeedSubscription implements Subscription {
  readonly done: Promise<void>;
  #position = 0;
  #error: unknown;
  #inHandler = false;
  readonly #abort = new AbortController();
  readonly #types: ReadonlySet<string> | undefined;

  constructor(
    private readonly feed: LogFeed,
    private readonly source: LogSource,
    private readonly handler: EventHandler,
    private readonly options: FeedSubscribeOptions,
    private readonly settings: SubscriptionSettings,
  ) {
    this.#types = options.types ? new Set(options.types) : undefined;
    this.done = this.#run();
    // Whoever awaits `done` still sees the rejection; nobody awaiting it must not crash the process.
    this.done.catch(() => {});
  }

  /** Position of the last event this subscription is done with (delivered, or passed over by its type filter). */
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
    const { pageSize, gapTimeoutMs, timers } = this.settings;
    const failures = new FailureRun(
      timers,
      this.settings.maxConsecutiveFailures,
      this.settings.readFailureTimeoutMs,
      this.settings.maxRetryDelayMs,
    );
    try {
      this.#position = await this.options.fromPosition;
      while (!signal.aborted) {
        const startedAt = timers.now();
        try {
          let events = this.feed.eventsAfter(this.#position);
          let backwards: LogOrderError | undefined;
          if (events === undefined) {
            ({ events, backwards } = await readContiguous(this.source, this.#position, pageSize, {
              gapTimeoutMs,
              timers,
              signal,
            }));
            failures.reset();
            if (!backwards && events.length === 0 && (this.feed.tail ?? 0) > this.#position) {
              // Another reader saw further than this read did (a lagging snapshot): read again soon.
              await sleep(timers, holeRetryMs(gapTimeoutMs), signal);
              continue;
            }
          } else if (events.length > 0) {
            failures.reset();
          }
          if (signal.aborted) return;
          if (events.length === 0 && !backwards) {
            // Only a look at the feed's buffer came before: no read answered, so the failures
            // in a row go on. A rejection is the shared reader's own verdict after retrying as
            // long as this loop would: final, or readers at the end of the log would retry
            // round after round and never stop.
            await this.feed.waitAfter(this.#position, signal).catch((error: unknown) => {
              throw new FeedFailure(error);
            });
            // The wait ended without a verdict: the shared reader read on. A failure long
            // before it is no part of a run of failures to come.
            failures.reset();
            continue;
          }
          for (const event of events) {
            if (signal.aborted) return;
            if (event.position !== this.#position + 1) {
              // Every source is checked already; this guards the hand-over between them.
              throw new LogOrderError(
                this.#position,
                event.position,
                event.streamId,
                event.version,
              );
            }
            if (this.#types === undefined || this.#types.has(event.type))
              await this.#deliver(seal(event));
            this.#position = event.position;
          }
          if (backwards) throw backwards;
        } catch (error) {
          if (error instanceof HandlerFailure || error instanceof FeedFailure) throw error.cause;
          if (StoreClosedError.isInstance(error)) return;
          if (LogGapError.isInstance(error) || LogOrderError.isInstance(error)) throw error;
          if (!this.source.isTransient?.(error)) throw error;
          const retryIn = failures.retryIn(startedAt);
          if (retryIn < 0) throw error;
          this.settings.logger.warn(
            {
              subscription: this.options.name,
              position: this.#position,
              failures: failures.count,
              err: error,
            },
            'subscription read failed; retrying',
          );
          await sleep(timers, retryIn, signal);
        }
      }
    } catch (error) {
      this.#error = error;
      this.#abort.abort();
      this.settings.logger.error(
        {
          subscription: this.options.name,
          position: this.#position,
          err: error,
          errorType: errorType(error),
        },
        LogGapError.isInstance(error)
          ? 'subscription stopped: a gap in the log stayed'
          : 'subscription stopped',
      );
      try {
        this.options.onError?.(error);
      } catch (reportError) {
        // The subscription's own error stays what `done` rejects with.
        this.settings.logger.error(
          { subscription: this.options.name, err: reportError },
          'onError threw while reporting why the subscription stopped',
        );
      }
      throw error;
    }
  }

  async #deliver(event: RecordedEvent): Promise<void> {
    this.#inHandler = true;
    const { consumer } = this.settings;
    try {
      if (this.options.traced === false) await this.handler(event);
      else await consumer.process(event, () => this.handler(event));
      consumer.recordLag(event.position, this.feed.tail ?? event.position, event.recordedAt);
    } catch (error) {
      throw new HandlerFailure(error);
    } finally {
      this.#inHandler = false;
    }
  }
}

class HandlerFailure {
  constructor(readonly cause: unknown) {}
}

/** What the shared reader stopped waiters with: the subscription stops with it as it is. */
class FeedFailure {
  constructor(readonly cause: unknown) {}
}

/**
 * Transient read failures in a row and when they began: how long to back off before the next
 * try, or that readers have retried enough (by count, or by time when a bound is set).
 */
class FailureRun {
  count = 0;
  #since: number | undefined;

  constructor(
    private readonly timers: Timers,
    private readonly maxFailures: number,
    private readonly timeoutMs: number,
    private readonly maxDelayMs: number,
  ) {}

  reset(): void {
    this.count = 0;
    this.#since = undefined;
  }

  /** Counts a failure of a read begun at `startedAt`: ms to wait, or -1 to give up. */
  retryIn(startedAt: number): number {
    this.#since ??= startedAt;
    const left = this.timeoutMs - (this.timers.now() - this.#since);
    if (++this.count > this.maxFailures || left <= 0) return -1;
    // Capped by the time left, so the last try is made before the bound, not well after it.
    return Math.min(this.maxDelayMs, 50 * 2 ** Math.min(this.count, 10), left);
  }
}
