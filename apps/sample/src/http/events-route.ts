import { InvalidInputError } from '@flowra/domain';
import type { EventStore } from '@flowra/eventstore-core';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { AppEnv } from './app-env.js';
import { eventView } from './views.js';

const HEARTBEAT_MS = 15_000;

function parsePosition(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,15}$/.test(value)) {
    throw new InvalidInputError('from', 'must be a log position (a non-negative integer)');
  }
  return Number(value);
}

/**
 * The global log as Server-Sent Events, this tenant's events only; `id:` is the position, so
 * a reconnecting EventSource resumes after the last event it saw (`Last-Event-ID`). `?from=N`
 * starts after position N; with neither, only new events are sent.
 */
export function eventsRoute(store: EventStore): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/', (c) => {
    const { tenantId } = c.get('scope');
    const from = parsePosition(c.req.header('last-event-id') ?? c.req.query('from'));
    return streamSSE(c, async (stream) => {
      let finish = () => {};
      const finished = new Promise<void>((resolve) => {
        finish = resolve;
      });
      stream.onAbort(finish);
      // The subscription awaits each write, so a slow client slows only its own feed.
      const subscription = store.subscribe(
        async (event) => {
          if (event.metadata.tenantId !== tenantId) return;
          await stream.writeSSE({
            id: String(event.position),
            data: JSON.stringify(eventView(event)),
          });
        },
        from === undefined ? {} : { fromPosition: from },
      );
      subscription.done.then(finish, finish);
      // Proxies close connections that stay silent; an SSE comment every so often keeps it open.
      const heartbeat = setInterval(() => void stream.write(': keep-alive\n\n'), HEARTBEAT_MS);
      await finished;
      clearInterval(heartbeat);
      await subscription.close();
    });
  });
  return routes;
}
