import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { CAPABILITY_NAMES, type Capabilities, capabilityReason, startTestMongo } from './index.js';
import { describeMongo, skipUnless, useTestMongo } from './vitest.js';

const { server } = useTestMongo();
const kind = server?.kind;

/** What /work/shared/MONGODB-TEST-SERVERS.md reports for jongodb 0.1.6. */
const EMULATOR_CAPABILITIES: Capabilities = {
  changeStreams: false,
  transactions: false,
  views: false,
  uniqueMultikey: false,
  pushOperator: false,
  maxOperator: false,
  dropDatabase: false,
  dropIndexes: false,
  collStats: false,
  projections: false,
  partialIndexes: true,
  atomicUpdates: true,
};

/** What FerretDB 1.24.2 over PostgreSQL showed when probed here (2026-12-02). */
const FERRETDB_CAPABILITIES: Capabilities = {
  changeStreams: false,
  transactions: false,
  views: false,
  uniqueMultikey: false,
  pushOperator: true,
  maxOperator: false,
  dropDatabase: true,
  dropIndexes: true,
  collStats: true,
  projections: true,
  partialIndexes: false,
  atomicUpdates: false,
};

async function isUp(uri: string): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500 });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => {});
  }
}

describeMongo('the provided test server', (mongo) => {
  it('has a label that says what it is', () => {
    const s = mongo.server!;
    if (s.kind === 'jongodb') expect(s.label).toBe('jongodb 0.1.6 emulator (not MongoDB)');
    else if (s.kind === 'ferretdb')
      expect(s.label).toMatch(
        /^FerretDB 1\.24\.2 on (PostgreSQL \d+\.\d+|SQLite .*) \(not MongoDB\)$/,
      );
    else
      expect(s.label).toMatch(
        /^MongoDB \d+\.\d+\.\d+\S* (replica set|standalone|sharded cluster) \(/,
      );
    expect(Object.keys(s.capabilities).sort()).toEqual([...CAPABILITY_NAMES].sort());
  });

  it('gives a fresh database that works (insertOne / findOne)', async () => {
    const { db, close } = await mongo.freshDb('works');
    try {
      expect(db.databaseName).toMatch(/^t_works_[0-9a-f]{10}$/);
      const events = db.collection<{ _id: string; n: number }>('events');
      await events.insertOne({ _id: 'a', n: 1 });
      expect(await events.findOne({ _id: 'a' })).toEqual({ _id: 'a', n: 1 });
    } finally {
      await close();
    }
  });

  it('gives distinct databases on each call', async () => {
    const first = await mongo.freshDb('same prefix!');
    const second = await mongo.freshDb('same prefix!');
    expect(first.db.databaseName).toMatch(/^t_same_prefix__[0-9a-f]{10}$/);
    expect(second.db.databaseName).not.toBe(first.db.databaseName);
    await first.db.collection('c').insertOne({ only: 'first' });
    expect(await second.db.collection('c').countDocuments()).toBe(0);
    expect(await first.db.collection('c').countDocuments()).toBe(1);
    // second is left open on purpose: useTestMongo() closes it after the suite
    await first.close();
    await first.close(); // idempotent
  });

  it.skipIf(kind !== 'jongodb')('reports the emulator capabilities the facts doc lists', () => {
    expect(mongo.server!.capabilities).toEqual(EMULATOR_CAPABILITIES);
    expect(skipUnless('changeStreams')).toEqual({
      skip: true,
      reason: 'the test server (jongodb emulator) has no change streams (watch / $changeStream)',
    });
    expect(skipUnless('pushOperator', 'maxOperator').reason).toBe(
      capabilityReason('pushOperator', mongo.server),
    );
  });

  it.skipIf(kind !== 'ferretdb')('reports what FerretDB 1.24 lacks, as measured', () => {
    expect(mongo.server!.capabilities).toEqual(FERRETDB_CAPABILITIES);
    expect(skipUnless('uniqueMultikey')).toEqual({
      skip: true,
      reason:
        'the test server (FerretDB) does not enforce a unique index on an array field per element',
    });
  });

  it.skipIf(kind !== 'memory-server')('reports every capability for a real replica set', () => {
    expect(Object.values(mongo.server!.capabilities).every(Boolean)).toBe(true);
  });

  it('does not skip when nothing is required', () => {
    expect(skipUnless()).toEqual({ skip: false, reason: '' });
  });

  // Examples of capability-gated tests: they run on real MongoDB and skip on the emulator.
  it.skipIf(skipUnless('projections').skip)('applies find projections', async () => {
    const { db } = await mongo.freshDb('projections');
    await db.collection('c').insertOne({ _id: 1 as never, a: 1, b: 2 });
    expect(await db.collection('c').findOne({}, { projection: { a: 1 } })).toEqual({
      _id: 1,
      a: 1,
    });
  });

  it.skipIf(skipUnless('dropDatabase').skip)('drops the database on close', async () => {
    const { db, client, close } = await mongo.freshDb('dropped');
    await db.collection('c').insertOne({ a: 1 });
    const name = db.databaseName;
    const admin = new MongoClient(mongo.server!.uri);
    try {
      await close();
      const { databases } = await admin.db('admin').admin().listDatabases();
      expect(databases.map((d) => d.name)).not.toContain(name);
      void client;
    } finally {
      await admin.close();
    }
  });
});

describe('startTestMongo', () => {
  it('rejects an unknown FLOWRA_TEST_MONGO', async () => {
    await expect(startTestMongo({ env: { FLOWRA_TEST_MONGO: 'mysql' } })).rejects.toThrow(
      /FLOWRA_TEST_MONGO=mysql is not one of/,
    );
  });

  it('refuses FLOWRA_TEST_MONGO=uri without MONGODB_URI', async () => {
    await expect(startTestMongo({ env: { FLOWRA_TEST_MONGO: 'uri' } })).rejects.toThrow(
      /MONGODB_URI is not set/,
    );
  });

  it('fails (does not fall back) when MONGODB_URI does not answer', async () => {
    const uri = 'mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300';
    await expect(startTestMongo({ env: { MONGODB_URI: uri } })).rejects.toThrow(
      /MONGODB_URI is set but the server does not answer/,
    );
  });

  it.skipIf(kind !== 'jongodb')(
    'offline, falls through to the emulator in a few seconds, and stop() ends it',
    async () => {
      const env = { ...process.env };
      delete env.MONGODB_URI;
      delete env.FLOWRA_TEST_MONGO;
      const started = Date.now();
      const mongo = await startTestMongo({ env });
      const elapsed = Date.now() - started;
      console.log(
        `[mongo] fall-through to ${mongo.label} took ${elapsed} ms: ${mongo.skipped.join('; ')}`,
      );
      try {
        expect(mongo.kind).toBe('jongodb');
        expect(mongo.serverVersion).toMatch(/jongodb/);
        expect(mongo.skipped.join('\n')).toMatch(/MONGODB_URI is not set/);
        expect(elapsed).toBeLessThan(5_000);
        expect(await isUp(mongo.uri)).toBe(true);
      } finally {
        await mongo.stop();
      }
      expect(await isUp(mongo.uri)).toBe(false);
      await mongo.stop(); // idempotent
    },
  );
});

describe('FerretDB', () => {
  it.skipIf(kind !== 'ferretdb')(
    'starts over its own PostgreSQL, and stop() removes both',
    async () => {
      const mongo = await startTestMongo({
        env: { ...process.env, FLOWRA_TEST_MONGO: 'ferretdb' },
      });
      try {
        expect(mongo.kind).toBe('ferretdb');
        expect(await isUp(mongo.uri)).toBe(true);
      } finally {
        await mongo.stop();
      }
      expect(await isUp(mongo.uri)).toBe(false);
    },
    60_000,
  );
});

describe('flowra-test-mongo start', () => {
  it.skipIf(!server)('prints MONGODB_URI and MONGO_LABEL, serves until SIGTERM', async () => {
    const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'start'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    const vars: Record<string, string> = {};
    for await (const line of createInterface({ input: child.stdout })) {
      const eq = line.indexOf('=');
      vars[line.slice(0, eq)] = line.slice(eq + 1);
      if (line.startsWith('MONGO_CAPABILITIES=')) break;
    }
    const uri = vars.MONGODB_URI?.replace(/^'(.*)'$/, '$1') ?? '';
    expect(uri).toMatch(/^mongodb(\+srv)?:\/\//);
    expect(vars.MONGO_LABEL).toMatch(/^'(MongoDB|jongodb|FerretDB) .*'$/);
    expect(await isUp(uri)).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    if (vars.MONGO_KIND !== 'uri') expect(await isUp(uri)).toBe(false);
  });
});
