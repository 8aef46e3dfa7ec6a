import { createHash } from 'node:crypto';
import type { ObjectId } from 'mongodb';
import {
  EventDecodingError,
  type EventMetadata,
  type RecordedEvent,
} from '@flowra/eventstore-core';
import { setOwnProperty, type PreparedEvent } from '@flowra/eventstore-core/adapter';
import {
  type ByteBound,
  INDEX_KEY_BYTES,
  UndecodableValueError,
  decodeKey,
  decodeValue,
  encodeKey,
  encodeValue,
  keyBytes,
  stringBytes,
} from './bson-codec.js';

/**
 * One document per append. Its `_id` is derived from the stream and the append's event ids
 * (`commitId`), so the same append sent twice, by a retry or by several processes at once, can
 * only ever be stored once: the second copy is refused by the `_id` index. Commits written
 * before that rule have ObjectIds. Field names follow the original schema; in SPEC terms:
 * `aggregate_id` = streamId, `version`/`last_version` = first/last event version,
 * `position`/`last_position` = first/last global position, `events[].event_id` = eventId,
 * `events[].event_type` = type, `events[].metadata.timestamp` and `created_at` = recordedAt,
 * `events[].metadata.{user,correlation,causation,tenant}_id` = metadata.{userId,…}.
 */
export interface CommitDocument {
  _id?: string | ObjectId;
  aggregate_id: string;
  aggregate_type: string;
  version: number;
  last_version: number;
  position: number;
  last_position: number;
  created_at: Date;
  events: StoredEvent[];
}

export interface StoredEvent {
  event_id: string;
  event_type: string;
  version: number;
  /**
   * The event's log position, so a unique index can cover every position a commit holds, not
   * only its first. Absent on commits written before it was stored.
   */
  position?: number;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  created_at: Date;
}

const METADATA_FIELDS: readonly [keyof EventMetadata & string, string][] = [
  ['userId', 'user_id'],
  ['correlationId', 'correlation_id'],
  ['causationId', 'causation_id'],
  ['tenantId', 'tenant_id'],
];
const TO_STORED = new Map(METADATA_FIELDS);
const FROM_STORED = new Map(METADATA_FIELDS.map(([a, b]) => [b, a]));
/** Stored names a caller's own metadata keys must not collide with. */
const RESERVED_METADATA = new Set(['timestamp', ...FROM_STORED.keys()]);

export function encodeMetadata(
  metadata: EventMetadata,
  recordedAt: Date,
  share = false,
  size?: ByteBound,
): Record<string, unknown> {
  const out: Record<string, unknown> = { timestamp: recordedAt };
  for (const key of Object.keys(metadata)) {
    const stored = TO_STORED.get(key) ?? encodeKey(key, RESERVED_METADATA);
    if (size) size.bytes += keyBytes(stored);
    out[stored] = encodeValue(metadata[key], undefined, share, size);
  }
  return out;
}

/** The `ByteBound` of a commit's own fields, without its events. */
const COMMIT_FIELDS_BYTES =
  5 +
  ['_id', 'aggregate_id', 'aggregate_type', 'created_at', 'events'].reduce(
    (n, key) => n + keyBytes(key),
    0,
  ) +
  ['version', 'last_version', 'position', 'last_position'].reduce(
    (n, key) => n + keyBytes(key) + 8,
    0,
  ) +
  8 /* created_at */ +
  5; /* events */

/** The `ByteBound` of a stored event's own fields, without its id, type, data and metadata. */
const EVENT_FIELDS_BYTES =
  INDEX_KEY_BYTES +
  5 +
  ['event_id', 'event_type', 'data', 'metadata'].reduce((n, key) => n + keyBytes(key), 0) +
  ['version', 'position', 'created_at'].reduce((n, key) => n + keyBytes(key) + 8, 0) +
  5 /* metadata */ +
  keyBytes('timestamp') +
  8;

export interface BuildCommitOptions {
  /**
   * The events' data and metadata are the store's own frozen copies (an append), so the commit
   * may hold them where BSON needs no change; otherwise (a restore) the commit gets copies.
   */
  share?: boolean;
  /** Receives the commit's `ByteBound`, however it is numbered later. */
  size?: ByteBound;
}

