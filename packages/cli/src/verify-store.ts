import { type CollectionNames, DEFAULT_COLLECTIONS } from '@flowra/eventstore-mongo';
import {
  type CommitDocument,
  INDEXES,
  type SchemaRecord,
  WEAKER_GUARANTEE,
  decodeCommit,
  type ListedIndex,
  indexMismatch,
  listIndexes,
  logMarkId,
  schemaRecordLabel,
  schemaRecordProblem,
} from '@flowra/eventstore-mongo/storage';
import type { Db } from 'mongodb';
import { counted, range } from './output.js';

export type VerifyProblemKind =
  | 'position-gap'
  | 'position-overlap'
  | 'version-gap'
  | 'version-overlap'
  | 'undecodable'
  | 'snapshot-ahead'
  | 'snapshot-invalid'
  | 'index-missing'
  | 'index-different'
  | 'schema-not-migrated'
  | 'schema-record-malformed';

export interface VerifyProblem {
  kind: VerifyProblemKind;
  message: string;
  streamId?: string;
  position?: number;
}

export interface VerifyReport {
  ok: boolean;
  database: string;
  commits: number;
  events: number;
  streams: number;
  snapshots: number;
  lastPosition: number;
  indexes: { expected: number; present: number };
  /**
   * Set where the server cannot keep the unique indexes on every event's position and event id
   * (an emulator): what holds instead.
   */
  weakerGuarantee?: string;
  /** The first `MAX_LISTED_PROBLEMS` problems; `problemCount` counts them all. */
  problems: VerifyProblem[];
  problemCount: number;
}

export interface VerifyOptions {
  /** Called once with the number of commits to scan (an estimate), then once per commit. */
  onStart?(commits: number): void;
  onCommit?(): void;
  batchSize?: number;
}

/** A broken store can have a problem per document; listing a million helps no one. */
export const MAX_LISTED_PROBLEMS = 1_000;

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/**
 * Scans the raw commit documents in position order with one cursor and checks what the store's
 * guarantees promise: consecutive positions from 1, versions 1..n per stream, decodable
 * documents, snapshots no newer than their streams, and the schema's indexes. Memory grows with
 * the number of streams (one number each), not with the number of events.
 */
