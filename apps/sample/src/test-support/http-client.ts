import type { Hono } from 'hono';
import type { AppEnv } from '../http/app-env.js';

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

/** Requests against the app in process (`app.request`, no port), as one tenant and user. */
export function httpClient(
  app: Hono<AppEnv>,
  tenantId: string | null,
  userId: string | null = 'ann',
) {
  async function send(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> {
    const all: Record<string, string> = { ...headers };
    if (tenantId !== null) all['X-Tenant-Id'] = tenantId;
    if (userId !== null) all['X-User-Id'] = userId;
    if (body !== undefined) all['Content-Type'] = 'application/json';
    const response = await app.request(path, {
      method,
      headers: all,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    return {
      status: response.status,
      body: type.includes('json') ? JSON.parse(text) : text,
      headers: response.headers,
    };
  }
  return {
    get: (path: string, headers?: Record<string, string>) => send('GET', path, undefined, headers),
    post: (path: string, body?: unknown, headers?: Record<string, string>) =>
      send('POST', path, body, headers),
    put: (path: string, body?: unknown, headers?: Record<string, string>) =>
      send('PUT', path, body, headers),
    patch: (path: string, body?: unknown, headers?: Record<string, string>) =>
      send('PATCH', path, body, headers),
    delete: (path: string, headers?: Record<string, string>) =>
      send('DELETE', path, undefined, headers),
    as: (otherUser: string | null) => httpClient(app, tenantId, otherUser),
  };
}

export type HttpClient = ReturnType<typeof httpClient>;

export interface SseEvent {
  id: string;
  data: any;
}

/** Reads events (`id:` + `data:` blocks; comments skipped) from an SSE response, in order. */
export function sseReader(response: Response) {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    async next(count: number): Promise<SseEvent[]> {
      const events: SseEvent[] = [];
      while (events.length < count) {
        const end = buffer.indexOf('\n\n');
        if (end < 0) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          continue;
        }
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields: Record<string, string> = {};
        for (const line of block.split('\n')) {
          const colon = line.indexOf(':');
          if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
        }
        if (fields.id !== undefined)
          events.push({ id: fields.id, data: JSON.parse(fields.data ?? 'null') });
      }
      return events;
    },
  };
}
