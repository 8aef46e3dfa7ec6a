import { DomainError, InvalidInputError } from '@flowra/domain';
import { ConcurrencyError, ValidationError } from '@flowra/eventstore-core';
import { AggregateNotFoundError } from '@flowra/repository';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { ContendedCommandError, UnmatchableIfMatchError, etag } from './versioning.js';

interface ErrorReply {
  status: ContentfulStatusCode;
  body: { code: string; message: string } & Record<string, unknown>;
  headers?: Record<string, string>;
}

/**
 * Every error a handler may throw, mapped to a status in this one place. Handlers just throw:
 * the domain's and the stores' errors already say what went wrong, typed.
 */
export function toErrorReply(error: unknown): ErrorReply {
  if (error instanceof z.ZodError) {
    const issues = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    const first = issues[0];
    const message = first ? `${first.path || 'body'}: ${first.message}` : 'invalid request';
    return { status: 400, body: { code: 'INVALID_INPUT', message, issues } };
  }
  if (InvalidInputError.isInstance(error)) {
    return { status: 400, body: { code: error.code, message: error.message, field: error.field } };
  }
  if (ValidationError.isInstance(error)) {
    // The store names a field of the event it was asked to write (`events[0].data.title`) and
    // the stream; a client sent `title`, and the stream's name is this server's business.
    const field = /^events\[\d+\]\.data\.(.+)$/.exec(error.field)?.[1] ?? error.field;
    return {
      status: 400,
      body: { code: 'INVALID_INPUT', message: `Invalid ${field}: ${error.reason}`, field },
    };
  }
  if (AggregateNotFoundError.isInstance(error)) {
    return {
      status: 404,
      body: {
        code: 'NOT_FOUND',
        message: `${error.aggregateType} '${error.aggregateId}' not found`,
      },
    };
  }
  if (ConcurrencyError.isInstance(error)) {
    return {
      status: 409,
      body: {
        code: 'CONFLICT',
        message: `Version ${String(error.expectedVersion)} is not the current one (${error.actualVersion}): reload and retry`,
        expectedVersion: error.expectedVersion,
        actualVersion: error.actualVersion,
      },
      headers: { ETag: etag(error.actualVersion) },
    };
  }
  if (UnmatchableIfMatchError.isInstance(error)) {
    return {
      status: 409,
      body: { code: 'CONFLICT', message: error.message, actualVersion: error.actualVersion },
      headers: { ETag: etag(error.actualVersion) },
    };
  }
  if (ContendedCommandError.isInstance(error)) {
    return {
      status: 409,
      body: {
        code: 'CONFLICT',
        message: error.message,
        attempts: error.attempts,
        actualVersion: error.actualVersion,
      },
      headers: { ETag: etag(error.actualVersion) },
    };
  }
  if (DomainError.isInstance(error)) {
    return { status: 422, body: { code: error.code, message: error.message } };
  }
  return { status: 500, body: { code: 'INTERNAL', message: 'Internal error' } };
}

export function onError(log: (message: string, error: unknown) => void) {
  return (error: Error, c: Context) => {
    if (error instanceof HTTPException) return error.getResponse();
    const reply = toErrorReply(error);
    if (reply.status === 500) log(`${c.req.method} ${c.req.path} failed`, error);
    return c.json(reply.body, reply.status, reply.headers);
  };
}
