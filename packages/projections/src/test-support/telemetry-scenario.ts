import type { EventStore, TelemetryOptions } from '@flowra/eventstore-core';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentProjection } from '../define-projection.js';
import { ProjectionRunner } from '../projection-runner.js';
import type { ReadModelStore } from '../read-model-store.js';

class OnDemand extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export interface TelemetryScenarioStores {
  /** The producer's store and, separately, the projection's (another client, another process). */
  producer(telemetry: TelemetryOptions): Promise<EventStore>;
  consumer(
    telemetry: TelemetryOptions,
  ): Promise<{ events: EventStore; readModels: ReadModelStore }>;
}

/**
 * A request appends in one store; a projection run on another store instance handles the
 * events in consumer spans linked to that append, counts its document writes and its lag.
 */
export function projectionTelemetryScenario(name: string, stores: TelemetryScenarioStores): void {
  describe(`projection telemetry on ${name}`, () => {
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const reader = new OnDemand();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const telemetry = { tracerProvider, meterProvider };
    beforeAll(() => {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    });
    afterAll(() => context.disable());

    it('handler calls are consumer spans linked to the append; writes and lag are measured', {
      timeout: 60_000,
    }, async () => {
      const producer = await stores.producer(telemetry);
      const { events, readModels } = await stores.consumer(telemetry);
      const projectionName = `otel-${Date.now().toString(36)}`;
      const runner = new ProjectionRunner({
        store: events,
        readModels,
        ...telemetry,
        projection: documentProjection<any, { n: number }>({
          name: projectionName,
          collection: 'counts',
          eventTypes: ['Counted'],
          documentId: (event) => event.streamId,
          evolve: (doc) => ({ n: (doc?.n ?? 0) + 1 }),
        }),
      });
      const stream = `otel-${projectionName}`;
      const request = tracerProvider.getTracer('test').startSpan('POST /count');
      const { position } = await context.with(trace.setSpan(context.active(), request), () =>
        producer.append(stream, [
          { type: 'Counted', data: {} },
          { type: 'Counted', data: {} },
        ]),
      );
      request.end();
      runner.start();
      try {
        await runner.waitFor(position);
      } finally {
        await runner.stop();
        await producer.close();
        await events.close();
      }
      const spans = exporter.getFinishedSpans();
      const append = spans.find(
        (s) =>
          s.attributes['db.operation.name'] === 'append' &&
          s.attributes['flowra.stream.id'] === stream,
      )!;
      expect(append.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
      const handled = spans.filter(
        (s) => s.kind === SpanKind.CONSUMER && s.attributes['flowra.stream.id'] === stream,
      );
      expect(handled).toHaveLength(2);
      for (const span of handled) {
        expect(span.name).toBe(`process ${projectionName}`);
        expect(span.attributes).toMatchObject({
          'messaging.system': 'flowra',
          'messaging.consumer.group.name': projectionName,
          'flowra.projection.name': projectionName,
        });
        expect(span.links[0]?.context.spanId).toBe(append.spanContext().spanId);
        expect(span.links[0]?.context.traceId).toBe(request.spanContext().traceId);
      }
      const { resourceMetrics } = await reader.collect();
      const metric = (metricName: string) =>
        resourceMetrics.scopeMetrics
          .flatMap((s) => s.metrics)
          .filter((m) => m.descriptor.name === metricName)
          .flatMap((m) => m.dataPoints as { attributes: Record<string, unknown>; value: unknown }[])
          .filter(
            (p) =>
              p.attributes['flowra.projection.name'] === projectionName ||
              p.attributes['messaging.consumer.group.name'] === projectionName,
          );
      const writes = metric('flowra.read_model.writes');
      expect(writes.map((p) => [p.attributes['flowra.read_model.collection'], p.value])).toEqual([
        ['counts', 1],
      ]);
      const lag = metric('flowra.projection.lag.events');
      expect(lag).toHaveLength(1);
      expect(lag[0]!.value).toBe(0);
      expect(metric('flowra.projection.lag.seconds')).toHaveLength(1);
    });
  });
}
