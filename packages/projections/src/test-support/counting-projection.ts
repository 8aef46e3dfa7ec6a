import { documentProjection } from '../define-projection.js';

/** One `counts` document per stream, counting its events: the smallest projection to watch. */
export function countingProjection(name: string, eventTypes?: readonly string[]) {
  return documentProjection<any, { n: number }>({
    name,
    collection: 'counts',
    ...(eventTypes ? { eventTypes } : {}),
    documentId: (event) => event.streamId,
    evolve: (doc) => ({ n: (doc?.n ?? 0) + 1 }),
  });
}
