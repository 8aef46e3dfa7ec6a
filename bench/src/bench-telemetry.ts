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

/**
 * The MongoDB adapter's appends of 100 events, with and without the SDK, client CPU time. Each
 * setting is warmed by untimed appends before any is timed: the first timed row otherwise pays
 * for warming the driver and the SDK's code (up to 4x its CPU on the emulator).
 */
export async function benchTelemetryMongo(db: Db, quick: boolean): Promise<TelemetryBenchResult> {
  const runs = quick ? 25 : 50;
  const batch = sampleEvents(100);
  let n = 0;
  const settings: { label: string; enter(): { store: EventStore; leave(): Promise<void> } }[] = [
    {
      label: 'no SDK registered',
      enter: () => {
        const store = new MongoEventStore(db);
        return { store, leave: () => store.close() };
      },
    },
    {
      // Async-hooks context propagation alone: its share of the SDK's cost, which any traced
      // application pays whatever library it uses.
      label: 'async-hooks context manager only',
      enter: () => {
        context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
        const store = new MongoEventStore(db);
        return {
          store,
          async leave() {
            await store.close();
            context.disable();
          },
        };
      },
    },
    {
      label: 'SDK registered, every span sampled',
      enter: () => {
        const otel = sdk();
        const store = new MongoEventStore(db, otel.telemetry);
        return {
          store,
          async leave() {
            await store.close();
            await otel.shutdown();
          },
        };
      },
    },
  ];
  for (let round = 0; round < 3; round++) {
    for (const setting of settings) {
      const { store, leave } = setting.enter();
      try {
        for (let i = 0; i < 10; i++) await store.append(`otel-warm-${n++}`, batch, 'no_stream');
      } finally {
        await leave();
      }
    }
  }
  const rows: Measurement[] = [];
  for (const setting of settings) {
    const { store, leave } = setting.enter();
    try {
      rows.push(
        await measure(
          `mongo adapter append 100 events, ${setting.label}`,
          () => store.append(`otel-${n++}`, batch, 'no_stream'),
          { runs, events: 100, warmup: 3 },
        ),
      );
    } finally {
      await leave();
    }
  }
  const [off, hooks, on] = rows as [Measurement, Measurement, Measurement];
  return {
    rows,
    ratios: {
      cpu_otel_sdk_mongo_append100_vs_off: ratio(on.cpu_median_ms, off.cpu_median_ms),
      cpu_otel_context_only_mongo_append100_vs_off: ratio(hooks.cpu_median_ms, off.cpu_median_ms),
    },
  };
}
