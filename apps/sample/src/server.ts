import type { Server } from 'node:http';
import { serve } from '@hono/node-server';

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on `port` (0: any free one) and resolves once it does. */
export function listen(
  app: { fetch: (request: Request) => Response | Promise<Response> },
  port: number,
  hostname = '127.0.0.1',
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname }, (info) => {
      const host = hostname === '0.0.0.0' || hostname === '::' ? 'localhost' : hostname;
      resolve({
        url: `http://${host.includes(':') ? `[${host}]` : host}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Live event feeds never end by themselves: cut them so close() can finish.
            (server as Server).closeAllConnections();
          }),
      });
    }) as Server;
    server.once('error', reject);
  });
}
