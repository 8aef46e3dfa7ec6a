import {
  type EventStore,
  InMemoryEventStore,
  type TelemetryOptions,
} from '@flowra/eventstore-core';
import { MongoEventStore } from '@flowra/eventstore-mongo';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { Db } from 'mongodb';
import { type Measurement, measure } from './measurement.js';
import { sampleEvents } from './sample-events.js';

/** An exporter that drops what it is given: the SDK's own cost, without any I/O. */
class DroppingExporter implements SpanExporter {
  exported = 0;
  export(spans: ReadableSpan[], done: (result: { code: 0 }) => void): void {
    this.exported += spans.length;
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}

class OnDemand extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/**
 * The OpenTelemetry SDK as an application registers it: every span sampled, batched to an
 * exporter (here one that drops them), metrics aggregated, async-hooks context propagation.
 */
function sdk(): { telemetry: TelemetryOptions; shutdown(): Promise<void> } {
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(new DroppingExporter())],
  });
  const meterProvider = new MeterProvider({ readers: [new OnDemand()] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  return {
    telemetry: { tracerProvider, meterProvider },
    async shutdown() {
      context.disable();
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

export interface TelemetryBenchResult {
  rows: Measurement[];
  ratios: Record<string, number | null>;
}

const ratio = (a: number | undefined, b: number | undefined) =>
  a && b ? Math.round((a / b) * 100) / 100 : null;

/**
 * In one process, on the in-memory store: appends with no SDK registered against the same
 * appends without the instrumentation at all (`appendSync`, what `append` was before it), and
 * with the SDK registered and every span sampled against no SDK. CPU time per run.
 */
export async function benchTelemetryInMemory(quick: boolean): Promise<TelemetryBenchResult> {
  const runs = quick ? 7 : 15;
  const ones = quick ? 5_000 : 20_000;
  const hundreds = quick ? 200 : 1_000;
  const one = sampleEvents(1_000);
  const hundred = Array.from({ length: 10 }, (_, i) => sampleEvents(100, i * 100));
  let store = new InMemoryEventStore();
  const fresh = (telemetry: TelemetryOptions) => async () => {
    await store.close();
    store = new InMemoryEventStore(telemetry);
  };
  type Append = (s: InMemoryEventStore, id: string, events: typeof one) => Promise<unknown>;
  const uninstrumented: Append = async (s, id, events) => s.appendSync(id, events);
  const instrumented: Append = (s, id, events) => s.append(id, events);
  const batchOf1 = (label: string, append: Append, telemetry: TelemetryOptions) =>
    measure(
      `in-memory append, batches of 1, ${label}`,
      async () => {
        for (let i = 0; i < ones; i++) await append(store, `chat-${i % 1_000}`, [one[i % 1_000]!]);
      },
      { runs, events: ones, beforeEach: fresh(telemetry), warmup: 2 },
    );
  const batchOf100 = (label: string, append: Append, telemetry: TelemetryOptions) =>
    measure(
      `in-memory append, batches of 100, ${label}`,
      async () => {
        for (let i = 0; i < hundreds; i++) {
          await append(store, `chat-${i % 1_000}`, hundred[i % 10]!);
        }
      },
      { runs, events: hundreds * 100, beforeEach: fresh(telemetry), warmup: 2 },
    );
  const base1 = await batchOf1('uninstrumented (appendSync)', uninstrumented, {});
  const off1 = await batchOf1('no SDK registered', instrumented, {});
  const base100 = await batchOf100('uninstrumented (appendSync)', uninstrumented, {});
  const off100 = await batchOf100('no SDK registered', instrumented, {});
  const otel = sdk();
  let on1: Measurement;
  let on100: Measurement;
  try {
    on1 = await batchOf1('SDK registered, every span sampled', instrumented, otel.telemetry);
    on100 = await batchOf100('SDK registered, every span sampled', instrumented, otel.telemetry);
  } finally {
    await store.close();
    await otel.shutdown();
  }
  return {
    rows: [base1, off1, on1, base100, off100, on100],
    ratios: {
      cpu_otel_off_append1_vs_uninstrumented: ratio(off1.cpu_median_ms, base1.cpu_median_ms),
      cpu_otel_off_append100_vs_uninstrumented: ratio(off100.cpu_median_ms, base100.cpu_median_ms),
      cpu_otel_sdk_append1_vs_off: ratio(on1.cpu_median_ms, off1.cpu_median_ms),
      cpu_otel_sdk_append100_vs_off: ratio(on100.cpu_median_ms, off100.cpu_median_ms),
    },
  };
}

/** The MongoDB adapter's appends of 100 events, with and without the SDK, client CPU time. */
export async function benchTelemetryMongo(db: Db, quick: boolean): Promise<TelemetryBenchResult> {
  const runs = quick ? 15 : 30;
  const batch = sampleEvents(100);
  let n = 0;
  const run = async (label: string, store: EventStore) => {
    await store.append(`otel-warm-${label}`, batch);
    return measure(
      `mongo adapter append 100 events, ${label}`,
      () => store.append(`otel-${label}-${n++}`, batch, 'no_stream'),
      { runs, events: 100 },
    );
  };
  const plain = new MongoEventStore(db);
  const off = await run('no SDK registered', plain);
  // Async-hooks context propagation alone slows every promise of the driver: its share of
  // the SDK's cost, which any traced application pays whatever library it uses.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  let hooks: Measurement;
  try {
    hooks = await run('async-hooks context manager only', plain);
  } finally {
    context.disable();
    await plain.close();
  }
  const otel = sdk();
  let on: Measurement;
  const traced = new MongoEventStore(db, otel.telemetry);
  try {
    on = await run('SDK registered, every span sampled', traced);
  } finally {
    await traced.close();
    await otel.shutdown();
  }
  return {
    rows: [off, hooks, on],
    ratios: {
      cpu_otel_sdk_mongo_append100_vs_off: ratio(on.cpu_median_ms, off.cpu_median_ms),
      cpu_otel_context_only_mongo_append100_vs_off: ratio(hooks.cpu_median_ms, off.cpu_median_ms),
    },
  };
}
