import type { z } from 'zod';
import { InvalidInputError } from './errors.js';

/**
 * Parses with `schema` and turns the first zod issue into an `InvalidInputError`, so callers
 * only ever see domain errors. `prefix` roots the reported field path (e.g. `context`).
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix?: string,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = [prefix, ...(issue?.path ?? []).map(String)].filter((part) => part !== undefined);
  throw new InvalidInputError(path.join('.') || 'input', issue?.message ?? 'is invalid', {
    cause: result.error,
  });
}
