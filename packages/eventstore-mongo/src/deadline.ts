import { systemTimers } from '@flowra/eventstore-core/adapter';

/**
 * Whether `work` settles (either way) before `deadline` (`systemTimers.now()`): what a write
 * waits on before it is sent must not hold it past the deadline its caller was promised.
 */
export async function settlesBy(work: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: unknown;
  const late = new Promise<false>((resolve) => {
    timer = systemTimers.setTimeout(
      () => resolve(false),
      Math.max(0, deadline - systemTimers.now()),
    );
  });
  try {
    return await Promise.race([
      work.then(
        () => true as const,
        () => true as const,
      ),
      late,
    ]);
  } finally {
    systemTimers.clearTimeout(timer);
  }
}
