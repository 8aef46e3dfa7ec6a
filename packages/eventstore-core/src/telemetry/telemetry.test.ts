import { TraceFlags, createTraceState, metrics, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { collect } from '../collect.js';
import { InMemoryEventStore } from '../in-memory-event-store.js';
import { consoleLogger } from './logger.js';
import { traceCarrierOf, traceContextOf, withTraceCarrier } from './trace-context.js';

describe('trace context in metadata', () => {
  const context = {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    traceState: createTraceState('a=1'),
  };

  it('writes and reads the W3C form', () => {
    const carrier = traceCarrierOf(context)!;
    expect(carrier).toEqual({
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'a=1',
    });
    const back = traceContextOf({ metadata: { ...carrier } })!;
    expect(back).toMatchObject({
      traceId: context.traceId,
      spanId: context.spanId,
      isRemote: true,
    });
    expect(back.traceState?.get('a')).toBe('1');
  });

  it('ignores what is missing or malformed', () => {
    expect(traceCarrierOf({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 })).toBe(
      undefined,
    );
    expect(traceContextOf({ metadata: {} })).toBeUndefined();
    expect(traceContextOf({ metadata: { traceparent: 'nonsense' } })).toBeUndefined();
    expect(
      traceContextOf({ metadata: { traceparent: `00-${'0'.repeat(32)}-b7ad6b7169203331-01` } }),
    ).toBe(undefined);
    expect(traceContextOf({})).toBeUndefined();
  });

  it('leaves input that validation must refuse as it is', () => {
    const carrier = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    const odd = [null, 'text', { type: 'T', data: {}, metadata: 'nope' }, new (class X {})()];
    expect(withTraceCarrier(odd, carrier)).toEqual(odd);
    const input = [{ type: 'T', data: {}, metadata: { userId: 'u' } }];
    const out = withTraceCarrier(input, carrier);
    expect(out[0]!.metadata).toEqual({ userId: 'u', ...carrier });
    expect(input[0]!.metadata).toEqual({ userId: 'u' });
  });
});

describe('global registration', () => {
  afterEach(() => {
    trace.disable();
    metrics.disable();
  });

  it('a store made before the SDK is registered reports once it is', async () => {
    const store = new InMemoryEventStore();
    await store.append('before-1', [{ type: 'T', data: {} }]);
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    await store.append('before-1', [{ type: 'T', data: {} }]);
    await collect(store.readStream('before-1'));
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['append']);
    await store.close();
  });
});

describe('consoleLogger', () => {
  it('writes JSON lines from its level up', () => {
    const lines: string[] = [];
    const spy = vi
      .spyOn(console, 'error')
      .mockImplementation((line: string) => void lines.push(line));
    const logger = consoleLogger({ level: 'warn', name: 'flowra' });
    logger.info({ a: 1 }, 'hidden');
    logger.warn({ err: new TypeError('bad'), stream: 's' }, 'shown');
    spy.mockRestore();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'warn',
      name: 'flowra',
      msg: 'shown',
      stream: 's',
      err: { name: 'TypeError', message: 'bad' },
    });
  });
});
