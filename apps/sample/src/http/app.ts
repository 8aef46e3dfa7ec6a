import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Projections } from '@flowra/projections';
import type { Storage } from '../storage.js';
import type { TenantRepositories } from '../tenancy.js';
import type { AppEnv } from './app-env.js';
import { boardRoutes } from './board-routes.js';
import { chatRoutes } from './chat-routes.js';
import { onError } from './errors.js';
import { eventsRoute } from './events-route.js';
import type { LiveFeed } from './live-feed.js';
import { messageRoutes } from './message-routes.js';
import { PAGE_HTML } from './page.js';
import { requireScope } from './scope.js';
import { traceRequests } from './trace-requests.js';

export interface AppDependencies {
  storage: Storage;
  repositories: TenantRepositories;
  projections: Projections;
  feed: LiveFeed;
  log?: (message: string, error?: unknown) => void;
}

/** The HTTP API: routes compose the packages; errors are mapped once, in `onError`. */
/** Commands carry a few fields; a larger body is refused before it is read. */
const MAX_BODY_BYTES = 64 * 1024;

export function createApp(deps: AppDependencies): Hono<AppEnv> {
  const { storage, repositories, projections, feed, log = console.error } = deps;
  const app = new Hono<AppEnv>();

  app.use(traceRequests());
  app.onError(onError(log));
  app.notFound((c) =>
    c.json({ code: 'NOT_FOUND', message: `No route for ${c.req.method} ${c.req.path}` }, 404),
  );
  // Messages are at most 10,000 characters: anything much larger is not a Flowra request.
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      // In the JSON shape of every other error, not the middleware's plain text.
      onError: (c) =>
        c.json(
          { code: 'PAYLOAD_TOO_LARGE', message: `request body over ${MAX_BODY_BYTES / 1024} KiB` },
          413,
        ),
    }),
  );

  app.get('/', (c) => c.html(PAGE_HTML));
  app.get('/health', async (c) =>
    c.json({
      status: 'ok',
      store: storage.kind,
      head: await storage.headPosition(),
      projections: Object.fromEntries(
        (await projections.health()).map((p) => [
          p.name,
          { status: p.status, checkpoint: p.checkpoint, lagEvents: p.lagEvents },
        ]),
      ),
    }),
  );

  for (const path of ['/chats', '/chats/*', '/board', '/events']) app.use(path, requireScope);
  app.route('/chats', chatRoutes(repositories, projections.reader('timeline')));
  app.route('/chats/:chatId/messages', messageRoutes(repositories));
  app.route(
    '/board',
    boardRoutes(projections.runner('task-board'), projections.reader('task-board')),
  );
  app.route('/events', eventsRoute(feed));
  return app;
}
