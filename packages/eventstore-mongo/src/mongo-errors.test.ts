import { describe, expect, it } from 'vitest';
import {
  CommitTooLargeError,
  duplicateKeyIndex,
  isTransientMongoError,
  upsertRacing,
} from './mongo-errors.js';

describe('mongo error classification', () => {
  it('tells which unique index refused a write', () => {
    expect(duplicateKeyIndex({ code: 11000, keyPattern: { position: 1 } })).toBe('position');
    expect(duplicateKeyIndex({ code: 11000, keyPattern: { aggregate_id: 1, version: 1 } })).toBe(
      'stream_version',
    );
    expect(
      duplicateKeyIndex({
        code: 11000,
        message: 'E11000 duplicate key error index: position_unique',
      }),
    ).toBe('position');
    expect(
      duplicateKeyIndex({ code: 11000, message: 'E11000 aggregate_version_unique dup key' }),
    ).toBe('stream_version');
    expect(duplicateKeyIndex({ code: 11000, message: 'E11000 something else' })).toBe('other');
    expect(duplicateKeyIndex({ code: 2 })).toBeUndefined();
    expect(duplicateKeyIndex(null)).toBeUndefined();
  });

  it('recognises transient errors by name, label and code', () => {
    expect(isTransientMongoError({ name: 'MongoNetworkError' })).toBe(true);
    expect(isTransientMongoError({ code: 189 })).toBe(true);
    // A socket error passed on unwrapped when a connection breaks under a write.
    expect(
      isTransientMongoError(Object.assign(new Error('write ECONNRESET'), { code: 'ECONNRESET' })),
    ).toBe(true);
    expect(
      isTransientMongoError({ hasErrorLabel: (l: string) => l === 'RetryableWriteError' }),
    ).toBe(true);
    expect(isTransientMongoError({ code: 2, hasErrorLabel: () => false })).toBe(false);
    expect(isTransientMongoError('nope')).toBe(false);
    expect(
      isTransientMongoError({
        name: 'MongoBulkWriteError',
        message: 'connection 3 to 127.0.0.1:1 closed',
        writeErrors: [],
      }),
    ).toBe(true);
    expect(
      isTransientMongoError({
        name: 'MongoBulkWriteError',
        message: 'E11000',
        writeErrors: [{ code: 11000 }],
      }),
    ).toBe(false);
    expect(isTransientMongoError({ name: 'Error', cause: { name: 'MongoNetworkError' } })).toBe(
      true,
    );
  });

  it('names the stream and the largest event of an oversized commit', () => {
    const e = new CommitTooLargeError('s', 20_000_000, 16_777_216, {
      index: 1,
      type: 'Big',
      eventId: 'id',
      size: 19_000_000,
    });
    expect(e.name).toBe('CommitTooLargeError');
    expect(e.message).toContain("stream 's'");
    expect(e.message).toContain("events[1] ('Big', id)");
    expect(CommitTooLargeError.isInstance(e)).toBe(true);
    expect(CommitTooLargeError.isInstance(new Error())).toBe(false);
  });

  it('writes once more after an upsert that met a duplicate key, and only then', async () => {
    const calls: string[] = [];
    const duplicate = Object.assign(new Error('E11000'), { code: 11000 });
    let first = true;
    const upsert = async () => {
      calls.push('upsert');
      if (first) {
        first = false;
        throw duplicate;
      }
    };
    await upsertRacing(upsert);
    expect(calls).toEqual(['upsert', 'upsert']);
    calls.length = 0;
    first = true;
    await upsertRacing(upsert, async () => void calls.push('again'));
    expect(calls).toEqual(['upsert', 'again']);
    const denied = Object.assign(new Error('not authorized'), { code: 13 });
    await expect(
      upsertRacing(async () => {
        throw denied;
      }),
    ).rejects.toBe(denied);
    // A second duplicate is the caller's to see, not a loop.
    await expect(
      upsertRacing(async () => {
        throw duplicate;
      }),
    ).rejects.toBe(duplicate);
  });
});
