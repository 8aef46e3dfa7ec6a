import type { Timers } from '@flowra/eventstore-core/adapter';

/** sfc32: a small seeded generator, so a schedule is a function of its seed alone. */
export class SimRandom {
  #a = 0x9e3779b9;
  #b = 0x243f6a88;
  #c = 0xb7e15162;
  #d: number;

  constructor(seed: number) {
    this.#d = seed >>> 0;
    this.#a ^= Math.floor(seed / 2 ** 32) >>> 0;
    for (let i = 0; i < 12; i++) this.next();
  }

  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  uuid(): string {
    const hex = (n: number) =>
      Math.floor(this.next() * 16 ** n)
        .toString(16)
        .padStart(n, '0');
    return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(6)}${hex(6)}`;
  }
}

interface Timer {
  at: number;
  seq: number;
  run: () => void;
  cancelled: boolean;
}

/**
 * Virtual time. Everything that happens in a schedule (a message arriving, a replication step,
 * a store's back-off or deadline) is a timer here; timers fire in (time, creation) order and
 * promise callbacks are run to the end between two of them, so a schedule replays exactly.
 */
export class SimClock implements Timers {
  #now = 0;
  #seq = 0;
  readonly #heap: Timer[] = [];
  steps = 0;

  constructor(readonly rng: SimRandom) {}

  now(): number {
    return this.#now;
  }

  random(): number {
    return this.rng.next();
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const timer: Timer = {
      at: this.#now + Math.max(0, ms),
      seq: this.#seq++,
      run: callback,
      cancelled: false,
    };
    this.#push(timer);
    return timer;
  }

  clearTimeout(handle: unknown): void {
    if (handle) (handle as Timer).cancelled = true;
  }

  /** Runs timers until `done()` holds, time passes `until`, or nothing is left to run. */
  async run(done: () => boolean, until: number): Promise<void> {
    await settle();
    while (!done()) {
      const timer = this.#pop();
      if (!timer) return;
      if (timer.at > until) {
        this.#push(timer);
        return;
      }
      this.#now = Math.max(this.#now, timer.at);
      this.steps++;
      timer.run();
      await settle();
    }
  }

  #push(timer: Timer): void {
    const heap = this.#heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  #pop(): Timer | undefined {
    const heap = this.#heap;
    for (;;) {
      if (heap.length === 0) return undefined;
      const top = heap[0]!;
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
          if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
          if (m === i) break;
          [heap[i], heap[m]] = [heap[m]!, heap[i]!];
          i = m;
        }
      }
      if (!top.cancelled) return top;
    }
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Lets every pending promise callback run (there is no real I/O in a simulation). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
