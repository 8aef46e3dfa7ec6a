import { InvalidInputError } from '@flowra/domain';
import { Hono } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import type { AppEnv } from './app-env.js';
import type { LiveFeed } from './live-feed.js';
import { eventView } from './views.js';

const HEARTBEAT_MS = 15_000;

function parsePosition(value: string | undefined, field: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,15}$/.test(value)) {
    throw new InvalidInputError(field, 'must be a log position (a non-negative integer)');
  }
  return Number(value);
}

/**
 * The global log as Server-Sent Events, this tenant's events only; `id:` is the position, so
 * a reconnecting EventSource resumes after the last event it saw (`Last-Event-ID`). `?from=N`
 * starts after position N (at most the feed's replay bound behind the head); with neither,
 * only new events are sent. Every client reads through the process's one shared subscription.
 */
export function eventsRoute(feed: LiveFeed): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/', async (c) => {
    const { tenantId } = c.get('scope');
    const lastEventId = c.req.header('last-event-id');
    const field = lastEventId === undefined ? 'from' : 'Last-Event-ID';
    const from = parsePosition(lastEventId ?? c.req.query('from'), field);
    let stream: SSEStreamingApi | undefined;
    let ready = () => {};
    const streaming = new Promise<void>((resolve) => {
      ready = resolve;
    });
    // Opened before the response starts, so a refused `from` is a 400, not a broken stream;
    // events wait for the stream (the feed awaits each one).
    const client = await feed.open(from, field, async (event) => {
      if (event.metadata.tenantId !== tenantId) return;
      await streaming;
      await stream!.writeSSE({
        id: String(event.position),
        data: JSON.stringify(eventView(event)),
      });
    });
    return streamSSE(c, async (sse) => {
      stream = sse;
      ready();
      sse.onAbort(() => client.close());
      // Proxies close connections that stay silent; an SSE comment every so often keeps it open.
      const heartbeat = setInterval(() => void sse.write(': keep-alive\n\n'), HEARTBEAT_MS);
      await client.done;
      clearInterval(heartbeat);
    });
  });
  return routes;
}
