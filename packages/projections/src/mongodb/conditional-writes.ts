import type { AnyBulkWriteOperation, Collection } from 'mongodb';
import {
  type DocumentWrite,
  PREVIOUS_FIELD,
  type StoredDocument,
  type WriteOutcome,
} from '../read-model-store.js';
import { duplicateKeyFailure } from './mongo-errors.js';

/** A read-model document as MongoDB holds it. */
export interface RawDocument {
  _id: string;
  [field: string]: unknown;
}

/** The stored body of a write, without `_id` (a replacement keeps the one it replaces). */
function bodyOf(write: DocumentWrite, epoch: number): Omit<RawDocument, '_id'> {
  const bookkeeping = {
    lastPosition: write.lastPosition,
    epoch,
    ...(write.previous ? { [PREVIOUS_FIELD]: write.previous } : {}),
  };
  if (write.fields === null) return { ...bookkeeping, deleted: true };
  const { _id: _ignored, ...fields } = write.fields;
  return { ...fields, ...bookkeeping };
}

function operationFor(write: DocumentWrite, epoch: number): AnyBulkWriteOperation<RawDocument> {
  if (write.expected === null) {
    // The unique _id makes "does not exist" atomic on every server, emulators included.
    return { insertOne: { document: { _id: write.id, ...bodyOf(write, epoch) } } };
  }
  return {
    replaceOne: {
      filter: { _id: write.id, lastPosition: write.expected, epoch: { $lte: epoch } },
      replacement: bodyOf(write, epoch),
    },
  };
}

/** Whether the stored document (`undefined`: none) refuses the write's condition. */
function refuses(write: DocumentWrite, stored: StoredDocument | undefined, epoch: number): boolean {
  if (write.expected === null) return stored !== undefined;
  return stored?.lastPosition !== write.expected || stored.epoch > epoch;
}

/**
 * A server that stops a bulk write at its first refused insert (the jongodb emulator) leaves
 * the rest unattempted: they are sent again, a few times at most, before being reported as not
 * applied (which a caller handles as any conflict, by reading again).
 */
const MAX_ROUNDS = 4;

interface Round {
  /** Indexes (into the writes sent) refused for a duplicate `_id`. */
  refused: Set<number>;
  applied: number;
}

async function send(
  docs: Collection<RawDocument>,
  writes: readonly DocumentWrite[],
  epoch: number,
): Promise<Round> {
  try {
    const result = await docs.bulkWrite(
      writes.map((w) => operationFor(w, epoch)),
      { ordered: false },
    );
    return { refused: new Set(), applied: result.insertedCount + result.matchedCount };
  } catch (error) {
    const failure = duplicateKeyFailure(error);
    if (!failure) throw error;
    return { refused: new Set(failure.refused), applied: failure.applied };
  }
}

/**
 * Applies the writes as one unordered bulk write, each conditional on its own. The driver
 * reports refused inserts by index but updates only as totals, so when fewer applied than were
 * sent the documents are read back: a write applied if its document now carries its
 * `lastPosition` and this epoch; it conflicts if the document refuses its condition; otherwise
 * the server did not attempt it, and it is sent again.
 */
export async function writeConditionally(
  docs: Collection<RawDocument>,
  writes: readonly DocumentWrite[],
  epoch: number,
): Promise<WriteOutcome> {
  const conflicts: string[] = [];
  let pending: readonly DocumentWrite[] = writes;
  for (let round = 0; round < MAX_ROUNDS && pending.length > 0; round++) {
    const { refused, applied } = await send(docs, pending, epoch);
    const unsure: DocumentWrite[] = [];
    pending.forEach((write, i) => {
      if (refused.has(i)) conflicts.push(write.id);
      else unsure.push(write);
    });
    if (applied >= unsure.length) return { conflicts };

    const stored = new Map<string, StoredDocument>();
    const found = await docs.find({ _id: { $in: unsure.map((w) => w.id) } }).toArray();
    for (const doc of found) stored.set(doc._id, doc as StoredDocument);
    const again: DocumentWrite[] = [];
    for (const write of unsure) {
      const doc = stored.get(write.id);
      if (doc?.lastPosition === write.lastPosition && doc.epoch === epoch) continue;
      if (refuses(write, doc, epoch)) conflicts.push(write.id);
      else again.push(write);
    }
    pending = again;
  }
  conflicts.push(...pending.map((w) => w.id));
  return { conflicts };
}
