import type { Collection, Db, FindCursor } from 'mongodb';

/**
 * `db` whose `events` collection hands every `find` cursor to `wrap` first: how tests put a
 * fault or another process's appends at an exact point of a read, which no test server does
 * on cue. Every other collection and method is the database's own.
 */
export function withEventsFind(
  db: Db,
  wrap: (cursor: FindCursor, events: Collection) => unknown,
): Db {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== 'collection') return Reflect.get(target, prop, receiver);
      return (name: string, options?: object) => {
        const collection = target.collection(name, options);
        if (name !== 'events') return collection;
        return new Proxy(collection, {
          get(c, p, r) {
            if (p !== 'find') return Reflect.get(c, p, r);
            return (...args: Parameters<typeof c.find>) => wrap(c.find(...args), c);
          },
        });
      };
    },
  });
}
