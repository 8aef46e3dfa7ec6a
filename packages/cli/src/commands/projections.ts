import { MongoEventStore } from '@flowra/eventstore-mongo';
import { type ProjectionHealth, projectionHealth } from '@flowra/projections';
import { MongoReadModelStore } from '@flowra/projections/mongodb';
import type { Connection } from '../connection.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes.js';
import { formatTable, writeLine } from '../output.js';
import { stylesFor } from '../style.js';

function lag(p: ProjectionHealth): string {
  if (p.lagEvents === 0) return '0';
  return `${p.lagEvents} events, ${p.lagSeconds.toFixed(1)} s`;
}

/**
 * Every projection kept in the database: its state (running somewhere, stopped, failed,
 * rebuilding), who runs it, its checkpoint against the log's head, lag, and its last error.
 * Exit 1 when one has failed.
 */
export async function runProjections(
  conn: Connection,
  options: { json?: boolean },
): Promise<number> {
  const store = new MongoEventStore(conn.db, { ensureSchema: false, changeStreams: false });
  let projections: ProjectionHealth[];
  try {
    projections = await projectionHealth(store, new MongoReadModelStore(conn.db));
  } finally {
    await store.close();
  }
  const failed = projections.some((p) => p.status === 'failed');
  const out = process.stdout;
  if (options.json) {
    await writeLine(out, JSON.stringify({ projections }));
    return failed ? EXIT_FAILURE : EXIT_OK;
  }
  const s = stylesFor(out);
  if (projections.length === 0) {
    await writeLine(
      out,
      `No projections in ${s.bold(conn.target.dbName)} at ${conn.target.hosts}.`,
    );
    return EXIT_OK;
  }
  const rows = formatTable(
    [
      { header: 'PROJECTION' },
      { header: 'STATE' },
      { header: 'CHECKPOINT', align: 'right' },
      { header: 'HEAD', align: 'right' },
      { header: 'LAG' },
      { header: 'GEN', align: 'right' },
      { header: 'OWNER' },
    ],
    projections.map((p) => [
      p.name,
      p.rebuild ? `rebuilding (${p.rebuild.position}/${p.head})` : p.status,
      String(p.checkpoint),
      String(p.head),
      lag(p),
      String(p.generation),
      p.owner ?? '-',
    ]),
    s.dim,
  );
  for (const line of rows) await writeLine(out, line);
  for (const p of projections) {
    if (!p.error) continue;
    await writeLine(
      out,
      s.red(
        `${p.name}: ${p.error.message} (at position ${p.error.position}, stream '${p.error.streamId}' version ${p.error.version}, ${p.error.at.toISOString()})`,
      ),
    );
  }
  return failed ? EXIT_FAILURE : EXIT_OK;
}
