import { randomBytes } from 'node:crypto';
import { MongoClient, type Db, type MongoClientOptions } from 'mongodb';
import { afterAll, describe, inject } from 'vitest';
import { capabilityReason } from './capabilities.js';
import type { Capability, ProvidedMongo } from './types.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * Provided by `@flowra/test-mongo-server/global-setup`: the test server, or null when there is
     * none (never in CI: there the global setup fails the run instead).
     */
    mongo: ProvidedMongo | null;
  }
}

export type { Capability, ProvidedMongo } from './types.js';

export interface FreshDb {
  client: MongoClient;
  /** A database of its own: `t_<prefix>_<random>`. */
  db: Db;
  /** Drops the database where the server can (not on the emulator) and closes the client. */
  close(): Promise<void>;
}

export interface SkipDecision {
  skip: boolean;
  /** Why it is skipped ('' when it is not). */
  reason: string;
}

export interface TestMongoHandle {
  /** The server the global setup started, or null when none is available (outside CI only). */
  server: ProvidedMongo | null;
  /**
   * Connects a new client to a new, uniquely named database. Closed by `close()`, or after the
   * suite that called `useTestMongo()` at the latest. Throws when there is no server.
   */
  freshDb(prefix?: string, options?: MongoClientOptions): Promise<FreshDb>;
  /** `{ skip, reason }` for `it.skipIf(...)`: skip when there is no server or it lacks a capability. */
  skipUnless(...capabilities: Capability[]): SkipDecision;
}

export const NO_SERVER_REASON =
  'no MongoDB server is available for tests (set MONGODB_URI, or see @flowra/test-mongo-server)';

/** The provided server; throws when the global setup is not configured (so tests never skip silently). */
export function testMongoServer(): ProvidedMongo | null {
  const server = inject('mongo');
  if (server === undefined) {
    throw new Error(
      "@flowra/test-mongo-server: nothing was provided as 'mongo'. Add " +
        "globalSetup: ['@flowra/test-mongo-server/global-setup'] to this package's vitest config.",
    );
  }
  return server;
}

const warned = new Set<string>();
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(`[mongo] skipped: ${message}`);
}

/**
 * `{ skip, reason }` for `it.skipIf(skip)`: skip when there is no server or it lacks one of the
 * capabilities. Prints the reason with console.warn once per test file.
 */
export function skipUnless(...capabilities: Capability[]): SkipDecision {
  const server = testMongoServer();
  let reason = '';
  if (!server) reason = NO_SERVER_REASON;
  else {
    const missing = capabilities.find((c) => !server.capabilities[c]);
    if (missing) reason = capabilityReason(missing, server);
  }
  if (reason) warnOnce(reason);
  return { skip: reason !== '', reason };
}

function databaseName(prefix: string): string {
  const clean = prefix.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 24) || 'db';
  return `t_${clean}_${randomBytes(5).toString('hex')}`;
}

/**
 * For a test file (or a describe block): the provided server and fresh databases on it. Call it at
 * the top level of the file or a describe block; open databases are closed after that suite.
 */
export function useTestMongo(): TestMongoHandle {
  const server = testMongoServer();
  const open = new Set<FreshDb>();

  try {
    afterAll(async () => {
      await Promise.allSettled([...open].map((handle) => handle.close()));
    });
  } catch {
    // called outside a suite's collection (e.g. inside a test): the caller closes its databases
  }

  async function freshDb(prefix = 'db', options?: MongoClientOptions): Promise<FreshDb> {
    if (!server) throw new Error(NO_SERVER_REASON);
    const client = new MongoClient(server.uri, options);
    await client.connect();
    const db = client.db(databaseName(prefix));
    let closing: Promise<void> | undefined;
    const handle: FreshDb = {
      client,
      db,
      close: () => {
        closing ??= (async () => {
          open.delete(handle);
          try {
            if (server.capabilities.dropDatabase) await db.dropDatabase();
          } finally {
            await client.close();
          }
        })();
        return closing;
      },
    };
    open.add(handle);
    return handle;
  }

  return { server, freshDb, skipUnless };
}

/**
 * `describe(name, fn)` that skips the whole block, with a printed reason, when there is no server
 * (only possible outside CI). `fn` still runs to collect the (skipped) tests: inside it, read the
 * server only in hooks and tests, or through `mongo.skipUnless(...)`, which handles a null server.
 */
export function describeMongo(name: string, fn: (mongo: TestMongoHandle) => void): void {
  const missing = !testMongoServer();
  if (missing) warnOnce(`${name}: ${NO_SERVER_REASON}`);
  describe.skipIf(missing)(name, () => fn(useTestMongo()));
}
