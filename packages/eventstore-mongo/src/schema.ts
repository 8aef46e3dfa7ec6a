import { type SchemaProblem, StoreSchemaError } from '@flowra/eventstore-core';
import type { CreateIndexesOptions, Db, Document, IndexSpecification } from 'mongodb';
import { upsertRacing } from './mongo-errors.js';

export interface CollectionNames {
  events: string;
  snapshots: string;
  /** Read-only view with one document per event, for ad-hoc queries. */
  eventsFlat: string;
  /** What `migrate` found out about the server and applied (one document). */
  meta: string;
}

export const DEFAULT_COLLECTIONS: CollectionNames = {
  events: 'events',
  snapshots: 'snapshots',
  eventsFlat: 'events_flat',
  meta: 'events_meta',
};

export interface IndexDefinition {
  collection: 'events' | 'snapshots';
  name: string;
  key: Record<string, 1 | -1>;
  unique?: boolean;
  /**
   * On a field inside the `events` array: created only where the server keeps a unique index
   * on array elements soundly (MongoDB does; the emulators do not), which `migrate` probes.
   */
  multikey?: boolean;
  partialFilterExpression?: Document;
  /** Why the index exists: the read or the guarantee it serves. */
  purpose: string;
}

/** The schema the store relies on. Names are stable: migrations and `flowra verify` use them. */
export const INDEXES: readonly IndexDefinition[] = [
  {
    collection: 'events',
    name: 'aggregate_version_unique',
    key: { aggregate_id: 1, version: 1 },
    unique: true,
    purpose: 'one commit per stream place: optimistic concurrency',
  },
  {
    collection: 'events',
    name: 'position_unique',
    key: { position: 1 },
    unique: true,
    purpose: 'one commit per log place: the gap-free global order',
  },
  {
    collection: 'events',
    name: 'events_position_unique',
    key: { 'events.position': 1 },
    unique: true,
    multikey: true,
    // Commits written before events carried their position are left out.
    partialFilterExpression: { 'events.position': { $exists: true } },
    purpose: 'no position held by two events, whatever happened to the commits around it',
  },
  {
    collection: 'events',
    name: 'stream_event_id_unique',
    key: { aggregate_id: 1, 'events.event_id': 1 },
    unique: true,
    multikey: true,
    purpose: 'no event id twice in a stream, even from appends racing in several processes',
  },
  {
    collection: 'events',
    name: 'aggregate_last_version',
    key: { aggregate_id: 1, last_version: 1 },
    purpose: 'stream head and stream reads in both directions',
  },
  {
    collection: 'events',
    name: 'last_position',
    key: { last_position: 1 },
    purpose: 'log head, readAll and subscriptions',
  },
  {
    collection: 'events',
    name: 'event_type_last_position',
    key: { 'events.event_type': 1, last_position: 1 },
    purpose: 'readAll and subscriptions filtered by event type',
  },
  {
    collection: 'events',
    name: 'aggregate_type_created_at',
    key: { aggregate_type: 1, created_at: 1 },
    purpose: 'ad-hoc queries by aggregate type and time',
  },
  {
    collection: 'events',
    name: 'correlation_id',
    key: { 'events.metadata.correlation_id': 1 },
    purpose: 'tracing a command across streams',
  },
  {
    collection: 'events',
    name: 'event_id',
    key: { 'events.event_id': 1 },
    purpose: 'idempotent retries by event id',
  },
  {
    collection: 'events',
    name: 'created_at_desc',
    key: { created_at: -1 },
    purpose: 'recent activity',
  },
  {
    collection: 'snapshots',
    name: 'version',
    key: { version: 1 },
    purpose: 'verification scans of snapshot versions',
  },
];

/**
 * What holds without the multikey unique indexes (on servers that cannot keep them soundly).
 * Said by `migrate`, `flowra verify` and the README.
 */
