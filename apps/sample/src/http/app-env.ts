import type { CommandContext } from '@flowra/domain';
import type { SaveContext } from '@flowra/repository';
import type { Context } from 'hono';

/** Who is asking, for which tenant: set once per request by the scope middleware. */
export interface RequestScope {
  tenantId: string;
  /** Required to change anything; reads may be anonymous. */
  userId: string | undefined;
  correlationId: string;
}

export interface AppEnv {
  Variables: { scope: RequestScope };
}

export type AppContext = Context<AppEnv>;

/** The domain's view of the request: who acts, and when (the domain never reads a clock). */
export function commandContext(c: AppContext): CommandContext {
  const { userId } = c.get('scope');
  // The scope middleware refuses writes without a user, so this only guards against misuse.
  if (userId === undefined) throw new Error('commandContext() needs an acting user');
  return { userId, at: new Date() };
}

/** What the repository writes into every event's metadata. */
export function writeContext(c: AppContext): SaveContext {
  const { userId, correlationId } = c.get('scope');
  return { userId, correlationId };
}
