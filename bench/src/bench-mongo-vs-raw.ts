import { MongoEventStore } from '@flowra/eventstore-mongo';
import { COMMIT_READ_PROJECTION } from '@flowra/eventstore-mongo/storage';
import type { Db } from 'mongodb';
import { type Measurement, type PairedCpu, measure, pairedCpu } from './measurement.js';
import { RawMongoBaseline } from './raw-mongo-baseline.js';
import { sampleEvents } from './sample-events.js';

export interface MongoSizes {
  runs: number;
  /** Adapter and raw runs in turn for the CPU ratios. */
  cpuPairs: number;
  appendBatch: number;
  streamEvents: number;
  logEvents: number;
  logPage: number;
  /** Events per append when filling the log (the long stream is written one event per append). */
  logCommitSize: number;
}

export const MONGO_SIZES: Record<'full' | 'quick', MongoSizes> = {
  full: {
    runs: 20,
    cpuPairs: 30,
    appendBatch: 100,
    streamEvents: 1_000,
    logEvents: 10_000,
    logPage: 1_000,
    logCommitSize: 10,
  },
  quick: {
    runs: 20,
    // Twelve left the FerretDB append ratio at 1.10-3.07 from one run to the next.
    cpuPairs: 24,
    appendBatch: 100,
    streamEvents: 200,
    logEvents: 2_000,
    logPage: 500,
    logCommitSize: 10,
  },
};

/**
 * Untimed runs before each read row, adapter and raw alike, after rounds of both reads in turn
 * (the append rows get rounds in turn too).
 * Whichever read was timed first after the writes paid for warming the driver's find, cursor
 * and BSON code and for collecting the writes' garbage: 4-5 ms more CPU per run on a 200-event
 * stream, the raw find included when it went first. A cost of the order of measurement, not of
 * the adapter (measured first, it was charged with it).
 */
export const READ_WARMUP = 5;
const APPEND_WARM_ROUNDS = 5;
const LOAD_WARM_ROUNDS = 20;
const LOG_WARM_ROUNDS = 5;

async function warmInTurn(rounds: number, ...reads: (() => Promise<unknown>)[]): Promise<void> {
  for (let i = 0; i < rounds; i++) for (const read of reads) await read();
}

export interface MongoVsRawResult {
  rows: Measurement[];
  append: [adapter: Measurement, raw: Measurement];
  load: [adapter: Measurement, raw: Measurement];
  log: [adapter: Measurement, raw: Measurement];
  /** Adapter over raw driver, CPU time of this process, runs in turn (`pairedCpu`). */
  cpu: { append: PairedCpu; load: PairedCpu; log: PairedCpu; loadSameDocuments: PairedCpu };
}

/**
 * The adapter against the raw driver on the same server, in two fresh databases: append a
 * batch to a new stream, load a long stream, page through the global log.
 */
