import { StoreUnavailableError } from '@flowra/eventstore-core';
import { MongoEventStore } from '@flowra/eventstore-mongo';
import { type Connection, databaseFailure } from '../connection.js';
import { encodeEventLine } from '../event-line.js';
import { formatEventLine } from '../event-format.js';
import { EXIT_OK } from '../exit-codes.js';
import { writeLine } from '../output.js';
import { stylesFor } from '../style.js';

/**
 * How long reads of the log may keep failing before tail gives up and says so. Longer than the
 * 3 s connect check: a MongoDB election (about 12 s) is waited out, a dead server is not.
 */
export const TAIL_READ_FAILURE_TIMEOUT_MS = 15_000;

export interface TailCommandOptions {
  from?: number;
  type?: string[];
  stream?: string[];
  json?: boolean;
}

/** Resolves with the signal that asked the process to stop. */
function stopSignal(): { promise: Promise<NodeJS.Signals>; dispose(): void } {
  let dispose = () => {};
  const promise = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => resolve(signal);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    dispose = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
  });
  return { promise, dispose };
}

/** Connects itself, so that a Ctrl-C while still connecting also ends with exit code 0. */
export async function runTail(
  options: TailCommandOptions,
  connect: () => Promise<Connection>,
): Promise<number> {
  const stop = stopSignal();
  const connecting = connect();
  let conn: Connection | undefined;
  try {
    conn = await Promise.race([connecting, stop.promise.then(() => undefined)]);
  } catch (error) {
    stop.dispose();
    throw error;
  }
  if (!conn) {
    stop.dispose();
    // Let the attempt finish in the background only to close what it opened.
    connecting.then(
      (c) => c.client.close(),
      () => {},
    );
    return EXIT_OK;
  }
  try {
    return await follow(conn, options, stop.promise);
  } finally {
    stop.dispose();
    await conn.client.close();
  }
}

async function follow(
  conn: Connection,
  options: TailCommandOptions,
  stopped: Promise<NodeJS.Signals>,
): Promise<number> {
  const store = new MongoEventStore(conn.db, {
    ensureSchema: false,
    pollIntervalMs: 200,
    readFailureTimeoutMs: TAIL_READ_FAILURE_TIMEOUT_MS,
  });
  const out = process.stdout;
  const s = stylesFor(out);
  const streams = options.stream?.length ? new Set(options.stream) : undefined;
  try {
    // An explicit start, rather than subscribe's "from now", so the "following" notice below is
    // exact: every event committed after it is printed.
    const from = options.from ?? (await store.headPosition());
    const subscription = store.subscribe(
      async (event) => {
        if (streams && !streams.has(event.streamId)) return;
        await writeLine(
          out,
          options.json
            ? encodeEventLine(event)
            : formatEventLine(event, s, out.isTTY ? out.columns : undefined),
        );
      },
      { fromPosition: from, types: options.type?.length ? options.type : undefined },
    );
    process.stderr.write(
      `${stylesFor(process.stderr).dim(`Following ${conn.target.dbName} after position ${from} (Ctrl-C to stop)`)}\n`,
    );
    // A handler or database failure rejects `done` and ends the command with that error; reads
    // that keep failing do so after TAIL_READ_FAILURE_TIMEOUT_MS.
    await Promise.race([stopped, subscription.done]);
    await subscription.close();
    return EXIT_OK;
  } catch (error) {
    // The store names the operation, not the server: the operator needs the host.
    throw StoreUnavailableError.isInstance(error)
      ? databaseFailure(conn.target, 'reading the log', error)
      : error;
  } finally {
    await store.close();
  }
}
