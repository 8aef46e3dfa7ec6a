import { systemTimers } from '@flowra/eventstore-core/adapter';
import { describe, expect, it } from 'vitest';
import type { CommitCollection } from './commit-collection.js';
import { withReadDeadline } from './commit-collection.js';
import type { CommitDocument } from './commit-document.js';

function collection(find: () => Promise<CommitDocument[]>): CommitCollection {
  return { find, insertMany: async (docs) => ({ insertedCount: docs.length }) };
}

describe('withReadDeadline', () => {
  it('rejects a find that has not settled in time, naming the bound', async () => {
    const reads = withReadDeadline(
      collection(() => new Promise(() => {})),
      30,
      systemTimers,
    );
    await expect(reads.find({})).rejects.toThrow('did not answer a read within 30 ms');
  });

  it('hands on what settles in time, either way, and leaves writes alone', async () => {
    const doc = { aggregate_id: 'a' } as unknown as CommitDocument;
    const ok = withReadDeadline(
      collection(async () => [doc]),
      1_000,
      systemTimers,
    );
    expect(await ok.find({})).toEqual([doc]);
    expect(await ok.insertMany([doc, doc])).toEqual({ insertedCount: 2 });
    const refused = new Error('refused');
    const failing = withReadDeadline(
      collection(async () => {
        throw refused;
      }),
      1_000,
      systemTimers,
    );
    await expect(failing.find({})).rejects.toBe(refused);
  });
});
