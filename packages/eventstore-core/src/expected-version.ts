import { ConcurrencyError } from './errors.js';
import type { ExpectedVersion } from './types.js';

export function satisfiesExpectedVersion(expected: ExpectedVersion, actual: number): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return actual === 0;
    case 'stream_exists':
      return actual > 0;
    default:
      return expected === actual;
  }
}

export function assertExpectedVersionMet(
  streamId: string,
  expected: ExpectedVersion,
  actual: number,
): void {
  if (!satisfiesExpectedVersion(expected, actual)) {
    throw new ConcurrencyError(streamId, expected, actual);
  }
}

/**
 * Whether an append that already landed at `firstVersion` is what a caller retrying with
 * `expected` asked for, so replaying its reply is right rather than a conflict.
 */
export function isRetryOf(expected: ExpectedVersion, firstVersion: number): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return firstVersion === 1;
    case 'stream_exists':
      return firstVersion > 1;
    default:
      return expected === firstVersion - 1;
  }
}
