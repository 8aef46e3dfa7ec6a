import {
  type AggregateSnapshot,
  FlowraError,
  StoreUnavailableError,
} from '@flowra/eventstore-core';
import { type Timers, prepareSnapshot, sleep } from '@flowra/eventstore-core/adapter';
import { BSON, type Collection, type WriteConcernSettings } from 'mongodb';
import { encodeValue } from './bson-codec.js';
import { settleWithin } from './deadline.js';
import { SnapshotTooLargeError, duplicateKeyIndex, isTransientMongoError } from './mongo-errors.js';
import { type SnapshotDocument, decodeSnapshot } from './snapshot-document.js';

export interface SnapshotStoreOptions {
  writeConcern: WriteConcernSettings;
  maxTransientRetries: number;
  timers: Timers;
  /** A read not answered within this long rejects (`StoreUnavailableError`), as the log's do. */
  readTimeoutMs: number;
  /**
   * A save not settled within this long rejects (`StoreUnavailableError`), its retries stop,
   * and a write still under way may land later: only a snapshot no newer than it is replaced.
   */
  writeTimeoutMs: number;
}

/** MongoDB's document limit, less room for the update command's own fields. */
const MAX_SNAPSHOT_SIZE = 16 * 1024 * 1024 - 16 * 1024;

/** One document per stream, keyed by the stream id; only a snapshot at least as new replaces it. */
export class SnapshotStore {
  constructor(
    private readonly snapshots: Collection<SnapshotDocument>,
    private readonly options: SnapshotStoreOptions,
  ) {}

  /**
   * The stored snapshot unless it is of a version the stream does not have (`streamVersion`,
   * read by the caller): a restore without the latest events, or a rolled-back failover, must
   * not let a snapshot outrank the events.
   */
  async get(streamId: string, streamVersion: Promise<number>): Promise<AggregateSnapshot | null> {
    let doc: SnapshotDocument | null;
    let version: number;
    try {
      [doc, version] = await Promise.all([
        settleWithin(
          this.snapshots.findOne({ _id: streamId }),
          this.options.readTimeoutMs,
          this.options.timers,
        ),
        streamVersion,
      ]);
    } catch (error) {
      throw StoreUnavailableError.isInstance(error)
        ? error
        : new StoreUnavailableError('getSnapshot', error, streamId);
    }
    if (!doc) return null;
    const snapshot = decodeSnapshot(doc);
    // Version 0 (an operator's edit; saves refuse it) is no version a stream has either.
    return snapshot.version < 1 || snapshot.version > version ? null : snapshot;
  }

  /**
   * Keeps the snapshot unless it is of a version the stream does not have (`streamVersion`) or
   * the stored one is newer; a stored one the stream does not have the version of, which `get`
   * ignores, does not keep it out.
   */
  async save(
    snapshot: AggregateSnapshot,
    streamVersion: (streamId: string) => Promise<number>,
    deadline = this.options.timers.now() + this.options.writeTimeoutMs,
  ): Promise<void> {
    const s = prepareSnapshot(snapshot);
    const { timers, writeTimeoutMs } = this.options;
    const saved = this.#save(s, streamVersion, deadline);
    // A save the server never answers must not hold the caller (a repository's save, whose
    // events are stored already) for ever; what happens to it afterwards is observed by nobody.
    saved.catch(() => {});
    try {
      await settleWithin(
        saved,
        Math.max(0, deadline - timers.now()),
        timers,
        'a snapshot save',
        writeTimeoutMs,
      );
    } catch (error) {
      // Our own errors (`SnapshotTooLargeError`, a failed read) as they are; the deadline's, named.
      throw FlowraError.isFlowraError(error)
        ? error
        : new StoreUnavailableError('saveSnapshot', error, s.streamId);
    }
  }

  async #save(
    s: AggregateSnapshot,
    streamVersion: (streamId: string) => Promise<number>,
    deadline: number,
  ): Promise<void> {
    let version: number;
    try {
      version = await streamVersion(s.streamId);
    } catch (error) {
      throw StoreUnavailableError.isInstance(error)
        ? error
        : new StoreUnavailableError('saveSnapshot', error, s.streamId);
    }
    // Of a version the stream does not have: not kept, or the stream's next events would make
    // it look valid, though it was never folded from them.
    if (s.version > version) return;
    const update = {
      $set: {
        stream_id: s.streamId,
        version: s.version,
        data: encodeValue(s.data),
        timestamp: s.timestamp,
      },
    };
    // Measured before it is sent: the driver's own refusal reads as a failure of the database.
    const size = BSON.calculateObjectSize({ _id: s.streamId, ...update.$set });
    if (size > MAX_SNAPSHOT_SIZE)
      throw new SnapshotTooLargeError(s.streamId, size, MAX_SNAPSHOT_SIZE);
    const { timers } = this.options;
    for (let failures = 0; ; failures++) {
      try {
        await this.#write(s, update, streamVersion);
        return;
      } catch (error) {
        if (StoreUnavailableError.isInstance(error)) throw error;
        const delay = 50 * 2 ** failures;
        if (
          isTransientMongoError(error) &&
          failures < this.options.maxTransientRetries &&
          timers.now() + delay < deadline
        ) {
          await sleep(timers, delay);
          continue;
        }
        throw new StoreUnavailableError('saveSnapshot', error, s.streamId);
      }
    }
  }

  /**
   * Replaces the stored snapshot when it is no newer, in one conditional upsert. A newer one is
   * replaced only when it is of a version the stream does not have (read again now: a version
   * read before another process saved its newer snapshot says nothing about that one), and only
   * if it is still the one found.
   */
  async #write(
    s: AggregateSnapshot,
    update: { $set: Record<string, unknown> },
    streamVersion: (streamId: string) => Promise<number>,
  ): Promise<void> {
    const writeConcern = this.options.writeConcern;
    const noNewer = { _id: s.streamId, version: { $lte: s.version } };
    for (let round = 0; round < 3; round++) {
      try {
        await this.snapshots.updateOne(noNewer, update, { upsert: true, writeConcern });
        return;
      } catch (error) {
        // The upsert's insert clashed on _id: a newer snapshot, or a racing first save.
        if (!duplicateKeyIndex(error)) throw error;
      }
      const stored = await this.snapshots.findOne(
        { _id: s.streamId },
        { projection: { version: 1 } },
      );
      // Gone, or older by now: the conditional upsert again.
      if (!stored || (typeof stored.version === 'number' && stored.version <= s.version)) continue;
      if (typeof stored.version === 'number') {
        const version = await streamVersion(s.streamId).catch((error: unknown) => {
          throw new StoreUnavailableError('saveSnapshot', error, s.streamId);
        });
        if (stored.version <= version) return;
      }
      // Ahead of the stream, or not a version at all (an operator's edit): reads ignore it.
      await this.snapshots.updateOne({ _id: s.streamId, version: stored.version }, update, {
        writeConcern,
      });
      return;
    }
  }
}
