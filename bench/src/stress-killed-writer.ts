import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import type { AppendResult } from '@flowra/eventstore-core';
import type { SeededRandom } from './seeded-random.js';
import type { AttemptedBatch } from './stress-workload.js';

const tsx = createRequire(import.meta.url).resolve('tsx');

export interface KilledWriter {
  /**
   * Kills the process with SIGKILL (mid-append, most likely) and resolves with what it sent,
   * and with why it is no good when it died on its own or sent nothing.
   */
  kill(): Promise<{ batches: AttemptedBatch[]; problem?: string }>;
}

/**
 * A writer process of its own on the same streams as the workload, killed with SIGKILL at a
 * random moment: whatever it was told was acknowledged must be stored, whole; the append it
 * was in the middle of may or may not have landed, but never partly.
 */
export function startKilledWriter(
  uri: string,
  dbName: string,
  rng: SeededRandom,
  streams: number,
): KilledWriter {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      tsx,
      new URL('./writer-process.ts', import.meta.url).pathname,
      uri,
      dbName,
      String(Math.floor(rng.next() * 2 ** 31)),
      String(streams),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const batches = new Map<string, AttemptedBatch>();
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-2_000);
  });
  let sentFirst: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    sentFirst = resolve;
  });
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    let message: { t: string; streamId?: string; ids: string[]; result?: AppendResult };
    try {
      message = JSON.parse(line);
    } catch {
      return;
    }
    if (message.t === 'start') {
      sentFirst();
      batches.set(message.ids[0]!, {
        writer: -1,
        streamId: message.streamId!,
        ids: message.ids,
        kind: 'any',
        outcome: 'unknown',
        attempts: 1,
      });
    } else if (message.t === 'ack') {
      const batch = batches.get(message.ids[0]!);
      if (batch) {
        batch.outcome = 'acked';
        batch.result = message.result;
      }
    }
  });
  let diedOnItsOwn: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL')
        diedOnItsOwn = `it exited by itself (code ${code}, signal ${signal}): ${stderr.trim().split('\n').slice(-3).join(' ')}`;
      resolve();
    }),
  );
  return {
    async kill() {
      // Killed mid-append, not before it began: a process slow to start (a loaded machine, a
      // proxy resetting its handshakes) is waited for, up to a minute.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        started,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 60_000);
        }),
      ]);
      clearTimeout(timer);
      child.kill('SIGKILL');
      await exited;
      lines.close();
      const problem =
        diedOnItsOwn ??
        (batches.size === 0 ? `it sent nothing before it was killed: ${stderr}` : undefined);
      return {
        batches: [...batches.values()],
        problem: problem && `killed writer process: ${problem}`,
      };
    },
  };
}
