#!/usr/bin/env node
// Runs every workspace's tests through turbo (which builds what they import first), then
// prints one summary over all of them, read from the JSON report each vitest run writes.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const workspaces = ['packages', 'apps', '.']
  .flatMap((dir) => {
    const base = join(root, dir);
    if (dir === '.') return [join(root, 'bench')];
    return existsSync(base)
      ? spawnSync('ls', [base], { encoding: 'utf8' })
          .stdout.split('\n')
          .filter(Boolean)
          .map((n) => join(base, n))
      : [];
  })
  .filter((dir) => existsSync(join(dir, 'package.json')));

for (const dir of workspaces) rmSync(join(dir, 'test-results.json'), { force: true });

const args = ['turbo', 'run', 'test', '--continue', ...process.argv.slice(2)];
const run = spawnSync('pnpm', ['exec', ...args], { cwd: root, stdio: 'inherit' });

let passed = 0;
let failed = 0;
let skipped = 0;
let failedFiles = 0;
const rows = [];
for (const dir of workspaces) {
  const file = join(dir, 'test-results.json');
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const p = report.numPassedTests ?? 0;
  const f = report.numFailedTests ?? 0;
  const s = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A suite that fails before its tests run counts no failed test: count the suite instead.
  const ff = report.numFailedTestSuites ?? 0;
  failedFiles += ff;
  passed += p;
  failed += f;
  skipped += s;
  rows.push(
    `  ${dir.slice(root.length).padEnd(28)} ${String(p).padStart(4)} passed ${String(f).padStart(3)} failed ${String(s).padStart(3)} skipped${ff ? `, ${ff} suite(s) failed` : ''}`,
  );
}
console.log('\nTest summary by workspace:');
console.log(rows.join('\n'));
if (failedFiles > 0)
  console.log(`\n${failedFiles} test suite(s) failed to run: see their errors above.`);
console.log(`\nTests: ${passed} passed, ${failed + failedFiles} failed, ${skipped} skipped`);
const code = run.status ?? 1;
process.exit(code !== 0 ? code : failed + failedFiles > 0 || passed === 0 ? 1 : 0);
