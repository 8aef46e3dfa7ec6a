import { InMemoryEventStore } from '@flowra/eventstore-core';
import { describe, expect, it } from 'vitest';
import { projectionRunnerContract } from './contract/runner.contract.js';
import { countingProjection } from './test-support/counting-projection.js';
import { InMemoryReadModelStore } from './memory/in-memory-read-model-store.js';
import { ProjectionReader } from './projection-reader.js';
import { ProjectionRunner, requestRebuild } from './projection-runner.js';

// One process's memory: a sibling "process" shares the same stores, as processes share a database.
projectionRunnerContract('InMemoryEventStore + InMemoryReadModelStore', {
  createStores: async () => ({
    events: new InMemoryEventStore(),
    readModels: new InMemoryReadModelStore(),
  }),
  openSibling: async (stores) => stores,
});

describe('a rebuild while appends keep every live batch full', () => {
  it('catches up with the live checkpoint and switches readers while the appends go on', async () => {
    const events = new InMemoryEventStore();
    const readModels = new InMemoryReadModelStore();
    const name = 'busy';
    const append = (n: number) =>
      events.append(
        `s-${n % 3}`,
        Array.from({ length: n }, () => ({ type: 'Counted', data: {} })),
      );
    for (let i = 0; i < 10; i++) await append(7);
    let appending = true;
    let appended = 0;
    let switchedAt: number | undefined;
    const runner = new ProjectionRunner({
      store: events,
      readModels,
      projection: countingProjection(name),
      batchSize: 7,
      pollIntervalMs: 5,
      // Every batch written brings a full batch of new events: the live one never runs dry.
      hooks: {
        async beforeDocuments() {
          if (!appending || appended >= 3_000) return;
          // The runner never waits while the log keeps growing: the switch is seen from here.
          if (appended === 140) await requestRebuild(readModels, name);
          if (switchedAt === undefined && (await readModels.getState(name))?.generation === 2) {
            switchedAt = appended;
          }
          appended += 7;
          await append(7);
        },
      },
    });
    try {
      runner.start();
      await new Promise((r) => setTimeout(r, 50));
      expect(switchedAt, 'switched to the rebuilt generation').toBeDefined();
      expect(switchedAt!, 'while the appends went on').toBeLessThan(3_000);
      appending = false;
      expect(await runner.waitFor(await events.headPosition(), 10_000)).toBe(true);
      const total = (await new ProjectionReader(readModels, name).find<{ n: number }>('counts'))
        .map((d) => d.n)
        .reduce((a, b) => a + b, 0);
      expect(total).toBe(await events.headPosition());
    } finally {
      await runner.stop();
      await events.close();
    }
  });
});
