import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Measurement } from './measurement.js';

export const RATIO_NAMES = [
  'memory_small_append100_vs_floor',
  'memory_small_append100_vs_floor_with_ids',
  'append100_adapter_vs_raw',
  'load1000_adapter_vs_raw',
  'readall10k_adapter_vs_raw',
  'load10k_snapshot_vs_replay',
  'concurrent8_adapter_vs_raw_throughput',
  'projection_apply_vs_raw_bulkwrite',
  'cpu_append100_adapter_vs_raw',
  'cpu_load1000_adapter_vs_raw',
  'cpu_readall10k_adapter_vs_raw',
  'cpu_load1000_adapter_vs_driver_same_documents',
  'multiprocess4_vs_single_throughput',
  'sequenced4_vs_single_throughput',
  'cpu_otel_off_append1_vs_uninstrumented',
  'cpu_otel_off_append100_vs_uninstrumented',
  'cpu_otel_sdk_append1_vs_off',
  'cpu_otel_sdk_append100_vs_off',
  'cpu_otel_sdk_mongo_append100_vs_off',
  'cpu_otel_context_only_mongo_append100_vs_off',
] as const;
export type RatioName = (typeof RATIO_NAMES)[number];
export type Ratios = Record<RatioName, number | null>;

/** Rates worth reading on their own, not only as a row of the table. */
export const FIGURE_NAMES = [
  'projection_apply_in_memory_events_per_s',
  'projection_apply_mongo_events_per_s',
  'projection_raw_bulkwrite_events_per_s',
  'multiprocess1_appends_per_s',
  'multiprocess2_appends_per_s',
  'multiprocess4_appends_per_s',
  'multiprocess8_appends_per_s',
  'sequenced1_appends_per_s',
  'sequenced2_appends_per_s',
  'sequenced4_appends_per_s',
  'sequenced8_appends_per_s',
  'hot_stream1_appends_per_s',
  'hot_stream4_appends_per_s',
] as const;
export type FigureName = (typeof FIGURE_NAMES)[number];
export type Figures = Record<FigureName, number | null>;

export interface BenchReport {
  server: string;
  node: string;
  when: string;
  mode: 'full' | 'quick';
  results: Measurement[];
  ratios: Ratios;
  figures: Figures;
  /** How to read the ratios, and what was emulated or skipped. */
  notes: string[];
}

export const RESULTS_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'results',
  'latest.json',
);

export function writeReport(report: BenchReport, file = RESULTS_FILE): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

const fmtMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));
const fmtRate = (n: number | null) =>
  n === null
    ? ''
    : n >= 1e6
      ? `${(n / 1e6).toFixed(2)} M`
      : n >= 1e3
        ? `${(n / 1e3).toFixed(1)} k`
        : String(n);

export function formatTable(rows: readonly Measurement[]): string {
  const header = [
    'benchmark',
    'runs',
    'median ms',
    'min ms',
    'max ms',
    'cpu ms',
    'events/s',
    'details',
  ];
  const body = rows.map((r) => [
    r.name,
    String(r.runs),
    fmtMs(r.median_ms),
    fmtMs(r.min_ms),
    fmtMs(r.max_ms),
    r.cpu_median_ms === undefined ? '' : fmtMs(r.cpu_median_ms),
    fmtRate(r.events_per_s),
    r.details
      ? Object.entries(r.details)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')
      : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) =>
        i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!),
      )
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function formatRatios(ratios: Ratios): string {
  return RATIO_NAMES.map(
    (name) => `  ${name.padEnd(40)} ${ratios[name] === null ? 'n/a' : ratios[name]!.toFixed(2)}`,
  ).join('\n');
}

export function formatFigures(figures: Figures): string {
  return FIGURE_NAMES.map(
    (name) => `  ${name.padEnd(40)} ${figures[name] === null ? 'n/a' : fmtRate(figures[name])}`,
  ).join('\n');
}
