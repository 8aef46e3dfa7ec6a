import type { EventStore } from '@flowra/eventstore-core';
import { lagSecondsOf } from './projection-runner.js';
import type { ProjectionErrorRecord, ReadModelStore } from './read-model-store.js';

export type ProjectionStatus =
  | 'running'
  | 'rebuilding'
  | 'waiting-for-lease'
  | 'failed'
  | 'stopped';

export interface ProjectionHealth {
  name: string;
  /** As the asking process sees it; from another process, `running` when a lease is live. */
  status: ProjectionStatus;
  /** The process holding the lease, when it has not expired. */
  owner: string | null;
  epoch: number;
  /** Every event up to here is in the live read model. */
  checkpoint: number;
  head: number;
  lagEvents: number;
  /** How long the oldest event not yet applied has waited. */
  lagSeconds: number;
  generation: number;
  rebuild: {
    generation: number;
    position: number;
    eventsPerSecond: number;
    etaSeconds: number | null;
  } | null;
  /** The failure that stopped it last (cleared once it moves on). */
  error: ProjectionErrorRecord | null;
}

/**
 * Every projection known to the read-model store, from its stored state and lease: what
 * `flowra projections` shows, from any process.
 */
export async function projectionHealth(
  store: EventStore,
  readModels: ReadModelStore,
  now = Date.now(),
): Promise<ProjectionHealth[]> {
  const [states, head] = await Promise.all([readModels.listStates(), store.headPosition()]);
  return Promise.all(
    states
      .sort((a, b) => a.projection.localeCompare(b.projection))
      .map(async (state): Promise<ProjectionHealth> => {
        const lease = await readModels.currentLease(state.projection);
        const live = lease !== null && lease.expiresAt > now;
        const status: ProjectionStatus = state.error
          ? 'failed'
          : !live
            ? 'stopped'
            : state.rebuild
              ? 'rebuilding'
              : 'running';
        return {
          name: state.projection,
          status,
          owner: live ? lease.owner : null,
          epoch: lease?.epoch ?? state.epoch,
          checkpoint: state.position,
          head,
          lagEvents: Math.max(0, head - state.position),
          lagSeconds: await lagSecondsOf(store, state.position, head, now),
          generation: state.generation,
          rebuild: state.rebuild && {
            generation: state.rebuild.generation,
            position: state.rebuild.position,
            eventsPerSecond: 0,
            etaSeconds: null,
          },
          error: state.error,
        };
      }),
  );
}
