import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);

export interface RunningPostgres {
  /** e.g. `postgres://postgres@127.0.0.1:5433/postgres` */
  url: string;
  /** e.g. `15.18` */
  version: string;
  stop(): Promise<void>;
}

interface PostgresBinaries {
  bin: string;
  version: string;
}

function versionOf(postgres: string): string | undefined {
  try {
    const out = execFileSync(postgres, ['--version'], { encoding: 'utf8' });
    return /\(PostgreSQL\)\s+(\d+(?:\.\d+)*)/.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

/** Debian keeps server binaries out of PATH, in /usr/lib/postgresql/<major>/bin; newest first. */
function findBinaries(env: NodeJS.ProcessEnv): PostgresBinaries | { unavailable: string } {
  const candidates: string[] = [];
  if (env.FLOWRA_PG_BIN) candidates.push(env.FLOWRA_PG_BIN);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const majors = readdirSync(debian)
      .filter((d) => /^\d+$/.test(d))
      .sort((a, b) => Number(b) - Number(a));
    for (const major of majors) candidates.push(join(debian, major, 'bin'));
  }
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim());
  } catch {}
  for (const bin of candidates) {
    if (!existsSync(join(bin, 'initdb')) || !existsSync(join(bin, 'pg_ctl'))) continue;
    const version = versionOf(join(bin, 'postgres'));
    if (version) return { bin, version };
  }
  return {
    unavailable:
      'no PostgreSQL server binaries (initdb, pg_ctl) were found: install the postgresql package or set FLOWRA_PG_BIN',
  };
}

/** initdb refuses to run as root, so as root the server runs as the `postgres` system user. */
function runAs(env: NodeJS.ProcessEnv): { prefix: string[]; uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const user = env.FLOWRA_PG_USER || 'postgres';
  try {
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
    return { prefix: ['runuser', '-u', user, '--'], uid, gid };
  } catch {
    throw new Error(`running as root, and there is no '${user}' user to run PostgreSQL as`);
  }
}

function command(prefix: string[], bin: string, tool: string, args: string[]): [string, string[]] {
  const path = join(bin, tool);
  return prefix.length > 0 ? [prefix[0]!, [...prefix.slice(1), path, ...args]] : [path, args];
}

/**
 * Starts a throw-away PostgreSQL cluster in a temporary directory on a free loopback port
 * (trust authentication, no fsync: a test server), stopped and removed by `stop()` or, as a
 * last resort, when this process exits.
 */
export async function startPostgres(
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningPostgres | { unavailable: string }> {
  const found = findBinaries(env);
  if ('unavailable' in found) return found;
  let user: ReturnType<typeof runAs>;
  try {
    user = runAs(env);
  } catch (error) {
    return { unavailable: (error as Error).message };
  }
  const dir = mkdtempSync(join(tmpdir(), 'flowra-pg-'));
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid!);
  const data = join(dir, 'data');
  const port = await freePort();
  const pgCtl = (args: string[]) => command(user.prefix, found.bin, 'pg_ctl', args);

  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    const [cmd, args] = pgCtl(['-D', data, '-m', 'immediate', '-w', 'stop']);
    spawnSync(cmd, args, { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', stopSync);

  try {
    const [initCmd, initArgs] = command(user.prefix, found.bin, 'initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--no-sync',
      '--no-instructions',
    ]);
    await run(initCmd, initArgs, { timeout: 60_000 });
    const options = [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=400',
    ].join(' ');
    const [startCmd, startArgs] = pgCtl([
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-o',
      options,
      '-w',
      '-t',
      '60',
      'start',
    ]);
    await run(startCmd, startArgs, { timeout: 70_000 });
  } catch (error) {
    stopSync();
    process.off('exit', stopSync);
    const e = error as { stderr?: string; message: string };
    return {
      unavailable: `PostgreSQL did not start: ${(e.stderr || e.message).trim().split('\n').slice(-3).join(' ')}`,
    };
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    version: found.version,
    stop: async () => {
      stopSync();
      process.off('exit', stopSync);
    },
  };
}
