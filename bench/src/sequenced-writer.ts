/**
 * One writer process of the sequencer prototype in `pnpm bench` (design A of docs/scaling.md).
 * It has no MongoDB client: it sends each append to its parent, which places the commits of
 * every process through one store, and waits for the answer. Once the parent says go, it
 * appends one after the other to streams of its own, as multiprocess-writer.ts does, so that
 * the two curves compare.
 *   forked with an IPC channel: <writer> <appends>
 * to the parent: `{t:'append',id,streamId,events}`, `{t:'ready'}`, then `{t:'done',latencies,ms}`;
 * from the parent: `{t:'appended',id}` or `{t:'failed',id,error}`, and `{t:'go'}`.
 */
import type { NewEvent } from '@flowra/eventstore-core';

export type ToSequencer =
  | { t: 'append'; id: number; streamId: string; events: NewEvent[] }
  | { t: 'ready' }
  | { t: 'done'; latencies: number[]; ms: number };
export type FromSequencer =
  | { t: 'appended'; id: number }
  | { t: 'failed'; id: number; error: string }
  | { t: 'go' };

const [writerText, appendsText] = process.argv.slice(2);
const writer = Number(writerText);
const appends = Number(appendsText);
const send = (message: ToSequencer) => process.send!(message);

const waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
let nextId = 0;
let go: () => void = () => {};
const started = new Promise<void>((resolve) => {
  go = resolve;
});
process.on('message', (message: FromSequencer) => {
  if (message.t === 'go') return go();
  const caller = waiting.get(message.id);
  waiting.delete(message.id);
  if (message.t === 'appended') caller?.resolve();
  else caller?.reject(new Error(`the sequencer refused append ${message.id}: ${message.error}`));
});

function append(streamId: string, events: NewEvent[]): Promise<void> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    send({ t: 'append', id, streamId, events });
  });
}

// The channel and the sequencer's store warm before the clock starts.
await append(`w${writer}-warm`, [{ type: 'Warm', data: {} }]);
send({ t: 'ready' });
await started;

const latencies: number[] = [];
const begun = performance.now();
for (let i = 0; i < appends; i++) {
  const t = performance.now();
  await append(`w${writer}-s${i % 20}`, [{ type: 'Written', data: { writer, i } }]);
  latencies.push(performance.now() - t);
}
send({ t: 'done', latencies, ms: performance.now() - begun });
process.disconnect();
