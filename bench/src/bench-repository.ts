import { Chat, ChatAggregate } from '@flowra/domain';
import type { EventStore } from '@flowra/eventstore-core';
import { EventSourcedRepository, type RepositoryOptions } from '@flowra/repository';
import { type Measurement, measure } from './measurement.js';

export interface RepositorySizes {
  runs: number;
  /** Events in the Chat's stream. */
  events: number;
  /** Events after the snapshot: what a snapshot load still replays. */
  tail: number;
}

export interface RepositoryResult {
  rows: Measurement[];
  replay: Measurement;
  snapshot: Measurement;
  cacheHit: Measurement;
}

const SAVE_CHUNK = 50;
const at = (n: number) => ({
  userId: 'bench-user',
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, n)),
});

/**
 * Writes one Chat of `events` events through the repository (saves of 50, one snapshot
 * `tail` events before the end), then loads it by replay, from the snapshot, and from the cache.
 */
export async function benchRepository(
  store: EventStore,
  label: string,
  sizes: RepositorySizes,
): Promise<RepositoryResult> {
  if (sizes.events % SAVE_CHUNK !== 0 || sizes.tail % SAVE_CHUNK !== 0)
    throw new Error(`sizes must be multiples of ${SAVE_CHUNK}`);
  const repo = (options: Partial<RepositoryOptions<Chat>>) =>
    new EventSourcedRepository<Chat>({ store, aggregate: ChatAggregate, ...options });
  const chatId = `bench${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

  const writer = repo({
    cacheSize: 0,
    snapshots: { when: ({ version }) => version === sizes.events - sizes.tail },
  });
  const chat = Chat.create(
    chatId,
    { workspaceId: 'ws-bench', title: 'Title 0', type: 'Task' },
    at(0),
  );
  for (let i = 1; i < sizes.events; i++) {
    chat.rename({ title: `Title ${i}` }, at(i));
    if (chat.uncommittedEvents.length === SAVE_CHUNK) await writer.save(chat);
  }
  await writer.save(chat);
  if (chat.version !== sizes.events || writer.stats.snapshotsSaved !== 1) {
    throw new Error(`wrote ${chat.version} events and ${writer.stats.snapshotsSaved} snapshots`);
  }

  const check = (loaded: Chat) => {
    if (loaded.version !== sizes.events || loaded.title !== `Title ${sizes.events - 1}`) {
      throw new Error(`loaded version ${loaded.version}, title '${loaded.title}'`);
    }
  };
  const n = sizes.events.toLocaleString('en');
  const replayRepo = repo({ cacheSize: 0, snapshots: false });
  const replay = await measure(
    `${label} repository load ${n}-event Chat, replay`,
    async () => check(await replayRepo.load(chatId)),
    {
      runs: sizes.runs,
      events: sizes.events,
      note: 'no snapshot, no cache: every event read and applied',
    },
  );
  const snapshotRepo = repo({ cacheSize: 0, snapshots: { every: Number.MAX_SAFE_INTEGER } });
  const snapshot = await measure(
    `${label} repository load ${n}-event Chat, snapshot`,
    async () => check(await snapshotRepo.load(chatId)),
    {
      runs: sizes.runs,
      note: `events/s left out: it reads the snapshot at version ${sizes.events - sizes.tail}, then ${sizes.tail} events`,
    },
  );
  if (snapshotRepo.stats.snapshotsUsed === 0) throw new Error('the snapshot was not used');
  const cachedRepo = repo({ cacheSize: 10, snapshots: { every: Number.MAX_SAFE_INTEGER } });
  check(await cachedRepo.load(chatId));
  const cacheHit = await measure(
    `${label} repository load ${n}-event Chat, cache hit`,
    async () => check(await cachedRepo.load(chatId)),
    {
      runs: sizes.runs,
      note: 'events/s left out: cached state restored, then the (empty) tail read from the store',
    },
  );
  if (cachedRepo.stats.cacheHits < sizes.runs)
    throw new Error(`only ${cachedRepo.stats.cacheHits} cache hits`);
  return { rows: [replay, snapshot, cacheHit], replay, snapshot, cacheHit };
}
