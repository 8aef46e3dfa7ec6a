import type { CommitDocument } from '@flowra/eventstore-mongo/storage';
import { DEFAULT_COLLECTIONS } from '@flowra/eventstore-mongo';
import type { Db } from 'mongodb';
import type { Connection } from '../connection.js';
import { EXIT_OK } from '../exit-codes.js';
import { formatBytes, formatTable, writeLine } from '../output.js';
import { stylesFor } from '../style.js';

export interface StorageSizes {
  /** Bytes of the documents, uncompressed. */
  dataSize: number;
  /** Bytes on disk for the documents. */
  storageSize: number;
  indexSize: number;
}

export interface StoreStats {
  database: string;
  events: number;
  streams: number;
  commits: number;
  snapshots: number;
  lastPosition: number;
  eventsByType: { type: string; count: number }[];
  /** `null` where the server does not report sizes (dbStats / $collStats). */
  storage: {
    database: StorageSizes | null;
    events: StorageSizes | null;
    snapshots: StorageSizes | null;
  };
}

function num(value: unknown): number {
  // Sizes come back as int32, int64 (Long) or double depending on the server and magnitude.
  return typeof value === 'number' ? value : Number(value ?? 0);
}

async function databaseSizes(db: Db): Promise<StorageSizes | null> {
  try {
    const stats = await db.command({ dbStats: 1 });
    return {
      dataSize: num(stats.dataSize),
      storageSize: num(stats.storageSize),
      indexSize: num(stats.indexSize),
    };
  } catch {
    return null;
  }
}

async function collectionSizes(db: Db, collection: string): Promise<StorageSizes | null> {
  try {
    const [stats] = await db
      .collection(collection)
      .aggregate([{ $collStats: { storageStats: {} } }])
      .toArray();
    const storage = stats?.storageStats as Record<string, unknown> | undefined;
    if (!storage) return null;
    return {
      dataSize: num(storage.size),
      storageSize: num(storage.storageSize),
      indexSize: num(storage.totalIndexSize),
    };
  } catch {
    return null;
  }
}

export async function collectStats(db: Db): Promise<StoreStats> {
  const events = db.collection<CommitDocument>(DEFAULT_COLLECTIONS.events);
  const snapshots = db.collection(DEFAULT_COLLECTIONS.snapshots);
  const [byType, streamCount, commits, snapshotCount, head, dbSizes, eventSizes, snapshotSizes] =
    await Promise.all([
      events
        .aggregate<{ _id: string; count: number }>([
          { $unwind: '$events' },
          { $group: { _id: '$events.event_type', count: { $sum: 1 } } },
        ])
        .toArray(),
      events
        .aggregate<{ count: number }>([
          { $group: { _id: '$aggregate_id' } },
          { $group: { _id: null, count: { $sum: 1 } } },
        ])
        .toArray(),
      events.countDocuments({}),
      snapshots.countDocuments({}),
      events.findOne({}, { sort: { last_position: -1 }, projection: { last_position: 1 } }),
      databaseSizes(db),
      collectionSizes(db, DEFAULT_COLLECTIONS.events),
      collectionSizes(db, DEFAULT_COLLECTIONS.snapshots),
    ]);
  const eventsByType = byType
    .map((t) => ({ type: String(t._id), count: num(t.count) }))
    .sort((a, b) => b.count - a.count || a.type.localeCompare(b.type));
  return {
    database: db.databaseName,
    events: eventsByType.reduce((sum, t) => sum + t.count, 0),
    streams: num(streamCount[0]?.count),
    commits,
    snapshots: snapshotCount,
    lastPosition: head?.last_position ?? 0,
    eventsByType,
    storage: { database: dbSizes, events: eventSizes, snapshots: snapshotSizes },
  };
}

export const NOT_REPORTED = 'not reported by this server';

function describeSizes(sizes: StorageSizes | null): string {
  if (!sizes) return NOT_REPORTED;
  return `data ${formatBytes(sizes.dataSize)}, on disk ${formatBytes(sizes.storageSize)}, indexes ${formatBytes(sizes.indexSize)}`;
}

export async function runStats(conn: Connection, options: { json?: boolean }): Promise<number> {
  const stats = await collectStats(conn.db);
  const out = process.stdout;
  if (options.json) {
    await writeLine(out, JSON.stringify(stats));
    return EXIT_OK;
  }
  const s = stylesFor(out);
  const lines = [
    `Database ${s.bold(stats.database)} at ${conn.target.hosts}`,
    '',
    ...formatTable(
      [{ header: '' }, { header: '', align: 'right' }],
      [
        ['Events', String(stats.events)],
        ['Streams', String(stats.streams)],
        ['Commits', String(stats.commits)],
        ['Snapshots', String(stats.snapshots)],
        ['Last position', String(stats.lastPosition)],
      ],
    ).slice(1),
    '',
    s.bold('Events by type'),
    ...(stats.eventsByType.length === 0
      ? ['  (no events)']
      : formatTable(
          [{ header: 'TYPE' }, { header: 'COUNT', align: 'right' }],
          stats.eventsByType.map((t) => [t.type, String(t.count)]),
          s.dim,
        ).map((l) => `  ${l}`)),
    '',
    s.bold('Storage'),
    ...formatTable(
      [{ header: '' }, { header: '' }],
      [
        ['database', describeSizes(stats.storage.database)],
        [DEFAULT_COLLECTIONS.events, describeSizes(stats.storage.events)],
        [DEFAULT_COLLECTIONS.snapshots, describeSizes(stats.storage.snapshots)],
      ],
    )
      .slice(1)
      .map((l) => `  ${l}`),
  ];
  for (const line of lines) await writeLine(out, line);
  return EXIT_OK;
}
