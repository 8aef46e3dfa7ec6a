import { type Timers, systemTimers } from '@flowra/eventstore-core/adapter';

/**
 * Whether `work` settles (either way) before `deadline` (`systemTimers.now()`): what a write
 * waits on before it is sent must not hold it past the deadline its caller was promised.
 */
export function settlesBy(work: Promise<unknown>, deadline: number): Promise<boolean> {
  const settled = work.then(
    () => true,
    () => true,
  );
  return settleWithin(settled, Math.max(0, deadline - systemTimers.now()), systemTimers).catch(
    () => false,
  );
}

/** `work`, or a rejection naming the bound when it has not settled within `timeoutMs`. */
export async function settleWithin<T>(
  work: Promise<T>,
  timeoutMs: number,
  timers: Timers,
  what = 'a read',
  /** The bound the message names, when `timeoutMs` is what was left of it. */
  boundMs = timeoutMs,
): Promise<T> {
  let timer: unknown;
  const late = new Promise<never>((_, reject) => {
    timer = timers.setTimeout(
      () => reject(new Error(`the server did not answer ${what} within ${boundMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    timers.clearTimeout(timer);
  }
}
