import type { Connection } from '../connection.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes.js';
import { formatTable, writeLine } from '../output.js';
import { type Progress, startProgress } from '../progress.js';
import { stylesFor } from '../style.js';
import { verifyStore } from '../verify-store.js';

export async function runVerify(conn: Connection, options: { json?: boolean }): Promise<number> {
  let progress: Progress | undefined;
  let result: Awaited<ReturnType<typeof verifyStore>>;
  try {
    result = await verifyStore(conn.db, {
      onStart: (commits) => {
        progress = startProgress('Verifying', commits);
      },
      onCommit: () => progress?.increment(),
    });
  } finally {
    progress?.stop();
  }
  const exitCode = result.ok ? EXIT_OK : EXIT_FAILURE;
  const out = process.stdout;
  if (options.json) {
    await writeLine(out, JSON.stringify(result));
    return exitCode;
  }
  const s = stylesFor(out);
  const lines = [
    `Verified database ${s.bold(result.database)} at ${conn.target.hosts}`,
    ...formatTable(
      [{ header: '' }, { header: '' }],
      [
        ['commits', String(result.commits)],
        [
          'events',
          `${result.events}${result.lastPosition > 0 ? ` (last position ${result.lastPosition})` : ''}`,
        ],
        ['streams', String(result.streams)],
        ['snapshots', String(result.snapshots)],
        ['indexes', `${result.indexes.present} of ${result.indexes.expected} present`],
      ],
    )
      .slice(1)
      .map((l) => `  ${l}`),
  ];
  if (result.weakerGuarantee) lines.push(s.yellow(`Note: ${result.weakerGuarantee}.`));
  if (result.ok) {
    lines.push(s.green('OK: no problems found.'));
  } else {
    lines.push(
      s.red(`FAILED: ${result.problemCount} problem${result.problemCount === 1 ? '' : 's'} found:`),
    );
    for (const problem of result.problems) lines.push(`  - ${problem.message}`);
    if (result.problemCount > result.problems.length) {
      lines.push(`  … and ${result.problemCount - result.problems.length} more (not listed)`);
    }
  }
  for (const line of lines) await writeLine(out, line);
  return exitCode;
}
