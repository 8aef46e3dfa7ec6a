import type { Db } from 'mongodb';
import type { TaskCard } from '../projections/task-board.js';
import type { TimelineEntry } from '../projections/timeline.js';
import { MemoryCheckpoints, MemoryCollection } from './memory-read-models.js';
import { MongoCheckpoints, MongoCollection } from './mongo-read-models.js';
import type { CheckpointStore, DocumentCollection } from './read-model-store.js';

/** The app's read models, wherever they are kept. */
export interface ReadModels {
  board: DocumentCollection<TaskCard>;
  timeline: DocumentCollection<TimelineEntry>;
  checkpoints: CheckpointStore;
  /** Empties documents and checkpoints alike, so the projections start again from position 0. */
  clear(): Promise<void>;
}

function clearAll(models: Omit<ReadModels, 'clear'>): Promise<void> {
  // Checkpoints first: should this be interrupted, the projections replay onto what is left,
  // and the lastPosition guard skips what is still there.
  return models.checkpoints
    .clear()
    .then(() => Promise.all([models.board.clear(), models.timeline.clear()]))
    .then(() => {});
}

export function memoryReadModels(): ReadModels {
  const models = {
    board: new MemoryCollection<TaskCard>(),
    timeline: new MemoryCollection<TimelineEntry>(),
    checkpoints: new MemoryCheckpoints(),
  };
  return { ...models, clear: () => clearAll(models) };
}

/** Collections `rm_task_board`, `rm_timeline` and `projection_checkpoints`, indexes created. */
export async function mongoReadModels(db: Db): Promise<ReadModels> {
  const board = new MongoCollection(db.collection<TaskCard>('rm_task_board'), [
    { tenantId: 1, status: 1 },
  ]);
  const timeline = new MongoCollection(db.collection<TimelineEntry>('rm_timeline'), [
    { tenantId: 1, chatId: 1 },
  ]);
  await board.prepare();
  await timeline.prepare();
  const models = { board, timeline, checkpoints: new MongoCheckpoints(db) };
  return { ...models, clear: () => clearAll(models) };
}
