import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  ConsoleMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
} from '@opentelemetry/sdk-trace-base';

export interface SampleTelemetry {
  /** Exports what is still buffered and unregisters the SDK. */
  shutdown(): Promise<void>;
}

/**
 * `FLOWRA_OTEL=console`: the OpenTelemetry SDK registered globally, spans and metrics printed
 * to stdout. The Flowra packages need nothing more: they report to whatever SDK the app
 * registers. A production app registers an OTLP exporter here instead.
 */
export function startConsoleTelemetry(
  options: { metricsIntervalMs?: number } = {},
): SampleTelemetry {
  const resource = resourceFromAttributes({ 'service.name': 'flowra-sample' });
  const tracerProvider = new BasicTracerProvider({
    resource,
    spanProcessors: [
      new BatchSpanProcessor(new ConsoleSpanExporter(), { scheduledDelayMillis: 1_000 }),
    ],
  });
  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new ConsoleMetricExporter(),
        exportIntervalMillis: options.metricsIntervalMs ?? 60_000,
      }),
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    async shutdown() {
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
      trace.disable();
      metrics.disable();
      propagation.disable();
      context.disable();
    },
  };
}
