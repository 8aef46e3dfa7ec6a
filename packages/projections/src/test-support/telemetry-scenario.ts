import type { EventStore, TelemetryOptions } from '@flowra/eventstore-core';
import { type TestTelemetry, loadTestTelemetry } from '@flowra/eventstore-core/contract';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countingProjection } from '../test-support/counting-projection.js';
import { ProjectionRunner } from '../projection-runner.js';
import type { ReadModelStore } from '../read-model-store.js';

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
    let otel: TestTelemetry;
    beforeAll(async () => {
      const loaded = await loadTestTelemetry();
      if (typeof loaded === 'string') throw new Error(loaded);
      otel = loaded;
    });
    afterAll(() => otel.shutdown());

    it('handler calls are consumer spans linked to the append; writes and lag are measured', {
      timeout: 60_000,
    }, async () => {
      const { tracerProvider, meterProvider } = otel;
      const telemetry = { tracerProvider, meterProvider };
      const producer = await stores.producer(telemetry);
      const { events, readModels } = await stores.consumer(telemetry);
      const projectionName = `otel-${Date.now().toString(36)}`;
      const runner = new ProjectionRunner({
        store: events,
        readModels,
        ...telemetry,
        projection: countingProjection(projectionName, ['Counted']),
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
      const spans = otel.spans();
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
      const collected = await otel.metrics();
      const metric = (metricName: string) =>
        (collected.get(metricName) ?? []).filter(
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
