import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  context,
  createTraceState,
  trace,
} from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../collect.js';
import { ConcurrencyError } from '../errors.js';
import type { TelemetryOptions } from '../telemetry/telemetry.js';
import type { EventStore, RecordedEvent } from '../types.js';
import { newEvents, uniqueStreamId, waitFor } from './context.js';
import {
  type FinishedSpan,
  type MetricPoint,
  type TestTelemetry,
  loadTestTelemetry,
} from './telemetry-sdk.js';

export interface TelemetryContractOptions {
  /** A store that reports to the given providers (and logger). */
  createStore(telemetry: TelemetryOptions): EventStore | Promise<EventStore>;
  /**
   * Another store on the same log with its own client, reporting to the given providers: the
   * consumer side of the cross-instance link. Defaults to `createStore`.
   */
  openSibling?(store: EventStore, telemetry: TelemetryOptions): EventStore | Promise<EventStore>;
  /** `db.system.name` the store reports. */
  system: string;
  /** The store reports placement retries and group-commit batch sizes (a store with a server). */
  placement?: boolean;
  timeoutMs?: number;
}

const A = {
  system: 'db.system.name',
  operation: 'db.operation.name',
  stream: 'flowra.stream.id',
  expected: 'flowra.expected_version',
  count: 'flowra.event.count',
  version: 'flowra.stream.version',
  position: 'flowra.log.position',
  read: 'flowra.read.event_count',
} as const;

function only(spans: FinishedSpan[], predicate: (span: FinishedSpan) => boolean): FinishedSpan {
  const found = spans.filter(predicate);
  expect(found, `exactly one matching span among ${spans.map((s) => s.name)}`).toHaveLength(1);
  return found[0]!;
}

function sumOf(points: MetricPoint[] | undefined): number {
  return (points ?? []).reduce((total, p) => {
    const v = p.value as number | { count?: number };
    return total + (typeof v === 'number' ? v : (v.count ?? 0));
  }, 0);
}

/**
 * Registers the telemetry contract as vitest tests: the spans, attributes, links, metrics and
 * the trace context kept in event metadata, as every Flowra store emits them.
 */
