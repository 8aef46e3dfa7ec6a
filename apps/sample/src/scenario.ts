import { Chat, ChatAggregate, type CommandContext, Message, type Priority } from '@flowra/domain';
import { ConcurrencyError, type EventStore } from '@flowra/eventstore-core';
import { EventSourcedRepository, tenantStreamNaming } from '@flowra/repository';
import type { TenantRepositories } from './tenancy.js';

export interface ScenarioOptions {
  store: EventStore;
  repositories: TenantRepositories;
  tenantId: string;
  snapshotEvery: number;
  /** Narration; silent when the app seeds itself. */
  say?: (line: string) => void;
}

/** `ChatCreated, ParticipantAdded ×2` */
function summarize(types: readonly string[]): string {
  const runs: [string, number][] = [];
  for (const type of types) {
    const last = runs.at(-1);
    if (last?.[0] === type) last[1]++;
    else runs.push([type, 1]);
  }
  return runs.map(([type, n]) => (n > 1 ? `${type} ×${n}` : type)).join(', ');
}

/**
 * A small team's morning, through the domain and the repositories only (no HTTP): a bug is
 * discussed, tracked, fought over and snapshotted, and a few more cards land on the board.
 * `pnpm demo` narrates it; `pnpm start` seeds the in-memory store with it.
 */
export async function runScenario(options: ScenarioOptions): Promise<void> {
  const { store, repositories, tenantId, snapshotEvery, say = () => {} } = options;
  const chats = repositories.chats(tenantId);
  const messages = repositories.messages(tenantId);
  // The domain takes the time from its caller, never from a clock of its own.
  const as = (userId: string): CommandContext => ({ userId, at: new Date() });
  const inDays = (days: number) => new Date(Date.now() + days * 86_400_000);

  async function save<T extends Chat | Message>(
    repository: EventSourcedRepository<T>,
    aggregate: T,
    userId: string,
  ): Promise<void> {
    const types = aggregate.uncommittedEvents.map((event) => event.type);
    const from = aggregate.committedVersion + 1;
    const result = await repository.save(aggregate, { userId });
    if (!result) return;
    const versions =
      result.nextExpectedVersion > from ? `v${from}-v${result.nextExpectedVersion}` : `v${from}`;
    say(
      `  ${repository.streamIdOf(aggregate.id).padEnd(32)} ${versions.padEnd(7)} ${summarize(types)}`,
    );
  }

  const BUG = 'checkout-safari';
  say('1. ann opens a discussion with bob and cara; they talk it through');
  const chat = Chat.create(
    BUG,
    { workspaceId: 'web', title: 'Checkout fails on Safari', participantIds: ['bob', 'cara'] },
    as('ann'),
  );
  await save(chats, chat, 'ann');
  const first = Message.post(
    'msg-1',
    chat,
    { body: 'The pay button does nothing on Safari 17.' },
    as('ann'),
  );
  await save(messages, first, 'ann');
  const reply = Message.post(
    'msg-2',
    chat,
    { body: 'Reproduced, looks like the Aple Pay check', replyToId: 'msg-1' },
    as('bob'),
  );
  await save(messages, reply, 'bob');
  first.addReaction(chat, { emoji: '👍' }, as('cara'));
  await save(messages, first, 'cara');
  reply.edit({ body: 'Reproduced, looks like the Apple Pay check' }, as('bob'));
  await save(messages, reply, 'bob');
  const oops = Message.post('msg-3', chat, { body: 'wrong chat, sorry' }, as('cara'));
  await save(messages, oops, 'cara');
  oops.delete(as('cara'));
  await save(messages, oops, 'cara');

  say('2. ann turns it into a bug and tracks it');
  chat.convertToTask({ to: 'Bug' }, as('ann'));
  chat.setSeverity({ severity: 'major' }, as('ann'));
  chat.setPriority({ priority: 'high' }, as('ann'));
  chat.assign({ userId: 'bob' }, as('ann'));
  chat.setDueDate({ dueDate: inDays(3) }, as('ann'));
  await save(chats, chat, 'ann');

  say(`3. bob and cara both open the bug at v${chat.version} and change it at the same time`);
  const bobs = await chats.load(BUG);
  const caras = await chats.load(BUG);
  bobs.changeStatus({ status: 'in_progress' }, as('bob'));
  await save(chats, bobs, 'bob');
  const urgent = (c: Chat) => c.setPriority({ priority: 'urgent' satisfies Priority }, as('cara'));
  urgent(caras);
  try {
    await chats.save(caras, { userId: 'cara' });
  } catch (error) {
    if (!ConcurrencyError.isInstance(error)) throw error;
    say(
      `  cara's save is refused: ConcurrencyError, expected v${String(error.expectedVersion)} but the stream is at v${error.actualVersion}`,
    );
  }
  const snapshotsBefore = chats.stats.snapshotsSaved;
  const retried = await chats.update(BUG, urgent, { context: { userId: 'cara' } });
  say(
    `  retried with repository.update(): reloaded, re-ran the command, saved as v${retried.version}`,
  );
  if (chats.stats.snapshotsSaved > snapshotsBefore) {
    say(
      `  a snapshot of ${chats.streamIdOf(BUG)} was saved at v${retried.version} (every ${snapshotEvery} events)`,
    );
  }
  const reviewed = await chats.load(BUG);
  reviewed.changeStatus({ status: 'in_review' }, as('bob'));
  await save(chats, reviewed, 'bob');

  say('4. another process loads the bug with an empty cache');
  const cold = new EventSourcedRepository({
    store,
    aggregate: ChatAggregate,
    naming: tenantStreamNaming(tenantId),
    snapshots: { every: snapshotEvery },
    cacheSize: 0,
  });
  const loaded = await cold.load(BUG);
  say(
    cold.stats.snapshotsUsed > 0
      ? `  it starts from the snapshot and reads ${cold.stats.eventsRead} event(s) after it: v${loaded.version}, ${loaded.status}, ${loaded.priority}`
      : `  no snapshot yet (SNAPSHOT_EVERY=${snapshotEvery}): it replays all ${cold.stats.eventsRead} events`,
  );

  say('5. more work lands on the board');
  const epic = Chat.create(
    'release-2',
    { workspaceId: 'web', type: 'Epic', title: 'Release 2.0' },
    as('ann'),
  );
  epic.setPriority({ priority: 'high' }, as('ann'));
  await save(chats, epic, 'ann');
  const notes = Chat.create(
    'release-notes',
    {
      workspaceId: 'web',
      type: 'Task',
      title: 'Write the release notes',
      participantIds: ['cara'],
    },
    as('ann'),
  );
  notes.assign({ userId: 'cara' }, as('ann'));
  notes.setDueDate({ dueDate: inDays(7) }, as('ann'));
  await save(chats, notes, 'ann');
  const flaky = Chat.create(
    'flaky-ci',
    { workspaceId: 'web', title: 'CI is flaky again' },
    as('bob'),
  );
  flaky.convertToTask({ to: 'Task' }, as('bob'));
  flaky.changeStatus({ status: 'blocked' }, as('bob'));
  flaky.setPriority({ priority: 'low' }, as('bob'));
  await save(chats, flaky, 'bob');
}
