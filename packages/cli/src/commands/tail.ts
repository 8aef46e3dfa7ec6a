import { MongoEventStore } from '@flowra/eventstore-mongo';
import type { Connection } from '../connection.js';
import { encodeEventLine } from '../event-line.js';
import { formatEventLine } from '../event-format.js';
import { EXIT_OK } from '../exit-codes.js';
import { writeLine } from '../output.js';
import { stylesFor } from '../style.js';

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
  const store = new MongoEventStore(conn.db, { ensureSchema: false, pollIntervalMs: 200 });
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
    // A handler or database failure rejects `done` and ends the command with that error.
    await Promise.race([stopped, subscription.done]);
    await subscription.close();
    return EXIT_OK;
  } finally {
    await store.close();
  }
}
