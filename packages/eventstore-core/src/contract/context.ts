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
}

export interface ContractContext {
  options: Required<Pick<EventStoreContractOptions, 'timeoutMs' | 'scale' | 'deliveryTimeoutMs'>>;
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

export async function caught(promise: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

export function versions(events: readonly RecordedEvent[]): number[] {
  return events.map((e) => e.version);
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}
