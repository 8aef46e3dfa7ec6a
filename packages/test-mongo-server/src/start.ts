import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { PROBE_VERSION, probeCapabilities } from './capabilities.js';
import { FERRETDB_VERSION, startFerretdb } from './ferretdb.js';
import { findJongodb, startJongodb } from './jongodb.js';
import { tryMemoryServer } from './memory-server.js';
import type { Capabilities, TestMongo, TestMongoKind } from './types.js';

const KINDS: readonly TestMongoKind[] = ['uri', 'memory-server', 'jongodb', 'ferretdb'];

/** No server could be found (and none was forced). `reasons` says why each choice was passed over. */
export class NoTestMongoError extends Error {
  override readonly name = 'NoTestMongoError';
  constructor(readonly reasons: string[]) {
    super(
      'No MongoDB server for tests: ' +
        reasons.join('; ') +
        '. Set MONGODB_URI to a MongoDB replica set, or install mongodb-memory-server binaries' +
        ' (MONGOMS_SYSTEM_BINARY / internet), or install the optional dependency' +
        ' @jongodb/memory-server-bin-linux-x64-gnu (linux x64 glibc), or Go and PostgreSQL for FerretDB.',
    );
  }
}

export interface StartTestMongoOptions {
  /** Defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Progress messages (a download starting); defaults to `console.error`. */
  log?: (message: string) => void;
}

interface Started {
  kind: TestMongoKind;
  uri: string;
  stop: () => Promise<void>;
  /** For an emulator: what to call it and a cache key for its capabilities. */
  emulator?: { label: string; cacheKey: string };
}

/**
 * Reads FLOWRA_TEST_MONGO: unset or 'auto' (undefined), one of the kinds, or 'none' (act as if no
 * server were available: tests skip, or the run fails in CI). Throws on any other value.
 */
export function forcedKind(env: NodeJS.ProcessEnv): TestMongoKind | 'none' | undefined {
  const raw = env.FLOWRA_TEST_MONGO?.trim();
  if (!raw || raw === 'auto') return undefined;
  if (raw === 'none' || (KINDS as readonly string[]).includes(raw)) return raw as TestMongoKind;
  throw new Error(`FLOWRA_TEST_MONGO=${raw} is not one of auto, ${KINDS.join(', ')}, none`);
}

async function startServer(env: NodeJS.ProcessEnv, log: (m: string) => void, skipped: string[]) {
  const forced = forcedKind(env);
  if (forced === 'none') throw new NoTestMongoError(['FLOWRA_TEST_MONGO=none']);

  if (forced === 'uri' || (!forced && env.MONGODB_URI)) {
    if (!env.MONGODB_URI) throw new Error('FLOWRA_TEST_MONGO=uri but MONGODB_URI is not set');
    return { kind: 'uri', uri: env.MONGODB_URI, stop: async () => {} } satisfies Started;
  }
  if (!forced) skipped.push('MONGODB_URI is not set');

  if (!forced || forced === 'memory-server') {
    const attempt = await tryMemoryServer(env, { force: forced === 'memory-server', log });
    if (!('unavailable' in attempt)) {
      return { kind: 'memory-server', uri: attempt.uri, stop: attempt.stop } satisfies Started;
    }
    skipped.push(attempt.unavailable);
  }

  if (!forced || forced === 'jongodb') {
    const pkg = findJongodb();
    if ('unavailable' in pkg) {
      if (forced) throw new Error(pkg.unavailable);
      skipped.push(pkg.unavailable);
    } else {
      const running = await startJongodb(pkg);
      return {
        kind: 'jongodb',
        uri: running.uri,
        stop: running.stop,
        emulator: {
          label: `jongodb ${pkg.version} emulator (not MongoDB)`,
          cacheKey: `jongodb-${pkg.version}-${pkg.sha256}`,
        },
      } satisfies Started;
    }
  }

  if (!forced || forced === 'ferretdb') {
    try {
      const running = await startFerretdb({ env, log });
      return {
        kind: 'ferretdb',
        uri: running.uri,
        stop: running.stop,
        emulator: {
          label: `FerretDB ${FERRETDB_VERSION} on ${running.backend} (not MongoDB)`,
          cacheKey: `ferretdb-${FERRETDB_VERSION}-${running.backendKey}`,
        },
      } satisfies Started;
    } catch (error) {
      if (forced) throw error;
      skipped.push((error as Error).message);
    }
  }
  throw new NoTestMongoError(skipped);
}

