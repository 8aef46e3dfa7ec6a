import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { DEFAULT_COLLECTIONS } from '@flowra/eventstore-mongo';
import { type CommitDocument, decodeCommit } from '@flowra/eventstore-mongo/storage';
import type { Connection } from '../connection.js';
import { encodeEventLine } from '../event-line.js';
import { EXIT_OK } from '../exit-codes.js';
import { range, writeLine } from '../output.js';
import { startProgress } from '../progress.js';

export interface ExportCommandOptions {
  from?: number;
  out?: string;
}

interface ExportResult {
  count: number;
  first: number;
  last: number;
}

/**
 * Streams the events after `from` up to the log's head as read when the export starts, so the
 * file is one well-defined slice of the log even while writers keep appending.
 */
async function exportTo(conn: Connection, from: number, sink: Writable): Promise<ExportResult> {
  // Majority reads, as the store's own readers use: nothing a failover could roll back.
  const events = conn.db.collection<CommitDocument>(DEFAULT_COLLECTIONS.events, {
    readConcern: { level: 'majority' },
  });
  const head = await events.findOne(
    {},
    { sort: { last_position: -1 }, projection: { last_position: 1 } },
  );
  const headPosition = head?.last_position ?? 0;
  const progress = startProgress('Exporting', Math.max(0, headPosition - from));
  const cursor = events.find(
    { last_position: { $gt: from, $lte: headPosition } },
    { sort: { last_position: 1 }, batchSize: 1_000 },
  );
  const result: ExportResult = { count: 0, first: 0, last: 0 };
  try {
    for await (const doc of cursor) {
      const decoded = decodeCommit(doc);
      for (const event of decoded) {
        if (event.position <= from) continue;
        await writeLine(sink, encodeEventLine(event, doc.aggregate_type));
        if (result.count++ === 0) result.first = event.position;
        result.last = event.position;
      }
      progress.increment(decoded.length);
    }
  } finally {
    progress.stop();
    await cursor.close().catch(() => {});
  }
  return result;
}

export async function runExport(conn: Connection, options: ExportCommandOptions): Promise<number> {
  const from = options.from ?? 0;
  let result: ExportResult;
  if (options.out === undefined || options.out === '-') {
    result = await exportTo(conn, from, process.stdout);
  } else {
    // Written aside and renamed at the end, so a failed export never leaves a file that looks whole.
    const partial = `${options.out}.partial`;
    const file = createWriteStream(partial);
    await once(file, 'open');
    try {
      result = await exportTo(conn, from, file);
      file.end();
      await once(file, 'finish');
      await rename(partial, options.out);
    } catch (error) {
      file.destroy();
      await rm(partial, { force: true });
      throw error;
    }
  }
  const where = options.out && options.out !== '-' ? ` to ${options.out}` : '';
  process.stderr.write(
    result.count === 0
      ? `No events after position ${from}: exported nothing${where}.\n`
      : `Exported ${result.count} events (positions ${range(result.first, result.last)})${where}.\n`,
  );
  return EXIT_OK;
}
