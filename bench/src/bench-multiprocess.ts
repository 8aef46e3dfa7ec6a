import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { MongoEventStore } from '@flowra/eventstore-mongo';
import { MongoClient } from 'mongodb';
import type { Measurement } from './measurement.js';

export const tsx = createRequire(import.meta.url).resolve('tsx');

export interface MultiprocessPoint {
  processes: number;
  appends: number;
  appends_per_s: number;
  p50_ms: number;
  p99_ms: number;
  /** Server commands per acknowledged append, all writers together. */
  finds_per_append: number;
  inserts_per_append: number;
  /** Inserts refused with a duplicate key (a lost race) per acknowledged append. */
  refused_per_append: number;
  /** Appends that gave up with `AppendTimeoutError` (not counted in `appends`). */
  timeouts: number;
}

/** Server commands sent while the clock ran (see `CommandTally`). */
export interface Commands {
  find: number;
  insert: number;
  refused: number;
}

interface WriterResult {
  latencies: number[];
  ms: number;
  timeouts: number;
  commands: Commands;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** A point of a curve from every writer's latencies and the commands of all of them. */
export function curvePoint(
  processes: number,
  latenciesPerWriter: readonly (readonly number[])[],
  commands: Commands,
  timeouts: number,
  wallMs: number,
): MultiprocessPoint {
  const latencies = latenciesPerWriter.flat().sort((a, b) => a - b);
  const per = (n: number) => Math.round((n / latencies.length) * 100) / 100;
  return {
    processes,
    appends: latencies.length,
    appends_per_s: Math.round((latencies.length / wallMs) * 1000),
    p50_ms: Math.round(quantile(latencies, 0.5) * 10) / 10,
    p99_ms: Math.round(quantile(latencies, 0.99) * 10) / 10,
    finds_per_append: per(commands.find),
    inserts_per_append: per(commands.insert),
    refused_per_append: per(commands.refused),
    timeouts,
  };
}

interface Child<T> {
  process: ChildProcess;
  ready: Promise<void>;
  done: Promise<T>;
}

/**
 * The promises of a writer process: ready once it says so, done with its result, and both
 * rejected (naming the writer and the end of its stderr) when it exits otherwise.
 */
export function watchWriter<T>(
  child: ChildProcess,
  name: string,
): Child<T> & { markReady(): void; markDone(result: T): void } {
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-2_000);
  });
  let markReady: () => void = () => {};
  let markDone: (result: T) => void = () => {};
  let failed: (error: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failed = reject;
  });
  const done = new Promise<T>((resolve, reject) => {
    markDone = resolve;
    const previous = failed;
    failed = (error) => {
      previous(error);
      reject(error);
    };
  });
  child.on('exit', (code) => {
    if (code !== 0) failed(new Error(`${name} exited with ${code}: ${stderr}`));
  });
  return { process: child, ready, done, markReady, markDone };
}

function startWriter(
  uri: string,
  dbName: string,
  writer: number,
  appends: number,
  shared: number,
): Child<WriterResult> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      tsx,
      new URL('./multiprocess-writer.ts', import.meta.url).pathname,
      uri,
      dbName,
      String(writer),
      String(appends),
      String(shared),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const watched = watchWriter<WriterResult>(child, `writer ${writer}`);
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as { t: string } & WriterResult;
    if (message.t === 'ready') watched.markReady();
    if (message.t === 'done') watched.markDone(message);
  });
  return watched;
}

/**
 * 1, 2, 4 and 8 writer processes, each with its own client, appending against one database:
 * appends/s of all together and per-append latency. On streams of their own (`shared` 0) what
 * they contend for is the log's next position; with `shared` > 0 each keeps that many appends
 * at a time going to one stream they all share, and contends for the stream's next version too.
 */
export async function benchMultiprocess(
  uri: string,
  freshDbName: (prefix: string) => string,
  appendsPerWriter: number,
  counts: readonly number[] = [1, 2, 4, 8],
  shared = 0,
): Promise<MultiprocessPoint[]> {
  const points: MultiprocessPoint[] = [];
  for (const processes of counts) {
    const dbName = freshDbName(`bench_mp${processes}${shared > 0 ? 'hot' : ''}`);
    // The schema first, once: the curve is about appends, not about a fleet's first start.
    const client = await MongoClient.connect(uri);
    try {
      await new MongoEventStore(client.db(dbName)).migrate();
    } finally {
      await client.close();
    }
    const children = Array.from({ length: processes }, (_, w) =>
      startWriter(uri, dbName, w, appendsPerWriter, shared),
    );
    try {
      await Promise.all(children.map((c) => c.ready));
      const started = performance.now();
      for (const child of children) child.process.stdin!.write('go\n');
      const results = await Promise.all(children.map((c) => c.done));
      const wall = performance.now() - started;
      const total = (key: keyof Commands) => results.reduce((sum, r) => sum + r.commands[key], 0);
      points.push(
        curvePoint(
          processes,
          results.map((r) => r.latencies),
          { find: total('find'), insert: total('insert'), refused: total('refused') },
          results.reduce((sum, r) => sum + r.timeouts, 0),
          wall,
        ),
      );
    } finally {
      for (const child of children) child.process.kill('SIGKILL');
    }
  }
  return points;
}

/** A curve point as a results row: median_ms is the p50 and max_ms the p99 append latency. */
export function multiprocessRow(point: MultiprocessPoint, name: string, what: string): Measurement {
  return {
    name,
    median_ms: point.p50_ms,
    min_ms: point.p50_ms,
    max_ms: point.p99_ms,
    runs: point.appends,
    events_per_s: point.appends_per_s,
    note: `${what}; median_ms is p50 and max_ms p99 append latency`,
    details: {
      p50_ms: point.p50_ms,
      p99_ms: point.p99_ms,
      finds_per_append: point.finds_per_append,
      inserts_per_append: point.inserts_per_append,
      refused_per_append: point.refused_per_append,
      timeouts: point.timeouts,
    },
  };
}
