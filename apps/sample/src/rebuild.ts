import { ConfigError, type Config, loadConfig } from './config.js';
import { startProgress } from './progress.js';
import { createProjections } from './sample.js';
import { openStorage } from './storage.js';

/**
 * `pnpm --filter @flowra/sample run rebuild`: rebuilds the read models of the configured
 * MongoDB database from its log, e.g. after a projection's fold changed. The app may keep
 * running: each projection is built into a new generation while the current one serves
 * readers, then readers are switched to it. Whichever process holds a projection's lease does
 * the work (this one, if no app runs); an interrupted rebuild resumes where it stopped.
 */

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

const config = readConfig();
if (!config.mongodbUri) {
  console.log('The in-memory store starts empty in every process: there is nothing to rebuild.');
  console.log('Set MONGODB_URI (and MONGODB_DB) to rebuild the read models of a MongoDB database.');
  process.exit(0);
}

const storage = await openStorage(config);
const projections = createProjections(storage);
try {
  const started = Date.now();
  const head = await storage.headPosition();
  const before = new Map(
    (await storage.readModels.listStates()).map((s) => [s.projection, s.generation]),
  );
  projections.start();
  for (const runner of projections.runners.values()) runner.rebuild();
  const progress = startProgress('Rebuilding', head * projections.runners.size);
  for (;;) {
    const health = await projections.health();
    progress.update(health.reduce((n, p) => n + (p.rebuild ? p.rebuild.position : head), 0));
    const switched = health.every(
      (p) => !p.rebuild && p.generation > (before.get(p.name) ?? 1) - (before.has(p.name) ? 0 : 1),
    );
    if (switched) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  progress.stop();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  for (const p of await projections.health()) {
    console.log(`${p.name}: generation ${p.generation}, checkpoint ${p.checkpoint} of ${p.head}`);
  }
  console.log(`Rebuilt ${storage.description} from ${head} events in ${seconds} s`);
} finally {
  await projections.stop();
  await storage.close();
}
