import { ConcurrencyError } from '@flowra/eventstore-core';
import { MongoEventStore } from '@flowra/eventstore-mongo';
import type { Db, MongoClient } from 'mongodb';
import { DuplicateKeyCounter } from './command-counter.js';
import { type Measurement, measure, percentile, round } from './measurement.js';
import { RawMongoBaseline } from './raw-mongo-baseline.js';
import { sampleEvents } from './sample-events.js';

export interface ConcurrencySizes {
  runs: number;
  writers: number;
  /** Appends of one event each writer makes to its own stream. */
  appendsPerWriter: number;
  /** Appends all writers together make to the one shared stream. */
  sharedStreamAppends: number;
}

export const CONCURRENCY_SIZES: Record<'full' | 'quick', ConcurrencySizes> = {
  full: { runs: 5, writers: 8, appendsPerWriter: 50, sharedStreamAppends: 100 },
  quick: { runs: 3, writers: 8, appendsPerWriter: 8, sharedStreamAppends: 24 },
};

interface RunStats {
  latencies: number[];
  conflicts: number;
  placementRetries: number;
}

export interface ConcurrencyResult {
  rows: Measurement[];
  adapterDistinct: Measurement;
  rawDistinct: Measurement;
}

/**
 * `writers` concurrent writers, one event per append: on distinct streams (exact expected
 * versions, never a conflict) and on one shared stream (read the version, append expecting it,
 * re-read on `ConcurrencyError`), next to the raw driver on distinct streams (insertOne per
 * append under a unique (stream, version) index, no global position).
 */
export async function benchConcurrency(
  client: MongoClient,
  adapterDb: Db,
  rawDb: Db,
  sizes: ConcurrencySizes,
): Promise<ConcurrencyResult> {
  const counter = new DuplicateKeyCounter(client);
  // One store for all writers, as in one application process; and one store per writer, as
  // separate processes would have (they cannot share a group commit). All share one pool.
  const shared = new MongoEventStore(adapterDb);
  await shared.migrate();
  const stores = Array.from({ length: sizes.writers }, () => new MongoEventStore(adapterDb));
  const raw = new RawMongoBaseline(rawDb);
  await raw.createIndexes();
  const event = sampleEvents(1)[0]!;
  let runNo = 0;
  let runs: RunStats[] = [];
  const startRun = (): RunStats => {
    const stats = { latencies: [], conflicts: 0, placementRetries: 0 };
    runs.push(stats);
    return stats;
  };
  const timed = async (stats: RunStats, fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    await fn();
    stats.latencies.push(performance.now() - t0);
  };
  const perWriter = (fn: (w: number) => Promise<void>) =>
    Promise.all(Array.from({ length: sizes.writers }, (_, w) => fn(w)));
  const distinctEvents = sizes.writers * sizes.appendsPerWriter;

  const scenario = async (
    name: string,
    events: number,
    note: string,
    body: (stats: RunStats, run: number) => Promise<void>,
  ) => {
    runs = [];
    const row = await measure(
      name,
      async () => {
        const stats = startRun();
        const before = counter.count;
        await body(stats, ++runNo);
        stats.placementRetries = counter.count - before;
      },
      { runs: sizes.runs, warmup: 1, events, note },
    );
    const measured = runs.slice(-sizes.runs);
    const latencies = measured.flatMap((r) => r.latencies).sort((a, b) => a - b);
    row.details = {
      p50_ms: round(percentile(latencies, 50), 2),
      p99_ms: round(percentile(latencies, 99), 2),
      conflicts: measured.reduce((n, r) => n + r.conflicts, 0),
      retries: measured.reduce((n, r) => n + r.placementRetries + r.conflicts, 0),
    };
    return row;
  };

  const distinct = (label: string, storeOf: (w: number) => MongoEventStore, note: string) =>
    scenario(
      `mongo adapter ${sizes.writers} writers x ${sizes.appendsPerWriter} appends, distinct streams, ${label}`,
      distinctEvents,
      `appends/s; latency per append; retries = inserts refused with a duplicate key + conflicts; ${note}`,
      async (stats, run) => {
        await perWriter(async (w) => {
          for (let v = 0; v < sizes.appendsPerWriter; v++) {
            await timed(stats, () => storeOf(w).append(`conc-${run}-${w}`, [event], v));
          }
        });
      },
    );
  const adapterDistinct = await distinct(
    'one store',
    () => shared,
    'one store instance, as in one process',
  );
  const adapterProcesses = await distinct(
    `${sizes.writers} stores`,
    (w) => stores[w]!,
    'one store instance per writer, as in separate processes',
  );

  const adapterShared = await scenario(
    `mongo adapter ${sizes.writers} writers, ${sizes.sharedStreamAppends} appends to one stream, one store`,
    sizes.sharedStreamAppends,
    'each writer reads the version, appends expecting it, re-reads after a ConcurrencyError; latency includes retries',
    async (stats, run) => {
      const stream = `conc-shared-${run}`;
      await perWriter(async () => {
        const store = shared;
        for (;;) {
          const t0 = performance.now();
          for (;;) {
            const version = await store.getStreamVersion(stream);
            if (version >= sizes.sharedStreamAppends) return;
            try {
              await store.append(stream, [event], version);
              break;
            } catch (error) {
              if (!ConcurrencyError.isInstance(error)) throw error;
              stats.conflicts++;
            }
          }
          stats.latencies.push(performance.now() - t0);
        }
      });
    },
  );

  const rawDistinct = await scenario(
    `raw driver ${sizes.writers} writers x ${sizes.appendsPerWriter} insertOne, distinct streams`,
    distinctEvents,
    'unique (stream_id, version) index, no global position, no version read',
    async (stats, run) => {
      await perWriter(async (w) => {
        for (let v = 1; v <= sizes.appendsPerWriter; v++) {
          await timed(stats, () => raw.appendOne(`conc-${run}-${w}`, event, v));
        }
      });
    },
  );

  counter.dispose();
  await Promise.all([shared, ...stores].map((s) => s.close()));
  return {
    rows: [adapterDistinct, adapterProcesses, adapterShared, rawDistinct],
    adapterDistinct,
    rawDistinct,
  };
}
