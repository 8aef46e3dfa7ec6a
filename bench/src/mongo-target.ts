import { type TestMongo, startTestMongo } from '@flowra/test-mongo-server';
import { MongoClient, type MongoClientOptions } from 'mongodb';

export interface MongoTarget {
  server: TestMongo;
  /** e.g. 'jongodb 0.1.6 emulator (not MongoDB), buildInfo 8.0.0-jongodb'. */
  label: string;
  /** jongodb or FerretDB: not MongoDB, never read performance from it. */
  isEmulator: boolean;
  connect(options?: MongoClientOptions): Promise<MongoClient>;
  /** A database name no earlier run used (the emulator cannot drop databases). */
  freshDbName(prefix: string): string;
  stop(): Promise<void>;
}

/**
 * Finds a MongoDB the way the tests do (MONGODB_URI, mongodb-memory-server, the jongodb
 * emulator, then FerretDB), or the kind `--server` names; `undefined` with the reason logged
 * when there is none.
 */
export async function startMongoTarget(kind?: string): Promise<MongoTarget | undefined> {
  let server: TestMongo;
  try {
    const env = kind ? { ...process.env, FLOWRA_TEST_MONGO: kind } : process.env;
    server = await startTestMongo({ env, log: (m) => console.error(`[mongo] ${m}`) });
  } catch (error) {
    console.error(`[mongo] no MongoDB server: ${(error as Error).message}`);
    return undefined;
  }
  const clients = new Set<MongoClient>();
  const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  let n = 0;
  return {
    server,
    label: `${server.label}, buildInfo ${server.serverVersion}`,
    isEmulator: server.kind === 'jongodb' || server.kind === 'ferretdb',
    async connect(options = {}) {
      const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 10_000, ...options });
      await client.connect();
      clients.add(client);
      return client;
    },
    freshDbName: (prefix) => `${prefix}_${runId}_${n++}`,
    async stop() {
      await Promise.all([...clients].map((c) => c.close(true).catch(() => {})));
      await server.stop();
    },
  };
}
