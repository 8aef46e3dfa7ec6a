import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  EventDecodingError,
  type EventStore,
  FlowraAttributes as A,
  type RecordedEvent,
  type Subscription,
  type TelemetryOptions,
} from '@flowra/eventstore-core';
import { ConsumerTelemetry } from '@flowra/eventstore-core/adapter';
import { BatchContext } from './batch-context.js';
import type { ProjectionDefinition } from './define-projection.js';
import { LeaseLostError, ProjectionHandlerError, ReadModelConflictError } from './errors.js';
import type { ProjectionHealth, ProjectionStatus } from './health.js';
import {
  type Lease,
  type ProjectionErrorRecord,
  type ProjectionState,
  type ReadModelStore,
  generationCollection,
} from './read-model-store.js';

export interface RestartPolicy {
  /** First wait after a failure (default 1 s); doubles per failure in a row. */
  delayMs?: number;
  /** Longest wait (default 60 s). */
  maxDelayMs?: number;
  /** Failures in a row after which it stays stopped (default: never gives up). */
  maxAttempts?: number;
}

export interface RunnerHooks {
  /** After a batch's documents are written and before its checkpoint: where a crash would fall. */
  afterDocuments?(info: {
    projection: string;
    fromPosition: number;
    toPosition: number;
  }): void | Promise<void>;
  /** Before a batch's documents are written (tests pause an owner here). */
  beforeDocuments?(info: { projection: string; epoch: number }): void | Promise<void>;
}

export interface ProjectionRunnerOptions extends TelemetryOptions {
  store: EventStore;
  readModels: ReadModelStore;
  projection: ProjectionDefinition<any>;
  /** Names this process in the lease (default: host, pid and a random suffix). */
  owner?: string;
  /** How long a lease lasts without renewal (default 10 s): the longest takeover wait. */
  leaseTtlMs?: number;
  /** Events read and applied per batch (default 500). */
  batchSize?: number;
  /** Longest idle wait for new events when no subscription wakes the runner (default 1 s). */
  pollIntervalMs?: number;
  /** `false`: a failure stops the projection until `start()` is called again. */
  restart?: RestartPolicy | false;
  /** How long an old generation is kept after a rebuild's switch, for reads in flight (default 5 s). */
  dropOldGenerationAfterMs?: number;
  /** Clock of lease expiry (default `Date.now`); leases assume clocks within `leaseTtlMs / 3`. */
  now?: () => number;
  hooks?: RunnerHooks;
  log?: (
    level: 'info' | 'warn' | 'error',
    message: string,
    fields?: Record<string, unknown>,
  ) => void;
}

const sleep = (ms: number, signal: { wake?: () => void }) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });

