import { Hono } from 'hono';
import { z } from 'zod';
import type { Projector } from '../projections/projector.js';
import { type TaskCard, toCardView, toColumns } from '../projections/task-board.js';
import type { ReadModels } from '../read-models/read-models.js';
import type { AppEnv } from './app-env.js';

const BoardQuery = z.object({
  /** Wait (briefly) until the board reflects this log position: read-your-own-writes. */
  minPosition: z.coerce.number().int().nonnegative().optional(),
});

/** The task board read model: tracked chats of the tenant, in status columns. */
export function boardRoutes(readModels: ReadModels, projector: Projector<TaskCard>): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/', async (c) => {
    const { minPosition } = BoardQuery.parse(c.req.query());
    if (minPosition !== undefined) await projector.waitFor(minPosition, 2_000);
    const { tenantId } = c.get('scope');
    // Read the position first: the cards are then at least as new as the position claims.
    const position = projector.position;
    const cards = await readModels.board.find({ tenantId });
    const columns = toColumns(cards).map(({ status, cards }) => ({
      status,
      cards: cards.map(toCardView),
    }));
    return c.json({ tenantId, position, columns });
  });
  return routes;
}
