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
import { traceCarrierOf, traceContextOf } from './trace-context.js';

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

  it('a traced append still refuses bad metadata, and shares one copy per metadata object', async () => {
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const store = new InMemoryEventStore({ tracerProvider });
    await expect(
      store.append('bad-1', [{ type: 'T', data: {}, metadata: 'nope' as never }]),
    ).rejects.toMatchObject({ name: 'ValidationError', field: 'events[0].metadata' });
    const shared = { userId: 'u' };
    await store.append('ok-1', [
      { type: 'T', data: {}, metadata: shared },
      { type: 'T', data: {}, metadata: shared },
      { type: 'T', data: {} },
    ]);
    shared.userId = 'changed';
    const [a, b, c] = await store.getEvents('ok-1');
    expect(a!.metadata).toEqual({ userId: 'u', traceparent: expect.stringMatching(/^00-/) });
    expect(b!.metadata).toBe(a!.metadata);
    expect(Object.isFrozen(a!.metadata)).toBe(true);
    expect(c!.metadata).toEqual({ traceparent: a!.metadata.traceparent });
    await store.close();
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
