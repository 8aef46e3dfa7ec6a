import { InvalidInputError } from '@flowra/domain';
import type { Context } from 'hono';
import type { z } from 'zod';

/** Parses the JSON body with one of the domain's input schemas; a ZodError becomes a 400. */
export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    throw new InvalidInputError('body', 'must be JSON');
  }
  return schema.parse(json);
}

/** `readBody` for a schema, as an input reader for command routes. */
export function body<S extends z.ZodType>(schema: S) {
  return (c: Context): Promise<z.output<S>> => readBody(c, schema);
}

/** For commands that take nothing but the acting user. */
export function noInput(): undefined {
  return undefined;
}