export function defaultOwner(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** Rebuild batches a step may apply after its live batch. */
const REBUILD_BATCHES_PER_STEP = 4;

/**
 * Runs one projection from its checkpoint, in exactly one process at a time:
 * - a lease (owner, epoch, expiry) is held while running and renewed every third of its time;
 *   without it the runner waits, and takes over once the owner's lease expires;
 * - each batch of events is applied to the documents with conditional writes (a document is
 *   written only if it is as read, and not by a newer epoch), then the checkpoint is moved,
 *   fenced by the epoch: a crash in between makes the replayed events no-ops, and an old owner
 *   that wakes up late can neither overwrite the new owner's documents nor its checkpoint;
 * - a handler that throws stops the projection at that event (others go on), which is retried
 *   by the restart policy and never skipped.
 */
export class ProjectionRunner {
  readonly #o: Required<
    Pick<
      ProjectionRunnerOptions,
      'leaseTtlMs' | 'batchSize' | 'pollIntervalMs' | 'dropOldGenerationAfterMs'
    >
  > &
    ProjectionRunnerOptions;
  readonly #owner: string;
  readonly #now: () => number;
  readonly #types: ReadonlySet<string> | undefined;
  #status: ProjectionStatus = 'stopped';
  #lease: Lease | null = null;
  #renewTimer: ReturnType<typeof setInterval> | undefined;
  #renewing = false;
  /** When the loop last showed progress: a loop stuck longer than the lease stops renewing it. */
  #alive = 0;
  /** Why the background renewal found the lease gone, until the loop notices. */
  #lost: string | undefined;
  #state: ProjectionState | null = null;
  /**
   * The checkpoint it knew before it let go of the state (a lost lease, a restart without one):
   * a live checkpoint never goes back, so neither does `position` while the state is read again.
   */
  #lastPosition = 0;
  #error: ProjectionErrorRecord | null = null;
  #loop: Promise<void> | undefined;
  #stopping = false;
  #failures = 0;
  #wake: { wake?: () => void } = {};
  #subscription: Subscription | undefined;
  readonly #waiters = new Set<() => void>();
  #rebuildRate = { events: 0, since: 0 };
  #following = false;
  readonly #telemetry: ConsumerTelemetry;
  /** The furthest log position the wake-up subscription has seen: the head, for the lag gauge. */
  #seenHead = 0;

  constructor(options: ProjectionRunnerOptions) {
    this.#o = {
      leaseTtlMs: 10_000,
      batchSize: 500,
      pollIntervalMs: 1_000,
      dropOldGenerationAfterMs: 5_000,
      ...options,
    };
    this.#owner = options.owner ?? defaultOwner();
    this.#now = options.now ?? Date.now;
    const types = options.projection.eventTypes;
    this.#types = types ? new Set(types) : undefined;
    this.#telemetry = new ConsumerTelemetry({
      ...options,
      scope: '@flowra/projections',
      group: options.projection.name,
      kind: 'projection',
    });
  }

  get name(): string {
    return this.#o.projection.name;
  }

  get owner(): string {
    return this.#owner;
  }

  get status(): ProjectionStatus {
    return this.#status;
  }

  /** The live checkpoint as this runner last knew it. */
  get position(): number {
    return this.#state?.position ?? this.#lastPosition;
  }

  /** The failure that stopped it last, until it moves on. */
  get error(): ProjectionErrorRecord | null {
    return this.#error;
  }

  /** Settles when the runner has stopped (by `stop()`, or for good after failures). */
  get done(): Promise<void> {
    return this.#loop ?? Promise.resolve();
  }

  start(): void {
    if (this.#loop) return;
    this.#stopping = false;
    this.#failures = 0;
    this.#status = 'waiting-for-lease';
    this.#subscription = this.#o.store.subscribe(
      (event) => {
        this.#seenHead = Math.max(this.#seenHead, event.position);
        this.#wake.wake?.();
      },
      // Only a wake-up: the handler calls worth a span are the projection's own.
      { name: `${this.name}:wake-up`, traced: false, onError: () => {} },
    );
    this.#loop = this.#run().finally(() => {
      this.#loop = undefined;
      void this.#subscription?.close();
      this.#subscription = undefined;
      this.#notify();
    });
  }

  /** Stops after the batch in hand and releases the lease, so another process takes over at once. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake.wake?.();
    await this.#loop;
    this.#status = 'stopped';
  }

  /**
   * Builds the projection again from position 0 into a new generation while the current one
   * goes on serving readers and following the log; once the new one has caught up, readers are
   * switched to it in one write. Survives restarts and takeovers: the rebuild's progress is in
   * the projection's state.
   */
  async rebuild(): Promise<void> {
    await requestRebuild(this.#o.readModels, this.name, this.#now());
    this.#wake.wake?.();
  }

  /**
   * Resolves true once the live read model reflects `position`, false after `timeoutMs`. In a
   * process that does not hold the lease it follows the checkpoint the owner writes.
   */
  waitFor(position: number, timeoutMs = 5_000): Promise<boolean> {
    if (this.position >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (reached: boolean) => {
        clearTimeout(timer);
        clearInterval(follow);
        this.#waiters.delete(check);
        resolve(reached);
      };
      const check = () => {
        if (this.position >= position) finish(true);
        else if (!this.#loop && !this.#following) finish(false);
      };
      const timer = setTimeout(() => finish(this.position >= position), timeoutMs);
      const follow = setInterval(() => {
        if (this.#lease) return;
        this.#following = true;
        void this.#o.readModels
          .getState(this.name)
          .then((state) => {
            if (!this.#lease && state && state.position > this.position) this.#state = state;
          })
          .catch(() => {})
          .finally(() => {
            this.#following = false;
            check();
          });
      }, this.#o.pollIntervalMs);
      this.#waiters.add(check);
    });
  }

  /** Checkpoint, head, lag, state and lease, as this process sees them. */
  async health(): Promise<ProjectionHealth> {
    const { store, readModels } = this.#o;
    const [state, lease, head] = await Promise.all([
      readModels.getState(this.name),
      readModels.currentLease(this.name),
      store.headPosition(),
    ]);
    const checkpoint = state?.position ?? 0;
    const lagSeconds = await lagSecondsOf(store, checkpoint, head, this.#now());
    const rebuild = state?.rebuild ?? null;
    const elapsed = (this.#now() - this.#rebuildRate.since) / 1000;
    const rate = rebuild && elapsed > 0 ? this.#rebuildRate.events / elapsed : 0;
    return {
      name: this.name,
      status: this.#status,
      owner: lease && lease.expiresAt > this.#now() ? lease.owner : null,
      epoch: lease?.epoch ?? 0,
      checkpoint,
      head,
      lagEvents: Math.max(0, head - checkpoint),
      lagSeconds,
      generation: state?.generation ?? 1,
      rebuild: rebuild && {
        generation: rebuild.generation,
        position: rebuild.position,
        eventsPerSecond: Math.round(rate),
        etaSeconds: rate > 0 ? Math.ceil((head - rebuild.position) / rate) : null,
      },
      error: this.#error ?? state?.error ?? null,
    };
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      try {
        if (!(await this.#holdLease())) {
          this.#status = 'waiting-for-lease';
          await sleep(Math.max(50, this.#o.leaseTtlMs / 3), this.#wake);
          continue;
        }
        this.#status = this.#error ? 'failed' : this.#state?.rebuild ? 'rebuilding' : 'running';
        const worked = await this.#step();
        this.#failures = 0;
        if (!worked && !this.#stopping) {
          // Idle by choice, not stuck: the lease stays renewed through the wait.
          this.#alive = this.#now() + this.#o.pollIntervalMs;
          await sleep(this.#o.pollIntervalMs, this.#wake);
        }
      } catch (error) {
        if (LeaseLostError.isInstance(error)) {
          this.#log('warn', error.message);
          this.#dropLease();
          this.#forgetState();
          // Let timers and other work run before trying for the lease again.
          await sleep(Math.min(100, this.#o.leaseTtlMs / 3), this.#wake);
          continue;
        }
        if (!(await this.#failed(error))) break;
      }
    }
    await this.#releaseLease();
  }

  /** Holds a valid lease on return (true), or has none (false). */
  async #holdLease(): Promise<boolean> {
    const { readModels, leaseTtlMs } = this.#o;
    const now = this.#now();
    if (this.#lease) {
      if (this.#lost) throw new LeaseLostError(this.name, this.#lease.epoch, this.#lost);
      // Past its expiry on our own clock it may already be someone else's: never write on it.
      if (now >= this.#lease.expiresAt) {
        throw new LeaseLostError(this.name, this.#lease.epoch, 'it expired before it was renewed');
      }
      return true;
    }
    const lease = await readModels.acquireLease(this.name, this.#owner, leaseTtlMs, now);
    if (!lease) return false;
    // Fence the state at once: from now on no older epoch can move the checkpoint.
    if (!(await readModels.updateState(this.name, lease.epoch, {}))) {
      throw new LeaseLostError(this.name, lease.epoch, 'a newer epoch has written the state');
    }
    this.#lease = lease;
    this.#alive = now;
    this.#startRenewing();
    this.#state = await readModels.getState(this.name);
    this.#log(
      'info',
      `projection ${this.name} running here (epoch ${lease.epoch}) from position ${this.position}`,
    );
    this.#notify();
    return true;
  }

  /** One live batch and, during a rebuild, one rebuild batch; false when there was nothing to do. */
  async #step(): Promise<boolean> {
    this.#alive = this.#now();
    // Read afresh each time: a rebuild may have been asked for from another process.
    let state = await this.#o.readModels.getState(this.name);
    if (!state) {
      // Removed by hand while this runner held the lease. Written back as this runner knew it:
      // recreated by the next checkpoint alone it would name generation 1, sending readers back
      // to a generation a rebuild replaced (and dropped), and forget a rebuild under way.
      const known = this.#state!;
      this.#log(
        'warn',
        `projection ${this.name}: its state was removed; written back at position ${known.position}, generation ${known.generation}`,
      );
      await this.#changeState({
        position: known.position,
        generation: known.generation,
        rebuild: known.rebuild,
      });
      state = this.#state!;
    }
    if (state.epoch > this.#lease!.epoch) {
      throw new LeaseLostError(
        this.name,
        this.#lease!.epoch,
        'a newer epoch has written the state',
      );
    }
    this.#state = state;
    if (state.rebuild && this.#rebuildRate.since === 0) {
      this.#rebuildRate = { events: 0, since: this.#now() };
    }
    const live = await this.#readBatch(state.position);
    if (live.length > 0) {
      await this.#apply(live, this.#state!.generation, state.position);
      const last = live.at(-1)!;
      await this.#changeState({ position: last.position, error: null });
      this.#error = null;
      this.#seenHead = Math.max(this.#seenHead, last.position);
      this.#telemetry.recordLag(last.position, this.#seenHead, last.recordedAt);
    }
    // Several rebuild batches to a live one: with one each, a rebuild would never catch up while
    // appends keep every live batch full. Readers switch once it has reached the live checkpoint.
    for (let i = 0; i < REBUILD_BATCHES_PER_STEP; i++) {
      const rebuild = this.#state!.rebuild;
      if (!rebuild) return live.length > 0;
      if (rebuild.position >= this.#state!.position) {
        await this.#switchGeneration();
        return true;
      }
      const events = await this.#readBatch(rebuild.position);
      if (events.length === 0) return live.length > 0;
      this.#alive = this.#now();
      await this.#apply(events, rebuild.generation, rebuild.position);
      await this.#changeState({ rebuild: { ...rebuild, position: events.at(-1)!.position } });
      this.#rebuildRate.events += events.length;
    }
    return true;
  }

  /** The rebuild has caught up with the log: readers move to it in one write. */
  async #switchGeneration(): Promise<void> {
    const state = this.#state!;
    const rebuild = state.rebuild!;
    const old = state.generation;
    await this.#changeState({
      generation: rebuild.generation,
      position: Math.max(state.position, rebuild.position),
      rebuild: null,
    });
    this.#status = 'running';
    this.#rebuildRate = { events: 0, since: 0 };
    this.#log('info', `projection ${this.name} switched to generation ${rebuild.generation}`);
    const drop = async () => {
      for (const collection of this.#o.projection.collections) {
        await this.#o.readModels
          .dropCollection(generationCollection(this.name, collection, old))
          .catch((error: unknown) =>
            this.#log('warn', `projection ${this.name}: dropping generation ${old} failed`, {
              error,
            }),
          );
      }
    };
    const timer = setTimeout(() => void drop(), this.#o.dropOldGenerationAfterMs);
    timer.unref?.();
  }

  async #readBatch(after: number): Promise<RecordedEvent[]> {
    const batch: RecordedEvent[] = [];
    for await (const event of this.#o.store.readAll({
      fromPosition: after,
      maxCount: this.#o.batchSize,
    })) {
      batch.push(event);
    }
    return batch;
  }

  /** Applies events following the checkpoint `committed` of `generation`. */
  async #apply(
    events: readonly RecordedEvent[],
    generation: number,
    committed: number,
  ): Promise<void> {
    const { projection, readModels, hooks } = this.#o;
    const handled = this.#types ? events.filter((e) => this.#types!.has(e.type)) : events;
    if (handled.length === 0) return;
    const physical = (collection: string) =>
      generationCollection(this.name, collection, generation);
    const collections = new Set(projection.collections);
    const writes = this.#telemetry.instruments.readModelWrites;
    const counted = (collection: string, documents: number) =>
      writes.add(documents, {
        [A.PROJECTION_NAME]: this.name,
        [A.READ_MODEL_COLLECTION]: collection,
      });
    const run = async (upTo: number): Promise<BatchContext> => {
      const context = new BatchContext(committed, readModels, physical, collections, counted);
      if (projection.prefetch) {
        await context.prefetch(handled.slice(0, upTo).flatMap((e) => projection.prefetch!(e)));
      }
      for (let i = 0; i < upTo; i++) {
        const event = handled[i]!;
        context.at(event.position);
        this.#alive = this.#now();
        try {
          await this.#telemetry.process(event, () => projection.handle(event, context));
        } catch (error) {
          throw Object.assign(new ProjectionHandlerError(this.name, event, error), { index: i });
        }
      }
      return context;
    };
    let context: BatchContext;
    let failure: ProjectionHandlerError | undefined;
    try {
      context = await run(handled.length);
    } catch (error) {
      if (!ProjectionHandlerError.isInstance(error)) throw error;
      // Keep what the events before the failing one did; the failing one is never skipped.
      failure = error;
      context = await run((error as ProjectionHandlerError & { index: number }).index);
    }
    const lease = this.#lease!;
    await hooks?.beforeDocuments?.({ projection: this.name, epoch: lease.epoch });
    // Before every write: a slow write must not leave the next one to go out on a lapsed lease.
    const conflicts = await context.flush(lease.epoch, () => this.#assertHeld(lease));
    if (conflicts.size > 0) {
      // Fenced (a newer owner wrote them), or changed behind us: either way, redo from the state.
      const current = await readModels.currentLease(this.name);
      if (!current || current.epoch !== lease.epoch) {
        throw new LeaseLostError(this.name, lease.epoch, 'a newer owner wrote its documents');
      }
      const [collection, ids] = [...conflicts][0]!;
      throw new ReadModelConflictError(this.name, collection, ids);
    }
    await hooks?.afterDocuments?.({
      projection: this.name,
      fromPosition: events[0]!.position,
      toPosition: events.at(-1)!.position,
    });
    if (failure) {
      // The checkpoint moves up to the event before the failing one, and stops there.
      const through = events.filter((e) => e.position < failure!.position).at(-1);
      const rebuilding = this.#state!.rebuild;
      if (through && generation === this.#state!.generation) {
        await this.#changeState({ position: through.position });
      } else if (through && rebuilding) {
        await this.#changeState({ rebuild: { ...rebuilding, position: through.position } });
      }
      throw failure;
    }
  }

  /** Throws unless `lease` is still this runner's and unexpired by its clock. */
  #assertHeld(lease: Lease): void {
    const held = this.#lease;
    if (!held || held.epoch !== lease.epoch || this.#lost || this.#now() >= held.expiresAt) {
      throw new LeaseLostError(
        this.name,
        lease.epoch,
        this.#lost ?? 'it expired before one of its writes',
      );
    }
  }

  async #changeState(change: Parameters<ReadModelStore['updateState']>[2]): Promise<void> {
    const lease = this.#lease!;
    this.#assertHeld(lease);
    // Should the state be gone (removed by hand), it is created as this runner knows it.
    const known = this.#state;
    const initial = known ? { generation: known.generation, rebuild: known.rebuild } : {};
    if (!(await this.#o.readModels.updateState(this.name, lease.epoch, change, initial))) {
      throw new LeaseLostError(this.name, lease.epoch, 'a newer epoch has written the checkpoint');
    }
    this.#state = {
      ...this.#state!,
      ...change,
      position: Math.max(this.position, change.position ?? 0),
    };
    this.#notify();
  }

  /** Records the failure; true to go on after the restart delay, false to stay stopped. */
  async #failed(error: unknown): Promise<boolean> {
    this.#failures++;
    const event = ProjectionHandlerError.isInstance(error) ? error : undefined;
    // A stored event the store could not decode names its stream and version, not its position.
    const undecodable = EventDecodingError.isInstance(error) ? error : undefined;
    this.#error = {
      name: error instanceof Error ? error.name : 'Error',
      message: error instanceof Error ? error.message : String(error),
      position: event?.position ?? this.position + 1,
      streamId: event?.streamId ?? undecodable?.streamId ?? '',
      version: event?.version ?? undecodable?.version ?? 0,
      at: new Date(this.#now()),
    };
    this.#status = 'failed';
    this.#log('error', `projection ${this.name} stopped: ${this.#error.message}`, { error });
    if (this.#lease) {
      await this.#o.readModels
        .updateState(this.name, this.#lease.epoch, { error: this.#error })
        .catch(() => {});
    }
    const policy = this.#o.restart;
    if (
      policy === false ||
      (policy?.maxAttempts !== undefined && this.#failures >= policy.maxAttempts)
    ) {
      return false;
    }
    const delay = Math.min(
      (policy?.delayMs ?? 1_000) * 2 ** (this.#failures - 1),
      policy?.maxDelayMs ?? 60_000,
    );
    await sleep(delay, this.#wake);
    // Whatever was in hand is read again from the store.
    if (this.#lease) this.#state = await this.#o.readModels.getState(this.name);
    else this.#forgetState();
    return !this.#stopping;
  }

  #forgetState(): void {
    this.#lastPosition = Math.max(this.#lastPosition, this.position);
    this.#state = null;
  }

  /**
   * Renews the lease every third of its time from a timer of its own, so a long batch or a
   * long idle wait never lets it lapse; a failed renewal is noticed by the loop before it writes.
   */
  #startRenewing(): void {
    clearInterval(this.#renewTimer);
    this.#lost = undefined;
    this.#renewTimer = setInterval(() => void this.#renew(), Math.max(20, this.#o.leaseTtlMs / 3));
    this.#renewTimer.unref?.();
  }

  async #renew(): Promise<void> {
    const lease = this.#lease;
    if (!lease || this.#renewing || this.#lost) return;
    const now = this.#now();
    // A loop stuck (a hung call, a handler that never returns) must not keep the projection
    // from the other processes: after a lease time without progress, let the lease lapse.
    if (now - this.#alive > this.#o.leaseTtlMs) return;
    this.#renewing = true;
    try {
      if (now >= lease.expiresAt) {
        this.#lost = 'it expired before it was renewed';
        return;
      }
      const renewed = await this.#o.readModels.renewLease(lease, this.#o.leaseTtlMs, now);
      if (this.#lease !== lease) return;
      if (renewed) this.#lease = renewed;
      else this.#lost = 'another process took it over';
    } catch (error) {
      // A failed renewal is tried again on the next tick; the expiry check stops writes meanwhile.
      this.#log('warn', `projection ${this.name}: renewing the lease failed`, { error });
    } finally {
      this.#renewing = false;
    }
  }

  #dropLease(): void {
    clearInterval(this.#renewTimer);
    this.#renewTimer = undefined;
    this.#lease = null;
    this.#lost = undefined;
  }

  async #releaseLease(): Promise<void> {
    const lease = this.#lease;
    this.#dropLease();
    if (this.#status !== 'failed') this.#status = 'stopped';
    if (lease) await this.#o.readModels.releaseLease(lease).catch(() => {});
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  #log(level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void {
    this.#o.log?.(level, message, fields);
    this.#telemetry.logger[level]({ projection: this.name, ...fields }, message);
  }
}

/**
 * Asks for a rebuild of the projection, from any process: whichever holds its lease builds a
 * new generation from position 0 and switches readers to it. A rebuild in progress is left be.
 */
export async function requestRebuild(
  readModels: ReadModelStore,
  projection: string,
  now = Date.now(),
): Promise<boolean> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const state = await readModels.getState(projection);
    if (state?.rebuild) return false;
    const rebuild = {
      generation: (state?.generation ?? 1) + 1,
      position: 0,
      startedAt: new Date(now),
    };
    if (await readModels.updateState(projection, state?.epoch ?? 0, { rebuild })) return true;
  }
  return false;
}

/** How long the oldest event not yet applied has been waiting (0 when caught up). */
export async function lagSecondsOf(
  store: EventStore,
  checkpoint: number,
  head: number,
  now: number,
): Promise<number> {
  if (head <= checkpoint) return 0;
  for await (const event of store.readAll({ fromPosition: checkpoint, maxCount: 1 })) {
    return Math.max(0, (now - event.recordedAt.getTime()) / 1000);
  }
  return 0;
}
