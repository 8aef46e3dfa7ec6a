import type { EventStore, NewEvent, RecordedEvent } from '../types.js';

export interface EventStoreContractOptions {
  /**
   * Makes a store for one test. Stores may share a database with earlier tests: the suite
   * only reads streams it names itself and checks positions relative to its own appends.
   */
  createStore(): EventStore | Promise<EventStore>;
  /**
   * Another store on the same database as `store` (its own client, say), used by the
   * concurrency properties. Defaults to `store` itself.
   */
  openSibling?(store: EventStore): EventStore | Promise<EventStore>;
  /** Closes what `createStore`/`openSibling` made; the default calls `close()` on each store. */
  release?(stores: EventStore[]): Promise<void>;
  /** Per-test timeout in ms (default 30 s). */
  timeoutMs?: number;
  /** Multiplies writer counts and property runs; below 1 for slow servers (default 1). */
  scale?: number;
  /** How long to wait for a subscription to deliver before failing (default 10 s). */
  deliveryTimeoutMs?: number;
  /**
   * For the rules under faults, where the store can lose a commit (an operator's purge, a
   * partial restore): a store on a database of its own, whose readers give up on a hole after
   * `gapTimeoutMs`, and a way to delete the event at a position behind the store's back.
   * Omit it for stores that cannot lose events (the in-memory store).
   */
  faults?: EventStoreFaults;
  /**
   * What the storage behind the store cannot keep, each with the reason printed when its test
   * is skipped: only for a server that is not the one the adapter is written for (an emulator).
   */
  limits?: EventStoreLimits;
}

export interface EventStoreLimits {
  /** Why `-0` comes back as `0`. */
  negativeZero?: string;
  /** Why `NaN` and `±Infinity` cannot be stored. */
  nonFiniteNumbers?: string;
  /** Why racing snapshot saves may keep an older one (the storage loses racing conditional updates). */
  conditionalUpdates?: string;
}

export interface EventStoreFaults {
  createIsolatedStore(): EventStore | Promise<EventStore>;
  /** Deletes whatever holds this position (the whole commit, as an operator would). */
  removeEventAt(store: EventStore, position: number): Promise<void>;
  gapTimeoutMs: number;
}

export interface ContractContext {
  options: Required<Pick<EventStoreContractOptions, 'timeoutMs' | 'scale' | 'deliveryTimeoutMs'>>;
  faults: EventStoreFaults | undefined;
  limits: EventStoreLimits;
  /** A fresh store for the running test; closed after it. */
  store(): Promise<EventStore>;
  /** A further store on the same database, closed after the test. */
  sibling(store: EventStore): Promise<EventStore>;
}

let counter = 0;

/** A stream id no other test (or earlier run on a shared database) uses. */
export function uniqueStreamId(prefix = 'contract'): string {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

export function newEvents(count: number, type = 'TestEvent', start = 1): NewEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    type,
    data: { n: start + i },
  }));
}

export function withIds(events: NewEvent[]): NewEvent[] {
  return events.map((e) => ({ ...e, eventId: globalThis.crypto.randomUUID() }));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor(
  condition: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * The error the call fails with. `what` names the call and what was expected of it, for the
 * message an adapter author reads when their store lets it succeed instead.
 */
export async function caught(
  promise: Promise<unknown> | (() => unknown),
  what = 'the call',
): Promise<unknown> {
  let value: unknown;
  try {
    value = await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    return error;
  }
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  throw new Error(`expected ${what} to fail, but it succeeded with ${shown.slice(0, 200)}`);
}

export function versions(events: readonly RecordedEvent[]): number[] {
  return events.map((e) => e.version);
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}
