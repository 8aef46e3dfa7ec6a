import type { FlowraLogger } from '@flowra/eventstore-core';
import { Projections, type RestartPolicy } from '@flowra/projections';
import type { Hono } from 'hono';
import type { AppEnv } from './http/app-env.js';
import { createApp } from './http/app.js';
import { LiveFeed } from './http/live-feed.js';
import { taskBoard } from './projections/task-board.js';
import { timeline } from './projections/timeline.js';
import type { Storage } from './storage.js';
import { TenantRepositories } from './tenancy.js';

export interface SampleOptions {
  snapshotEvery?: number;
  /** After a projection fails (default: retry after 1 s, backing off); `false` stays stopped. */
  restart?: RestartPolicy | false;
  /** How long a projection's lease lasts: how soon another process takes over (default 10 s). */
  leaseTtlMs?: number;
  log?: (message: string, error?: unknown) => void;
  /** Where the Flowra packages send their log lines (instead of `log`, for projections). */
  logger?: FlowraLogger;
}

/** The running app: HTTP routes over tenant repositories, with the projections kept up to date. */
export interface Sample {
  readonly app: Hono<AppEnv>;
  readonly storage: Storage;
  readonly repositories: TenantRepositories;
  readonly projections: Projections;
  /** Resolves once the projections have caught up with the log as it is now. */
  settled(): Promise<void>;
  /** Stops the projections and the live feed; the storage belongs to the caller, who closes it. */
  close(): Promise<void>;
}

/** The app's read models: the task board and the chat timelines. */
export function createProjections(storage: Storage, options: SampleOptions = {}): Projections {
  const log = options.log ?? console.error;
  return new Projections({
    store: storage.store,
    readModels: storage.readModels,
    projections: [taskBoard, timeline],
    ...(options.restart !== undefined ? { restart: options.restart } : {}),
    ...(options.leaseTtlMs !== undefined ? { leaseTtlMs: options.leaseTtlMs } : {}),
    // Short waits keep read-your-own-writes quick while the app idles.
    pollIntervalMs: 100,
    ...(options.logger
      ? { logger: options.logger }
      : {
          log: (
            level: 'info' | 'warn' | 'error',
            message: string,
            fields?: { error?: unknown },
          ) => {
            if (level !== 'info') log(message, fields?.error);
          },
        }),
  });
}

/** The composition root: everything the app is made of is wired here and nowhere else. */
export async function startSample(storage: Storage, options: SampleOptions = {}): Promise<Sample> {
  const { snapshotEvery = 10 } = options;
  const repositories = new TenantRepositories({
    store: storage.store,
    snapshotEvery,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const projections = createProjections(storage, options);
  projections.start();
  const feed = new LiveFeed(storage.store, { log: options.log ?? console.error });
  await feed.start();
  const app = createApp({ storage, repositories, projections, feed, log: options.log });
  return {
    app,
    storage,
    repositories,
    projections,
    async settled() {
      const head = await storage.headPosition();
      await projections.waitFor(head, 10_000);
    },
    async close() {
      await Promise.all([projections.stop(), feed.close()]);
    },
  };
}
