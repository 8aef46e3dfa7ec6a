import { ConfigError, type Config, loadConfig } from './config.js';
import { startProgress } from './progress.js';
import { rebuildReadModels } from './projections/rebuild.js';
import { openStorage } from './storage.js';

/**
 * `pnpm --filter @flowra/sample run rebuild`: rebuilds the read models of the configured
 * MongoDB database from its log, e.g. after a projection's fold changed. Stop the app first.
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
try {
  const started = Date.now();
  const head = await storage.headPosition();
  const progress = startProgress('Replaying', head);
  const { events, cards, entries } = await rebuildReadModels(storage, (p) => progress.update(p));
  progress.stop();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `Rebuilt ${storage.description}: ${events} events replayed into ${cards} board cards and ${entries} timeline entries in ${seconds} s`,
  );
} finally {
  await storage.close();
}
