import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitForPort } from './free-port.js';
import { startPostgres } from './postgres.js';

const run = promisify(execFile);

/** The newest FerretDB v1 the Go module proxy serves; v2 needs a PostgreSQL extension. */
export const FERRETDB_VERSION = '1.24.2';
const MODULE = 'github.com/FerretDB/FerretDB';
const START_TIMEOUT_MS = 30_000;
const BUILD_TIMEOUT_MS = 15 * 60_000;
const STALE_LOCK_MS = 20 * 60_000;

export interface RunningFerretdb {
  uri: string;
  /** e.g. 'PostgreSQL 15.18' or 'SQLite (PostgreSQL could not be started: …)' */
  backend: string;
  /** Short backend name for cache keys. */
  backendKey: 'postgresql' | 'sqlite';
  stop(): Promise<void>;
}

/** Where the built server lives: `FLOWRA_FERRETDB_BIN`, else a cache folder outside the repository. */
export function ferretdbBinaryPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FLOWRA_FERRETDB_BIN) return env.FLOWRA_FERRETDB_BIN;
  const base =
    env.FLOWRA_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'flowra');
  return join(base, `ferretdb-v${FERRETDB_VERSION}`, 'ferretdb');
}

function isBuilt(binary: string): boolean {
  try {
    return statSync(binary).isFile();
  } catch {
    return false;
  }
}

async function sleep(ms: number) {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Builds FerretDB once with the machine's Go (`cmd/ferretdb` of the module at the pinned
 * version) and reuses the binary afterwards. The module's sources come without the version
 * file its build embeds, so they are copied to a scratch folder and the file is written there.
 * Several processes may ask at once: one builds, the others wait for its binary.
 */
export async function ensureFerretdb(
  options: { env?: NodeJS.ProcessEnv; log?: (message: string) => void } = {},
): Promise<string> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((m: string) => console.error(m));
  const binary = ferretdbBinaryPath(env);
  if (isBuilt(binary)) return binary;
  if (env.FLOWRA_FERRETDB_BIN) {
    throw new Error(`FLOWRA_FERRETDB_BIN=${binary} does not exist`);
  }
  const folder = dirname(binary);
  mkdirSync(folder, { recursive: true });
  const lock = join(folder, '.building');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (isBuilt(binary)) return binary;
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS)
          rmSync(lock, { recursive: true, force: true });
      } catch {}
      await sleep(500);
    }
  }
  const scratch = mkdtempSync(join(tmpdir(), 'flowra-ferretdb-build-'));
  try {
    if (isBuilt(binary)) return binary;
    try {
      await run('go', ['version'], { timeout: 30_000 });
    } catch {
      throw new Error('building FerretDB needs Go (the `go` command was not found)');
    }
    log(`[mongo] building FerretDB ${FERRETDB_VERSION} into ${folder} (once; a few minutes)`);
    const started = Date.now();
    const goEnv = { ...env, GOFLAGS: '-mod=mod', GOWORK: 'off' };
    const { stdout } = await run(
      'go',
      ['mod', 'download', '-json', `${MODULE}@v${FERRETDB_VERSION}`],
      {
        cwd: scratch,
        env: goEnv,
        timeout: BUILD_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const moduleDir = (JSON.parse(stdout) as { Dir?: string }).Dir;
    if (!moduleDir) throw new Error(`go mod download gave no folder for ${MODULE}`);
    const source = join(scratch, 'src');
    cpSync(moduleDir, source, { recursive: true });
    chmodTree(source);
    writeFileSync(join(source, 'build', 'version', 'version.txt'), `v${FERRETDB_VERSION}\n`);
    const built = join(folder, `ferretdb.${process.pid}.tmp`);
    await run('go', ['build', '-trimpath', '-buildvcs=false', '-o', built, './cmd/ferretdb'], {
      cwd: source,
      env: goEnv,
      timeout: BUILD_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
    renameSync(built, binary);
    log(
      `[mongo] built FerretDB ${FERRETDB_VERSION} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    return binary;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(
      `FerretDB ${FERRETDB_VERSION} could not be built: ${(e.stderr || e.message).trim().split('\n').slice(-5).join('\n')}`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The module cache is read-only; the copy's folders must be writable to add a file and to remove it all. */
function chmodTree(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isDirectory()) chmodSync(join(entry.parentPath ?? entry.path, entry.name), 0o755);
  }
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/**
 * Starts FerretDB on a free loopback port over a throw-away PostgreSQL (its SQLite backend
 * when PostgreSQL cannot be started, which the backend description says), telemetry off.
 * Everything is stopped and removed by `stop()` or when this process exits.
 */
export async function startFerretdb(
  options: { env?: NodeJS.ProcessEnv; log?: (message: string) => void } = {},
): Promise<RunningFerretdb> {
  const env = options.env ?? process.env;
  const binary = await ensureFerretdb(options);
  const state = mkdtempSync(join(tmpdir(), 'flowra-ferretdb-'));
  const pg = await startPostgres(env);
  let backendArgs: string[];
  let backend: string;
  let backendKey: RunningFerretdb['backendKey'];
  if ('unavailable' in pg) {
    const sqlite = join(state, 'sqlite');
    mkdirSync(sqlite);
    backendArgs = ['--handler=sqlite', `--sqlite-url=file:${sqlite}/`];
    backend = `SQLite (PostgreSQL could not be started: ${pg.unavailable})`;
    backendKey = 'sqlite';
  } else {
    backendArgs = ['--handler=postgresql', `--postgresql-url=${pg.url}`];
    backend = `PostgreSQL ${pg.version}`;
    backendKey = 'postgresql';
  }
  const port = await freePort();
  // Its log goes to a file, not a pipe: a pipe nobody drains (a parent busy in a synchronous
  // call) fills up, and FerretDB then blocks every request behind its logger (seen here).
  const logFile = join(state, 'ferretdb.log');
  const logFd = openSync(logFile, 'a');
  const child = spawn(
    binary,
    [
      ...backendArgs,
      `--listen-addr=127.0.0.1:${port}`,
      `--state-dir=${state}`,
      '--telemetry=disable',
      '--debug-addr=-',
      '--log-level=error',
    ],
    { stdio: ['ignore', logFd, logFd] },
  );
  closeSync(logFd);
  const output = () => {
    try {
      return readFileSync(logFile, 'utf8').slice(-4_000);
    } catch {
      return '';
    }
  };
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(state, { recursive: true, force: true });
  };
  process.on('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (!(await waitForExit(child, 0))) {
        child.kill('SIGTERM');
        if (!(await waitForExit(child, 3_000))) {
          child.kill('SIGKILL');
          await waitForExit(child, 2_000);
        }
      }
      process.off('exit', killOnExit);
      rmSync(state, { recursive: true, force: true });
      if (!('unavailable' in pg)) await pg.stop();
    })();
    return stopping;
  };

  try {
    await waitForPort(port, START_TIMEOUT_MS, () => {
      if (spawnError) return `FerretDB could not be started: ${spawnError.message}`;
      if (child.exitCode !== null || child.signalCode !== null) {
        return `FerretDB exited before it was ready (code ${child.exitCode}, signal ${child.signalCode})\n${output().trim()}`;
      }
      return undefined;
    });
  } catch (error) {
    await stop();
    throw error;
  }
  child.unref();
  return { uri: `mongodb://127.0.0.1:${port}/`, backend, backendKey, stop };
}
