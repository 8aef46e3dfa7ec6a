import type { EventStore } from '@flowra/eventstore-core';

/** A stream with three events and a snapshot, which every rejected call must leave alone. */
export async function prepareBadInputTarget(
  store: EventStore,
  streamId = 'bad-input-target',
): Promise<string> {
  await store.append(
    streamId,
    [1, 2, 3].map((n) => ({ type: 'Probe', data: { n } })),
    'no_stream',
  );
  await store.saveSnapshot({ streamId, version: 3, data: { n: 3 }, timestamp: new Date() });
  return streamId;
}
