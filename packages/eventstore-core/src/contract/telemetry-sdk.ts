import { context } from '@opentelemetry/api';
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';

/** A finished span as the SDK's in-memory exporter hands it out (the fields the suite reads). */
export interface FinishedSpan {
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  links: { context: { traceId: string; spanId: string } }[];
  status: { code: number; message?: string };
  events: { name: string }[];
  parentSpanContext?: { spanId: string } | undefined;
  spanContext(): { traceId: string; spanId: string };
}

export interface MetricPoint {
  attributes: Record<string, unknown>;
  value: unknown;
}

/** The OpenTelemetry SDK wired to in-memory exporters, for one test file. */
export interface TestTelemetry {
  tracerProvider: TracerProvider;
  meterProvider: MeterProvider;
  spans(): FinishedSpan[];
  /** Data points of each metric collected now, by metric name. */
  metrics(): Promise<Map<string, MetricPoint[]>>;
  reset(): void;
  shutdown(): Promise<void>;
}

/**
 * Loads the SDK when the suite runs, so the contract works without it (the telemetry tests
 * are then skipped with the reason). Registers an async-hooks context manager, which is what
 * makes a caller's active span the parent of a store's spans.
 */
export async function loadTestTelemetry(): Promise<TestTelemetry | string> {
  let traceSdk: typeof import('@opentelemetry/sdk-trace-base');
  let metricsSdk: typeof import('@opentelemetry/sdk-metrics');
  let hooks: typeof import('@opentelemetry/context-async-hooks');
  try {
    traceSdk = await import('@opentelemetry/sdk-trace-base');
    metricsSdk = await import('@opentelemetry/sdk-metrics');
    hooks = await import('@opentelemetry/context-async-hooks');
  } catch {
    return 'the telemetry tests need the OpenTelemetry SDK: npm i -D @opentelemetry/sdk-trace-base @opentelemetry/sdk-metrics @opentelemetry/context-async-hooks';
  }
  const exporter = new traceSdk.InMemorySpanExporter();
  const tracerProvider = new traceSdk.BasicTracerProvider({
    spanProcessors: [new traceSdk.SimpleSpanProcessor(exporter)],
  });
  class CollectOnDemand extends metricsSdk.MetricReader {
    protected override async onForceFlush(): Promise<void> {}
    protected override async onShutdown(): Promise<void> {}
  }
  const reader = new CollectOnDemand();
  const meterProvider = new metricsSdk.MeterProvider({ readers: [reader] });
  const contextManager = new hooks.AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  return {
    tracerProvider,
    meterProvider,
    spans: () => exporter.getFinishedSpans() as unknown as FinishedSpan[],
    async metrics() {
      const { resourceMetrics } = await reader.collect();
      const out = new Map<string, MetricPoint[]>();
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) {
          const points = out.get(metric.descriptor.name) ?? [];
          for (const point of metric.dataPoints as { attributes: object; value: unknown }[]) {
            points.push({ attributes: { ...point.attributes }, value: point.value });
          }
          out.set(metric.descriptor.name, points);
        }
      }
      return out;
    },
    reset: () => exporter.reset(),
    async shutdown() {
      context.disable();
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}