function decodeMetadata(stored: Record<string, unknown>): EventMetadata {
  const out: EventMetadata = {};
  for (const key of Object.keys(stored)) {
    if (key === 'timestamp') continue;
    const name = FROM_STORED.get(key) ?? decodeKey(key);
    const raw = stored[key];
    // Most metadata are strings: the path of an error is only built where one can occur.
    const value = typeof raw === 'string' ? raw : decodeValue(raw, `metadata.${name}`);
    setOwnProperty(out, name, value);
  }
  return out;
}

/** The `_id` of the commit that holds exactly these events of this stream. */
export function commitId(streamId: string, eventIds: readonly string[]): string {
  const hash = createHash('sha256').update(streamId);
  for (const id of eventIds) hash.update('\u0000').update(id);
  // 128 bits: an accidental collision is out of reach, and the index key stays short.
  return hash.digest('base64url').slice(0, 22);
}

/** The default `aggregate_type` of a stream's commits: its id up to the first `-` or `_`. */
export function defaultAggregateType(streamId: string): string {
  const cut = streamId.search(/[-_]/);
  return cut > 0 ? streamId.slice(0, cut) : streamId;
}

export function buildCommit(
  streamId: string,
  aggregateType: string,
  events: readonly PreparedEvent[],
  version: number,
  position: number,
  recordedAt: Date,
  { share = false, size }: BuildCommitOptions = {},
): CommitDocument {
  const id = commitId(
    streamId,
    events.map((e) => e.eventId),
  );
  if (size) {
    size.bytes +=
      COMMIT_FIELDS_BYTES +
      stringBytes(id) +
      stringBytes(streamId) +
      stringBytes(aggregateType) +
      events.length * EVENT_FIELDS_BYTES;
    for (const e of events) size.bytes += stringBytes(e.eventId) + stringBytes(e.type);
  }
  return {
    _id: id,
    aggregate_id: streamId,
    aggregate_type: aggregateType,
    version,
    last_version: version + events.length - 1,
    position,
    last_position: position + events.length - 1,
    created_at: recordedAt,
    events: events.map((e, i) => ({
      event_id: e.eventId,
      event_type: e.type,
      version: version + i,
      position: position + i,
      data: encodeValue(e.data, undefined, share, size) as Record<string, unknown>,
      metadata: encodeMetadata(e.metadata, recordedAt, share, size),
      created_at: recordedAt,
    })),
  };
}

/** Re-numbers a commit for another place in the log; the encoded events stay as they are. */
export function placeCommit(
  commit: CommitDocument,
  version: number,
  position: number,
): CommitDocument {
  const count = commit.events.length;
  return {
    ...commit,
    version,
    last_version: version + count - 1,
    position,
    last_position: position + count - 1,
    events: commit.events.map((e, i) => ({ ...e, version: version + i, position: position + i })),
  };
}

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/**
 * The commit's first version, or where its other fields place it when that one is damaged:
 * an error that names the version leads the operator to the document.
 */
function versionOf(d: Partial<CommitDocument> | undefined): number | undefined {
  if (isInt(d?.version)) return d.version;
  if (isInt(d?.last_version) && Array.isArray(d.events) && d.events.length > 0) {
    return d.last_version - d.events.length + 1;
  }
  return isInt(d?.last_version) ? d.last_version : undefined;
}

function decodingError(
  d: Partial<CommitDocument> | undefined,
  reason: string,
  version = versionOf(d),
  cause?: unknown,
): EventDecodingError {
  const streamId = typeof d?.aggregate_id === 'string' ? d.aggregate_id : '(unknown stream)';
  return new EventDecodingError(streamId, version, reason, cause);
}

/** What placing a commit and the readers' head reads need of a commit: where it ends. */
export type Head = Pick<CommitDocument, 'last_version' | 'last_position'>;

/** The fields of a head read: its end, and what names the commit when it is not one. */
export const HEAD_FIELDS = {
  _id: 0,
  aggregate_id: 1,
  version: 1,
  last_version: 1,
  last_position: 1,
} as const;

