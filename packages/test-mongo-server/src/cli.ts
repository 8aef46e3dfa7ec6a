#!/usr/bin/env node
import { FERRETDB_VERSION, ensureFerretdb } from './ferretdb.js';
import { NoTestMongoError, startTestMongo } from './start.js';
import type { TestMongo } from './types.js';

const USAGE = `Usage: flowra-test-mongo <command>

  start   Start (or borrow, with MONGODB_URI) a MongoDB test server, print
            MONGODB_URI=<uri>
            MONGO_LABEL=<label>
            MONGO_KIND=<uri|memory-server|jongodb|ferretdb>
            MONGO_CAPABILITIES=<json>
          as shell assignments (quoted where needed, so \`eval\` can read them), then keep it
          running until SIGINT or SIGTERM.
  probe   Start a server, print its label, kind, URI and capabilities as JSON, stop it.
  build-ferretdb
          Build FerretDB ${FERRETDB_VERSION} with Go into its cache folder (once; reused), print its path.

Choice: MONGODB_URI, else mongodb-memory-server, else the jongodb emulator, else FerretDB
over PostgreSQL; FLOWRA_TEST_MONGO=uri|memory-server|jongodb|ferretdb forces one (none: act
as if none).

Example (bash):
  flowra-test-mongo start > mongo.env & pid=$!
  until grep -q '^MONGO_CAPABILITIES=' mongo.env; do sleep 0.1; done
  eval "$(cat mongo.env)"; export MONGODB_URI
  ...; kill $pid
`;

/** Quotes a value for a POSIX shell when it holds anything but plainly safe characters. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./?-]*$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

async function start(): Promise<TestMongo> {
  try {
    return await startTestMongo();
  } catch (error) {
    console.error(`flowra-test-mongo: ${(error as Error).message}`);
    process.exit(error instanceof NoTestMongoError ? 2 : 1);
  }
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0];
  if (command === 'start') {
    const mongo = await start();
    const lines = [
      `MONGODB_URI=${shellQuote(mongo.uri)}`,
      `MONGO_LABEL=${shellQuote(mongo.label)}`,
      `MONGO_KIND=${mongo.kind}`,
      `MONGO_CAPABILITIES=${shellQuote(JSON.stringify(mongo.capabilities))}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    console.error(`[mongo] using ${mongo.label}; stop with SIGINT or SIGTERM`);
    const keepAlive = setInterval(() => {}, 1 << 30);
    let stopping = false;
    const shutdown = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      const force = setTimeout(() => process.exit(1), 10_000);
      force.unref();
      mongo.stop().then(
        () => {
          clearInterval(keepAlive);
          console.error(`[mongo] stopped (${signal})`);
          process.exit(0);
        },
        (error: unknown) => {
          console.error(`[mongo] stop failed: ${(error as Error).message}`);
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
    process.on('SIGHUP', shutdown);
    return;
  }
  if (command === 'probe') {
    const mongo = await start();
    const { stop, ...description } = mongo;
    process.stdout.write(`${JSON.stringify(description, null, 2)}\n`);
    await stop();
    return;
  }
  if (command === 'build-ferretdb') {
    try {
      process.stdout.write(`${await ensureFerretdb()}\n`);
    } catch (error) {
      console.error(`flowra-test-mongo: ${(error as Error).message}`);
      process.exit(1);
    }
    return;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  process.stderr.write(`flowra-test-mongo: unknown command ${command}\n\n${USAGE}`);
  process.exit(64);
}

void main(process.argv.slice(2));
