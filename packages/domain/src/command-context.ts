import { z } from 'zod';
import { IdSchema } from './primitives.js';
import { parseInput } from './validation.js';

/**
 * Who acts and when. Passed in by the caller because the domain never reads a clock: replaying
 * the same commands must record the same events.
 */
export const CommandContextSchema = z.object({ userId: IdSchema, at: z.date() });
export type CommandContext = z.infer<typeof CommandContextSchema>;

export function parseContext(context: CommandContext): CommandContext {
  return parseInput(CommandContextSchema, context, 'context');
}
