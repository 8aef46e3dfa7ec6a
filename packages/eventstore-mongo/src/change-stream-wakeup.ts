import type { FlowraLogger } from '@flowra/eventstore-core';
import type { ChangeStream, Collection } from 'mongodb';
import type { CommitDocument } from './commit-document.js';

/** Server codes that say change streams cannot work here at all (standalone, an emulator). */
const UNSUPPORTED = new Set([
  40573, // The $changeStream stage is only supported on replica sets
  238, // NotImplemented
  115, // CommandNotSupported
  59, // CommandNotFound
  20, // IllegalOperation
]);

/**
 * Wakes this store's readers when a commit is inserted anywhere, so they need not wait for
 * their next poll. Only a wake-up: it ships nothing but the change's resume token (no commit
 * document, however large), and the readers' own checked reads stay the source of truth, so
 * a broken or missing change stream costs latency, never an event. After an error it is
 * opened again with back-off; where the server has no change streams it stays off.
 */
export class ChangeStreamWakeup {
  #stream: ChangeStream | undefined;
  #state: 'off' | 'starting' | 'on' | 'unsupported' = 'off';
  #failures = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #wanted = false;

  constructor(
    private readonly events: Collection<CommitDocument>,
    private readonly wake: () => void,
    private readonly logger?: FlowraLogger,
  ) {}

  /** Whether wake-ups are flowing, so readers may poll less. */
  get healthy(): boolean {
    return this.#state === 'on';
  }

  start(): void {
    this.#wanted = true;
    if (this.#state !== 'off') return;
    this.#open();
  }

  stop(): void {
    this.#wanted = false;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    const stream = this.#stream;
    this.#stream = undefined;
    if (this.#state !== 'unsupported') this.#state = 'off';
    stream?.close().catch(() => {});
  }

  #open(): void {
    this.#state = 'starting';
    let stream: ChangeStream;
    try {
      stream = this.events.watch([
        { $match: { operationType: 'insert' } },
        { $project: { _id: 1 } },
      ]);
    } catch (error) {
      this.#unsupported(error);
      return;
    }
    this.#stream = stream;
    stream.on('change', () => {
      this.#state = 'on';
      this.#failures = 0;
      this.wake();
    });
    stream.on('resumeTokenChanged', () => {
      if (this.#state === 'starting') this.#state = 'on';
      this.#failures = 0;
    });
    stream.on('error', (error: unknown) => {
      if (this.#stream !== stream) return;
      this.#stream = undefined;
      stream.close().catch(() => {});
      const code = (error as { code?: unknown })?.code;
      if (typeof code === 'number' && UNSUPPORTED.has(code)) {
        this.#unsupported(error);
        return;
      }
      // Broken (a failover, a network error): readers poll at full rate until it is back.
      this.#state = 'off';
      this.#failures++;
      if (!this.#wanted) return;
      const delay = Math.min(30_000, 500 * 2 ** Math.min(this.#failures, 6));
      this.logger?.warn(
        {
          collection: this.events.collectionName,
          failures: this.#failures,
          retryInMs: delay,
          err: error,
        },
        'change stream failed; subscriptions poll until it is open again',
      );
      this.#retry = setTimeout(() => {
        this.#retry = undefined;
        if (this.#wanted && this.#state === 'off') this.#open();
      }, delay);
      this.#retry.unref?.();
    });
  }

  #unsupported(error: unknown): void {
    this.#state = 'unsupported';
    this.logger?.info(
      { collection: this.events.collectionName, err: error },
      'change streams unavailable on this server; subscriptions poll',
    );
  }
}
