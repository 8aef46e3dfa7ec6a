import type { EventStore, RecordedEvent, Subscription } from '@flowra/eventstore-core';
import type { CheckpointStore, ReadModelDocument } from '../read-models/read-model-store.js';
import { type Projection, asDomainEvent } from './projection.js';

export interface ProjectorOptions<D extends ReadModelDocument> {
  store: EventStore;
  projection: Projection<D>;
  checkpoints: CheckpointStore;
  /** Restart from the checkpoint this long after a failure (default 1 s); `null` stays stopped. */
  restartDelayMs?: number | null;
  /**
   * Called after an event's document write and before its checkpoint write: the window in
   * which a crash leaves the document ahead of the checkpoint. Tests inject that crash here.
   */
  afterDocumentWrite?: (event: RecordedEvent) => void | Promise<void>;
  log?: (message: string) => void;
}

/** Without a relevant event for this long, the checkpoint still moves so a restart skips ahead. */
const IDLE_CHECKPOINT_EVERY = 100;

/**
 * Feeds one projection from a store subscription, each event applied exactly once without a
 * transaction: the document write is conditional on the document's `lastPosition`, and the
 * checkpoint is written after the document. A crash between the two leaves the checkpoint
 * behind, the restart hands the event over again, and the condition turns it into a no-op.
 */
export class Projector<D extends ReadModelDocument> {
  readonly #options: ProjectorOptions<D>;
  #subscription: Subscription | undefined;
  #position = 0;
  #checkpoint = 0;
  #running = false;
  #restartTimer: NodeJS.Timeout | undefined;
  readonly #waiters = new Set<() => void>();

  constructor(options: ProjectorOptions<D>) {
    this.#options = options;
  }

  get name(): string {
    return this.#options.projection.name;
  }

  /** The last event this projector has dealt with, relevant to it or not. */
  get position(): number {
    return this.#position;
  }

  /** Settles when the current run stops: resolves on `stop()`, rejects with what failed. */
  get done(): Promise<void> {
    return this.#subscription?.done ?? Promise.resolve();
  }

  async start(): Promise<void> {
    this.#running = true;
    this.#checkpoint = await this.#options.checkpoints.get(this.name);
    this.#position = this.#checkpoint;
    this.#notify();
    const subscription = this.#options.store.subscribe((event) => this.apply(event), {
      fromPosition: this.#checkpoint,
    });
    this.#subscription = subscription;
    subscription.done.catch((error: unknown) => this.#failed(error));
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#restartTimer);
    await this.#subscription?.close();
    this.#notify();
  }

  /**
   * Resolves true once `position` has been dealt with, false after `timeoutMs`: lets a reader
   * that knows the position of its own write wait until the read model shows it.
   */
  waitFor(position: number, timeoutMs = 5_000): Promise<boolean> {
    if (this.#position >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (this.#position < position && this.#running) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(this.#position >= position);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        resolve(false);
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  /** One event, in position order; public so a rebuild can feed the log in without a subscription. */
  async apply(event: RecordedEvent): Promise<void> {
    const { projection, checkpoints, afterDocumentWrite } = this.#options;
    const domainEvent = asDomainEvent(event);
    const id = domainEvent && projection.documentId(domainEvent);
    if (id) {
      const current = await projection.collection.get(id);
      // An already-applied event (a replay after a crash) leaves the document as it is.
      if (current === null || current.lastPosition < event.position) {
        const next = projection.evolve(current, domainEvent);
        if (next)
          await projection.collection.putIfNewer({
            ...next,
            _id: id,
            lastPosition: event.position,
          });
      }
      await afterDocumentWrite?.(event);
    }
    if (id || event.position - this.#checkpoint >= IDLE_CHECKPOINT_EVERY) {
      await checkpoints.advance(this.name, event.position);
      this.#checkpoint = event.position;
    }
    this.#position = event.position;
    this.#notify();
  }

  #failed(error: unknown): void {
    const { restartDelayMs = 1_000, log = console.error } = this.#options;
    log(`projection ${this.name} stopped at position ${this.#position}: ${String(error)}`);
    if (!this.#running || restartDelayMs === null) {
      this.#running = false;
      this.#notify();
      return;
    }
    this.#restartTimer = setTimeout(() => {
      if (!this.#running) return;
      log(`projection ${this.name} restarting from its checkpoint`);
      this.start().catch((e: unknown) => this.#failed(e));
    }, restartDelayMs);
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
