import { fork } from 'node:child_process';
import { MongoEventStore } from '@flowra/eventstore-mongo';
import { MongoClient } from 'mongodb';
import { curvePoint, type MultiprocessPoint, tsx, watchWriter } from './bench-multiprocess.js';
import { CommandTally } from './command-counter.js';
import type { FromSequencer, ToSequencer } from './sequenced-writer.js';

/** Forks a writer whose appends this process places through `store`, the sequencer's. */
function startWriter(store: MongoEventStore, writer: number, appends: number) {
  const child = fork(
    new URL('./sequenced-writer.ts', import.meta.url).pathname,
    [String(writer), String(appends)],
    { execArgv: ['--import', tsx], stdio: ['ignore', 'inherit', 'pipe', 'ipc'] },
  );
  const watched = watchWriter<number[]>(child, `sequenced writer ${writer}`);
  const answer = (message: FromSequencer) => {
    if (child.connected) child.send(message);
  };
  // Every request goes to the one store at once: its group commit batches what waits together.
  child.on('message', (message: ToSequencer) => {
    if (message.t === 'ready') watched.markReady();
    else if (message.t === 'done') watched.markDone(message.latencies);
    else {
      store.append(message.streamId, message.events).then(
        () => answer({ t: 'appended', id: message.id }),
        (error: unknown) => answer({ t: 'failed', id: message.id, error: String(error) }),
      );
    }
  });
  return watched;
}

/**
 * Design A of docs/scaling.md as a prototype: 1, 2, 4 and 8 writer processes without a
 * MongoDB client of their own send their appends over IPC to this process, which places them
 * all through one store and answers each. The same workload as `benchMultiprocess` on streams
 * of their own, so the curves compare; no lease and no failover, only the steady state.
 * Commands are counted on the sequencer's client, the only one.
 */
export async function benchSequenced(
  uri: string,
  freshDbName: (prefix: string) => string,
  appendsPerWriter: number,
  counts: readonly number[] = [1, 2, 4, 8],
): Promise<MultiprocessPoint[]> {
  const points: MultiprocessPoint[] = [];
  for (const processes of counts) {
    const client = await MongoClient.connect(uri, { monitorCommands: true });
    const tally = new CommandTally(client);
    const store = new MongoEventStore(client.db(freshDbName(`bench_seq${processes}`)));
    const writers: ReturnType<typeof startWriter>[] = [];
    try {
      await store.migrate();
      for (let w = 0; w < processes; w++) writers.push(startWriter(store, w, appendsPerWriter));
      await Promise.all(writers.map((w) => w.ready));
      tally.counting = true;
      const started = performance.now();
      for (const writer of writers) writer.process.send({ t: 'go' } satisfies FromSequencer);
      const latencies = await Promise.all(writers.map((w) => w.done));
      const wall = performance.now() - started;
      tally.counting = false;
      points.push(curvePoint(processes, latencies, tally.commands, 0, wall));
    } finally {
      for (const writer of writers) writer.process.kill('SIGKILL');
      await store.close();
      await client.close();
    }
  }
  return points;
}
