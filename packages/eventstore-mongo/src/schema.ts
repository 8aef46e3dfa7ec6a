import type { CreateIndexesOptions, Db, IndexSpecification } from 'mongodb';

export interface CollectionNames {
  events: string;
  snapshots: string;
  /** Read-only view with one document per event, for ad-hoc queries. */
  eventsFlat: string;
}

export const DEFAULT_COLLECTIONS: CollectionNames = {
  events: 'events',
  snapshots: 'snapshots',
  eventsFlat: 'events_flat',
};

export interface IndexDefinition {
  collection: keyof CollectionNames;
  name: string;
  key: Record<string, 1 | -1>;
  unique?: boolean;
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

/** One document per event, shaped like the original per-event schema. */
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
}

export interface MigrateOptions {
  collections?: Partial<CollectionNames>;
  /** Report what would be created without changing anything. */
  dryRun?: boolean;
}

function codeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Applies the schema idempotently: creates what is missing, leaves what is there, and
 * says which. Safe to run from several processes at once.
 */
export async function migrate(db: Db, options: MigrateOptions = {}): Promise<MigrationReport> {
  const names = { ...DEFAULT_COLLECTIONS, ...options.collections };
  const report: MigrationReport = { created: [], existing: [], skipped: [] };
  const indexes = new Map<string, Map<string, Record<string, unknown>> | undefined>();
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

  for (const def of INDEXES) {
    const collection = names[def.collection];
    const current = indexes.get(collection)?.get(def.name);
    const label = `index ${collection}.${def.name}`;
    if (current) {
      if (JSON.stringify(current) !== JSON.stringify(def.key)) {
        throw new Error(
          `${label} exists with key ${JSON.stringify(current)}, expected ${JSON.stringify(def.key)}: drop it and migrate again`,
        );
      }
      report.existing.push(label);
      continue;
    }
    report.created.push(label);
    if (options.dryRun) continue;
    const indexOptions: CreateIndexesOptions = { name: def.name };
    if (def.unique) indexOptions.unique = true;
    await db.collection(collection).createIndex(def.key as IndexSpecification, indexOptions);
  }

  const view = `view ${names.eventsFlat}`;
  let views: Set<string>;
  try {
    views = new Set(
      (await db.listCollections({ type: 'view' }, { nameOnly: true }).toArray()).map((c) => c.name),
    );
  } catch (error) {
    report.skipped.push({
      name: view,
      reason: `the server cannot list views (${(error as Error).message})`,
    });
    return report;
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
          reason: `the server could not create views (${(error as Error).message})`,
        });
      }
    }
  }
  return report;
}

/** The collection's indexes by name, or `undefined` when the collection does not exist. */
async function listIndexes(
  db: Db,
  collection: string,
): Promise<Map<string, Record<string, unknown>> | undefined> {
  try {
    const indexes = await db.collection(collection).listIndexes().toArray();
    // Every real collection has its _id index; some servers list nothing for a missing one.
    if (indexes.length === 0) return undefined;
    return new Map(indexes.map((i) => [String(i.name), i.key as Record<string, unknown>]));
  } catch (error) {
    if (codeOf(error) === 26 /* NamespaceNotFound */) return undefined;
    throw error;
  }
}
