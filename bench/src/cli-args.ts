import { parseArgs } from 'node:util';

export interface CliArgs {
  /** A small, fast version of the run. */
  quick: boolean;
  /** Stress only: the workload seed (random when absent). */
  seed: number | undefined;
  /** Stress only: seconds of workload per store, overriding the mode's default. */
  seconds: number | undefined;
  /** The MongoDB test server kind (uri, memory-server, jongodb, ferretdb); default: the tests' order. */
  server: string | undefined;
  /** Stress only: faults are injected from outside (no proxy in front of a replica set). */
  externalFaults: boolean;
}

/**
 * `--quick`, `--seed N`, `--seconds N`, `--server KIND`; `pnpm run bench -- --quick` passes a
 * bare `--` first.
 */
export function readArgs(argv: readonly string[] = process.argv.slice(2)): CliArgs {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== '--'),
    options: {
      quick: { type: 'boolean', default: false },
      seed: { type: 'string' },
      seconds: { type: 'string' },
      server: { type: 'string' },
      'external-faults': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const int = (name: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new Error(`--${name} must be a non-negative integer`);
    return n;
  };
  return {
    quick: values.quick ?? false,
    seed: int('seed', values.seed),
    seconds: int('seconds', values.seconds),
    server: values.server,
    externalFaults: values['external-faults'] ?? false,
  };
}
