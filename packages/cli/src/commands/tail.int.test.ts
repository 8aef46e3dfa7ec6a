import { MongoEventStore } from '@flowra/eventstore-mongo';
import { describeMongo } from '@flowra/test-mongo-server/vitest';
import { type Db, MongoNetworkError } from 'mongodb';
import { expect, it, vi } from 'vitest';
import { resolveTarget } from '../connection.js';
import { CliError, EXIT_USAGE } from '../exit-codes.js';
import { withEventsFind } from '../test-support/events-find.js';
import { TAIL_READ_FAILURE_TIMEOUT_MS, runTail } from './tail.js';

/**
 * `db` whose reads of `events` fail, once `failing()` says so, as the driver fails them when the
 * server has died (a killed process refuses connections): no server on any test server dies
 * on cue, and this holds on every one of them.
 */
function dyingServer(db: Db, failing: () => boolean): Db {
  return withEventsFind(
    db,
    (cursor) =>
      new Proxy(cursor, {
        get(k, q, kr) {
          if (q !== 'toArray' || !failing()) return Reflect.get(k, q, kr);
          return async () => {
            throw new MongoNetworkError('connect ECONNREFUSED 10.1.2.3:27017');
          };
        },
      }),
  );
}

describeMongo('flowra tail', (mongo) => {
  it('stops with one line naming the host and exit code 2 once reads have failed for its bound', async () => {
    const { db, client } = await mongo.freshDb('cli_tail_dies');
    const writer = new MongoEventStore(db);
    await writer.append(
      'order-1',
      [1, 2, 3].map((n) => ({ type: 'Placed', data: { n } })),
    );
    await writer.close();
    const printed: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed.push(String(chunk));
      return true;
    });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let died = 0;
    try {
      const tail = runTail({ from: 0, json: true }, async () => ({
        client,
        db: dyingServer(db, () => died > 0),
        target: resolveTarget({ uri: 'mongodb://db.example:27017/x' }),
      }));
      const outcome = tail.then(
        (code) => code,
        (error: unknown) => error,
      );
      while (printed.length < 3) await new Promise((r) => setTimeout(r, 20));
      died = Date.now();
      const error = await outcome;
      const took = Date.now() - died;
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).exitCode).toBe(EXIT_USAGE);
      expect((error as CliError).message).toMatch(
        /^cannot reach MongoDB at db\.example:27017 \(from --uri\): connect ECONNREFUSED/,
      );
      expect(printed.map((line) => JSON.parse(line).position)).toEqual([1, 2, 3]);
      expect(took).toBeGreaterThanOrEqual(TAIL_READ_FAILURE_TIMEOUT_MS - 1_000);
      expect(took).toBeLessThan(TAIL_READ_FAILURE_TIMEOUT_MS + 5_000);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  }, 30_000);
});
