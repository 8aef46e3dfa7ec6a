import { Hono } from 'hono';
import { z } from 'zod';
import type { ProjectionReader, ProjectionRunner } from '@flowra/projections';
import { type TaskCard, toCardView, toColumns } from '../projections/task-board.js';
import type { AppEnv } from './app-env.js';

const BoardQuery = z.object({
  /** Wait (briefly) until the board reflects this log position: read-your-own-writes. */
  minPosition: z.coerce.number().int().nonnegative().optional(),
});

/** The task board read model: tracked chats of the tenant, in status columns. */
export function boardRoutes(runner: ProjectionRunner, reader: ProjectionReader): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/', async (c) => {
    const { minPosition } = BoardQuery.parse(c.req.query());
    if (minPosition !== undefined) await runner.waitFor(minPosition, 2_000);
    const { tenantId } = c.get('scope');
    // Read the position first: the cards are then at least as new as the position claims.
    const position = runner.position;
    const cards = await reader.find<TaskCard>('cards', { tenantId });
    const columns = toColumns(cards).map(({ status, cards }) => ({
      status,
      cards: cards.map(toCardView),
    }));
    return c.json({ tenantId, position, columns });
  });
  return routes;
}