export async function verifyStore(
  db: Db,
  options: VerifyOptions & { collections?: Partial<CollectionNames> } = {},
): Promise<VerifyReport> {
  const names = { ...DEFAULT_COLLECTIONS, ...options.collections };
  const problems: VerifyProblem[] = [];
  let problemCount = 0;
  const report = (problem: VerifyProblem) => {
    problemCount++;
    if (problems.length < MAX_LISTED_PROBLEMS) problems.push(problem);
  };

  const events = db.collection<CommitDocument>(names.events);
  // Read before the scan: every position up to it was acknowledged, so committed, before the
  // scan began and must be in it. A mark read afterwards would also count appends made while
  // the scan ran (another process writing), which the scan may not reach: a false alarm.
  const mark = await db
    .collection<{ _id: string; position?: unknown }>(names.meta)
    .findOne({ _id: logMarkId(names.events) })
    .catch(() => null);
  options.onStart?.(await events.estimatedDocumentCount().catch(() => 0));
  const streamVersions = new Map<string, number>();
  let nextPosition = 1;
  let commits = 0;
  let eventCount = 0;
  const cursor = events.find({}, { sort: { position: 1 }, batchSize: options.batchSize ?? 1_000 });
  try {
    for await (const doc of cursor) {
      commits++;
      options.onCommit?.();
      const streamId = typeof doc.aggregate_id === 'string' ? doc.aggregate_id : undefined;
      const where = `commit of stream '${streamId ?? '(no aggregate_id)'}' at ${isInt(doc.position) ? `position ${doc.position}` : `_id ${String(doc._id)} (no integer position)`}`;
      try {
        eventCount += decodeCommit(doc).length;
      } catch (error) {
        report({
          kind: 'undecodable',
          message: `${where}: ${(error as Error).message}`,
          streamId,
          position: doc.position,
        });
        if (Array.isArray(doc.events)) eventCount += doc.events.length;
      }

      const { position, last_position: lastPosition } = doc;
      if (isInt(position) && isInt(lastPosition) && lastPosition >= position) {
        if (position > nextPosition) {
          report({
            kind: 'position-gap',
            message: `${counted('position', nextPosition, position - 1)} ${nextPosition === position - 1 ? 'is' : 'are'} missing (the log jumps to the ${where})`,
            position: nextPosition,
          });
        } else if (position < nextPosition) {
          report({
            kind: 'position-overlap',
            message: `the ${where} overlaps positions up to ${nextPosition - 1} already taken`,
            streamId,
            position,
          });
        }
        nextPosition = Math.max(nextPosition, lastPosition + 1);
      }

      const { version, last_version: lastVersion } = doc;
      if (
        streamId !== undefined &&
        isInt(version) &&
        isInt(lastVersion) &&
        lastVersion >= version
      ) {
        const previous = streamVersions.get(streamId) ?? 0;
        if (version > previous + 1) {
          report({
            kind: 'version-gap',
            message: `stream '${streamId}' is missing ${counted('version', previous + 1, version - 1)} (next commit at position ${String(position)} starts at version ${version})`,
            streamId,
            position,
          });
        } else if (version <= previous) {
          report({
            kind: 'version-overlap',
            message: `stream '${streamId}': the commit at position ${String(position)} holds versions ${range(version, lastVersion)}, but the stream had already reached version ${previous}`,
            streamId,
            position,
          });
        }
        streamVersions.set(streamId, Math.max(previous, lastVersion));
      }
    }
  } finally {
    await cursor.close().catch(() => {});
  }

  // The store keeps the highest position it acknowledged apart from the commits: above the
  // last commit, the log's last commits were removed.
  if (isInt(mark?.position) && mark.position >= nextPosition) {
    report({
      kind: 'position-gap',
      message: `${counted('position', nextPosition, mark.position)} ${nextPosition === mark.position ? 'is' : 'are'} missing at the log's end (acknowledged, then removed: appends go on after them)`,
      position: nextPosition,
    });
  }

  let snapshots = 0;
  const snapshotCursor = db
    .collection<{ _id: unknown; version?: unknown; timestamp?: unknown }>(names.snapshots)
    .find({});
  try {
    for await (const snapshot of snapshotCursor) {
      snapshots++;
      const streamId = String(snapshot._id);
      if (
        !isInt(snapshot.version) ||
        snapshot.version < 1 ||
        !(snapshot.timestamp instanceof Date)
      ) {
        report({
          kind: 'snapshot-invalid',
          message: `the snapshot of stream '${streamId}' lacks an integer version of at least 1 or a timestamp date`,
          streamId,
        });
        continue;
      }
      const streamVersion = streamVersions.get(streamId) ?? 0;
      if (snapshot.version > streamVersion) {
        report({
          kind: 'snapshot-ahead',
          message: `the snapshot of stream '${streamId}' is at version ${snapshot.version}, but the stream is at version ${streamVersion}`,
          streamId,
        });
      }
    }
  } finally {
    await snapshotCursor.close().catch(() => {});
  }

  const stored = await db
    .collection<SchemaRecord>(names.meta)
    .findOne({ _id: names.events })
    .catch(() => null);
  const malformed = stored ? schemaRecordProblem(stored) : undefined;
  const record = malformed === undefined ? stored : null;
  if (malformed !== undefined) {
    report({
      kind: 'schema-record-malformed',
      message: `${schemaRecordLabel(names)}, which says which indexes this server can keep, is malformed (${malformed}): run flowra migrate (it probes the server again and rewrites the record)`,
    });
  } else if (!record) {
    report({
      kind: 'schema-not-migrated',
      message: `no record that migrate ran for '${names.events}' (${names.meta}): run flowra migrate`,
    });
  }
  // A malformed record cannot say whether the multikey indexes belong here: its own problem
  // is the one to report, not indexes that may rightly be absent.
  const multikeyExpected = malformed === undefined && record?.uniqueMultikey !== false;
  const expectedIndexes = INDEXES.filter((def) => multikeyExpected || !def.multikey);
  let present = 0;
  const byCollection = new Map<string, Map<string, ListedIndex>>();
  for (const def of expectedIndexes) {
    const collection = names[def.collection];
    let existing = byCollection.get(collection);
    if (!existing) {
      existing = (await listIndexes(db, collection)) ?? new Map();
      byCollection.set(collection, existing);
    }
    const found = existing.get(def.name);
    const label = `index ${collection}.${def.name}`;
    const mismatch = found && indexMismatch(def, found);
    if (!found) {
      report({
        kind: 'index-missing',
        message: `${label} is missing (${def.purpose}): run flowra migrate`,
      });
    } else if (mismatch) {
      report({
        kind: 'index-different',
        message: `${label} is ${JSON.stringify(found.key)}${found.unique ? ' unique' : ''}, expected ${JSON.stringify(def.key)}${def.unique ? ' unique' : ''} (${mismatch.detail}): drop it and run flowra migrate`,
      });
    } else {
      present++;
    }
  }

  return {
    ok: problemCount === 0,
    database: db.databaseName,
    commits,
    events: eventCount,
    streams: streamVersions.size,
    snapshots,
    lastPosition: nextPosition - 1,
    indexes: { expected: expectedIndexes.length, present },
    ...(multikeyExpected || !record
      ? {}
      : {
          weakerGuarantee: `this server ${record.uniqueMultikeyDetail}, so there is no unique index on every event's position or event id: ${WEAKER_GUARANTEE}`,
        }),
    problems,
    problemCount,
  };
}
