import type { MongoMemoryReplSet } from 'mongodb-memory-server';

/** How long the "can we download a mongod at all?" check may take before we call it offline. */
const DOWNLOAD_PROBE_TIMEOUT_MS = 3_000;
const DEFAULT_DOWNLOAD_ORIGIN = 'https://fastdl.mongodb.org';

export interface RunningMemoryServer {
  uri: string;
  stop(): Promise<void>;
}

export type MemoryServerAttempt = RunningMemoryServer | { unavailable: string };

/** mongodb-memory-server's own reading of a boolean variable. */
function envFlag(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  return ['1', 'on', 'yes', 'true'].includes(value.toLowerCase());
}

function downloadOrigin(env: NodeJS.ProcessEnv): string {
  const raw = env.MONGOMS_DOWNLOAD_URL || env.MONGOMS_DOWNLOAD_MIRROR || DEFAULT_DOWNLOAD_ORIGIN;
  try {
    return new URL(raw).origin;
  } catch {
    return DEFAULT_DOWNLOAD_ORIGIN;
  }
}

/**
 * Resolves to undefined when the download host answers (any HTTP status), else to why not.
 * Bounded by a short timeout so an offline machine falls through in a few seconds at most.
 */
async function downloadHostUnreachable(
  origin: string,
  timeoutMs: number,
): Promise<string | undefined> {
  const started = Date.now();
  try {
    await fetch(origin, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs) });
    return undefined;
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why =
      (error as Error).name === 'TimeoutError'
        ? `no answer in ${timeoutMs} ms`
        : (cause?.code ?? cause?.message ?? (error as Error).message);
    return `${new URL(origin).host} is unreachable (${why}, after ${Date.now() - started} ms)`;
  }
}

/**
 * Starts `MongoMemoryReplSet` (one wiredTiger member) when a real mongod can be had: the
 * `MONGOMS_SYSTEM_BINARY`, a binary already in mongodb-memory-server's cache, or a download.
 *
 * When no binary is cached it first checks, within a few seconds, that the download host answers
 * (skipped when an HTTP(S) proxy is configured, since mongodb-memory-server uses it and `fetch`
 * does not); offline this returns `unavailable` at once instead of the library's ~7 s of retries.
 * With `force` (FLOWRA_TEST_MONGO=memory-server) that check is skipped and failures throw; so do
 * failures with an explicit `MONGOMS_SYSTEM_BINARY`.
 */
export async function tryMemoryServer(
  env: NodeJS.ProcessEnv,
  options: { force: boolean; log: (message: string) => void },
): Promise<MemoryServerAttempt> {
  let mms: typeof import('mongodb-memory-server');
  try {
    mms = await import('mongodb-memory-server');
  } catch (error) {
    if (options.force) throw error;
    return { unavailable: `mongodb-memory-server cannot be loaded: ${(error as Error).message}` };
  }
  // An explicit MONGOMS_SYSTEM_BINARY that does not work is an error, not a reason to fall back.
  const systemBinary = env.MONGOMS_SYSTEM_BINARY;
  const explicit = (error: unknown) =>
    new Error(
      `MONGOMS_SYSTEM_BINARY=${systemBinary} is set but unusable: ${(error as Error).message}`,
      { cause: error },
    );
  let binaryOptions: Awaited<ReturnType<typeof mms.DryMongoBinary.generateOptions>>;
  let located: string | undefined;
  try {
    binaryOptions = await mms.DryMongoBinary.generateOptions();
    located = await mms.DryMongoBinary.locateBinary(binaryOptions);
    if (systemBinary && !located) throw new Error('not found or not executable');
  } catch (error) {
    if (systemBinary) throw explicit(error);
    if (options.force) throw error;
    return {
      unavailable: `mongodb-memory-server cannot look for a binary: ${(error as Error).message}`,
    };
  }
  if (!located && !options.force) {
    if (!envFlag(env.MONGOMS_RUNTIME_DOWNLOAD, true)) {
      return {
        unavailable: `no MongoDB ${binaryOptions.version} binary in ${binaryOptions.downloadDir} and MONGOMS_RUNTIME_DOWNLOAD is off`,
      };
    }
    const proxied = Boolean(
      env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy || env.ALL_PROXY,
    );
    if (!proxied) {
      const unreachable = await downloadHostUnreachable(
        downloadOrigin(env),
        Number(env.FLOWRA_TEST_MONGO_DOWNLOAD_PROBE_MS) || DOWNLOAD_PROBE_TIMEOUT_MS,
      );
      if (unreachable) {
        return {
          unavailable: `no MongoDB ${binaryOptions.version} binary cached and ${unreachable}`,
        };
      }
    }
    options.log(
      `[mongo] downloading MongoDB ${binaryOptions.version} for mongodb-memory-server (first run only) ...`,
    );
  }

  let replSet: MongoMemoryReplSet;
  try {
    replSet = await mms.MongoMemoryReplSet.create({
      replSet: { count: 1, storageEngine: 'wiredTiger' },
    });
  } catch (error) {
    if (systemBinary) throw explicit(error);
    if (options.force) throw error;
    return { unavailable: `mongodb-memory-server failed to start: ${(error as Error).message}` };
  }
  let stopping: Promise<void> | undefined;
  return {
    uri: replSet.getUri(),
    stop: () => {
      stopping ??= replSet.stop().then(() => undefined);
      return stopping;
    },
  };
}
