import type { Storage } from '../storage.js';
import { createProjectors } from '../sample.js';

export interface RebuildResult {
  events: number;
  cards: number;
  entries: number;
}

/**
 * Clears documents and checkpoints, then replays the log from position 0 through the same
 * projectors the app runs, in one pass. Run it with the app's projectors stopped: a running
 * one would keep writing into the collections being rebuilt.
 */
export async function rebuildReadModels(
  storage: Storage,
  onProgress: (position: number) => void = () => {},
): Promise<RebuildResult> {
  await storage.readModels.clear();
  const projectors = createProjectors(storage, { restartDelayMs: null });
  let events = 0;
  for await (const event of storage.store.readAll()) {
    await projectors.board.apply(event);
    await projectors.timeline.apply(event);
    events++;
    onProgress(event.position);
  }
  const cards = (await storage.readModels.board.find({})).length;
  const entries = (await storage.readModels.timeline.find({})).length;
  return { events, cards, entries };
}
