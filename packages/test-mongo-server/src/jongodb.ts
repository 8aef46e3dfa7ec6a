import { type ChildProcess, spawn } from 'node:child_process';
import { constants, accessSync, chmodSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

export const JONGODB_PACKAGE = '@jongodb/memory-server-bin-linux-x64-gnu';

const READY_PREFIX = 'JONGODB_URI=';
const FAILURE_PREFIX = 'JONGODB_START_FAILURE=';
const START_TIMEOUT_MS = 30_000;

export interface JongodbPackage {
  version: string;
  binary: string;
  /** sha256 of the binary as the package declares it (a cache key). */
  sha256: string;
}

/** Finds the installed emulator package, or says why it cannot be used. */
export function findJongodb(): JongodbPackage | { unavailable: string } {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return {
      unavailable: `the jongodb emulator package is for linux x64 (glibc) only, not ${process.platform} ${process.arch}`,
    };
  }
  let manifestPath: string;
  try {
    manifestPath = createRequire(import.meta.url).resolve(`${JONGODB_PACKAGE}/package.json`);
  } catch {
    return {
      unavailable: `${JONGODB_PACKAGE} is not installed (an optional dependency of @flowra/test-mongo-server: was it skipped, e.g. on musl or with --no-optional?)`,
    };
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    version?: string;
    jongodb?: { binary?: string; sha256?: string };
  };
  const binary = join(dirname(manifestPath), manifest.jongodb?.binary ?? 'bin/jongodb');
  try {
    accessSync(binary, constants.X_OK);
  } catch {
    try {
      chmodSync(binary, 0o755); // a tarball extracted without its mode bits
      accessSync(binary, constants.X_OK);
    } catch (error) {
      return { unavailable: `the jongodb binary ${binary} is not executable: ${String(error)}` };
    }
  }
  return {
    version: manifest.version ?? 'unknown',
    binary,
    sha256: manifest.jongodb?.sha256 ?? '',
  };
}

export interface RunningJongodb {
  uri: string;
  pid: number | undefined;
  stop(): Promise<void>;
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
 * Starts the emulator on a free loopback port as a single-node replica set and resolves once it
 * prints its `JONGODB_URI=` line. The process is killed on `stop()` and, as a last resort, when
 * this process exits; it does not keep this process alive by itself.
 */
export function startJongodb(pkg: JongodbPackage): Promise<RunningJongodb> {
  const child = spawn(
    pkg.binary,
    ['--host=127.0.0.1', '--port=0', '--topology-profile=singleNodeReplicaSet'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  let output = '';
  const remember = (text: string) => {
    output = (output + text).slice(-4_000);
  };
  child.stderr?.setEncoding('utf8').on('data', remember);

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
    })();
    return stopping;
  };

  return new Promise<RunningJongodb>((resolve, reject) => {
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop();
      const tail = output.trim();
      reject(new Error(tail ? `${message}\n${tail}` : message));
    };
    const timer = setTimeout(
      () => fail(`jongodb did not print ${READY_PREFIX} within ${START_TIMEOUT_MS} ms`),
      START_TIMEOUT_MS,
    );
    child.once('error', (error) => fail(`jongodb could not be started: ${error.message}`));
    child.once('exit', (code, signal) =>
      fail(`jongodb exited before it was ready (code ${code}, signal ${signal})`),
    );
    const lines = createInterface({ input: child.stdout!, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on('line', (line) => {
      remember(`${line}\n`);
      if (settled) return;
      if (line.startsWith(FAILURE_PREFIX)) {
        fail(`jongodb failed to start: ${line.slice(FAILURE_PREFIX.length)}`);
      } else if (line.startsWith(READY_PREFIX)) {
        settled = true;
        clearTimeout(timer);
        // Keep draining its output (readline does), but let this process exit without stop().
        child.unref();
        (child.stdout as { unref?: () => void } | null)?.unref?.();
        (child.stderr as { unref?: () => void } | null)?.unref?.();
        resolve({ uri: line.slice(READY_PREFIX.length).trim(), pid: child.pid, stop });
      }
    });
  });
}
