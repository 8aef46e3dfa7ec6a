/**
 * `pnpm bench [--quick]`: throughput and latency of the in-memory and MongoDB stores, each
 * adapter figure next to a baseline measured in the same process on the same server. Writes
 * a table to the terminal and results/latest.json. A measurement: no thresholds.
 */
import { InMemoryEventStore } from '@flowra/eventstore-core';
import { MongoEventStore } from '@flowra/eventstore-mongo';
import { readArgs } from './cli-args.js';
import { benchConcurrency, CONCURRENCY_SIZES } from './bench-concurrency.js';
import { benchInMemory, IN_MEMORY_SIZES } from './bench-in-memory.js';
import { benchMongoVsRaw, MONGO_SIZES } from './bench-mongo-vs-raw.js';
import {
  benchMultiprocess,
  type MultiprocessPoint,
  multiprocessRow,
} from './bench-multiprocess.js';
import {
  benchProjectionsInMemory,
  benchProjectionsMongo,
  FERRETDB_STREAMS,
  PROJECTION_SIZES,
} from './bench-projections.js';
import { benchRepository, type RepositoryResult } from './bench-repository.js';
import { benchSequenced } from './bench-sequenced.js';
import { benchTelemetryInMemory, benchTelemetryMongo } from './bench-telemetry.js';
import type { Measurement } from './measurement.js';
import { startMongoTarget } from './mongo-target.js';
import {
  type BenchReport,
  FIGURE_NAMES,
  type Figures,
  formatFigures,
  formatRatios,
  formatTable,
  RATIO_NAMES,
  RESULTS_FILE,
  type Ratios,
  writeReport,
} from './results-report.js';

