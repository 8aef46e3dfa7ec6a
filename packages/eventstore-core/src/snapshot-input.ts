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
  // Version 0 is the stream before its first event: nothing to fold, and a snapshot claiming it
  // would be taken as the state every event is then applied to.
  if (snapshot.version === 0) {
    throw new ValidationError(
      'snapshot.version',
      'must be at least 1: a snapshot folds at least one event',
      { streamId },
    );
  }
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
