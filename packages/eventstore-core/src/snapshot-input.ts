import { ValidationError } from './errors.js';
import type { AggregateSnapshot } from './types.js';
import { assertNonNegativeInteger, assertStreamId, describe } from './asserts.js';
import { clonePlainData, isPlainObject } from './plain-data.js';

export function prepareSnapshot(snapshot: unknown): AggregateSnapshot {
  if (!isPlainObject(snapshot)) {
    throw new ValidationError('snapshot', `must be an object, got ${describe(snapshot)}`);
  }
  assertStreamId(snapshot.streamId, 'snapshot.streamId');
  const streamId = snapshot.streamId;
  assertNonNegativeInteger(snapshot.version, 'snapshot.version', { streamId });
  const timestamp = snapshot.timestamp ?? new Date();
  if (!(timestamp instanceof Date) || Number.isNaN(timestamp.getTime())) {
    throw new ValidationError('snapshot.timestamp', 'must be a valid Date', { streamId });
  }
  return {
    streamId,
    version: snapshot.version as number,
    // As JSON and BSON keep it: no data is null, in every store.
    data: clonePlainData(snapshot.data ?? null, 'snapshot.data', { streamId }),
    timestamp: new Date(timestamp.getTime()),
  };
}
