import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect } from '@flowra/eventstore-core';
import { MongoEventStore } from '@flowra/eventstore-mongo';
import { INDEXES } from '@flowra/eventstore-mongo/storage';
import { ProjectionRunner, defineProjection } from '@flowra/projections';
import { MongoReadModelStore } from '@flowra/projections/mongodb';
import { describeMongo } from '@flowra/test-mongo-server/vitest';
import { context, createTraceState, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { Db } from 'mongodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type FlowraResult,
  runFlowra,
  startFlowra,
  waitForOutput,
} from './test-support/run-flowra.js';
import { withEventsFind } from './test-support/events-find.js';
import { verifyStore } from './verify-store.js';

function expectCode(result: FlowraResult, code: number): void {
  expect(result.code, `stderr: ${result.stderr}\nstdout: ${result.stdout}`).toBe(code);
}

/**
 * Numbers a server may not keep: MongoDB stores -0, NaN and ±Infinity as BSON doubles; FerretDB
 * gives -0 back as 0, refuses ±Infinity and drops the connection on NaN, so there the seed uses
 * ordinary numbers in their place (and says so once).
 */
let awkward = { negZero: -0, nan: Number.NaN, minusInf: Number.NEGATIVE_INFINITY };

/** The span the seed's last append is made in: its events keep its W3C trace context. */
let seedSpan: { traceparent: string; tracestate: string } | undefined;

/** A small store: the emulator is slow. 3 streams, 14 events, Dates and awkward values in data. */
async function seed(db: Db): Promise<void> {
  const tracerProvider = new BasicTracerProvider();
  const store = new MongoEventStore(db, { tracerProvider });
  try {
    for (const chat of ['Chat-1', 'Chat-2', 'Order_7']) {
      await store.append(chat, [
        {
          type: 'Opened',
          data: { title: chat, openedAt: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678)) },
          metadata: { userId: 'u-1', correlationId: 'c-1', sentAt: new Date(42) },
        },
      ]);
    }
    for (let i = 1; i <= 4; i++) {
      await store.append(i % 2 ? 'Chat-1' : 'Chat-2', [
        {
          type: 'Posted',
          data: {
            text: `m${i}`,
            nested: {
              when: [new Date(86_400_000 * i)],
              $odd: { $date: 'x' },
              'a.b': awkward.negZero,
              n: awkward.nan,
            },
          },
        },
        { type: 'Read', data: { by: 'u-2' } },
      ]);
    }
    const request = tracerProvider.getTracer('seed').startSpan(
      'request',
      {},
      trace.setSpanContext(context.active(), {
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        traceFlags: 1,
        traceState: createTraceState('flowra=cli'),
      }),
    );
    await context.with(trace.setSpan(context.active(), request), () =>
      store.append('Order_7', [
        { type: 'Closed', data: {} },
        { type: 'Archived', data: { inf: awkward.minusInf } },
        { type: 'Purged', data: {} },
      ]),
    );
    request.end();
    const [closed] = await store.getEvents('Order_7', 2);
    seedSpan = closed!.metadata as typeof seedSpan;
    await store.saveSnapshot({
      streamId: 'Chat-1',
      version: 3,
      data: { seen: 3 },
      timestamp: new Date(7),
    });
  } finally {
    await store.close();
  }
}