export async function benchMongoVsRaw(
  adapterDb: Db,
  rawDb: Db,
  sizes: MongoSizes,
): Promise<MongoVsRawResult> {
  const store = new MongoEventStore(adapterDb);
  await store.migrate();
  const raw = new RawMongoBaseline(rawDb);
  await raw.createIndexes();
  const batch = sampleEvents(sizes.appendBatch);
  const n = sizes.appendBatch;
  let streamNo = 0;
  let rawStream = '';
  let adapterStream = '';
  const nextStreams = () => {
    streamNo++;
    adapterStream = `chat-append-${streamNo}`;
    rawStream = `chat-append-${streamNo}`;
  };

  await warmInTurn(
    APPEND_WARM_ROUNDS,
    async () => {
      nextStreams();
      await store.append(adapterStream, batch, 'no_stream');
    },
    async () => {
      nextStreams();
      await raw.append(rawStream, batch, 1);
    },
  );
  const appendAdapter = await measure(
    `mongo adapter append ${n} events to a new stream`,
    () => store.append(adapterStream, batch, 'no_stream'),
    {
      runs: sizes.runs,
      events: n,
      beforeEach: nextStreams,
      note: 'one commit document (insertOne) after reading the stream and log heads',
    },
  );
  const appendRaw = await measure(
    `raw driver insertMany ${n} events (one doc each)`,
    () => raw.append(rawStream, batch, 1),
    {
      runs: sizes.runs,
      events: n,
      beforeEach: nextStreams,
      note: 'unique (stream_id, version) index; no version check, no global position',
    },
  );

  // A long stream written one event per append: the adapter's worst case (one commit per event).
  const streamEvents = sampleEvents(sizes.streamEvents);
  for (const event of streamEvents) await store.append('chat-long', [event]);
  await raw.append('chat-long', streamEvents, 1);
  const loadAdapterRun = async () =>
    expectCount((await store.getEvents('chat-long')).length, sizes.streamEvents);
  const loadRawRun = async () =>
    expectCount((await raw.loadStream('chat-long')).length, sizes.streamEvents);
  await warmInTurn(LOAD_WARM_ROUNDS, loadAdapterRun, loadRawRun);
  const loadAdapter = await measure(
    `mongo adapter getEvents of a ${sizes.streamEvents}-event stream`,
    loadAdapterRun,
    {
      runs: sizes.runs,
      warmup: READ_WARMUP,
      events: sizes.streamEvents,
      note: 'stream written one event per append (one commit per event)',
    },
  );
  const loadRaw = await measure(
    `raw driver find ${sizes.streamEvents} events sorted by version`,
    loadRawRun,
    { runs: sizes.runs, warmup: READ_WARMUP, events: sizes.streamEvents },
  );

  // The global log: the adapter's is written by appends of `logCommitSize` events over 100
  // streams, the baseline's by insertMany of 1,000 documents with positions counted here.
  const logStart = await store.headPosition();
  const chunk = sampleEvents(sizes.logCommitSize);
  for (let i = 0; i < sizes.logEvents / sizes.logCommitSize; i++) {
    await store.append(`chat-log-${i % 100}`, chunk);
  }
  const rawLogStart = 0;
  for (let p = 0, k = 0; p < sizes.logEvents; p += 1_000, k++) {
    const events = sampleEvents(Math.min(1_000, sizes.logEvents - p), p);
    await raw.append(`chat-log-${k}`, events, 1, rawLogStart + p + 1);
  }
  const logAdapterRun = async () => {
    let read = 0;
    let from = logStart;
    while (read < sizes.logEvents) {
      let page = 0;
      for await (const event of store.readAll({
        fromPosition: from,
        maxCount: Math.min(sizes.logPage, sizes.logEvents - read),
      })) {
        from = event.position;
        page++;
      }
      if (page === 0) break;
      read += page;
    }
    expectCount(read, sizes.logEvents);
  };
  const logRawRun = async () =>
    expectCount(await raw.pageLog(rawLogStart, sizes.logEvents, sizes.logPage), sizes.logEvents);
  await warmInTurn(LOG_WARM_ROUNDS, logAdapterRun, logRawRun);
  const logAdapter = await measure(
    `mongo adapter readAll ${sizes.logEvents} events in pages of ${sizes.logPage}`,
    logAdapterRun,
    {
      runs: sizes.runs,
      warmup: READ_WARMUP,
      events: sizes.logEvents,
      note: `log written in commits of ${sizes.logCommitSize} events`,
    },
  );
  const logRaw = await measure(
    `raw driver find ${sizes.logEvents} events sorted by position, pages of ${sizes.logPage}`,
    logRawRun,
    { runs: sizes.runs, warmup: READ_WARMUP, events: sizes.logEvents },
  );
  // The adapter's own documents read with the driver alone: whatever the server sends (an
  // emulator that ignores projections sends every field) costs both sides the same, so this
  // ratio is what the adapter adds to the driver: decoding, checks, upcasting.
  const commits = adapterDb.collection('events');
  const loadSameDocumentsRun = async () =>
    expectCount(
      (
        await commits
          .find({ aggregate_id: 'chat-long' }, { projection: COMMIT_READ_PROJECTION })
          .sort({ last_version: 1 })
          .toArray()
      ).length,
      sizes.streamEvents,
    );
  await warmInTurn(LOAD_WARM_ROUNDS, loadAdapterRun, loadSameDocumentsRun);
  const cpu = {
    append: await pairedCpu(
      () => store.append(`chat-paired-${++streamNo}`, batch, 'no_stream'),
      () => raw.append(`chat-paired-${++streamNo}`, batch, 1),
      sizes.cpuPairs,
    ),
    load: await pairedCpu(loadAdapterRun, loadRawRun, sizes.cpuPairs),
    log: await pairedCpu(logAdapterRun, logRawRun, sizes.cpuPairs),
    loadSameDocuments: await pairedCpu(loadAdapterRun, loadSameDocumentsRun, sizes.cpuPairs),
  };
  await store.close();
  return {
    cpu,
    rows: [appendAdapter, appendRaw, loadAdapter, loadRaw, logAdapter, logRaw],
    append: [appendAdapter, appendRaw],
    load: [loadAdapter, loadRaw],
    log: [logAdapter, logRaw],
  };
}

function expectCount(actual: number, expected: number): void {
  if (actual !== expected) throw new Error(`read ${actual} events, expected ${expected}`);
}
