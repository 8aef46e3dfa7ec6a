import type { NewEvent } from '@flowra/eventstore-core';
import type { Collection, Db } from 'mongodb';

/** One event per document: what an application would write with the driver and no store. */
export interface RawEventDocument {
  stream_id: string;
  version: number;
  /** Only in the log baseline: a global order assigned by the (single) writer. */
  position?: number;
  event_id: string;
  event_type: string;
  data: unknown;
  metadata: unknown;
  recorded_at: Date;
}

/**
 * The straightforward driver baseline the adapter is compared with: `insertMany` of one
 * document per event under a unique (stream, version) index, `find` sorted by version for a
 * stream, `find` sorted by position for the log.
 */
export class RawMongoBaseline {
  readonly events: Collection<RawEventDocument>;

  constructor(db: Db, collection = 'raw_events') {
    this.events = db.collection<RawEventDocument>(collection);
  }

  async createIndexes(): Promise<void> {
    await this.events.createIndex(
      { stream_id: 1, version: 1 },
      { unique: true, name: 'stream_version_unique' },
    );
    await this.events.createIndex({ position: 1 }, { name: 'position' });
  }

  toDocuments(
    streamId: string,
    events: readonly NewEvent[],
    firstVersion: number,
    firstPosition?: number,
  ): RawEventDocument[] {
    const now = new Date();
    return events.map((e, i) => ({
      stream_id: streamId,
      version: firstVersion + i,
      ...(firstPosition === undefined ? {} : { position: firstPosition + i }),
      event_id: e.eventId ?? crypto.randomUUID(),
      event_type: e.type,
      data: e.data,
      metadata: e.metadata ?? {},
      recorded_at: now,
    }));
  }

  async append(
    streamId: string,
    events: readonly NewEvent[],
    firstVersion: number,
    firstPosition?: number,
  ): Promise<void> {
    await this.events.insertMany(this.toDocuments(streamId, events, firstVersion, firstPosition));
  }

  async appendOne(streamId: string, event: NewEvent, version: number): Promise<void> {
    await this.events.insertOne(this.toDocuments(streamId, [event], version)[0]!);
  }

  loadStream(streamId: string): Promise<RawEventDocument[]> {
    return this.events.find({ stream_id: streamId }).sort({ version: 1 }).toArray();
  }

  /** `count` events of the log after `fromPosition`, in pages. */
  async pageLog(fromPosition: number, count: number, pageSize: number): Promise<number> {
    let read = 0;
    let from = fromPosition;
    while (read < count) {
      const page = await this.events
        .find({ position: { $gt: from } })
        .sort({ position: 1 })
        .limit(Math.min(pageSize, count - read))
        .toArray();
      if (page.length === 0) break;
      read += page.length;
      from = page.at(-1)!.position!;
    }
    return read;
  }
}
