import { randomUUID } from 'node:crypto';
import { IdSchema, InvalidInputError } from '@flowra/domain';
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { AppEnv } from './app-env.js';

// The rule of the repository's tenant stream naming, checked here so a bad header is a clear 400.
const TenantIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,64}$/, 'must be 1-64 letters, digits or dashes');

function header(field: string, schema: z.ZodType<string>, value: string | undefined) {
  if (value === undefined) return undefined;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new InvalidInputError(field, parsed.error.issues[0]?.message ?? 'is invalid');
  }
  return parsed.data;
}

/**
 * Tenant from `X-Tenant-Id` (required), acting user from `X-User-Id` (required to change
 * anything), correlation id from `X-Request-Id` or a new one, echoed back. A real deployment
 * takes tenant and user from a verified token instead; nothing else would change.
 */
export const requireScope: MiddlewareHandler<AppEnv> = async (c, next) => {
  // EventSource cannot send headers, so the live feed also accepts `?tenant=`.
  const fromHeader = c.req.header('x-tenant-id');
  const rawTenant = fromHeader ?? (c.req.path === '/events' ? c.req.query('tenant') : undefined);
  // Named as the client sent it: an EventSource user never wrote a header.
  const tenantId = header(
    fromHeader === undefined && rawTenant !== undefined ? 'tenant' : 'X-Tenant-Id',
    TenantIdSchema,
    rawTenant,
  );
  if (tenantId === undefined) throw new InvalidInputError('X-Tenant-Id', 'header is required');
  const userId = header('X-User-Id', IdSchema, c.req.header('x-user-id'));
  if (userId === undefined && c.req.method !== 'GET' && c.req.method !== 'HEAD') {
    throw new InvalidInputError('X-User-Id', 'header is required to change anything');
  }
  const correlationId =
    header('X-Request-Id', IdSchema, c.req.header('x-request-id')) ?? randomUUID();
  c.header('X-Request-Id', correlationId);
  c.set('scope', { tenantId, userId, correlationId });
  await next();
};
