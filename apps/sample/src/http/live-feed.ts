import { InvalidInputError } from '@flowra/domain';
import {
  type EventStore,
  type RecordedEvent,
  StoreUnavailableError,
  type Subscription,
} from '@flowra/eventstore-core';

export interface LiveFeedOptions {
  /** How far behind the head a client may ask to start (default 10,000 events). */
  maxReplay?: number;
  /** Events waiting for one slow client before it is cut off to reconnect (default 1,000). */
  queueLimit?: number;
  /** Where the feed says that it lost the log, and why (default: nowhere). */
  log?: (message: string, error?: unknown) => void;
}

export interface FeedClient {
  /** Settles when the client is cut off (too slow) or closed. */
  readonly done: Promise<void>;
  close(): void;
}

interface Listener {
  queue: RecordedEvent[];
  /** Positions up to here were sent (by the replay or live). */
  sent: number;
  wake?: () => void;
  closed: boolean;
  /** Resolves the client's `done`, even while a write to it hangs. */
  ended: () => void;
}

/** Pause before following the log again after the store gave up reading it. */
const RESUBSCRIBE_AFTER_MS = 1_000;

/** Reads per replay page: a client asking for history costs bounded reads at a time. */
const REPLAY_PAGE = 500;

/**
 * The process's one subscription to the log, shared by every connected client: a hundred open
 * feeds cost one reader, not a hundred. A client that asks to start in the past is replayed
 * from the store (at most `maxReplay` events back) and then joins the live stream without a gap
 * or a duplicate; a client that falls `queueLimit` events behind is cut off (its EventSource
 * reconnects with `Last-Event-ID` and catches up) rather than holding memory for it.
 */
export class LiveFeed {
  readonly #store: EventStore;
  readonly #maxReplay: number;
  readonly #queueLimit: number;
  readonly #log: (message: string, error?: unknown) => void;
  readonly #listeners = new Set<Listener>();
  #subscription: Subscription | undefined;
  /** The last position the shared subscription handed on. */
  #position = 0;
  #closed = false;
  #retry: ReturnType<typeof setTimeout> | undefined;

  constructor(store: EventStore, options: LiveFeedOptions = {}) {
    this.#store = store;
    this.#maxReplay = options.maxReplay ?? 10_000;
    this.#queueLimit = options.queueLimit ?? 1_000;
    this.#log = options.log ?? (() => {});
  }

  async start(): Promise<void> {
    this.#position = await this.#store.headPosition();
    this.#follow();
  }

  /**
   * Subscribes from the last position handed on. A subscription stops once the store has given
   * up reading (a long outage): this one is opened again after a pause, so open feeds go on,
   * without a gap, once the database is back. Anything else (a hole in the log, an event that
   * cannot be decoded) would fail again at the same place: the clients are cut off instead, and
   * a reconnecting client gets the error from its own replay.
   */
  #follow(): void {
    if (this.#closed) return;
    this.#subscription = this.#store.subscribe(
      (event) => {
        this.#position = event.position;
        for (const listener of this.#listeners) {
          if (listener.queue.length >= this.#queueLimit) {
            this.#drop(listener);
            continue;
          }
          listener.queue.push(event);
          listener.wake?.();
        }
      },
      {
        name: 'live-feed',
        fromPosition: this.#position,
        onError: (error) => {
          if (this.#closed) return;
          if (StoreUnavailableError.isInstance(error)) {
            this.#log(
              `live feed: the store stopped reading the log at position ${this.#position}; following it again`,
              error,
            );
            this.#retry = setTimeout(() => this.#follow(), RESUBSCRIBE_AFTER_MS);
            return;
          }
          this.#log(`live feed stopped at position ${this.#position}`, error);
          for (const listener of this.#listeners) this.#drop(listener);
        },
      },
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    for (const listener of this.#listeners) this.#drop(listener);
    await this.#subscription?.close();
  }

  /** Clients listening now. */
  get clients(): number {
    return this.#listeners.size;
  }

  /**
   * Hands `send` the events after `from` (only new ones when it is undefined), in order, each
   * once. Refuses a `from` more than `maxReplay` events behind the head, or past it: no client
   * can have seen a position the log has not reached (one from before an in-memory store's
   * restart, say), and following it would skip the events up to it. `field` names it in errors.
   */
  async open(
    from: number | undefined,
    field: string,
    send: (event: RecordedEvent) => Promise<void>,
  ): Promise<FeedClient> {
    const head = Math.max(
      this.#position,
      from === undefined ? 0 : await this.#store.headPosition(),
    );
    if (from !== undefined && from > head) {
      throw new InvalidInputError(
        field,
        `is position ${from}, past the log's head (${head}): reconnect without it, or from ${head} for new events only`,
      );
    }
    if (from !== undefined && head - from > this.#maxReplay) {
      throw new InvalidInputError(
        field,
        `is ${head - from} events behind the log's head (${head}); a feed replays at most ${this.#maxReplay}: start from ${head - this.#maxReplay} or later`,
      );
    }
    let ended = () => {};
    const cutOff = new Promise<void>((resolve) => {
      ended = resolve;
    });
    const listener: Listener = { queue: [], sent: from ?? this.#position, closed: false, ended };
    // Listening before replaying: what arrives meanwhile waits in the queue.
    this.#listeners.add(listener);
    const pumped = this.#pump(listener, from !== undefined, send).finally(() =>
      this.#drop(listener),
    );
    return { done: Promise.race([pumped, cutOff]), close: () => this.#drop(listener) };
  }

  async #pump(
    listener: Listener,
    replay: boolean,
    send: (event: RecordedEvent) => Promise<void>,
  ): Promise<void> {
    while (replay && !listener.closed) {
      let read = 0;
      for await (const event of this.#store.readAll({
        fromPosition: listener.sent,
        maxCount: REPLAY_PAGE,
      })) {
        if (listener.closed) return;
        await send(event);
        listener.sent = event.position;
        read++;
      }
      if (read < REPLAY_PAGE || listener.sent >= this.#position) break;
    }
    while (!listener.closed) {
      const event = listener.queue.shift();
      if (!event) {
        await new Promise<void>((resolve) => {
          listener.wake = resolve;
        });
        listener.wake = undefined;
        continue;
      }
      if (event.position <= listener.sent) continue;
      await send(event);
      listener.sent = event.position;
    }
  }

  #drop(listener: Listener): void {
    listener.closed = true;
    this.#listeners.delete(listener);
    listener.wake?.();
    listener.ended();
  }
}
