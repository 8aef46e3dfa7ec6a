import type { RecordedEvent } from '@flowra/eventstore-core';
import { documentProjection } from '@flowra/projections';

/** One document per stream: every position applied, in order, so a replay or a loss shows. */
export interface StreamPositions {
  count: number;
  positions: number[];
}

export const TAKEOVER_COLLECTION = 'streams';

/** The projection both runner processes of the takeover stress run, under the same name. */
export function streamPositions(name: string) {
  return documentProjection<RecordedEvent, StreamPositions>({
    name,
    collection: TAKEOVER_COLLECTION,
    documentId: (event) => event.streamId,
    evolve: (current, event) => ({
      count: (current?.count ?? 0) + 1,
      positions: [...(current?.positions ?? []), event.position],
    }),
  });
}
