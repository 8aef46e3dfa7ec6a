import { describeMongo } from '@flowra/test-mongo-server/vitest';
import type { Collection, Db } from 'mongodb';
import { expect, it } from 'vitest';
import { MongoReadModelStore } from './mongo-read-model-store.js';

/**
 * A `Db` whose collection `name` fails its first bulk write with `error` before applying
 * anything, as a server that gives up on the rest of a batch at a refused insert does.
 */
function failingFirstBulk(db: Db, name: string, error: Error): Db {
  let failed = false;
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== 'collection') return Reflect.get(target, prop, receiver);
      return (collectionName: string, options?: object) => {
        const collection = target.collection(collectionName, options);
        if (collectionName !== name) return collection;
        return new Proxy(collection, {
          get(c, p, r) {
            if (p !== 'bulkWrite') return Reflect.get(c, p, r);
            return async (...args: Parameters<Collection['bulkWrite']>) => {
              if (!failed) {
                failed = true;
                throw error;
              }
              return c.bulkWrite(...args);
            };
          },
        });
      };
    },
  });
}

function bulkError(code: number, writeErrors: { index: number; code: number }[]): Error {
  return Object.assign(new Error(`E${code} (simulated)`), {
    name: 'MongoBulkWriteError',
    code,
    writeErrors,
    result: { insertedCount: 0, matchedCount: 0 },
  });
}

describeMongo('MongoReadModelStore specifics', (mongo) => {
  it('keeps documents in <prefix><collection>, states and leases where it is told', async () => {
    const { db } = await mongo.freshDb('rm_layout');
    const store = new MongoReadModelStore(db, {
      prefix: 'p_',
      statesCollection: 'st',
      leasesCollection: 'ls',
    });
    await store.write(
      'orders',
      [{ id: 'a', expected: null, lastPosition: 1, fields: { v: 1 } }],
      1,
    );
    await store.write('orders', [{ id: 'b', expected: null, lastPosition: 2, fields: null }], 1);
    expect(await db.collection('p_orders').find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 'a', v: 1, lastPosition: 1, epoch: 1 },
      { _id: 'b', lastPosition: 2, epoch: 1, deleted: true },
    ]);
    await store.updateState('orders-view', 1, { position: 2 });
    expect(await db.collection('st').findOne({ _id: 'orders-view' as never })).toEqual({
      _id: 'orders-view',
      position: 2,
      epoch: 1,
      generation: 1,
      rebuild: null,
      error: null,
      updatedAt: expect.any(Date),
    });
    await store.acquireLease('orders-view', 'me', 1_000, 5_000);
    expect(await db.collection('ls').find().toArray()).toEqual([
      { _id: 'orders-view#1', projection: 'orders-view', epoch: 1, owner: 'me', expiresAt: 6_000 },
    ]);
    const indexes = await db.collection('ls').listIndexes().toArray();
    expect(indexes.map((i) => i.key)).toContainEqual({ projection: 1, epoch: -1 });
  });

  it('stores with different prefixes on one database do not see each other', async () => {
    const { db } = await mongo.freshDb('rm_prefix');
    const one = new MongoReadModelStore(db, { prefix: 'one_' });
    const two = new MongoReadModelStore(db, { prefix: 'two_' });
    await one.write('c', [{ id: 'a', expected: null, lastPosition: 1, fields: { by: 1 } }], 1);
    expect((await two.getMany('c', ['a'])).size).toBe(0);
    expect(await two.find('c')).toEqual([]);
    const { conflicts } = await two.write(
      'c',
      [{ id: 'a', expected: null, lastPosition: 1, fields: { by: 2 } }],
      1,
    );
    expect(conflicts).toEqual([]);
    await one.dropCollection('c');
    expect((await two.getMany('c', ['a'])).get('a')).toMatchObject({ by: 2 });
  });

  it('older lease epochs are cleaned up; the newest one stays', async () => {
    const { db } = await mongo.freshDb('rm_leases');
    const store = new MongoReadModelStore(db);
    for (let i = 0; i < 4; i++) await store.acquireLease('p', `o${i}`, 10, i * 10);
    const docs = await db.collection('projection_leases').find().toArray();
    expect(docs.map((d) => d._id)).toEqual(['p#4']);
  });

  it('a batch the server gave up on after a refused insert is sent again', async () => {
    const { db } = await mongo.freshDb('rm_retry');
    const setup = new MongoReadModelStore(db);
    await setup.write(
      'c',
      [
        { id: 'exists', expected: null, lastPosition: 1, fields: {} },
        { id: 'current', expected: null, lastPosition: 1, fields: {} },
      ],
      1,
    );
    // No index for the refused insert, as the jongodb emulator reports it.
    const store = new MongoReadModelStore(failingFirstBulk(db, 'rm_c', bulkError(11000, [])));
    const { conflicts } = await store.write(
      'c',
      [
        { id: 'fresh', expected: null, lastPosition: 2, fields: { v: 1 } },
        { id: 'exists', expected: null, lastPosition: 2, fields: { v: 1 } },
        { id: 'current', expected: 1, lastPosition: 2, fields: { v: 1 } },
        { id: 'absent', expected: 1, lastPosition: 2, fields: { v: 1 } },
      ],
      1,
    );
    expect([...conflicts].sort()).toEqual(['absent', 'exists']);
    const stored = await setup.getMany('c', ['fresh', 'exists', 'current']);
    expect([...stored.values()].map((d) => [d._id, d.lastPosition])).toEqual(
      expect.arrayContaining([
        ['fresh', 2],
        ['exists', 1],
        ['current', 2],
      ]),
    );
  });

  it('a bulk write failing for anything but a duplicate key is rethrown', async () => {
    const { db } = await mongo.freshDb('rm_rethrow');
    const error = bulkError(2, [{ index: 0, code: 2 }]);
    const store = new MongoReadModelStore(failingFirstBulk(db, 'rm_c', error));
    await expect(
      store.write('c', [{ id: 'a', expected: null, lastPosition: 1, fields: {} }], 1),
    ).rejects.toBe(error);
  });
});
