#!/usr/bin/env node
// `npm start` and `npm test` on a machine with only Node.js and npm: fetch the pinned pnpm
// (into a cache folder, not globally) when the one on PATH is missing or another version,
// install the dependencies when they are missing or older than the lockfile, then run the
// real script with pnpm. With the pinned pnpm on PATH this adds one version check.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error('usage: node scripts/bootstrap.mjs <script> [args...]');
  process.exit(2);
}
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split(
  '@',
)[1];
const windows = process.platform === 'win32';

function run(command, argv, env = process.env) {
  const result = spawnSync(command, argv, { cwd: root, stdio: 'inherit', env, shell: windows });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function pnpmOnPath() {
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8', shell: windows });
  return probe.status === 0 && probe.stdout.trim() === pinned;
}

/** The folder holding a `pnpm` of the pinned version, installed with npm when needed. */
function cachedPnpm() {
  const cache =
    process.env.FLOWRA_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'flowra');
  const prefix = join(cache, `pnpm-${pinned}`);
  const bin = join(prefix, 'node_modules', '.bin');
  if (!existsSync(join(bin, windows ? 'pnpm.cmd' : 'pnpm'))) {
    console.error(`[bootstrap] installing pnpm ${pinned} into ${prefix}`);
    const npm = windows ? 'npm.cmd' : 'npm';
    const status = run(npm, [
      'install',
      '--prefix',
      prefix,
      '--no-save',
      '--no-audit',
      '--no-fund',
      `pnpm@${pinned}`,
    ]);
    if (status !== 0) process.exit(status);
  }
  return bin;
}

const env = { ...process.env };
if (!pnpmOnPath()) env.PATH = `${cachedPnpm()}${delimiter}${env.PATH ?? ''}`;

const lock = join(root, 'pnpm-lock.yaml');
const installed = join(root, 'node_modules', '.pnpm', 'lock.yaml');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  console.error('[bootstrap] installing the dependencies (pnpm install --frozen-lockfile)');
  const status = run('pnpm', ['install', '--frozen-lockfile'], env);
  if (status !== 0) process.exit(status);
}
process.exit(run('pnpm', ['run', script, ...args], env));
