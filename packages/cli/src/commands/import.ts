import { isDeepStrictEqual } from 'node:util';
import type { RecordedEvent } from '@flowra/eventstore-core';
import {
  type CommitDocument,
  DEFAULT_COLLECTIONS,
  MongoEventStore,
  migrate,
} from '@flowra/eventstore-mongo';
import type { Collection } from 'mongodb';
import { CommitGrouper } from '../commit-groups.js';
import type { Connection } from '../connection.js';
import { CliError, EXIT_FAILURE, EXIT_OK } from '../exit-codes.js';
import { type ImportFileSummary, checkEventFile, readEventFile } from '../import-file.js';
import { range } from '../output.js';
import { startProgress } from '../progress.js';

export interface ImportCommandOptions {
  dryRun?: boolean;
}

/** Commits per ordered insertMany: few round trips, yet a failure leaves little to re-check. */
const COMMITS_PER_WRITE = 100;
const IDS_PER_QUERY = 500;
const PARALLEL_QUERIES = 8;

interface Plan {
  /** The target's last position before the import. */
  head: number;
  /** Per stream of the events still to write: the first version and its line. */
  firstVersions: Map<string, { version: number; line: number }>;
}

function refuse(message: string): CliError {
  return new CliError(`import refused, nothing written: ${message}`, EXIT_FAILURE);
}

function describe(event: RecordedEvent): string {
  return `${event.type} ${event.eventId} (stream '${event.streamId}' version ${event.version}, position ${event.position})`;
}

function sameEvent(a: RecordedEvent, b: RecordedEvent): boolean {
  return (
    a.eventId === b.eventId &&
    a.streamId === b.streamId &&
    a.version === b.version &&
    a.position === b.position &&
    a.type === b.type &&
    a.recordedAt.getTime() === b.recordedAt.getTime() &&
    isDeepStrictEqual(a.data, b.data) &&
    isDeepStrictEqual(a.metadata, b.metadata)
  );
}

async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function assertIdsAreNew(
  events: Collection<CommitDocument>,
  batch: { id: string; line: number }[],
) {
  if (batch.length === 0) return;
  const ids = batch.map((b) => b.id);
  const clash = await events.findOne({ 'events.event_id': { $in: ids } });
  if (!clash) return;
  const taken = new Set(clash.events.map((e) => e.event_id));
  const first = batch.find((b) => taken.has(b.id))!;
  throw refuse(
    `line ${first.line}: event ${first.id} is already in the target (stream '${clash.aggregate_id}')`,
  );
}

/**
 * Compares the file with the target without writing: the part of the file the target already
 * holds must be exactly the target's events (a re-run, or the rest of an interrupted import),
 * and the rest must continue the target's log and streams without a clash.
 */
async function plan(conn: Connection, path: string, summary: ImportFileSummary): Promise<Plan> {
  const events = conn.db.collection<CommitDocument>(DEFAULT_COLLECTIONS.events);
  const headDoc = await events.findOne(
    {},
    { sort: { last_position: -1 }, projection: { last_position: 1 } },
  );
  const head = headDoc?.last_position ?? 0;
  if (head < summary.firstPosition - 1) {
    throw refuse(
      `the target's log ends at position ${head} and the file starts at position ${summary.firstPosition}; ` +
        "importing would leave a gap (export with --from <the target's last position>)",
    );
  }
  const store = new MongoEventStore(conn.db, { ensureSchema: false });
  const overlap = Math.max(0, Math.min(head, summary.lastPosition) - summary.firstPosition + 1);
  const held = store
    .readAll({ fromPosition: summary.firstPosition - 1, maxCount: overlap })
    [Symbol.asyncIterator]();
  const firstVersions = new Map<string, { version: number; line: number }>();
  let ids: { id: string; line: number }[] = [];
  try {
    for await (const { line, event } of readEventFile(path)) {
      if (event.position <= head) {
        const stored = await held.next();
        if (stored.done || !sameEvent(stored.value, event)) {
          throw refuse(
            `line ${line}: the file has ${describe(event)} where the target holds ` +
              `${stored.done ? 'nothing readable' : describe(stored.value)}`,
          );
        }
        continue;
      }
      if (!firstVersions.has(event.streamId))
        firstVersions.set(event.streamId, { version: event.version, line });
      // An empty log holds no ids to clash with.
      if (head > 0) {
        ids.push({ id: event.eventId, line });
        if (ids.length >= IDS_PER_QUERY) {
          await assertIdsAreNew(events, ids);
          ids = [];
        }
      }
    }
    await assertIdsAreNew(events, ids);
  } finally {
    await held.return?.();
    await store.close();
  }
  await inParallel([...firstVersions], PARALLEL_QUERIES, async ([streamId, first]) => {
    const current =
      head === 0
        ? null
        : await events.findOne(
            { aggregate_id: streamId },
            { sort: { last_version: -1 }, projection: { last_version: 1 } },
          );
    const version = current?.last_version ?? 0;
    if (first.version !== version + 1) {
      throw refuse(
        `line ${first.line}: stream '${streamId}' continues at version ${first.version} in the file, ` +
          `but the target's stream is at version ${version}`,
      );
    }
  });
  return { head, firstVersions };
}

