#!/usr/bin/env node
// What a team gets from the registry, checked before publishing: every published package is
// built and packed, linted with publint and arethetypeswrong, then installed from its tarball
// with plain npm into scratch projects outside the workspace, one per end of the peer ranges
// (zod 4.0 / mongodb 6.0, and the newest zod 4 / mongodb 7), where a consumer is type-checked
// (ESM, CJS, and a project without Node's types for the packages that need none) and run.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = ['domain', 'eventstore-core', 'eventstore-mongo', 'repository', 'projections', 'cli'];
// The newest end also installs the OpenTelemetry SDK, so the telemetry contract runs from the
// tarballs; the oldest goes without it, where that contract must skip with its reason.
const OTEL_SDK = ['sdk-trace-base', 'sdk-metrics', 'context-async-hooks'].map(
  (name) => `@opentelemetry/${name}@2.12.1`,
);
const MATRIX = [
  { label: 'oldest', zod: '4.0.0', mongodb: '6.0.0', otel: '1.9.0', sdk: [] },
  { label: 'newest', zod: '4.6.7', mongodb: '7.9.1', otel: '1.9.1', sdk: OTEL_SDK },
];
const TOOLS = { typescript: '5.9.3', '@types/node': '20.19.43', tsx: '4.23.15', vitest: '4.1.12' };
const bin = (name) => join(root, 'node_modules', '.bin', name);
const results = [];

function run(command, args, cwd, { quiet = true } = {}) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: quiet ? 'pipe' : 'inherit',
  });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