function shown(value: unknown): string {
  if (value instanceof Date) return `a Date (${value.toISOString()})`;
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return `${typeof value} ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`;
}

/**
 * The end a head read found, refused when it is not a place in the log (a document the store
 * did not write: its ends must be positive integers). MongoDB sorts strings, objects and Dates
 * after every number, so such a document is what a descending head read finds first; a
 * position computed from it would be anything but the next one.
 */
export function checkedHead(found: unknown): Head | null {
  if (found === null || found === undefined) return null;
  const doc = found as Partial<Record<keyof CommitDocument, unknown>>;
  const { last_position: position, last_version: version } = doc;
  if (isInt(position) && position > 0 && isInt(version) && version > 0) return doc as Head;
  throw decodingError(
    doc as Partial<CommitDocument>,
    `the commit ends at last_position ${shown(position)}, last_version ${shown(version)}: not places in the log (a document the store did not write?)`,
  );
}

/** The events of a stored commit, or an `EventDecodingError` naming the stream and version. */
export function decodeCommit(doc: unknown): RecordedEvent[] {
  const out: RecordedEvent[] = [];
  decodeCommitInto(doc, out);
  return out;
}

/**
 * `decodeCommit` pushing onto `out`: a reader collecting many commits builds one array, not
 * one per commit. On an error nothing of this commit has been pushed.
 */
export function decodeCommitInto(doc: unknown, out: RecordedEvent[]): void {
  const d = doc as Partial<CommitDocument>;
  if (typeof d?.aggregate_id !== 'string') throw decodingError(d, 'the commit has no aggregate_id');
  if (!isInt(d.version) || !isInt(d.position) || !Array.isArray(d.events)) {
    throw decodingError(
      d,
      `the commit lacks version, position or events (version ${shown(d.version)}, position ${shown(d.position)}, events ${Array.isArray(d.events) ? 'an array' : shown(d.events)})`,
    );
  }
  if (
    d.events.length === 0 ||
    d.last_version !== d.version + d.events.length - 1 ||
    d.last_position !== d.position + d.events.length - 1
  ) {
    throw decodingError(d, 'the commit version/position range does not match its events');
  }
  const start = out.length;
  try {
    decodeEvents(d as CommitDocument, out);
  } catch (error) {
    out.length = start;
    throw error;
  }
}

function decodeEvents(d: CommitDocument, out: RecordedEvent[]): void {
  for (let i = 0; i < d.events.length; i++) {
    const e = d.events[i] as Partial<StoredEvent> | undefined;
    const version = d.version + i;
    if (
      !e ||
      typeof e.event_id !== 'string' ||
      typeof e.event_type !== 'string' ||
      e.version !== version
    ) {
      throw decodingError(
        d,
        'a stored event lacks event_id, event_type or the right version',
        version,
      );
    }
    if (e.position !== undefined && e.position !== d.position + i) {
      throw decodingError(
        d,
        'a stored event has a position other than its commit gives it',
        version,
      );
    }
    // The commit's time, which every event of it shares (reads leave the events' own copies
    // on the server); an event's own only where a commit lacks one.
    const recordedAt = d.created_at instanceof Date ? d.created_at : e.created_at;
    if (!(recordedAt instanceof Date))
      throw decodingError(d, 'a stored event has no created_at date', version);
    const stored = e.metadata;
    if (
      stored !== undefined &&
      (stored === null || typeof stored !== 'object' || Array.isArray(stored))
    ) {
      throw decodingError(d, `the stored metadata is not an object: ${shown(stored)}`, version);
    }
    let data: Record<string, unknown>;
    let metadata: EventMetadata;
    try {
      data = decodeValue(e.data) as Record<string, unknown>;
      metadata = stored === undefined ? {} : decodeMetadata(stored);
    } catch (error) {
      if (error instanceof UndecodableValueError)
        throw decodingError(d, error.message, version, error);
      throw error;
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw decodingError(d, 'the stored data is not an object', version);
    }
    out.push({
      eventId: e.event_id,
      streamId: d.aggregate_id,
      type: e.event_type,
      data,
      metadata,
      version,
      position: d.position + i,
      recordedAt,
    });
  }
}
