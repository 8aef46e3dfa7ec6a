import { MongoEventStore } from '@flowra/eventstore-mongo';
import type { Connection } from '../connection.js';
import { encodeEventLine } from '../event-line.js';
import { dataJson } from '../event-format.js';
import { EXIT_OK } from '../exit-codes.js';
import { formatTable, truncate, writeLine } from '../output.js';
import { stylesFor } from '../style.js';

export interface ReadCommandOptions {
  from?: number;
  backwards?: boolean;
  limit?: number;
  json?: boolean;
}

/** About what the columns before DATA take: numbers, a timestamp, a UUID and the gaps. */
const FIXED_WIDTH = 7 + 8 + 24 + 36 + 12;
/** Rows per table block: bounds memory for long streams while keeping columns mostly aligned. */
const BLOCK = 500;

export async function runRead(
  conn: Connection,
  streamId: string,
  options: ReadCommandOptions,
): Promise<number> {
  const store = new MongoEventStore(conn.db, { ensureSchema: false });
  const out = process.stdout;
  const s = stylesFor(out);
  const events = store.readStream(streamId, {
    fromVersion: options.from ?? 1,
    direction: options.backwards ? 'backwards' : 'forwards',
    maxCount: options.limit,
  });
  let count = 0;
  let block: string[][] = [];
  const flush = async (first: boolean) => {
    if (block.length === 0) return;
    const columns = [
      { header: 'VERSION', align: 'right' as const },
      { header: 'POSITION', align: 'right' as const, paint: s.cyan },
      { header: 'TYPE', paint: s.green },
      { header: 'RECORDED AT', paint: s.dim },
      { header: 'EVENT ID', paint: s.dim },
      { header: 'DATA' },
    ];
    const lines = formatTable(columns, block, s.bold);
    for (const line of first ? lines : lines.slice(1)) await writeLine(out, line);
    block = [];
  };
  // On a terminal the data column is cut to the screen; redirected output keeps it whole.
  const width = out.isTTY ? out.columns : undefined;
  try {
    for await (const event of events) {
      count++;
      if (options.json) {
        await writeLine(out, encodeEventLine(event));
        continue;
      }
      block.push([
        String(event.version),
        String(event.position),
        event.type,
        event.recordedAt.toISOString(),
        event.eventId,
        truncate(
          dataJson(event),
          width === undefined ? undefined : Math.max(20, width - FIXED_WIDTH - event.type.length),
        ),
      ]);
      if (block.length >= BLOCK) await flush(count === block.length);
    }
    await flush(count === block.length);
  } finally {
    await store.close();
  }
  // `--limit 0` asked for nothing: saying the stream has no events would be untrue.
  if (count === 0 && !options.json && options.limit !== 0) {
    process.stderr.write(
      `Stream '${streamId}' has no events${options.from ? ` from version ${options.from}` : ''}.\n`,
    );
  }
  return EXIT_OK;
}