function check(name, command, args, cwd) {
  const started = Date.now();
  const { ok, output } = run(command, args, cwd);
  results.push({ name, ok, seconds: (Date.now() - started) / 1000 });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}`);
  if (!ok) console.log(output.split('\n').slice(-40).join('\n'));
  return ok;
}

const built = run(
  'pnpm',
  [
    'exec',
    'turbo',
    'run',
    'build',
    '--output-logs=errors-only',
    ...PACKAGES.map((p) => `--filter=@flowra/${p}`),
  ],
  root,
  { quiet: false },
);
if (!built.ok) process.exit(1);

const work = mkdtempSync(join(tmpdir(), 'flowra-packages-'));
const packs = join(work, 'packs');
mkdirSync(packs);
const tarballs = {};
for (const pkg of PACKAGES) {
  const dir = join(root, 'packages', pkg);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  run('pnpm', ['pack', '--pack-destination', packs], dir);
  const tarball = readdirSync(packs).find((f) => f.startsWith(`flowra-${pkg}-`));
  tarballs[manifest.name] = join(packs, tarball);
  check(`${manifest.name}: publint`, bin('publint'), ['--strict'], dir);
  const esmOnly = Object.entries(manifest.exports)
    .filter(
      ([key, value]) => key !== './package.json' && typeof value === 'object' && !value.require,
    )
    .map(([key]) => key.slice(2));
  check(
    `${manifest.name}: arethetypeswrong (ESM + CJS)`,
    bin('attw'),
    [
      tarballs[manifest.name],
      '--profile',
      'node16',
      '--format',
      'ascii',
      ...(esmOnly.length ? ['--exclude-entrypoints', ...esmOnly] : []),
    ],
    root,
  );
  if (esmOnly.length) {
    check(
      `${manifest.name}: arethetypeswrong (ESM-only ${esmOnly.join(', ')})`,
      bin('attw'),
      [
        tarballs[manifest.name],
        '--profile',
        'esm-only',
        '--format',
        'ascii',
        '--entrypoints',
        ...esmOnly,
      ],
      root,
    );
  }
  const listing = run('tar', ['-tzf', tarballs[manifest.name]], root).output;
  const shipped = ['package/README.md', 'package/LICENSE'].every((f) => listing.includes(f));
  results.push({
    name: `${manifest.name}: README and LICENSE in the tarball`,
    ok: shipped,
    seconds: 0,
  });
  console.log(`${shipped ? 'ok  ' : 'FAIL'} ${manifest.name}: README and LICENSE in the tarball`);
  const packed = JSON.parse(
    run('tar', ['-xzOf', tarballs[manifest.name], 'package/package.json'], root).output,
  );
  const privateDeps = Object.keys({
    ...packed.dependencies,
    ...packed.devDependencies,
    ...packed.peerDependencies,
  }).filter((d) => d === '@flowra/test-mongo-server' || d === '@flowra/sample');
  const workspaceRanges = JSON.stringify(packed).includes('workspace:');
  const clean = privateDeps.length === 0 && !workspaceRanges;
  results.push({
    name: `${manifest.name}: nothing private in the manifest`,
    ok: clean,
    seconds: 0,
  });
  console.log(
    `${clean ? 'ok  ' : 'FAIL'} ${manifest.name}: nothing private in the manifest${clean ? '' : ` (${privateDeps.join(', ')}${workspaceRanges ? ' workspace: ranges' : ''})`}`,
  );
}

/** The first TypeScript block of a package README's "Example" section. */
function readmeExample(pkg) {
  const readme = readFileSync(join(root, 'packages', pkg, 'README.md'), 'utf8');
  const section = readme.split(/^## Example\s*$/m)[1];
  return section ? /```ts\n([\s\S]*?)```/.exec(section)?.[1] : undefined;
}

const consumer = join(root, 'scripts', 'consumer');
for (const { label, zod, mongodb, otel, sdk } of MATRIX) {
  const project = join(work, `consumer-${label}`);
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: `consumer-${label}`, private: true, type: 'module' }),
  );
  for (const file of readdirSync(consumer)) copyFileSync(join(consumer, file), join(project, file));
  const runnable = [];
  for (const pkg of PACKAGES) {
    const example = readmeExample(pkg);
    if (!example) continue;
    writeFileSync(join(project, `readme-${pkg}.ts`), `${example}\nexport {};\n`);
    if (!example.includes('MongoClient')) runnable.push(`readme-${pkg}.ts`);
  }
  const deps = [
    ...Object.values(tarballs),
    `zod@${zod}`,
    `mongodb@${mongodb}`,
    `@opentelemetry/api@${otel}`,
    ...sdk,
    ...Object.entries(TOOLS).map(([n, v]) => `${n}@${v}`),
  ];
  if (
    !check(
      `consumer (${label}: zod ${zod}, mongodb ${mongodb}, @opentelemetry/api ${otel}): npm install`,
      'npm',
      ['install', '--no-audit', '--no-fund', '--loglevel=error', ...deps],
      project,
    )
  )
    continue;
  check(
    `consumer (${label}): one copy of mongodb, zod and @opentelemetry/api`,
    'npm',
    ['ls', 'mongodb', 'zod', '@opentelemetry/api'],
    project,
  );
  check(
    `consumer (${label}): tsc, ESM and CJS consumers`,
    join(project, 'node_modules', '.bin', 'tsc'),
    ['-p', 'tsconfig.json'],
    project,
  );
  check(
    `consumer (${label}): tsc, core/domain/repository without Node's types`,
    join(project, 'node_modules', '.bin', 'tsc'),
    ['-p', 'tsconfig.bare.json'],
    project,
  );
  check(
    `consumer (${label}): run ESM`,
    join(project, 'node_modules', '.bin', 'tsx'),
    ['esm-consumer.ts'],
    project,
  );
  check(`consumer (${label}): run CJS`, process.execPath, ['cjs-consumer.cjs'], project);
  for (const file of runnable) {
    check(
      `consumer (${label}): run ${file}`,
      join(project, 'node_modules', '.bin', 'tsx'),
      [file],
      project,
    );
  }
  check(
    `consumer (${label}): contract suite and repository harness from the tarballs`,
    join(project, 'node_modules', '.bin', 'vitest'),
    ['run', '--root', project],
    project,
  );
}
if (!process.env.FLOWRA_KEEP_SCRATCH) rmSync(work, { recursive: true, force: true });
const failed = results.filter((r) => !r.ok);
console.log(`\nPackage checks: ${results.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length === 0 ? 0 : 1);
