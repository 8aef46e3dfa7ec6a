import type { RecordedEvent } from './types.js';

/**
 * A new result each time, of the same shape as the others: a shared frozen one has a map of its
 * own, which deoptimises the caller's loop at the end of every read.
 */
function done(): Promise<IteratorReturnResult<undefined>> {
  return Promise.resolve({ done: true, value: undefined });
}

type Decode = ((event: RecordedEvent) => RecordedEvent) | undefined;

/**
 * An async iterable whose iterators are all made by one function, for the same reason: a loop
 * calling a fresh closure's `[Symbol.asyncIterator]` each read is deoptimised each read.
 */
export class CursorIterable<R> implements AsyncIterable<RecordedEvent> {
  readonly #open: () => R;
  readonly #decode: Decode;
  readonly #Cursor: new (
    open: () => R,
    decode: Decode,
  ) => AsyncIterator<RecordedEvent>;

  constructor(
    Cursor: new (open: () => R, decode: Decode) => AsyncIterator<RecordedEvent>,
    open: () => R,
    decode: Decode,
  ) {
    this.#Cursor = Cursor;
    this.#open = open;
    this.#decode = decode;
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return new this.#Cursor(this.#open, this.#decode);
  }
}

/** The stretch of a stream a read covers, worked out when the read starts. */
export interface StreamRange {
  events: readonly RecordedEvent[];
  first: number;
  step: 1 | -1;
  count: number;
}

/**
 * What `readStream` iterates: one settled promise per event instead of an async generator's
 * chain. A class rather than closures made per read: a loop calling `next()` of a fresh closure
 * each read is deoptimised each read ("wrong call target"), which cost a short read most of its
 * time. `open` runs on the first `next()`, so bad arguments reject there, as a generator's would.
 */
export class StreamCursor implements AsyncIterator<RecordedEvent> {
  #open: (() => StreamRange) | undefined;
  readonly #decode: Decode;
  #events: readonly RecordedEvent[] = [];
  #index = 0;
  #step = 1;
  #left = 0;

  constructor(open: () => StreamRange, decode: Decode) {
    this.#open = open;
    this.#decode = decode;
  }

  next(): Promise<IteratorResult<RecordedEvent>> {
    try {
      if (this.#open !== undefined) this.#start(this.#open);
      if (this.#left <= 0) return done();
      this.#left--;
      const event = this.#events[this.#index]!;
      this.#index += this.#step;
      const decode = this.#decode;
      return Promise.resolve({ done: false, value: decode === undefined ? event : decode(event) });
    } catch (error) {
      this.#left = 0;
      return Promise.reject(error);
    }
  }

  return(): Promise<IteratorResult<RecordedEvent>> {
    this.#open = undefined;
    this.#left = 0;
    return done();
  }

  #start(open: () => StreamRange): void {
    this.#open = undefined;
    const range = open();
    this.#events = range.events;
    this.#index = range.first;
    this.#step = range.step;
    this.#left = range.count;
  }
}

/** Where a `readAll` starts and what it keeps, worked out when the read starts. */
export interface LogRange {
  log: readonly RecordedEvent[];
  from: number;
  maxCount: number;
  types: ReadonlySet<string> | undefined;
}

/**
 * What `readAll` iterates, for the reasons `StreamCursor` gives. The log only grows, so reading
 * up to its current end sees appends made meanwhile.
 */
export class LogCursor implements AsyncIterator<RecordedEvent> {
  #open: (() => LogRange) | undefined;
  readonly #decode: Decode;
  #log: readonly RecordedEvent[] = [];
  #index = 0;
  #left = 0;
  #types: ReadonlySet<string> | undefined;

  constructor(open: () => LogRange, decode: Decode) {
    this.#open = open;
    this.#decode = decode;
  }

  next(): Promise<IteratorResult<RecordedEvent>> {
    try {
      if (this.#open !== undefined) this.#start(this.#open);
      const log = this.#log;
      const types = this.#types;
      while (this.#left > 0 && this.#index < log.length) {
        const event = log[this.#index++]!;
        if (types !== undefined && !types.has(event.type)) continue;
        this.#left--;
        const decode = this.#decode;
        return Promise.resolve({
          done: false,
          value: decode === undefined ? event : decode(event),
        });
      }
      this.#left = 0;
      return done();
    } catch (error) {
      this.#left = 0;
      return Promise.reject(error);
    }
  }

  return(): Promise<IteratorResult<RecordedEvent>> {
    this.#open = undefined;
    this.#left = 0;
    return done();
  }

  #start(open: () => LogRange): void {
    this.#open = undefined;
    const range = open();
    this.#log = range.log;
    this.#index = range.from;
    this.#left = range.maxCount;
    this.#types = range.types;
  }
}
