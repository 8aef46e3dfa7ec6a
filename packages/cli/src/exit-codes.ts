/** Exit codes, part of the command's interface for scripts. */
export const EXIT_OK = 0;
/** The command ran and found something wrong: verify problems, an import refused, a failed read. */
export const EXIT_FAILURE = 1;
/** The command could not run as asked: usage, malformed input, no server. */
export const EXIT_USAGE = 2;

/** An error meant for the operator: printed as one line, without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
