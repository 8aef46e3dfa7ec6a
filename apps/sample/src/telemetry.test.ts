import { SpanKind, context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSample } from './sample.js';
import { memoryStorage } from './storage.js';
import { httpClient } from './test-support/http-client.js';

const exporter = new InMemorySpanExporter();

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  );
});
afterAll(() => {
  trace.disable();
  metrics.disable();
  propagation.disable();
  context.disable();
});

it('a traced request shows the request, the save, the append and each read model it updated', async () => {
  const storage = memoryStorage();
  const sample = await startSample(storage);
  try {
    const caller = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const client = httpClient(sample.app, 'demo');
    const reply = await client.post(
      '/chats',
      { workspaceId: 'web', type: 'Task', title: 'Traced' },
      { traceparent: caller },
    );
    expect(reply.status).toBe(201);
    await sample.settled();
    const chatId = reply.body.chat.id as string;
    expect((await client.post(`/chats/${chatId}/messages`, { body: 'hello' })).status).toBe(201);
    await sample.settled();
  } finally {
    await sample.close();
    await storage.close();
  }
  const spans = exporter.getFinishedSpans();
  const byName = (name: string) => spans.filter((s) => s.name === name);
  const [request] = byName('POST /chats');
  expect(request?.kind).toBe(SpanKind.SERVER);
  expect(request?.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  expect(request?.attributes).toMatchObject({
    'http.route': '/chats',
    'http.response.status_code': 201,
  });
  const [save] = byName('save Chat');
  expect(save?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
  const [append, messageAppend] = byName('append');
  expect(append?.parentSpanContext?.spanId).toBe(save?.spanContext().spanId);
  const handlersOf = (type: string) =>
    spans.filter((s) => s.kind === SpanKind.CONSUMER && s.attributes['flowra.event.type'] === type);
  // The chat's creation updated the board and went out on the live feed…
  expect(
    handlersOf('ChatCreated')
      .map((s) => s.name)
      .sort(),
  ).toEqual(['process live-feed', 'process task-board']);
  for (const span of handlersOf('ChatCreated')) {
    expect(span.links[0]?.context.spanId).toBe(append?.spanContext().spanId);
    expect(span.links[0]?.context.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  }
  // …and the message, in a request of its own, updated the timeline.
  const messageHandlers = handlersOf('MessagePosted');
  expect(messageHandlers.map((s) => s.name)).toContain('process timeline');
  for (const span of messageHandlers) {
    expect(span.links[0]?.context.spanId).toBe(messageAppend?.spanContext().spanId);
  }
});