export const WEAKER_GUARANTEE =
  "positions then rest on the unique index of each commit's first position and on placing " +
  'commits after a durable end: a commit deleted by hand while writers run can let a writer place ' +
  'events over positions another commit holds (readers stop with LogOrderError or LogGapError, ' +
  "'flowra verify' reports it), and two different appends reusing one event id, racing, may both land";

export const SCHEMA_FIX =
  "Run 'flowra migrate' (or MongoEventStore#migrate()); an index with another key or without " +
  "'unique' must be dropped first.";

/** One document per events collection, written by `migrate`. */
export interface SchemaRecord {
  _id: string;
  /** Bumped when `migrate` adds what the store's guarantees rest on. */
  version: number;
  /** Whether the server enforces a unique index per array element (so the multikey indexes exist). */
  uniqueMultikey: boolean;
  /** What the probe saw. */
  uniqueMultikeyDetail: string;
  migratedAt: Date;
}

export const SCHEMA_VERSION = 2;

/** Where the schema record of an events collection is kept, as `migrate` reports and checks name it. */
export function schemaRecordLabel(names: Pick<CollectionNames, 'meta' | 'events'>): string {
  return `record ${names.meta}.${names.events}`;
}

/**
 * Why a stored schema record cannot be trusted (a field missing or of another type, as an edit
 * by hand leaves it), or undefined when it can. Fields it does not know are left alone: a newer
 * `migrate` may add some, and an older store must not take its record for broken.
 */
export function schemaRecordProblem(doc: unknown): string | undefined {
  if (typeof doc !== 'object' || doc === null) return 'not a document';
  const record = doc as Record<string, unknown>;
  const wrong: string[] = [];
  const show = (value: unknown) =>
    value === undefined
      ? 'missing'
      : value instanceof Date
        ? 'an invalid date'
        : (JSON.stringify(value) ?? String(value));
  const { version, uniqueMultikey, uniqueMultikeyDetail, migratedAt } = record;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    wrong.push(`version is ${show(version)}, not a positive integer`);
  }
  if (typeof uniqueMultikey !== 'boolean') {
    wrong.push(`uniqueMultikey is ${show(uniqueMultikey)}, not true or false`);
  }
  if (typeof uniqueMultikeyDetail !== 'string') {
    wrong.push(`uniqueMultikeyDetail is ${show(uniqueMultikeyDetail)}, not a string`);
  }
  if (!(migratedAt instanceof Date) || Number.isNaN(migratedAt.getTime())) {
    wrong.push(`migratedAt is ${show(migratedAt)}, not a date`);
  }
  return wrong.length > 0 ? wrong.join('; ') : undefined;
}

/** One events_flat document per event, shaped like the original per-event schema. */
export const EVENTS_FLAT_PIPELINE = [
  { $unwind: '$events' },
  {
    $project: {
      _id: 0,
      event_id: '$events.event_id',
      aggregate_id: 1,
      aggregate_type: 1,
      event_type: '$events.event_type',
      version: '$events.version',
      position: { $add: ['$position', { $subtract: ['$events.version', '$version'] }] },
      data: '$events.data',
      metadata: '$events.metadata',
      created_at: '$events.created_at',
    },
  },
];

export interface MigrationReport {
  created: string[];
  existing: string[];
  skipped: { name: string; reason: string }[];
  /**
   * What was found malformed and written anew (the schema record edited by hand): `migrate`
   * probes the server again rather than trust it. In a dry run: what would be.
   */
  repaired: { name: string; reason: string }[];
  /** Whether the server keeps unique indexes on array elements soundly (undefined: not probed, a dry run). */
  uniqueMultikey: boolean | undefined;
}

export interface MigrateOptions {
  collections?: Partial<CollectionNames>;
  /** Report what would be created without changing anything. */
  dryRun?: boolean;
}

/** An index as the server lists it: what `indexMismatch` compares with a definition. */
export interface ListedIndex {
  key: Record<string, unknown>;
  unique: boolean;
  partialFilterExpression?: unknown;
  sparse?: boolean;
}

function codeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The collection's indexes by name, or `undefined` when the collection does not exist. */
export async function listIndexes(
  db: Db,
  collection: string,
): Promise<Map<string, ListedIndex> | undefined> {
  try {
    const indexes = await db.collection(collection).listIndexes().toArray();
    // Every real collection has its _id index; some servers list nothing for a missing one.
    if (indexes.length === 0) return undefined;
    return new Map(
      indexes.map((i) => [
        String(i.name),
        {
          key: i.key as Record<string, unknown>,
          unique: i.unique === true,
          partialFilterExpression: i.partialFilterExpression,
          sparse: i.sparse === true,
        },
      ]),
    );
  } catch (error) {
    if (codeOf(error) === 26 /* NamespaceNotFound */) return undefined;
    throw error;
  }
}

/** How a listed index differs from its definition, or undefined when it matches. */
export function indexMismatch(
  def: IndexDefinition,
  found: ListedIndex,
): Pick<SchemaProblem, 'problem' | 'detail'> | undefined {
  if (JSON.stringify(found.key) !== JSON.stringify(def.key)) {
    return {
      problem: 'different-key',
      detail: `has key ${JSON.stringify(found.key)}, expected ${JSON.stringify(def.key)}`,
    };
  }
  if (Boolean(def.unique) !== found.unique) {
    return {
      problem: 'not-unique',
      detail: def.unique ? 'exists but is not unique' : 'is unique but should not be',
    };
  }
  if (!def.unique) return undefined;
  // A unique index that leaves documents out (an operator's partial or sparse one under the
  // schema's name) lets two commits share what it should keep apart.
  const filter = JSON.stringify(found.partialFilterExpression ?? null);
  if (filter !== JSON.stringify(def.partialFilterExpression ?? null)) {
    return {
      problem: 'not-unique',
      detail:
        filter === 'null'
          ? `has no partialFilterExpression, expected ${JSON.stringify(def.partialFilterExpression)}`
          : `is unique only where ${filter}, expected ${def.partialFilterExpression ? JSON.stringify(def.partialFilterExpression) : 'over every commit'}`,
    };
  }
  if (found.sparse) {
    return {
      problem: 'not-unique',
      detail: 'is sparse: commits without its fields are not held to it',
    };
  }
  return undefined;
}

/** The stored record: absent, usable, or malformed (and why). */
type StoredRecord =
  | { record: SchemaRecord; malformed?: undefined }
  | { record?: undefined; malformed?: string };

async function readRecord(db: Db, names: CollectionNames): Promise<StoredRecord> {
  const doc = await db.collection<SchemaRecord>(names.meta).findOne({ _id: names.events });
  if (!doc) return {};
  const malformed = schemaRecordProblem(doc);
  return malformed === undefined ? { record: doc } : { malformed };
}

/**
 * Whether the server enforces a unique index on a field inside an array per element: two
 * documents with different elements are accepted, a document repeating another's element is
 * refused. Measured in a scratch collection, because servers that speak the protocol differ
 * (one refuses every second document, another accepts duplicates).
 */
