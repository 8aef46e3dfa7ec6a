import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

const tsx = createRequire(import.meta.url).resolve('tsx');

export interface RunnerChildOptions {
  uri: string;
  dbName: string;
  projection: string;
  owner: string;
  leaseTtlMs: number;
  batchSize: number;
  /** Pause between a batch's documents and its checkpoint (see projection-runner-process.ts). */
  pauseMs: number;
}

/** A line the child prints (see projection-runner-process.ts). */
export interface RunnerLine {
  ready?: boolean;
  t?: 'documents' | 'written' | 'log' | 'stopped';
  epoch?: number;
  from?: number;
  to?: number;
  level?: string;
  message?: string;
}

export interface RunnerChild {
  readonly owner: string;
  /** Resolves once it printed its ready line; rejects if it exits first or takes `timeoutMs`. */
  ready(timeoutMs: number): Promise<void>;
  /** The next line of kind `t` it prints from now on, or undefined after `timeoutMs`. */
  next(t: 'documents' | 'written', timeoutMs: number): Promise<RunnerLine | undefined>;
  /** Sends SIGKILL now; resolves once it has exited. */
  kill(): Promise<void>;
  /** Why it is no good: it exited by itself. */
  problem(): string | undefined;
  /** Its runner's warnings and errors, for a failure's message. */
  readonly warnings: string[];
}

/** Starts projection-runner-process.ts through tsx, as the killed writer is started. */
export function startRunnerChild(options: RunnerChildOptions): RunnerChild {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      tsx,
      new URL('./projection-runner-process.ts', import.meta.url).pathname,
      options.uri,
      options.dbName,
      options.projection,
      options.owner,
      String(options.leaseTtlMs),
      String(options.batchSize),
      String(options.pauseMs),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-2_000);
  });
  const warnings: string[] = [];
  let readySeen = false;
  const listeners = new Set<(line: RunnerLine) => void>();
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (text) => {
    let line: RunnerLine;
    try {
      line = JSON.parse(text);
    } catch {
      return;
    }
    if (line.ready) readySeen = true;
    if (line.t === 'log' && line.level !== 'info') warnings.push(`${line.level}: ${line.message}`);
    for (const listener of [...listeners]) listener(line);
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      for (const listener of [...listeners]) listener({ t: 'stopped' });
      resolve();
    }),
  );
  const describeExit = () =>
    exit &&
    `${options.owner} exited by itself (code ${exit.code}, signal ${exit.signal}): ${stderr.trim().split('\n').slice(-3).join(' ')}`;

  const waitLine = <T>(
    accept: (line: RunnerLine) => T | undefined,
    timeoutMs: number,
  ): Promise<T | undefined> =>
    new Promise((resolve) => {
      const done = (value: T | undefined) => {
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(value);
      };
      const listener = (line: RunnerLine) => {
        if (line.t === 'stopped') return done(undefined);
        const value = accept(line);
        if (value !== undefined) done(value);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      listeners.add(listener);
    });

  return {
    owner: options.owner,
    warnings,
    async ready(timeoutMs) {
      const ok =
        readySeen || (await waitLine((line) => (line.ready ? true : undefined), timeoutMs));
      if (!ok) {
        throw new Error(
          describeExit() ?? `${options.owner} printed no ready line in ${timeoutMs} ms: ${stderr}`,
        );
      }
    },
    next: (t, timeoutMs) => waitLine((line) => (line.t === t ? line : undefined), timeoutMs),
    async kill() {
      if (!exit) child.kill('SIGKILL');
      await exited;
      lines.close();
    },
    problem: () => (exit && exit.signal !== 'SIGKILL' ? describeExit() : undefined),
  };
}