// The emulator is fixed per installed version, so its measured capabilities are cached on disk
// (this package's node_modules/.cache); real servers are always probed.
const cacheFile = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'node_modules',
  '.cache',
  'flowra-test-mongo',
  'capabilities.json',
);

function readCache(key: string): Capabilities | undefined {
  try {
    const all = JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, Capabilities>;
    return all[`${key}-probe${PROBE_VERSION}`];
  } catch {
    return undefined;
  }
}

function writeCache(key: string, capabilities: Capabilities): void {
  try {
    let all: Record<string, Capabilities> = {};
    try {
      all = JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, Capabilities>;
    } catch {}
    all[`${key}-probe${PROBE_VERSION}`] = capabilities;
    mkdirSync(dirname(cacheFile), { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`);
    renameSync(tmp, cacheFile);
  } catch {
    // a cache only
  }
}

function topologyOf(hello: Record<string, unknown>): string {
  if (typeof hello.setName === 'string') return 'replica set';
  if (hello.msg === 'isdbgrid') return 'sharded cluster';
  return 'standalone';
}

/**
 * Finds a MongoDB server for tests, benchmarks and scripts, in this order:
 * 1. `MONGODB_URI` (used as is; if it does not answer, this throws rather than fall back);
 * 2. mongodb-memory-server's `MongoMemoryReplSet` (1 member, wiredTiger) when a real mongod is to be
 *    had: `MONGOMS_SYSTEM_BINARY`, a cached binary, or a download (checked for reachability first);
 * 3. the jongodb wire-protocol emulator (optional dependency), started on a free loopback port;
 * 4. FerretDB over a throw-away PostgreSQL (built once with Go, see `ensureFerretdb`).
 * `FLOWRA_TEST_MONGO=uri|memory-server|jongodb|ferretdb` forces one choice (and its failure throws);
 * `FLOWRA_TEST_MONGO=none` acts as if none were available.
 * Throws `NoTestMongoError` when nothing is available. The server is probed for `capabilities`.
 */
export async function startTestMongo(options: StartTestMongoOptions = {}): Promise<TestMongo> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((message: string) => console.error(message));
  const skipped: string[] = [];
  const started: Started = await startServer(env, log, skipped);

  try {
    const remote = started.kind === 'uri';
    const client = new MongoClient(started.uri, {
      // a timeout in MONGODB_URI itself wins
      ...(/[?&]serverSelectionTimeoutMS=/i.test(started.uri)
        ? {}
        : { serverSelectionTimeoutMS: remote ? 10_000 : 5_000 }),
      appName: 'flowra-test-mongo-probe',
    });
    let serverVersion: string;
    let topology: string;
    let capabilities: Capabilities;
    try {
      await client.connect();
      const admin = client.db('admin');
      const buildInfo = await admin.command({ buildInfo: 1 });
      const hello = await admin.command({ hello: 1 });
      serverVersion = String(buildInfo.version ?? 'unknown');
      topology = topologyOf(hello);
      const cached = started.emulator ? readCache(started.emulator.cacheKey) : undefined;
      const debug = env.FLOWRA_TEST_MONGO_DEBUG ? log : undefined;
      capabilities =
        cached ?? (await probeCapabilities(client, { timeoutMs: remote ? 5_000 : 1_500, debug }));
      if (cached)
        debug?.(`[mongo] capabilities of ${started.emulator?.cacheKey} read from ${cacheFile}`);
      if (started.emulator && !cached) writeCache(started.emulator.cacheKey, capabilities);
    } finally {
      await client.close(true).catch(() => {});
    }

    const label = started.emulator
      ? started.emulator.label
      : `MongoDB ${serverVersion} ${topology} (${started.kind === 'uri' ? 'MONGODB_URI' : 'mongodb-memory-server'})`;

    return {
      uri: started.uri,
      kind: started.kind,
      label,
      serverVersion,
      capabilities,
      skipped,
      stop: started.stop,
    };
  } catch (error) {
    await started.stop().catch(() => {});
    if (started.kind === 'uri') {
      throw new Error(
        `MONGODB_URI is set but the server does not answer: ${(error as Error).message}`,
        { cause: error },
      );
    }
    throw error;
  }
}
