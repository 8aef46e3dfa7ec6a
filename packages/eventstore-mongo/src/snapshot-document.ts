import { type AggregateSnapshot, EventDecodingError } from '@flowra/eventstore-core';
import { UndecodableValueError, decodeValue } from './bson-codec.js';

export interface SnapshotDocument {
  /** The stream id: one snapshot per stream. */
  _id: string;
  stream_id: string;
  version: number;
  data: unknown;
  timestamp: Date;
}

export function decodeSnapshot(doc: SnapshotDocument): AggregateSnapshot {
  const version = Number.isSafeInteger(doc.version) ? doc.version : undefined;
  if (version === undefined || !(doc.timestamp instanceof Date)) {
    throw new EventDecodingError(
      doc._id,
      version,
      'the stored snapshot lacks a version or timestamp',
      undefined,
      'snapshot',
    );
  }
  try {
    return {
      streamId: doc._id,
      version,
      data: decodeValue(doc.data, 'snapshot.data'),
      timestamp: doc.timestamp,
    };
  } catch (error) {
    if (error instanceof UndecodableValueError) {
      throw new EventDecodingError(doc._id, version, error.message, error, 'snapshot');
    }
    throw error;
  }
}
