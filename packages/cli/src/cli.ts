#!/usr/bin/env node
import { FlowraError, ValidationError } from '@flowra/eventstore-core';
import { CommanderError } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { connectionFailure, resolveTarget } from './connection.js';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { createProgram } from './program.js';
import { stylesFor } from './style.js';

function printError(message: string): void {
  process.stderr.write(`${stylesFor(process.stderr).red('flowra:')} ${message}\n`);
}

/** Every failure becomes one line and an exit code; a stack trace only with FLOWRA_DEBUG=1. */
function exitCodeFor(error: unknown, globals: { uri?: string; db?: string }): number {
  if (error instanceof CommanderError) {
    // Commander has printed the message (and the usage) already.
    return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (process.env.FLOWRA_DEBUG) console.error(error);
  if (error instanceof CliError) {
    printError(error.message);
    return error.exitCode;
  }
  const unreachable = connectionFailure(resolveTarget(globals), error);
  if (unreachable) {
    printError(unreachable.message);
    return unreachable.exitCode;
  }
  if (ValidationError.isInstance(error)) {
    printError(error.message);
    return EXIT_USAGE;
  }
  printError(
    FlowraError.isFlowraError(error) || error instanceof Error ? error.message : String(error),
  );
  return EXIT_FAILURE;
}

async function main(argv: string[]): Promise<number> {
  let exitCode = EXIT_OK;
  const program = createProgram(packageJson.version, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    return exitCodeFor(error, program.opts());
  }
}

// `flowra export | head` closes the pipe early: that is the reader's choice, not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT_OK);
  throw error;
});

main(process.argv).then((code) => {
  process.exitCode = code;
  // Everything is closed by now; should a driver timer linger, do not let it hold the exit.
  setTimeout(() => process.exit(code), 2_000).unref();
});