export async function probeUniqueMultikey(
  db: Db,
  names: CollectionNames,
): Promise<{ sound: boolean; detail: string }> {
  const probe = db.collection<{ _id: string; p: { v: number }[] }>(`${names.meta}_probe`);
  // Several processes may probe at once (the first start of a fleet): ids and values of their
  // own, and a clash counted only when it is on the probed index, never on another's `_id`.
  const tag = Math.random().toString(36).slice(2, 10);
  const base = Math.floor(Math.random() * 1e12) * 10;
  const ids = ['a', 'b', 'c'].map((k) => `${tag}-${k}`);
  const onProbedIndex = (error: unknown) =>
    codeOf(error) === 11000 && !/_id_|dup key: \{ _id/.test(messageOf(error));
  try {
    await probe.createIndex({ 'p.v': 1 }, { unique: true, name: 'probe_unique' });
    await probe.insertOne({ _id: ids[0]!, p: [{ v: base + 1 }] });
    try {
      await probe.insertOne({ _id: ids[1]!, p: [{ v: base + 2 }] });
    } catch (error) {
      return {
        sound: false,
        detail: `refuses distinct array elements under a unique index (${messageOf(error)})`,
      };
    }
    try {
      await probe.insertOne({ _id: ids[2]!, p: [{ v: base + 3 }, { v: base + 1 }] });
      return { sound: false, detail: 'accepts a duplicate array element under a unique index' };
    } catch (error) {
      if (onProbedIndex(error)) {
        return { sound: true, detail: 'enforces unique indexes per array element' };
      }
      return {
        sound: false,
        detail: `fails oddly on a duplicate array element (${messageOf(error)})`,
      };
    }
  } catch (error) {
    return {
      sound: false,
      detail: `cannot create a unique index on an array field (${messageOf(error)})`,
    };
  } finally {
    await probe.deleteMany({ _id: { $in: ids } }).catch(() => {});
  }
}

/**
 * Applies the schema idempotently: creates what is missing, leaves what is there, and says
 * which. Safe to run from several processes at once. An index that exists with another key
 * or without `unique` is not touched: it fails with `StoreSchemaError` naming it.
 */
export async function migrate(db: Db, options: MigrateOptions = {}): Promise<MigrationReport> {
  const names = { ...DEFAULT_COLLECTIONS, ...options.collections };
  const report: MigrationReport = {
    created: [],
    existing: [],
    skipped: [],
    repaired: [],
    uniqueMultikey: undefined,
  };
  const problems: SchemaProblem[] = [];
  const indexes = new Map<string, Map<string, ListedIndex> | undefined>();
  for (const collection of ['events', 'snapshots'] as const) {
    indexes.set(names[collection], await listIndexes(db, names[collection]));
  }

  for (const collection of ['events', 'snapshots'] as const) {
    const name = names[collection];
    const label = `collection ${name}`;
    if (indexes.get(name)) {
      report.existing.push(label);
      continue;
    }
    // Created implicitly by its first index below: some servers lack the `create` command.
    report.created.push(label);
  }

  const { record, malformed } = await readRecord(db, names);
  let multikey: { sound: boolean; detail: string } | undefined = record
    ? { sound: record.uniqueMultikey, detail: record.uniqueMultikeyDetail }
    : undefined;
  if (malformed !== undefined) {
    // Trusted, a value that is not a boolean decides which indexes to build: probed instead,
    // and written anew below like a missing record, so running migrate again mends it.
    report.repaired.push({
      name: schemaRecordLabel(names),
      reason: `${malformed}: ${options.dryRun ? 'would probe the server again and rewrite it' : 'probed the server again and rewrote it'}`,
    });
  }
  if (!multikey && !options.dryRun) multikey = await probeUniqueMultikey(db, names);
  report.uniqueMultikey = multikey?.sound;

  for (const def of INDEXES) {
    const collection = names[def.collection];
    const current = indexes.get(collection)?.get(def.name);
    const label = `index ${collection}.${def.name}`;
    if (current) {
      const mismatch = indexMismatch(def, current);
      if (mismatch) problems.push({ collection, index: def.name, ...mismatch });
      else report.existing.push(label);
      continue;
    }
    if (def.multikey && !multikey?.sound) {
      report.skipped.push({
        name: label,
        reason: multikey
          ? `this server ${multikey.detail}, so the index could not be relied on; ${WEAKER_GUARANTEE}`
          : 'dry run: created only where the server keeps unique indexes on array elements soundly (migrate probes it)',
      });
      continue;
    }
    report.created.push(label);
    if (options.dryRun) continue;
    const indexOptions: CreateIndexesOptions = { name: def.name };
    if (def.unique) indexOptions.unique = true;
    if (def.partialFilterExpression)
      indexOptions.partialFilterExpression = def.partialFilterExpression;
    try {
      await db.collection(collection).createIndex(def.key as IndexSpecification, indexOptions);
    } catch (error) {
      report.created.pop();
      problems.push({
        collection,
        index: def.name,
        problem: 'cannot-build',
        detail: `could not be created (${messageOf(error)})${codeOf(error) === 11000 ? ": stored data breaks it, see 'flowra verify'" : ''}`,
      });
    }
  }

  if (!options.dryRun && multikey) {
    const write = () =>
      db.collection<SchemaRecord>(names.meta).updateOne(
        { _id: names.events },
        {
          $set: {
            version: SCHEMA_VERSION,
            uniqueMultikey: multikey.sound,
            uniqueMultikeyDetail: multikey.detail,
            migratedAt: new Date(),
          },
        },
        { upsert: true },
      );
    // Processes migrating at once: another's upsert may insert the record first.
    await upsertRacing(write);
  }
  if (problems.length > 0) throw new StoreSchemaError(problems, SCHEMA_FIX);

  await migrateView(db, names, options, report);
  return report;
}

async function migrateView(
  db: Db,
  names: CollectionNames,
  options: MigrateOptions,
  report: MigrationReport,
): Promise<void> {
  const view = `view ${names.eventsFlat}`;
  let views: Set<string>;
  try {
    views = new Set(
      (await db.listCollections({ type: 'view' }, { nameOnly: true }).toArray()).map((c) => c.name),
    );
  } catch (error) {
    report.skipped.push({
      name: view,
      reason: `the server cannot list views (${messageOf(error)})`,
    });
    return;
  }
  if (views.has(names.eventsFlat)) {
    report.existing.push(view);
  } else if (options.dryRun) {
    report.created.push(view);
  } else {
    try {
      await db.createCollection(names.eventsFlat, {
        viewOn: names.events,
        pipeline: EVENTS_FLAT_PIPELINE,
      });
      report.created.push(view);
    } catch (error) {
      if (codeOf(error) === 48 /* NamespaceExists: another process made it */) {
        report.existing.push(view);
      } else {
        report.skipped.push({
          name: view,
          reason: `the server could not create views (${messageOf(error)})`,
        });
      }
    }
  }
}

export interface SchemaState {
  /** Whether the multikey unique indexes are there (the server keeps them soundly). */
  uniqueMultikey: boolean;
}

/**
 * What the store checks before its first write: the unique indexes its guarantees rest on are
 * there and unique, and `migrate` recorded what the server can keep. Otherwise a
 * `StoreSchemaError` naming each problem and the command that fixes it.
 */
export async function checkSchema(db: Db, names: CollectionNames): Promise<SchemaState> {
  const [indexes, { record, malformed }] = await Promise.all([
    listIndexes(db, names.events),
    readRecord(db, names),
  ]);
  const problems: SchemaProblem[] = [];
  if (malformed !== undefined) {
    problems.push({
      collection: names.meta,
      index: names.events,
      problem: 'not-migrated',
      detail: `the record migrate wrote for '${names.events}' is malformed (${malformed}); migrate probes the server again and rewrites it`,
    });
  } else if (!record) {
    problems.push({
      collection: names.meta,
      index: names.events,
      problem: 'not-migrated',
      detail: `no record that migrate ran for '${names.events}'`,
    });
  }
  for (const def of INDEXES) {
    if (!def.unique || def.collection !== 'events') continue;
    if (def.multikey && record?.uniqueMultikey !== true) continue;
    const found = indexes?.get(def.name);
    if (!found) {
      problems.push({
        collection: names.events,
        index: def.name,
        problem: 'missing',
        detail: `is missing (${def.purpose})`,
      });
      continue;
    }
    const mismatch = indexMismatch(def, found);
    if (mismatch) problems.push({ collection: names.events, index: def.name, ...mismatch });
  }
  if (problems.length > 0) throw new StoreSchemaError(problems, SCHEMA_FIX);
  return { uniqueMultikey: record!.uniqueMultikey };
}
