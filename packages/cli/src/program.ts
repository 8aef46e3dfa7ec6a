import { Command, InvalidArgumentError, Option } from 'commander';
import { runExport } from './commands/export.js';
import { runImport } from './commands/import.js';
import { runMigrate } from './commands/migrate.js';
import { runProjections } from './commands/projections.js';
import { runRead } from './commands/read.js';
import { runStats } from './commands/stats.js';
import { runTail } from './commands/tail.js';
import { runVerify } from './commands/verify.js';
import {
  type Connection,
  type ConnectionOptions,
  DEFAULT_DB,
  DEFAULT_URI,
  connect,
} from './connection.js';

function nonNegativeInteger(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError('must be a non-negative integer.');
  }
  return Number(value);
}

function repeatable(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Runs a command's body against a connection it opens and always closes. */
async function withConnection(
  command: Command,
  body: (conn: Connection) => Promise<number>,
): Promise<number> {
  const conn = await connect(command.optsWithGlobals<ConnectionOptions>());
  try {
    return await body(conn);
  } finally {
    await conn.client.close();
  }
}

const JSON_HELP = 'print JSON for scripts instead of a table';
// The store's reads and subscriptions hand out events without their commit's aggregate type, so
// these lines are the export's less that one field (an import then derives it from the stream).
const EVENT_JSON_HELP =
  "print one JSON object per event (NDJSON: the export's lines without aggregateType)";

/**
 * The `flowra` command. Actions report their exit code through `setExitCode`; commander itself
 * throws (exitOverride) on usage errors so the caller decides how to exit.
 */
export function createProgram(version: string, setExitCode: (code: number) => void): Command {
  const program = new Command('flowra')
    .description('Operate a Flowra event store on MongoDB.')
    .version(version, '-V, --version', 'print the version')
    .addOption(
      new Option(
        '--uri <uri>',
        `MongoDB connection string (env MONGODB_URI, default ${DEFAULT_URI})`,
      ),
    )
    .addOption(
      new Option('--db <name>', `database (default: the URI's path, else '${DEFAULT_DB}')`),
    )
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showHelpAfterError()
    .exitOverride();

  const run =
    <A extends unknown[]>(body: (...args: A) => Promise<number>) =>
    async (...args: A) =>
      setExitCode(await body(...args));

  program
    .command('migrate')
    .description(
      'apply the store schema (collections, indexes, view) idempotently and report what changed',
    )
    .option('--dry-run', 'only print what would be created')
    .option('--json', JSON_HELP)
    .action(
      run(async (options: { dryRun?: boolean; json?: boolean }, command: Command) =>
        withConnection(command, (conn) => runMigrate(conn, options)),
      ),
    );

  program
    .command('stats')
    .description('count events, streams, commits and snapshots; events by type; storage sizes')
    .option('--json', JSON_HELP)
    .action(
      run(async (options: { json?: boolean }, command: Command) =>
        withConnection(command, (conn) => runStats(conn, options)),
      ),
    );

  program
    .command('projections')
    .description(
      'list the projections kept in the database: state, owner, checkpoint, lag, generation, last error',
    )
    .option('--json', JSON_HELP)
    .addHelpText('after', '\nExit code 0, or 1 when a projection has stopped with an error.')
    .action(
      run(async (options: { json?: boolean }, command: Command) =>
        withConnection(command, (conn) => runProjections(conn, options)),
      ),
    );

  program
    .command('read')
    .description("print a stream's events")
    .argument('<streamId>', 'the stream to read')
    .option('--from <version>', 'start at this version (inclusive; default 1)', nonNegativeInteger)
    .option('--backwards', 'newest first')
    .option('--limit <n>', 'print at most n events (0: none)', nonNegativeInteger)
    .option('--json', EVENT_JSON_HELP)
    .action(
      run(
        async (
          streamId: string,
          options: { from?: number; backwards?: boolean; limit?: number; json?: boolean },
          command: Command,
        ) => withConnection(command, (conn) => runRead(conn, streamId, options)),
      ),
    );

  program
    .command('tail')
    .description(
      'follow the global log like tail -f: catch up, then print new events as they commit',
    )
    .option(
      '--from <position>',
      'start after this position (0: the whole log); default: only new events',
      nonNegativeInteger,
    )
    .option('--type <type>', 'only events of this type (repeatable)', repeatable)
    .option('--stream <streamId>', 'only events of this stream (repeatable)', repeatable)
    .option('--json', EVENT_JSON_HELP)
    .addHelpText(
      'after',
      '\nStops cleanly (exit code 0) on Ctrl-C (SIGINT) or SIGTERM. Reads that fail are retried for\n' +
        'up to 15 s (an election is waited out); then one line naming the host and exit code 2 when\n' +
        'the server cannot be reached, 1 when it refused the reads.',
    )
    .action(
      run(
        async (
          options: { from?: number; type?: string[]; stream?: string[]; json?: boolean },
          command: Command,
        ) => runTail(options, () => connect(command.optsWithGlobals<ConnectionOptions>())),
      ),
    );

  program
    .command('verify')
    .description(
      'scan the whole store and check positions, stream versions, snapshots, decoding and indexes',
    )
    .option('--json', JSON_HELP)
    .addHelpText('after', '\nExit code 0 when the store is sound, 1 when a problem was found.')
    .action(
      run(async (options: { json?: boolean }, command: Command) =>
        withConnection(command, (conn) => runVerify(conn, options)),
      ),
    );

  program
    .command('export')
    .description('write the events in position order as NDJSON (stdout by default)')
    .option(
      '--from <position>',
      'only events after this position (default 0: all)',
      nonNegativeInteger,
    )
    .option('--out <file>', 'write to this file instead of stdout')
    .addHelpText(
      'after',
      '\nEach line is one event: eventId, streamId, version, position, type, recordedAt, aggregateType,\n' +
        'data, metadata. Dates are written {"$date":"<ISO 8601>"}; NaN, ±Infinity and -0 as\n' +
        '{"$number":"NaN"}; data keys starting with $ get one more $. Snapshots are not exported.',
    )
    .action(
      run(async (options: { from?: number; out?: string }, command: Command) =>
        withConnection(command, (conn) => runExport(conn, options)),
      ),
    );

  program
    .command('import')
    .description('load an export into a store, keeping event ids, versions and positions')
    .argument('<file>', 'an NDJSON file written by flowra export')
    .option('--dry-run', 'check the file and the target, write nothing')
    .addHelpText(
      'after',
      '\nThe whole file is checked before anything is written (a bad line, or an event id given twice\n' +
        'in one stream: its line number, exit code 2).\n' +
        "The target must be empty or end right before the file's first position; events it already\n" +
        'holds must be exactly the same (re-running an import is a no-op that says "Already imported").\n' +
        'Anything else is refused with exit code 1 and nothing written. Nothing else may write to the\n' +
        'target meanwhile: should another writer append while the events are written, the import stops\n' +
        '(exit code 1), says how many it wrote, and the rest cannot follow them any more.\n' +
        'The check keeps every event id of the file in memory (about 100 bytes each: 1 GB for ten\n' +
        'million events); split a larger export with --from and import the parts in order.',
    )
    .action(
      run(async (file: string, options: { dryRun?: boolean }, command: Command) =>
        runImport(file, options, () => connect(command.optsWithGlobals<ConnectionOptions>())),
      ),
    );

  return program;
}
