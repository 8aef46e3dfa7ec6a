#!/usr/bin/env node
// Runs every workspace's tests through turbo (which builds what they import first), then
// prints one summary over all of them, read from the JSON report each vitest run writes.
//
// One MongoDB test server is started per pass and shared by every package's run. The server
// is chosen as @flowra/test-mongo-server chooses it (MONGODB_URI, mongodb-memory-server,
// jongodb, FerretDB); FLOWRA_TEST_MONGO=<kind> forces one, and a list
// (FLOWRA_TEST_MONGO=jongodb,ferretdb) runs everything on the first and the MongoDB suites
// (`test:int`) again on each further server, each pass summarised under its server's label.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const workspaces = ['packages', 'apps']
  .flatMap((dir) => {
    const base = join(root, dir);
    return existsSync(base) ? readdirSync(base).map((n) => join(base, n)) : [];
  })
  .concat([join(root, 'bench')])
  .filter((dir) => existsSync(join(dir, 'package.json')));

const extraArgs = process.argv.slice(2);
const requested = (process.env.FLOWRA_TEST_MONGO ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const passes = requested.length > 1 ? requested : [requested[0]];
const ci = !['', '0', 'false'].includes((process.env.CI ?? '').trim().toLowerCase());

function turbo(args, env = process.env) {
  return spawnSync('pnpm', ['exec', 'turbo', 'run', ...args], { cwd: root, stdio: 'inherit', env });
}

/**
 * The test run itself without blocking this process: the shared server's output pipes are
 * drained by this event loop, and a server whose pipe fills up stops answering.
 */
function turboAsync(args, env) {
  return new Promise((resolve) => {
    const child = spawn('pnpm', ['exec', 'turbo', 'run', ...args], {
      cwd: root,
      stdio: 'inherit',
      env,
    });
    child.once('exit', (code, signal) => resolve({ status: code ?? (signal ? 1 : 0) }));
    child.once('error', () => resolve({ status: 1 }));
  });
}

// The server helper must be built before it can start a server for the run.
if (
  turbo(['build', '--filter=@flowra/test-mongo-server', '--output-logs=errors-only']).status !== 0
) {
  process.exit(1);
}
const { NoTestMongoError, startTestMongo, toProvided } = await import(
  join(root, 'packages/test-mongo-server/dist/index.js')
);

function readResults() {
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
    // A file that fails before its tests run counts no failed test: count the file instead.
    const ff = (report.testResults ?? []).filter(
      (file) =>
        file.status === 'failed' &&
        !(file.assertionResults ?? []).some((test) => test.status === 'failed'),
    ).length;
    failedFiles += ff;
    passed += p;
    failed += f;
    skipped += s;
    rows.push(
      `  ${dir.slice(root.length).padEnd(28)} ${String(p).padStart(4)} passed ${String(f).padStart(3)} failed ${String(s).padStart(3)} skipped${ff ? `, ${ff} file(s) failed to run` : ''}`,
    );
  }
  return { passed, failed: failed + failedFiles, skipped, failedFiles, rows };
}

const summaries = [];
let exitCode = 0;
for (const [index, kind] of passes.entries()) {
  const env = { ...process.env };
  if (kind === undefined) delete env.FLOWRA_TEST_MONGO;
  else env.FLOWRA_TEST_MONGO = kind;
  delete env.FLOWRA_TEST_MONGO_SHARED;

  let server;
  let label = 'no MongoDB server';
  try {
    server = await startTestMongo({ env });
    label = server.label;
    env.FLOWRA_TEST_MONGO_SHARED = JSON.stringify(toProvided(server));
    const passedOver =
      server.skipped.length > 0 ? ` (passed over: ${server.skipped.join('; ')})` : '';
    console.log(`\n[mongo] pass ${index + 1} of ${passes.length}: ${label}${passedOver}\n`);
  } catch (error) {
    if (!(error instanceof NoTestMongoError) || ci) {
      console.error(`[mongo] ${error.message}`);
      summaries.push({
        label: `${kind ?? 'auto'}: the server did not start`,
        failed: 1,
        passed: 0,
        skipped: 0,
        rows: [],
      });
      exitCode = 1;
      continue;
    }
    // Outside CI without any server the MongoDB suites skip, each with the reason printed.
    console.warn(`[mongo] ${error.message} MongoDB tests will be skipped.`);
    env.FLOWRA_TEST_MONGO_SHARED = 'null';
  }

  for (const dir of workspaces) rmSync(join(dir, 'test-results.json'), { force: true });
  const task = index === 0 ? 'test' : 'test:int';
  const run = await turboAsync([task, '--continue', ...extraArgs], env);
  await server?.stop();
  const results = readResults();
  summaries.push({ label: index === 0 ? label : `${label}, MongoDB suites`, ...results });
  if ((run.status ?? 1) !== 0 || results.failed > 0 || results.passed === 0) exitCode = 1;
}

let total = { passed: 0, failed: 0, skipped: 0 };
for (const s of summaries) {
  console.log(`\nTest summary on ${s.label}:`);
  if (s.rows.length > 0) console.log(s.rows.join('\n'));
  if (s.failedFiles > 0)
    console.log(`${s.failedFiles} test file(s) failed to run: see their errors above.`);
  console.log(`Tests: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`);
  total = {
    passed: total.passed + s.passed,
    failed: total.failed + s.failed,
    skipped: total.skipped + s.skipped,
  };
}
if (summaries.length > 1) {
  console.log(
    `\nAll ${summaries.length} passes: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`,
  );
}
process.exit(exitCode);