export function telemetryContract(name: string, options: TelemetryContractOptions): void {
  const t = { timeout: options.timeoutMs ?? 30_000 };
  let sdk: TestTelemetry | string = 'not loaded';
  const made: EventStore[] = [];
  const telemetry = (): TelemetryOptions => {
    const loaded = sdk as TestTelemetry;
    return { tracerProvider: loaded.tracerProvider, meterProvider: loaded.meterProvider };
  };
  const store = async () => {
    const s = await options.createStore(telemetry());
    made.push(s);
    return s;
  };
  const sibling = async (of: EventStore) => {
    const s = options.openSibling
      ? await options.openSibling(of, telemetry())
      : await options.createStore(telemetry());
    made.push(s);
    return s;
  };
  const tracer = () => (sdk as TestTelemetry).tracerProvider.getTracer('telemetry-contract');

  describe(`Telemetry contract: ${name}`, () => {
    beforeAll(async () => {
      sdk = await loadTestTelemetry();
      if (typeof sdk === 'string') console.warn(`[contract] telemetry skipped: ${sdk}`);
    });
    afterEach(async () => {
      await Promise.all(made.splice(0).map((s) => s.close()));
      if (typeof sdk !== 'string') sdk.reset();
    });
    afterAll(async () => {
      if (typeof sdk !== 'string') await sdk.shutdown();
    });
    const needsSdk = (skip: (reason: string) => void): TestTelemetry | undefined => {
      if (typeof sdk === 'string') {
        skip(sdk);
        return undefined;
      }
      return sdk;
    };

    it(
      'an append is a span under the caller, and its events keep its trace context',
      t,
      async ({ skip }) => {
        const otel = needsSdk(skip);
        if (!otel) return;
        const s = await store();
        const id = uniqueStreamId('otel');
        const parent = tracer().startSpan('request');
        const result = await context.with(trace.setSpan(context.active(), parent), () =>
          s.append(id, newEvents(3), 'no_stream'),
        );
        parent.end();
        const append = only(otel.spans(), (x) => x.attributes[A.operation] === 'append');
        expect(append.name.startsWith('append')).toBe(true);
        expect(append.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
        expect(append.spanContext().traceId).toBe(parent.spanContext().traceId);
        expect(append.attributes).toMatchObject({
          [A.system]: options.system,
          [A.stream]: id,
          [A.expected]: 'no_stream',
          [A.count]: 3,
          [A.version]: 3,
          [A.position]: result.position,
        });
        if (options.placement) {
          expect(append.attributes['flowra.append.placement_retries']).toBeTypeOf('number');
          expect(append.attributes['flowra.append.batch_size']).toBeGreaterThanOrEqual(1);
        }
        const { traceId, spanId } = append.spanContext();
        const events = await s.getEvents(id);
        for (const event of events) {
          expect(event.metadata.traceparent).toBe(`00-${traceId}-${spanId}-01`);
          expect(event.metadata.tracestate).toBeUndefined();
        }
      },
    );

    it('keeps the tracestate, and a traceparent the caller set', t, async ({ skip }) => {
      const otel = needsSdk(skip);
      if (!otel) return;
      const s = await store();
      const id = uniqueStreamId('otel');
      const remote = trace.setSpanContext(ROOT_CONTEXT, {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
        traceState: createTraceState('vendor=abc,other=1'),
      });
      const own = '00-11111111111111111111111111111111-2222222222222222-01';
      await context.with(remote, () =>
        s.append(id, [
          { type: 'TestEvent', data: { n: 1 } },
          { type: 'TestEvent', data: { n: 2 }, metadata: { traceparent: own, userId: 'u' } },
        ]),
      );
      const [first, second] = await s.getEvents(id);
      expect(first!.metadata.traceparent).toMatch(
        /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/,
      );
      expect(first!.metadata.tracestate).toBe('vendor=abc,other=1');
      expect(second!.metadata).toEqual({ traceparent: own, userId: 'u' });
    });

    it(
      'adds nothing to metadata when no span is active and nothing records',
      t,
      async ({ skip }) => {
        if (!needsSdk(skip)) return;
        const s = await options.createStore({});
        made.push(s);
        const id = uniqueStreamId('otel');
        await s.append(id, [{ type: 'TestEvent', data: { n: 1 }, metadata: { userId: 'u' } }]);
        await s.append(id, [{ type: 'TestEvent', data: { n: 2 } }]);
        const events = await s.getEvents(id);
        expect(events[0]!.metadata).toEqual({ userId: 'u' });
        expect(events[1]!.metadata).toEqual({});
      },
    );

    it(
      'a conflict is recorded on the span with its typed name, and counted',
      t,
      async ({ skip }) => {
        const otel = needsSdk(skip);
        if (!otel) return;
        const s = await store();
        const id = uniqueStreamId('otel');
        await s.append(id, newEvents(1));
        const before = sumOf((await otel.metrics()).get('flowra.append.conflicts'));
        await expect(s.append(id, newEvents(1), 0)).rejects.toSatisfy(ConcurrencyError.isInstance);
        const failed = only(
          otel.spans(),
          (x) => x.attributes[A.operation] === 'append' && x.status.code === SpanStatusCode.ERROR,
        );
        expect(failed.attributes['error.type']).toBe('ConcurrencyError');
        expect(failed.attributes['flowra.append.conflict']).toBe(true);
        expect(failed.events.map((e) => e.name)).toContain('exception');
        const metrics = await otel.metrics();
        expect(sumOf(metrics.get('flowra.append.conflicts')) - before).toBe(1);
        const durations = metrics.get('flowra.append.duration') ?? [];
        expect(durations.some((p) => p.attributes['error.type'] === 'ConcurrencyError')).toBe(true);
      },
    );

    it(
      'reads within a traced operation are spans with the events they handed out',
      t,
      async ({ skip }) => {
        const otel = needsSdk(skip);
        if (!otel) return;
        const s = await store();
        const id = uniqueStreamId('otel');
        const { position } = await s.append(id, newEvents(4));
        // On their own (a poller, a projection's loop), reads are not traced.
        await collect(s.readStream(id));
        await collect(s.readAll({ fromPosition: position - 2 }));
        expect(otel.spans().filter((x) => x.attributes[A.operation] !== 'append')).toEqual([]);
        const parent = tracer().startSpan('load');
        await context.with(trace.setSpan(context.active(), parent), async () => {
          await collect(s.readStream(id, { fromVersion: 2 }));
          await collect(s.readAll({ fromPosition: position - 2 }));
        });
        parent.end();
        const spans = otel.spans();
        const stream = only(spans, (x) => x.attributes[A.operation] === 'readStream');
        expect(stream.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
        expect(stream.attributes).toMatchObject({
          [A.system]: options.system,
          [A.stream]: id,
          [A.read]: 3,
        });
        const all = only(spans, (x) => x.attributes[A.operation] === 'readAll');
        expect(all.attributes[A.read]).toBe(2);
      },
    );

    it('appends are measured: duration, events appended', t, async ({ skip }) => {
      const otel = needsSdk(skip);
      if (!otel) return;
      const s = await store();
      const before = await otel.metrics();
      await s.append(uniqueStreamId('otel'), newEvents(5));
      await s.append(uniqueStreamId('otel'), newEvents(2));
      const after = await otel.metrics();
      const mine = (points: MetricPoint[] | undefined) =>
        (points ?? []).filter((p) => p.attributes[A.system] === options.system);
      expect(
        sumOf(mine(after.get('flowra.events.appended'))) -
          sumOf(mine(before.get('flowra.events.appended'))),
      ).toBe(7);
      expect(
        sumOf(mine(after.get('flowra.append.duration'))) -
          sumOf(mine(before.get('flowra.append.duration'))),
      ).toBe(2);
      if (options.placement) {
        expect(sumOf(mine(after.get('flowra.append.batch_size')))).toBeGreaterThanOrEqual(2);
        expect(sumOf(mine(after.get('flowra.append.placement_retries')))).toBeGreaterThanOrEqual(2);
      }
    });

    it(
      'a subscription handler in another store instance runs in a consumer span linked to the append',
      t,
      async ({ skip }) => {
        const otel = needsSdk(skip);
        if (!otel) return;
        const producer = await store();
        const consumer = await sibling(producer);
        const id = uniqueStreamId('otel');
        const seen: RecordedEvent[] = [];
        const sub = consumer.subscribe(
          (event) => {
            if (event.streamId === id) seen.push(event);
          },
          { name: 'audit', fromPosition: await producer.headPosition() },
        );
        let quietSeen = 0;
        const quiet = consumer.subscribe(
          (event) => {
            if (event.streamId === id) quietSeen++;
          },
          { name: 'quiet', traced: false, fromPosition: await producer.headPosition() },
        );
        const request = tracer().startSpan('request');
        await context.with(trace.setSpan(context.active(), request), () =>
          producer.append(id, newEvents(2)),
        );
        request.end();
        await waitFor(() => seen.length === 2 && quietSeen === 2, 10_000, 'both events delivered');
        await sub.close();
        await quiet.close();
        expect(
          otel.spans().filter((x) => x.attributes['messaging.consumer.group.name'] === 'quiet'),
          'a subscription with traced: false makes no consumer spans',
        ).toEqual([]);
        const spans = otel.spans();
        const append = only(
          spans,
          (x) => x.attributes[A.operation] === 'append' && x.attributes[A.stream] === id,
        );
        const handled = spans.filter(
          (x) => x.kind === SpanKind.CONSUMER && x.attributes[A.stream] === id,
        );
        expect(handled).toHaveLength(2);
        for (const [i, span] of handled.entries()) {
          expect(span.name).toBe('process audit');
          expect(span.attributes).toMatchObject({
            'messaging.system': 'flowra',
            'messaging.operation.type': 'process',
            'messaging.consumer.group.name': 'audit',
            'messaging.destination.name': '$all',
            'messaging.message.id': seen[i]!.eventId,
            'flowra.event.type': 'TestEvent',
            [A.version]: i + 1,
          });
          expect(span.links.map((l) => l.context.spanId)).toEqual([append.spanContext().spanId]);
          expect(span.links[0]!.context.traceId).toBe(request.spanContext().traceId);
          // A trace of its own: the handler runs later, maybe elsewhere; the link ties them.
          expect(span.spanContext().traceId).not.toBe(request.spanContext().traceId);
        }
        const metrics = await otel.metrics();
        const lag = (metrics.get('flowra.subscription.lag.events') ?? []).filter(
          (p) => p.attributes['messaging.consumer.group.name'] === 'audit',
        );
        expect(lag).toHaveLength(1);
        expect(lag[0]!.value).toBeTypeOf('number');
        expect(metrics.get('flowra.subscription.lag.seconds')?.length).toBeGreaterThan(0);
      },
    );

    it('a handler that throws records the error on its consumer span', t, async ({ skip }) => {
      const otel = needsSdk(skip);
      if (!otel) return;
      const s = await store();
      const id = uniqueStreamId('otel');
      let stopped: unknown;
      const sub = s.subscribe(
        (event) => {
          if (event.streamId === id) throw new RangeError('handler failed');
        },
        {
          name: 'failing',
          onError: (error) => {
            stopped = error;
          },
        },
      );
      await s.append(id, newEvents(1));
      await waitFor(() => stopped !== undefined, 10_000, 'the subscription to stop');
      await sub.close();
      const span = only(
        otel.spans(),
        (x) => x.kind === SpanKind.CONSUMER && x.attributes[A.stream] === id,
      );
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes['error.type']).toBe('RangeError');
    });
  });
}