const args = readArgs();
const mode = args.quick ? 'quick' : 'full';
const started = performance.now();
const rows: Measurement[] = [];
const notes: string[] = [
  'memory_small_append100_vs_floor: CPU time of the in-memory store appending the small { text, n, at } events (validated, copied, frozen, ids made, versions checked) over an isolating floor written for exactly that shape (a copy of the data and its Date, frozen, in a frozen record on the log and stream arrays, nothing else), run in turn: how far the store is from the least any isolating store must do. The events/s of the floor row say what 1,000,000 events/s means on the machine at hand. memory_small_append100_vs_floor_with_ids: the same over a floor that also gives each event an id (a string of its own, made before timing) and copies the data with an object literal, the cheapest copy (docs/performance.md): the least an isolating store can do.',
  "cpu_load1000_adapter_vs_driver_same_documents: CPU time of the adapter's getEvents over the driver alone reading the same commit documents with the same projection (find, sort, toArray; nothing decoded): the server sends both the same bytes, so this is what the adapter itself adds. cpu_load1000_adapter_vs_raw compares with one document per event in a shape of the baseline's own, and on a server that ignores projections (jongodb) the adapter's shape brings every stored field.",
  'cpu_*_adapter_vs_raw: CPU time of this process (process.cpuUsage, user + system) of the adapter over the raw driver doing the same work on the same server, run in turn (ABBA) and taken as the median of the per-pair ratios: what the adapter costs the client, whatever the server takes. multiprocess4_vs_single_throughput is appends/s of 4 writer processes together over 1 (each with its own client, on streams of its own). sequenced4_vs_single_throughput is appends/s of 4 writer processes that send their appends over IPC to one process placing them all through one store (design A of docs/scaling.md as a prototype: no lease, no failover) over the same single writer process appending itself.',
  'Ratios *_adapter_vs_raw and load10k_snapshot_vs_replay are median time of the first over the second (below 1: the first is faster); concurrent8_adapter_vs_raw_throughput is appends/s of the adapter over the raw driver (above 1: the adapter is faster).',
  "projection_apply_vs_raw_bulkwrite is median time of our ProjectionRunner (fresh projection, start() to waitFor(head), into a MongoReadModelStore) over the raw driver reading the same commits with one cursor and writing the same per-stream documents with bulkWrite upserts, per 500 events; the runner also reads each batch's documents first, writes conditionally and moves a fenced checkpoint, which the baseline does not.",
  'cpu_otel_off_*_vs_uninstrumented: CPU time of in-memory appends through the instrumented append() with no OpenTelemetry SDK registered over the same appends through appendSync() (what append() was before the instrumentation), same process. cpu_otel_sdk_*_vs_off: with an SDK registered (every span sampled, BatchSpanProcessor to an exporter that drops them, metrics aggregated, async-hooks context) over no SDK.',
  "The read rows (load1000, readall10k) are timed after untimed rounds of both reads in turn (20 for load1000, 5 for readall10k; the append100 rows get 5 such rounds too) and 5 untimed runs of their own, adapter and raw alike: whichever read was timed first after the writes paid for warming the driver's find/cursor/BSON code and collecting the writes' garbage (4-5 ms more CPU per 200-event run, the raw find included when it went first), and the adapter always went first. The raw baseline is otherwise unchanged (its stream find even takes two round trips, a first batch of 101 and a getMore, where the adapter asks for its whole page in one).",
  "The stores run from their built packages (each package's dist, as installed), not from their sources: the bench's own files go through tsx, whose keepNames transform made some of the stores' hot paths up to twice as slow when it compiled them too.",
];
const ratios = Object.fromEntries(RATIO_NAMES.map((n) => [n, null])) as Ratios;
const figures = Object.fromEntries(FIGURE_NAMES.map((n) => [n, null])) as Figures;
const projectionSizes = PROJECTION_SIZES[mode];
const timeRatio = (a: Measurement, b: Measurement) => round2(a.median_ms / b.median_ms);
const round2 = (n: number) => Math.round(n * 100) / 100;
/** Appends each writer process keeps going at a time in the shared-stream figures. */
const HOT_STREAM_CONCURRENCY = 25;
const section = (title: string) =>
  console.error(`[bench] ${title} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
let failed = false;

/** A curve's rows, and its points' appends/s as figures `<figure><processes>_appends_per_s`. */
function addCurve(
  points: readonly MultiprocessPoint[],
  figure: 'multiprocess' | 'sequenced' | 'hot_stream',
  label: string,
  what: string,
): void {
  for (const point of points) {
    const processes = point.processes;
    rows.push(
      multiprocessRow(point, `MongoDB appends from ${processes} writer process(es)${label}`, what),
    );
    const key = `${figure}${processes}_appends_per_s`;
    if (key in figures) figures[key as keyof Figures] = point.appends_per_s;
  }
}

console.error(`[bench] mode ${mode}, node ${process.version}`);
let server = 'in-memory';
let repositoryRatioFrom: RepositoryResult | undefined;
try {
  section('in-memory store');
  const memory = await benchInMemory(IN_MEMORY_SIZES[mode]);
  rows.push(...memory.rows);
  ratios.memory_small_append100_vs_floor = memory.smallAppendVsFloor;
  ratios.memory_small_append100_vs_floor_with_ids = memory.smallAppendVsFloorWithIds;
  section('OpenTelemetry overhead on the in-memory store');
  const otelMemory = await benchTelemetryInMemory(args.quick);
  rows.push(...otelMemory.rows);
  Object.assign(ratios, otelMemory.ratios);
  section('repository on the in-memory store');
  const memStore = new InMemoryEventStore();
  const memRepo = await benchRepository(memStore, 'in-memory', {
    runs: args.quick ? 5 : 10,
    events: 10_000,
    tail: 50,
  });
  rows.push(...memRepo.rows);
  repositoryRatioFrom = memRepo;
  await memStore.close();
  section('projection runner on the in-memory stores');
  const memProjection = await benchProjectionsInMemory(projectionSizes);
  rows.push(memProjection);
  figures.projection_apply_in_memory_events_per_s = memProjection.events_per_s;

  section('starting MongoDB');
  const target = await startMongoTarget(args.server);
  if (!target) {
    notes.push('No MongoDB server was available: the MongoDB figures and ratios are missing.');
  } else {
    server = target.label;
    console.error(`[bench] MongoDB: ${target.label}`);
    if (target.isEmulator) {
      notes.push(
        `The MongoDB figures come from ${target.label}, a wire-protocol emulator: they show the harness works, not how MongoDB performs.`,
      );
    }
    try {
      const client = await target.connect();
      section('MongoDB adapter vs raw driver');
      const vsRaw = await benchMongoVsRaw(
        client.db(target.freshDbName('bench_adapter')),
        client.db(target.freshDbName('bench_raw')),
        MONGO_SIZES[mode],
      );
      rows.push(...vsRaw.rows);
      ratios.append100_adapter_vs_raw = timeRatio(...vsRaw.append);
      ratios.load1000_adapter_vs_raw = timeRatio(...vsRaw.load);
      ratios.readall10k_adapter_vs_raw = timeRatio(...vsRaw.log);
      ratios.cpu_append100_adapter_vs_raw = vsRaw.cpu.append.ratio;
      ratios.cpu_load1000_adapter_vs_raw = vsRaw.cpu.load.ratio;
      ratios.cpu_readall10k_adapter_vs_raw = vsRaw.cpu.log.ratio;
      ratios.cpu_load1000_adapter_vs_driver_same_documents = vsRaw.cpu.loadSameDocuments.ratio;
      const sizes = MONGO_SIZES[mode];
      if (sizes.streamEvents !== 1_000 || sizes.logEvents !== 10_000) {
        notes.push(
          `Quick mode: load1000 measured on ${sizes.streamEvents} events, readall10k on ${sizes.logEvents}.`,
        );
      }

      section('OpenTelemetry overhead on MongoDB appends');
      const otelMongo = await benchTelemetryMongo(
        client.db(target.freshDbName('bench_otel')),
        args.quick,
      );
      rows.push(...otelMongo.rows);
      Object.assign(ratios, otelMongo.ratios);

      section('MongoDB concurrency');
      const monitored = await target.connect({ monitorCommands: true, maxPoolSize: 32 });
      const conc = await benchConcurrency(
        monitored,
        monitored.db(target.freshDbName('bench_conc_adapter')),
        monitored.db(target.freshDbName('bench_conc_raw')),
        CONCURRENCY_SIZES[mode],
      );
      rows.push(...conc.rows);
      if (conc.adapterDistinct.events_per_s && conc.rawDistinct.events_per_s) {
        ratios.concurrent8_adapter_vs_raw_throughput = round2(
          conc.adapterDistinct.events_per_s / conc.rawDistinct.events_per_s,
        );
      }

      section('writers in 1, 2, 4 and 8 processes');
      const perWriter = args.quick ? 100 : 500;
      const uri = target.server.uri;
      const freshDb = (prefix: string) => target.freshDbName(prefix);
      const curve = await benchMultiprocess(uri, freshDb, perWriter);
      addCurve(
        curve,
        'multiprocess',
        '',
        `${perWriter} single-event appends per process to streams of its own`,
      );
      const single = curve.find((p) => p.processes === 1)?.appends_per_s;
      const four = curve.find((p) => p.processes === 4)?.appends_per_s;
      if (single && four) ratios.multiprocess4_vs_single_throughput = round2(four / single);

      section('writers in 1, 2, 4 and 8 processes through one sequencer (design A prototype)');
      const sequenced = await benchSequenced(uri, freshDb, perWriter);
      addCurve(
        sequenced,
        'sequenced',
        ' through one sequencer',
        `${perWriter} single-event appends per process to streams of its own, sent over IPC to one process that places them all through one store (design A of docs/scaling.md, no lease)`,
      );
      const sequencedFour = sequenced.find((p) => p.processes === 4)?.appends_per_s;
      if (single && sequencedFour) {
        ratios.sequenced4_vs_single_throughput = round2(sequencedFour / single);
      }

      section('writers in 1 and 4 processes on one shared stream');
      const hot = await benchMultiprocess(uri, freshDb, perWriter, [1, 4], HOT_STREAM_CONCURRENCY);
      addCurve(
        hot,
        'hot_stream',
        ' to one shared stream',
        `${perWriter} single-event appends per process, ${HOT_STREAM_CONCURRENCY} at a time, all to one stream ('any')`,
      );

      section('repository on MongoDB');
      const mongoStore = new MongoEventStore(client.db(target.freshDbName('bench_repo')));
      const events = args.quick ? 2_000 : 10_000;
      repositoryRatioFrom = await benchRepository(mongoStore, 'mongo', {
        runs: 10,
        events,
        tail: 50,
      });
      rows.push(...repositoryRatioFrom.rows);
      if (events !== 10_000)
        notes.push(
          `Quick mode: load10k_snapshot_vs_replay measured on MongoDB with a ${events}-event Chat.`,
        );
      await mongoStore.close();

      section('projection runner on MongoDB vs raw bulkWrite');
      const onFerret = target.server.kind === 'ferretdb';
      const projection = await benchProjectionsMongo(
        client.db(target.freshDbName('bench_projection')),
        onFerret ? { ...projectionSizes, streams: FERRETDB_STREAMS } : projectionSizes,
      );
      if (onFerret) {
        notes.push(
          `On FerretDB the projection fold runs over ${FERRETDB_STREAMS} streams, not ${projectionSizes.streams}: FerretDB never answers an update command that changes more than about 50 existing documents, which a batch over ${projectionSizes.streams} streams does (the runner and the raw baseline alike).`,
        );
      }
      rows.push(...projection.rows);
      ratios.projection_apply_vs_raw_bulkwrite = timeRatio(projection.ours, projection.raw);
      figures.projection_apply_mongo_events_per_s = projection.ours.events_per_s;
      figures.projection_raw_bulkwrite_events_per_s = projection.raw.events_per_s;
      if (projectionSizes.events !== PROJECTION_SIZES.full.events) {
        notes.push(
          `Quick mode: the projection figures are measured on ${projectionSizes.events} events in MongoDB and ${projectionSizes.inMemoryEvents} in memory.`,
        );
      }
    } finally {
      await target.stop();
    }
  }
  if (repositoryRatioFrom) {
    ratios.load10k_snapshot_vs_replay = timeRatio(
      repositoryRatioFrom.snapshot,
      repositoryRatioFrom.replay,
    );
  }
} catch (error) {
  failed = true;
  console.error('[bench] failed:', error);
  notes.push(`The run failed before it finished: ${(error as Error).message}`);
}

const report: BenchReport = {
  server,
  node: process.version,
  when: new Date().toISOString(),
  mode,
  results: rows,
  ratios,
  figures,
  notes,
};
writeReport(report);
console.log(`\nFlowra bench (${mode}) on ${server}, node ${process.version}\n`);
console.log(formatTable(rows));
console.log('\nratios:');
console.log(formatRatios(ratios));
console.log('\nfigures (events/s):');
console.log(formatFigures(figures));
console.log(`\n${notes.map((n) => `- ${n}`).join('\n')}`);
console.log(`\nwrote ${RESULTS_FILE} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
process.exit(failed ? 1 : 0);