async function write(conn: Connection, path: string, summary: ImportFileSummary, head: number) {
  // The unique indexes are what keep a concurrent writer from slipping in between our commits.
  await migrate(conn.db);
  const events = conn.db.collection<CommitDocument>(DEFAULT_COLLECTIONS.events);
  const progress = startProgress('Importing', summary.lastPosition - head);
  const grouper = new CommitGrouper();
  let batch: CommitDocument[] = [];
  let commits = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    try {
      await events.insertMany(batch, { ordered: true, writeConcern: { w: 'majority' } });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code !== 11000) throw error;
      const now = await events.findOne(
        {},
        { sort: { last_position: -1 }, projection: { last_position: 1 } },
      );
      throw new CliError(
        `import stopped: another writer took position ${batch[0]!.position} or a later one while importing. ` +
          `The target's log now ends at position ${now?.last_position ?? 0}. ` +
          'Run the same import again once nothing else writes to the target: it resumes where it stopped or explains why it cannot.',
        EXIT_FAILURE,
      );
    }
    commits += batch.length;
    progress.increment(batch.reduce((n, c) => n + c.events.length, 0));
    batch = [];
  };
  try {
    for await (const { event } of readEventFile(path)) {
      if (event.position <= head) continue;
      const closed = grouper.add(event);
      if (closed) batch.push(closed);
      if (batch.length >= COMMITS_PER_WRITE) await flush();
    }
    const last = grouper.flush();
    if (last) batch.push(last);
    await flush();
  } finally {
    progress.stop();
  }
  return commits;
}

/** Checks the whole file, then connects, plans, and only then writes. */
export async function runImport(
  path: string,
  options: ImportCommandOptions,
  connect: () => Promise<Connection>,
): Promise<number> {
  const summary = await checkEventFile(path);
  const err = process.stderr;
  if (summary.count === 0) {
    err.write(`${path} holds no events: nothing to import.\n`);
    return EXIT_OK;
  }
  err.write(
    `Checked ${path}: ${summary.count} events of ${summary.streams} streams, positions ${range(summary.firstPosition, summary.lastPosition)}.\n`,
  );
  const conn = await connect();
  try {
    const { head } = await plan(conn, path, summary);
    const into = `${conn.target.dbName} at ${conn.target.hosts}`;
    if (head >= summary.lastPosition) {
      process.stdout.write(
        `Already imported: ${into} holds exactly these ${summary.count} events (positions ${range(summary.firstPosition, summary.lastPosition)}). Nothing written.\n`,
      );
      return EXIT_OK;
    }
    const from = Math.max(head + 1, summary.firstPosition);
    const resumed =
      head >= summary.firstPosition ? ` (positions up to ${head} were already there)` : '';
    if (options.dryRun) {
      process.stdout.write(
        `Dry run: would import ${summary.lastPosition - from + 1} events (positions ${range(from, summary.lastPosition)}) into ${into}${resumed}. Nothing written.\n`,
      );
      return EXIT_OK;
    }
    const commits = await write(conn, path, summary, head);
    process.stdout.write(
      `Imported ${summary.lastPosition - from + 1} events in ${commits} commits (positions ${range(from, summary.lastPosition)}) into ${into}${resumed}.\n`,
    );
    return EXIT_OK;
  } finally {
    await conn.client.close();
  }
}
