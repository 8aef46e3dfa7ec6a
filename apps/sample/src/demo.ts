import { MongoClient } from 'mongodb';
import { ConfigError, type Config, loadConfig } from './config.js';
import { type TaskCard, toColumns } from './projections/task-board.js';
import { type TimelineEntry, inTimelineOrder } from './projections/timeline.js';
import { createProjections } from './sample.js';
import { runScenario } from './scenario.js';
import { type Storage, memoryStorage, mongoStorage } from './storage.js';
import { TenantRepositories } from './tenancy.js';

/**
 * The scenario end to end without a server, narrated: what was written to which stream, a
 * conflict caught and retried, a snapshot taken and used, and the projected board.
 * In memory by default; on MongoDB with MONGODB_URI, or with `--mongo` on a test server.
 */

const TENANT = 'demo';
const say = (line = '') => console.log(line);

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

async function openDemoStorage(
  config: Config,
): Promise<{ storage: Storage; stop: () => Promise<void> }> {
  let uri = config.mongodbUri;
  let stopServer = async () => {};
  if (process.argv.includes('--mongo')) {
    // A dev-only dependency, loaded only when asked for.
    const { startTestMongo } = await import('@flowra/test-mongo-server');
    const server = await startTestMongo({ log: (m) => console.error(m) });
    say(`Test server: ${server.label}`);
    uri = server.uri;
    stopServer = () => server.stop();
  }
  if (!uri) return { storage: memoryStorage(), stop: stopServer };
  const client = new MongoClient(uri);
  await client.connect();
  // A database of its own per run, so the demo never meets an earlier run's streams.
  const db = client.db(`flowra_demo_${Date.now()}`);
  const storage = await mongoStorage(db, {
    pollIntervalMs: config.pollIntervalMs,
    onClose: () => client.close(),
  });
  const { created, existing, skipped } = storage.migration;
  say(
    `Schema applied by store.migrate(): ${created.length} created, ${existing.length} present, ${skipped.length} skipped`,
  );
  return { storage, stop: stopServer };
}

const config = readConfig();
const { storage, stop } = await openDemoStorage(config);
try {
  say(`Flowra demo on ${storage.description}, tenant '${TENANT}'`);
  say();
  const repositories = new TenantRepositories({
    store: storage.store,
    snapshotEvery: config.snapshotEvery,
  });
  await runScenario({
    store: storage.store,
    repositories,
    tenantId: TENANT,
    snapshotEvery: config.snapshotEvery,
    say,
  });

  say();
  say('The global log, as readAll() returns it (position, stream, version, type):');
  for await (const event of storage.store.readAll()) {
    say(
      `  ${String(event.position).padStart(3)}  ${event.streamId.padEnd(32)} v${String(event.version).padEnd(3)} ${event.type}`,
    );
  }

  const projections = createProjections(storage, { restart: false });
  projections.start();
  const head = await storage.headPosition();
  await projections.waitFor(head, 10_000);
  await projections.stop();

  say();
  say(`The task board, projected up to position ${projections.runner('task-board').position}:`);
  const cards = await projections
    .reader('task-board')
    .find<TaskCard>('cards', { tenantId: TENANT });
  for (const { status, cards: column } of toColumns(cards)) {
    const shown = column.map((c) =>
      [c.title, c.type, c.priority, c.severity, c.assigneeId && `@${c.assigneeId}`]
        .filter(Boolean)
        .join(', '),
    );
    say(`  ${status.padEnd(12)} ${shown.join(' | ') || '-'}`);
  }

  say();
  say('The timeline of checkout-safari:');
  const entries = await projections.reader('timeline').find<TimelineEntry>('entries', {
    tenantId: TENANT,
    chatId: 'checkout-safari',
  });
  for (const entry of inTimelineOrder(entries)) {
    const reactions = entry.reactions.map((r) => `${r.emoji} ${r.userId}`).join(', ');
    const body = entry.deletedAt ? '(deleted)' : JSON.stringify(entry.body);
    const notes = [entry.edits ? `edited ${entry.edits}×` : '', reactions]
      .filter(Boolean)
      .join('; ');
    say(`  ${entry.authorId.padEnd(5)} ${body}${notes ? `  [${notes}]` : ''}`);
  }
} finally {
  await storage.close();
  await stop();
}
