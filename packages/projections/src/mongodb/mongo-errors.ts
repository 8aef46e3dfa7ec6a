/** The server's error code, wherever the driver version put it. */
export function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null
    ? (error as { code?: unknown }).code
    : undefined;
}

/** MongoDB's duplicate-key code. Not every server names the index, so only the code is read. */
export function isDuplicateKey(error: unknown): boolean {
  return errorCode(error) === 11000;
}

interface WriteErrorLike {
  readonly index: number;
  readonly code: unknown;
}

/**
 * What an unordered bulk write that failed only on duplicate keys did: the indexes of the
 * refused operations and how many applied. `undefined` for any other failure (a network error,
 * a write-concern error, a document the server refuses), which the caller rethrows. Read by
 * shape rather than `instanceof`, because the caller's `Db` may come from another copy of the
 * driver than ours.
 */
export function duplicateKeyFailure(
  error: unknown,
): { refused: number[]; applied: number } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const bulk = error as {
    name?: unknown;
    writeErrors?: WriteErrorLike | WriteErrorLike[];
    result?: { insertedCount?: number; matchedCount?: number };
  };
  if (bulk.name !== 'MongoBulkWriteError') return undefined;
  // Older drivers give a lone write error unwrapped.
  const writeErrors = bulk.writeErrors === undefined ? [] : [bulk.writeErrors].flat();
  if (writeErrors.length === 0 && !isDuplicateKey(error)) return undefined;
  if (!writeErrors.every(isDuplicateKey)) return undefined;
  return {
    refused: writeErrors.map((e) => e.index),
    applied: (bulk.result?.insertedCount ?? 0) + (bulk.result?.matchedCount ?? 0),
  };
}
