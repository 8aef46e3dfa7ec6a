import type { Hono } from 'hono';
import type { AppEnv } from './http/app-env.js';
import { createApp } from './http/app.js';
import { Projector } from './projections/projector.js';
import { type TaskCard, taskBoardProjection } from './projections/task-board.js';
import { type TimelineEntry, timelineProjection } from './projections/timeline.js';
import type { Storage } from './storage.js';
import { TenantRepositories } from './tenancy.js';

export interface Projectors {
  board: Projector<TaskCard>;
  timeline: Projector<TimelineEntry>;
}

export interface ProjectorsOptions {
  restartDelayMs?: number | null;
  log?: (message: string) => void;
}

export function createProjectors(storage: Storage, options: ProjectorsOptions = {}): Projectors {
  const { store, readModels } = storage;
  const common = { store, checkpoints: readModels.checkpoints, ...options };
  return {
    board: new Projector({ ...common, projection: taskBoardProjection(readModels.board) }),
    timeline: new Projector({ ...common, projection: timelineProjection(readModels.timeline) }),
  };
}

export interface SampleOptions extends ProjectorsOptions {
  snapshotEvery?: number;
}

/** The running app: HTTP routes over tenant repositories, with the projections kept up to date. */
export interface Sample {
  readonly app: Hono<AppEnv>;
  readonly storage: Storage;
  readonly repositories: TenantRepositories;
  readonly projectors: Projectors;
  /** Resolves once the projections have caught up with the log as it is now. */
  settled(): Promise<void>;
  /** Stops the projections; the storage belongs to the caller, who closes it. */
  close(): Promise<void>;
}

/** The composition root: everything the app is made of is wired here and nowhere else. */
export async function startSample(storage: Storage, options: SampleOptions = {}): Promise<Sample> {
  const { snapshotEvery = 10, ...projectorOptions } = options;
  const repositories = new TenantRepositories({ store: storage.store, snapshotEvery });
  const projectors = createProjectors(storage, projectorOptions);
  await projectors.board.start();
  await projectors.timeline.start();
  const app = createApp({ storage, repositories, projectors, log: options.log });
  return {
    app,
    storage,
    repositories,
    projectors,
    async settled() {
      const head = await storage.headPosition();
      await Promise.all([projectors.board.waitFor(head), projectors.timeline.waitFor(head)]);
    },
    async close() {
      await Promise.all([projectors.board.stop(), projectors.timeline.stop()]);
    },
  };
}
