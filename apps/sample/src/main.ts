import { consoleLogger, silentLogger } from '@flowra/eventstore-core';
import { ConfigError, type Config, loadConfig } from './config.js';
import { startSample } from './sample.js';
import { runScenario } from './scenario.js';
import { listen } from './server.js';
import { openStorage } from './storage.js';
import { startConsoleTelemetry } from './telemetry.js';

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
// Registered before anything else, so the first request is traced too.
const telemetry = config.otel === 'console' ? startConsoleTelemetry() : undefined;
const logger =
  config.logLevel === 'silent'
    ? silentLogger
    : consoleLogger({ level: config.logLevel, name: 'flowra-sample' });
const storage = await openStorage(config, { logger });
const sample = await startSample(storage, { snapshotEvery: config.snapshotEvery, logger });

// Only an empty, throwaway store is seeded: a MongoDB database keeps what it has.
if (storage.kind === 'memory' && config.seedDemo) {
  await runScenario({
    store: storage.store,
    repositories: sample.repositories,
    tenantId: 'demo',
    snapshotEvery: config.snapshotEvery,
  });
}

let server: Awaited<ReturnType<typeof listen>>;
try {
  server = await listen(sample.app, config.port, config.host);
} catch (error) {
  console.error(`Cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`);
  await sample.close();
  await storage.close();
  process.exit(1);
}

const { url } = server;
console.log(`Flowra sample on ${storage.description}
  board:  ${url}/?tenant=demo&user=ann
  health: ${url}/health

Try:
  curl -s ${url}/board -H 'X-Tenant-Id: demo'
  curl -s -X POST ${url}/chats -H 'X-Tenant-Id: demo' -H 'X-User-Id: ann' -H 'Content-Type: application/json' -d '{"workspaceId":"web","type":"Task","title":"Try Flowra"}'
`);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping`);
  await server.close();
  await sample.close();
  await storage.close();
  await telemetry?.shutdown();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