describeMongo('flowra against the test server', (mongo) => {
  let dir: string;
  if (mongo.server?.kind === 'ferretdb') {
    awkward = { negZero: 0, nan: 1.5, minusInf: -1e308 };
    console.warn(
      `[mongo] ${mongo.server.label}: -0, NaN and ±Infinity left out of the exported data (it cannot keep them; MongoDB can)`,
    );
  }
  const target = (db: Db) => ['--uri', mongo.server!.uri, '--db', db.databaseName];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flowra-cli-'));
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(async () => {
    context.disable();
    await rm(dir, { recursive: true, force: true });
  });

  it('migrate creates the schema; running it again creates nothing', async () => {
    const { db } = await mongo.freshDb('cli_migrate');
    const sound = mongo.server!.capabilities.uniqueMultikey;
    const wanted = INDEXES.filter((i) => sound || !i.multikey);
    const dry = await runFlowra(['migrate', '--dry-run', '--json', ...target(db)]);
    expectCode(dry, 0);
    expect(JSON.parse(dry.stdout).created).toEqual(
      expect.arrayContaining(
        INDEXES.filter((i) => !i.multikey).map((i) => `index ${i.collection}.${i.name}`),
      ),
    );
    expect(
      (
        await db
          .collection('events')
          .listIndexes()
          .toArray()
          .catch(() => [])
      ).length,
    ).toBeLessThanOrEqual(1);

    const first = await runFlowra(['migrate', '--json', ...target(db)]);
    expectCode(first, 0);
    const report = JSON.parse(first.stdout) as {
      created: string[];
      skipped: { name: string; reason: string }[];
      uniqueMultikey: boolean;
    };
    expect(report.uniqueMultikey).toBe(sound);
    for (const index of wanted)
      expect(report.created).toContain(`index ${index.collection}.${index.name}`);
    if (!sound) {
      // Said where the operator looks: which indexes, why, and what holds instead.
      const human = await runFlowra(['migrate', '--dry-run', ...target(db)]);
      expect(human.stdout).toContain('! index events.events_position_unique: this server');
      expect(human.stdout).toContain('positions then rest on');
    }

    const second = await runFlowra(['migrate', ...target(db)]);
    expectCode(second, 0);
    expect(second.stdout).not.toContain('Created');
    expect(second.stdout).toContain('Schema up to date: nothing to create.');
    for (const index of wanted)
      expect(second.stdout).toContain(`= index ${index.collection}.${index.name}`);
    const again = JSON.parse((await runFlowra(['migrate', '--json', ...target(db)])).stdout);
    expect(again.created).toEqual([]);
  });

  it('migrate and verify refuse an index the guarantees rest on that is not unique', async () => {
    const { db } = await mongo.freshDb('cli_notunique');
    await db.collection('events').createIndex({ position: 1 }, { name: 'position_unique' });
    const migrated = await runFlowra(['migrate', ...target(db)]);
    expectCode(migrated, 1);
    expect(migrated.stdout).toContain('events.position_unique exists but is not unique');
    expect(migrated.stdout).toContain("Run 'flowra migrate'");
    const verified = await runFlowra(['verify', '--json', ...target(db)]);
    expectCode(verified, 1);
    expect(JSON.parse(verified.stdout).problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'index-different',
          message: expect.stringContaining(
            'index events.position_unique is {"position":1}, expected {"position":1} unique',
          ),
        }),
      ]),
    );
  });

  it.skipIf(mongo.skipUnless('partialIndexes').skip)(
    'migrate and verify refuse a unique index that leaves commits out (partial)',
    async () => {
      const { db } = await mongo.freshDb('cli_partial');
      await db.collection('events').createIndex(
        { position: 1 },
        {
          name: 'position_unique',
          unique: true,
          partialFilterExpression: { position: { $gt: 100 } },
        },
      );
      const migrated = await runFlowra(['migrate', ...target(db)]);
      expectCode(migrated, 1);
      expect(migrated.stdout).toContain('events.position_unique is unique only where');
      const verified = await runFlowra(['verify', '--json', ...target(db)]);
      expectCode(verified, 1);
      expect(JSON.stringify(JSON.parse(verified.stdout).problems)).toContain(
        'is unique only where {\\"position\\":{\\"$gt\\":100}}',
      );
    },
  );

  it('projections lists each projection with its state, checkpoint, lag and last error', async () => {
    const { db } = await mongo.freshDb('cli_projections');
    await seed(db);
    const store = new MongoEventStore(db);
    const readModels = new MongoReadModelStore(db);
    const counting = (name: string, failAt?: number) =>
      defineProjection({
        name,
        collections: ['counts'],
        async handle(event, docs) {
          if (event.position === failAt) throw new Error('cannot count this one');
          const doc = await docs.get<{ n: number }>('counts', event.streamId);
          docs.put('counts', event.streamId, { n: (doc?.n ?? 0) + 1 });
        },
      });
    const runners = [
      new ProjectionRunner({
        store,
        readModels,
        projection: counting('counter'),
        owner: 'cli-test',
      }),
      new ProjectionRunner({
        store,
        readModels,
        projection: counting('broken', 4),
        restart: false,
        log: () => {},
      }),
    ];
    try {
      for (const runner of runners) runner.start();
      expect(await runners[0]!.waitFor(14, 20_000)).toBe(true);
      await runners[1]!.done;

      const json = await runFlowra(['projections', '--json', ...target(db)]);
      expectCode(json, 1);
      const { projections } = JSON.parse(json.stdout) as { projections: Record<string, unknown>[] };
      expect(projections).toEqual([
        expect.objectContaining({ name: 'broken', status: 'failed', checkpoint: 3, lagEvents: 11 }),
        expect.objectContaining({
          name: 'counter',
          status: 'running',
          owner: 'cli-test',
          checkpoint: 14,
          head: 14,
          lagEvents: 0,
        }),
      ]);
      expect(projections[0]!.error).toMatchObject({
        position: 4,
        message: expect.stringContaining('cannot count'),
      });
      const human = await runFlowra(['projections', ...target(db)]);
      expect(human.stdout).toMatch(/counter\s+running\s+14\s+14\s+0/);
      expect(human.stdout).toContain('broken: ');
      expect(human.stdout).toContain('at position 4');
    } finally {
      await Promise.all(runners.map((r) => r.stop()));
      await store.close();
    }
  });

  it('stats counts events, streams, snapshots and types, and says when sizes are not reported', async () => {
    const { db } = await mongo.freshDb('cli_stats');
    await seed(db);
    const json = await runFlowra(['stats', '--json', ...target(db)]);
    expectCode(json, 0);
    const stats = JSON.parse(json.stdout);
    expect(stats).toMatchObject({
      events: 14,
      streams: 3,
      snapshots: 1,
      lastPosition: 14,
      commits: 8,
    });
    expect(stats.eventsByType).toEqual(
      [
        { type: 'Opened', count: 3 },
        { type: 'Posted', count: 4 },
        { type: 'Read', count: 4 },
        { type: 'Archived', count: 1 },
        { type: 'Closed', count: 1 },
        { type: 'Purged', count: 1 },
      ].sort((a, b) => b.count - a.count || a.type.localeCompare(b.type)),
    );
    const human = await runFlowra(['stats', ...target(db)]);
    expectCode(human, 0);
    expect(human.stdout).toMatch(/Events\s+14/);
    expect(human.stdout).toMatch(/Posted\s+4/);
    for (const sizes of [stats.storage.database, stats.storage.events]) {
      if (sizes === null) expect(human.stdout).toContain('not reported by this server');
      else expect(sizes.dataSize).toBeGreaterThan(0);
    }
  });

  it('read prints a stream forwards, backwards and limited, as a table or NDJSON', async () => {
    const { db } = await mongo.freshDb('cli_read');
    await seed(db);
    const table = await runFlowra(['read', 'Chat-1', ...target(db)]);
    expectCode(table, 0);
    const rows = table.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^VERSION\s+POSITION\s+TYPE/);
    expect(rows).toHaveLength(6);
    expect(rows[1]).toMatch(/^\s*1\s+1\s+Opened\s+/);
    expect(rows[1]).toContain('{"title":"Chat-1","openedAt":{"$date":"2025-01-02T03:04:05.678Z"}}');

    const json = await runFlowra([
      'read',
      'Chat-1',
      '--backwards',
      '--limit',
      '2',
      '--from',
      '2',
      '--json',
      ...target(db),
    ]);
    expectCode(json, 0);
    const events = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.map((e) => [e.version, e.type])).toEqual([
      [5, 'Read'],
      [4, 'Posted'],
    ]);

    const missing = await runFlowra(['read', 'Nope-1', '--json', ...target(db)]);
    expect(missing).toMatchObject({ code: 0, stdout: '' });

    // As `head -n 0`: nothing asked for, nothing printed, and no claim that the stream is empty.
    const none = await runFlowra(['read', 'Chat-1', '--limit', '0', ...target(db)]);
    expect(none).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const empty = await runFlowra(['read', 'Nope-1', ...target(db)]);
    expect(empty).toMatchObject({
      code: 0,
      stdout: '',
      stderr: "Stream 'Nope-1' has no events.\n",
    });
  });

  it('export → import into a fresh database → verify is clean and both stores hold identical events', async () => {
    const { db: source } = await mongo.freshDb('cli_src');
    const { db: copy } = await mongo.freshDb('cli_copy');
    await seed(source);
    const file = join(dir, 'export.ndjson');

    const exported = await runFlowra(['export', '--out', file, ...target(source)]);
    expectCode(exported, 0);
    expect(exported.stderr).toContain('Exported 14 events (positions 1–14)');
    const text = await readFile(file, 'utf8');
    expect(text.trim().split('\n')).toHaveLength(14);
    const viaStdout = await runFlowra(['export', ...target(source)]);
    expect(viaStdout.stdout).toBe(text);
    // The trace context of the append that wrote them travels with the events.
    expect(seedSpan?.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(seedSpan?.tracestate).toBe('flowra=cli');
    const traced = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { metadata?: Record<string, unknown> })
      .filter((e) => e.metadata?.tracestate !== undefined);
    expect(traced).toHaveLength(3);
    for (const e of traced) expect(e.metadata).toMatchObject(seedSpan!);

    const imported = await runFlowra(['import', file, ...target(copy)]);
    expectCode(imported, 0);
    expect(imported.stdout).toContain('Imported 14 events in 8 commits (positions 1–14)');

    const verified = await runFlowra(['verify', ...target(copy)]);
    expectCode(verified, 0);
    expect(verified.stdout).toContain('OK: no problems found.');

    const a = new MongoEventStore(source);
    const b = new MongoEventStore(copy);
    try {
      const [left, right] = await Promise.all([collect(a.readAll()), collect(b.readAll())]);
      expect(right).toHaveLength(14);
      expect(right).toStrictEqual(left);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    const original = await source
      .collection('events')
      .find({}, { sort: { position: 1 } })
      .toArray();
    const rebuilt = await copy
      .collection('events')
      .find({}, { sort: { position: 1 } })
      .toArray();
    const shape = (docs: typeof original) => docs.map(({ _id, ...doc }) => doc);
    expect(shape(rebuilt)).toStrictEqual(shape(original));

    // Running the same import again is a no-op.
    const rerun = await runFlowra(['import', file, ...target(copy)]);
    expectCode(rerun, 0);
    expect(rerun.stdout).toContain('Already imported');
    expect(await copy.collection('events').countDocuments()).toBe(8);

    // An export of the copy is byte for byte the original export.
    expect((await runFlowra(['export', ...target(copy)])).stdout).toBe(text);
  });

  it('import continues a log from an export --from slice, and refuses a slice that would leave a gap', async () => {
    const { db: source } = await mongo.freshDb('cli_slice_src');
    const { db: copy } = await mongo.freshDb('cli_slice_copy');
    await seed(source);
    const head = join(dir, 'head.ndjson');
    const rest = join(dir, 'rest.ndjson');
    const all = (await runFlowra(['export', ...target(source)])).stdout.split('\n');
    await writeFile(head, `${all.slice(0, 5).join('\n')}\n`);
    expectCode(await runFlowra(['export', '--from', '5', '--out', rest, ...target(source)]), 0);

    const gap = await runFlowra(['import', rest, ...target(copy)]);
    expectCode(gap, 1);
    expect(gap.stderr).toContain('would leave a gap');
    expect(
      await copy.collection('events').countDocuments(),
      'events written by a refused import',
    ).toBe(0);

    expectCode(await runFlowra(['import', head, ...target(copy)]), 0);
    const continued = await runFlowra(['import', rest, ...target(copy)]);
    expectCode(continued, 0);
    expect(continued.stdout).toContain('Imported 9 events');
    expectCode(await runFlowra(['verify', ...target(copy)]), 0);
    expect((await runFlowra(['export', ...target(copy)])).stdout).toBe(all.join('\n'));
  });

  it('verify reports a gap after one commit document is deleted, and exits 1', async () => {
    const { db } = await mongo.freshDb('cli_verify');
    await seed(db);
    expectCode(await runFlowra(['verify', ...target(db)]), 0);
    // Positions 4–5: Chat-1's first Posted/Read commit.
    const deleted = await db.collection('events').deleteOne({ position: 4 });
    expect(deleted.deletedCount).toBe(1);

    const human = await runFlowra(['verify', ...target(db)]);
    expectCode(human, 1);
    expect(human.stdout).toContain('positions 4–5 are missing');
    expect(human.stdout).toContain("stream 'Chat-1' is missing versions 2–3");

    const json = await runFlowra(['verify', '--json', ...target(db)]);
    expectCode(json, 1);
    const report = JSON.parse(json.stdout);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p: { kind: string }) => p.kind)).toEqual(
      expect.arrayContaining(['position-gap', 'version-gap']),
    );

    // The last commit (Order_7's positions 12–14) removed: nothing after it shows the hole,
    // the mark the store keeps of its log's end does.
    await db.collection('events').deleteOne({ position: 12 });
    const tail = await runFlowra(['verify', ...target(db)]);
    expectCode(tail, 1);
    expect(tail.stdout).toContain("positions 12–14 are missing at the log's end");
  });

  it('verify raises no alarm for appends another process makes while it runs', async () => {
    const { db } = await mongo.freshDb('cli_verify_live');
    await seed(db);
    const store = new MongoEventStore(db);
    // Commits appended (and the log's end mark raised) right after the scan has read the last
    // commit and before verify reads anything else: what another process writing does.
    const appendAfterScan = async () => {
      for (let i = 0; i < 3; i++) await store.append('Live-1', [{ type: 'Tick', data: { i } }]);
      await store.close();
    };
    const scanned = withEventsFind(db, (cursor) => ({
      async *[Symbol.asyncIterator]() {
        yield* cursor;
        await appendAfterScan();
      },
      close: () => cursor.close(),
    }));
    const report = await verifyStore(scanned);
    expect(report.problems).toEqual([]);
    expect(report.lastPosition).toBe(14);
    const after = await runFlowra(['verify', '--json', ...target(db)]);
    expectCode(after, 0);
    expect(JSON.parse(after.stdout).lastPosition).toBe(17);
  });

  it('verify reports undecodable documents and missing indexes', async () => {
    const { db } = await mongo.freshDb('cli_verify_bad');
    await db.collection('events').insertOne({
      aggregate_id: 'Chat-1',
      aggregate_type: 'Chat',
      version: 1,
      last_version: 1,
      position: 1,
      last_position: 1,
      created_at: new Date(),
      events: [{ event_id: 'x', version: 1, data: {}, metadata: {}, created_at: new Date() }],
    });
    const result = await runFlowra(['verify', '--json', ...target(db)]);
    expectCode(result, 1);
    const kinds = JSON.parse(result.stdout).problems.map((p: { kind: string }) => p.kind);
    expect(kinds).toContain('undecodable');
    expect(kinds).toContain('index-missing');
    expect(kinds).toContain('schema-not-migrated');
  });

  it('a schema record edited by hand is named by verify and mended by migrate', async () => {
    const { db } = await mongo.freshDb('cli_bad_record');
    await seed(db);
    await db
      .collection<{ _id: string }>('events_meta')
      .updateOne({ _id: 'events' }, { $set: { uniqueMultikey: 'maybe', junk: [1] } });

    const before = await runFlowra(['verify', '--json', ...target(db)]);
    expectCode(before, 1);
    const problems = JSON.parse(before.stdout).problems as { kind: string; message: string }[];
    expect(problems.map((p) => p.kind)).toEqual(['schema-record-malformed']);
    expect(problems[0]!.message).toContain(
      'record events_meta.events, which says which indexes this server can keep, is malformed (uniqueMultikey is "maybe", not true or false): run flowra migrate',
    );

    const migrated = await runFlowra(['migrate', ...target(db)]);
    expectCode(migrated, 0);
    expect(migrated.stdout).toContain(
      'Repaired (1):\n  ~ record events_meta.events: uniqueMultikey is "maybe", not true or false: probed the server again and rewrote it',
    );
    expect(migrated.stdout).not.toContain('Schema up to date');
    expectCode(await runFlowra(['verify', ...target(db)]), 0);
    const again = await runFlowra(['migrate', '--json', ...target(db)]);
    expectCode(again, 0);
    expect(JSON.parse(again.stdout).repaired).toEqual([]);
  });

  it('tail prints an event appended while it runs, and exits 0 on SIGINT', async () => {
    const { db } = await mongo.freshDb('cli_tail');
    await seed(db);
    const child = startFlowra(['tail', '--json', '--type', 'Live', ...target(db)]);
    const exited = new Promise<number | null>((resolve) =>
      child.on('close', (code) => resolve(code)),
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    try {
      await waitForOutput(child.stderr, /Following .* after position 14/);
      const store = new MongoEventStore(db);
      await store.append('Chat-2', [
        { type: 'Ignored', data: {} },
        { type: 'Live', data: { at: new Date(99) } },
      ]);
      await store.close();
      const printed = await waitForOutput(child.stdout, /\n/);
      const event = JSON.parse(printed.trim().split('\n')[0]!);
      expect(event).toMatchObject({
        streamId: 'Chat-2',
        type: 'Live',
        version: 7,
        position: 16,
        data: { at: { $date: '1970-01-01T00:00:00.099Z' } },
      });
      child.kill('SIGINT');
      expect(await exited, stderr).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('import refuses a malformed line with its number and writes nothing', async () => {
    const { db: source } = await mongo.freshDb('cli_bad_src');
    const { db: copy } = await mongo.freshDb('cli_bad_copy');
    await seed(source);
    const lines = (await runFlowra(['export', ...target(source)])).stdout.trim().split('\n');
    lines[6] = lines[6]!.replace(/"version":\d+/, '"version":"seven"');
    const file = join(dir, 'malformed.ndjson');
    await writeFile(file, `${lines.join('\n')}\n`);

    const result = await runFlowra(['import', file, ...target(copy)]);
    expectCode(result, 2);
    expect(result.stderr).toContain(`${file} line 7: version must be a positive integer`);
    expect(
      await copy.collection('events').countDocuments(),
      'events written by a refused import',
    ).toBe(0);
  });

  it('import refuses a file that gives one event id twice in a stream, and writes nothing', async () => {
    const { db: source } = await mongo.freshDb('cli_dupid_src');
    const { db: copy } = await mongo.freshDb('cli_dupid_copy');
    await seed(source);
    const lines = (await runFlowra(['export', ...target(source)])).stdout.trim().split('\n');
    // Lines 4 and 5 are one commit of Chat-1 (its first Posted and Read): the same id twice in it.
    const idOf = (line: string) => /"eventId":"([^"]+)"/.exec(line)![1]!;
    lines[4] = lines[4]!.replace(idOf(lines[4]!), idOf(lines[3]!));
    const file = join(dir, 'repeated-id.ndjson');
    await writeFile(file, `${lines.join('\n')}\n`);

    const result = await runFlowra(['import', file, ...target(copy)]);
    expectCode(result, 2);
    expect(result.stderr).toContain(`${file} line 5:`);
    expect(result.stderr).toContain('repeats an event id given earlier in its stream');
    expect(await copy.collection('events').countDocuments()).toBe(0);
  });

  it('import refuses a target whose log holds other events and writes nothing', async () => {
    const { db: source } = await mongo.freshDb('cli_clash_src');
    const { db: other } = await mongo.freshDb('cli_clash_other');
    await seed(source);
    const store = new MongoEventStore(other);
    await store.append('Chat-1', [{ type: 'Elsewhere', data: {} }]);
    await store.close();
    const file = join(dir, 'clash.ndjson');
    expectCode(await runFlowra(['export', '--out', file, ...target(source)]), 0);

    const result = await runFlowra(['import', file, ...target(other)]);
    expectCode(result, 1);
    expect(result.stderr).toContain('import refused, nothing written');
    expect(result.stderr).toMatch(
      /line 1: the file has Opened .* where the target holds Elsewhere .*position 1\)/,
    );
    expect(await other.collection('events').countDocuments()).toBe(1);
  });
});
