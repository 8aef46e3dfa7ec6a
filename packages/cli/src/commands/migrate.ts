import { StoreSchemaError } from '@flowra/eventstore-core';
import { type MigrationReport, migrate } from '@flowra/eventstore-mongo';
import type { Connection } from '../connection.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes.js';
import { writeLine } from '../output.js';
import { stylesFor } from '../style.js';

export interface MigrateCommandOptions {
  dryRun?: boolean;
  json?: boolean;
}

export async function runMigrate(
  conn: Connection,
  options: MigrateCommandOptions,
): Promise<number> {
  const dryRun = options.dryRun === true;
  const out = process.stdout;
  let report: MigrationReport;
  try {
    report = await migrate(conn.db, { dryRun });
  } catch (error) {
    if (!StoreSchemaError.isInstance(error)) throw error;
    // An index the guarantees rest on exists in another shape: left alone, said plainly.
    if (options.json) {
      await writeLine(
        out,
        JSON.stringify({
          database: conn.target.dbName,
          dryRun,
          problems: error.problems,
          fix: error.fix,
        }),
      );
      return EXIT_FAILURE;
    }
    const s = stylesFor(out);
    await writeLine(
      out,
      s.red(`Cannot migrate database ${conn.target.dbName} at ${conn.target.hosts}:`),
    );
    for (const p of error.problems)
      await writeLine(out, `  - ${p.collection}.${p.index} ${p.detail}`);
    await writeLine(out, error.fix);
    return EXIT_FAILURE;
  }
  if (options.json) {
    await writeLine(out, JSON.stringify({ database: conn.target.dbName, dryRun, ...report }));
    return EXIT_OK;
  }
  const s = stylesFor(out);
  await writeLine(
    out,
    `${dryRun ? 'Dry run on' : 'Migrated'} database ${s.bold(conn.target.dbName)} at ${conn.target.hosts}` +
      (dryRun ? ' (nothing changed)' : ''),
  );
  const section = async (title: string, mark: string, items: string[]) => {
    if (items.length === 0) return;
    await writeLine(out, `${title} (${items.length}):`);
    for (const item of items) await writeLine(out, `  ${mark} ${item}`);
  };
  await section(dryRun ? 'Would create' : 'Created', s.green('+'), report.created);
  await section(
    dryRun ? 'Would repair' : 'Repaired',
    s.yellow('~'),
    report.repaired.map((r) => `${r.name}: ${r.reason}`),
  );
  await section('Already there', s.dim('='), report.existing);
  await section(
    'Skipped',
    s.yellow('!'),
    report.skipped.map((k) => `${k.name}: ${k.reason}`),
  );
  if (report.created.length === 0 && report.repaired.length === 0)
    await writeLine(out, s.green('Schema up to date: nothing to create.'));
  return EXIT_OK;
}
