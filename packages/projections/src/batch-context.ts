import type { DocumentContext, ProjectedDocument } from './define-projection.js';
import { ProjectionDefinitionError } from './errors.js';
import {
  type DocumentWrite,
  PREVIOUS_FIELD,
  type PreviousImage,
  type ReadModelStore,
  type StoredDocument,
} from './read-model-store.js';

interface Entry {
  /** As stored before the batch: a document, `null` for none, `undefined` while not read. */
  stored: StoredDocument | null | undefined;
  /** The fields now (`null`: absent or deleted). */
  current: Record<string, unknown> | null;
  /** Position of the last event applied, stored or in this batch. */
  lastPosition: number;
  /** The document as of the checkpoint the batch started from: what its write keeps as `_prev`. */
  base: PreviousImage | undefined;
  dirty: boolean;
}

const BOOKKEEPING = new Set(['_id', 'lastPosition', 'epoch', 'deleted', PREVIOUS_FIELD]);

function fieldsOf(doc: object): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) if (!BOOKKEEPING.has(key)) fields[key] = value;
  return structuredClone(fields);
}

/** The stored document as it is. */
function imageOf(stored: StoredDocument | null): PreviousImage {
  return {
    lastPosition: stored?.lastPosition ?? 0,
    fields: stored && !stored.deleted ? fieldsOf(stored) : null,
  };
}

function isImage(value: unknown): value is PreviousImage {
  const image = value as PreviousImage | null | undefined;
  return (
    typeof image === 'object' &&
    image !== null &&
    Number.isSafeInteger(image.lastPosition) &&
    (image.fields === null || (typeof image.fields === 'object' && !Array.isArray(image.fields)))
  );
}

/**
 * The stored document as of the checkpoint `committed`: as it is when its last write is at or
 * before it; its previous image when a batch past the checkpoint wrote it (one that crashed
 * before moving the checkpoint, now run again); `undefined` when it was written past the
 * checkpoint without an image (by an older version of this package), to be taken as it is.
 */
function asOf(stored: StoredDocument | null, committed: number): PreviousImage | undefined {
  if (!stored || stored.lastPosition <= committed) return imageOf(stored);
  const previous = stored[PREVIOUS_FIELD];
  if (!isImage(previous) || previous.lastPosition > committed) return undefined;
  return {
    lastPosition: previous.lastPosition,
    fields: previous.fields === null ? null : structuredClone(previous.fields),
  };
}

/** Writes per call to the store: bounded so a huge batch does not make one huge request. */
const WRITES_PER_CALL = 1_000;

/**
 * The documents one batch of events reads and writes, each as of the checkpoint the batch
 * starts from (`committed`), also when a crashed run of the batch wrote some of them already;
 * at the end, each changed document is written once, conditional on being as it was read, with
 * its image as of that checkpoint. A document written past the checkpoint without an image is
 * taken as it is, and events it has seen leave it alone.
 */
export class BatchContext implements DocumentContext {
  readonly #entries = new Map<string, Map<string, Entry>>();
  #position = 0;

  constructor(
    /** The checkpoint the batch's events follow. */
    private readonly committed: number,
    private readonly store: ReadModelStore,
    private readonly physical: (collection: string) => string,
    private readonly collections: ReadonlySet<string>,
    /** Told how many documents of a collection each write stored. */
    private readonly onWritten?: (collection: string, documents: number) => void,
  ) {}

  /** The event being handled from now on. */
  at(position: number): void {
    this.#position = position;
  }

  async prefetch(pairs: Iterable<readonly [string, string]>): Promise<void> {
    const wanted = new Map<string, string[]>();
    for (const [collection, id] of pairs) {
      if (this.#entry(collection, id).stored !== undefined) continue;
      const ids = wanted.get(collection) ?? [];
      ids.push(id);
      wanted.set(collection, ids);
    }
    await Promise.all([...wanted].map(([collection, ids]) => this.#load(collection, ids)));
  }

  async get<D extends object = Record<string, unknown>>(
    collection: string,
    id: string,
  ): Promise<ProjectedDocument<D> | null> {
    const entry = this.#entry(collection, id);
    if (entry.stored === undefined) await this.#load(collection, [id]);
    if (entry.current === null) return null;
    return {
      ...structuredClone(entry.current),
      _id: id,
      lastPosition: entry.lastPosition,
    } as ProjectedDocument<D>;
  }

  put(collection: string, id: string, fields: object): void {
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
      throw new ProjectionDefinitionError('document', `'${id}' must be an object`);
    }
    this.#change(collection, id, fieldsOf(fields));
  }

  delete(collection: string, id: string): void {
    this.#change(collection, id, null);
  }

  /**
   * Writes every changed document; returns the ids that conflicted, by collection. `guard` runs
   * before each write sent to the store and stops the flush by throwing.
   */
  async flush(epoch: number, guard?: () => void): Promise<Map<string, string[]>> {
    const conflicts = new Map<string, string[]>();
    for (const [collection, entries] of this.#entries) {
      const unread = [...entries].filter(([, e]) => e.dirty && e.stored === undefined);
      if (unread.length > 0) {
        const found = await this.store.getMany(
          this.physical(collection),
          unread.map(([id]) => id),
        );
        for (const [id, entry] of unread) this.#settle(entry, found.get(id) ?? null);
      }
      const writes: DocumentWrite[] = [];
      for (const [id, entry] of entries) {
        if (!entry.dirty) continue;
        writes.push({
          id,
          expected: entry.stored ? entry.stored.lastPosition : null,
          lastPosition: entry.lastPosition,
          fields: entry.current,
          previous: entry.base!,
        });
      }
      for (let i = 0; i < writes.length; i += WRITES_PER_CALL) {
        guard?.();
        const outcome = await this.store.write(
          this.physical(collection),
          writes.slice(i, i + WRITES_PER_CALL),
          epoch,
        );
        const chunk = Math.min(WRITES_PER_CALL, writes.length - i);
        this.onWritten?.(collection, chunk - outcome.conflicts.length);
        if (outcome.conflicts.length > 0) {
          conflicts.set(collection, [...(conflicts.get(collection) ?? []), ...outcome.conflicts]);
        }
      }
    }
    return conflicts;
  }

  /** Documents changed so far. */
  get changed(): number {
    let n = 0;
    for (const entries of this.#entries.values())
      for (const e of entries.values()) if (e.dirty) n++;
    return n;
  }

  #change(collection: string, id: string, fields: Record<string, unknown> | null): void {
    const entry = this.#entry(collection, id);
    // Already applied before a crash: the stored document shows this event.
    if (entry.stored !== undefined && entry.lastPosition >= this.#position) return;
    entry.current = fields;
    entry.lastPosition = this.#position;
    entry.dirty = true;
  }

  #entry(collection: string, id: string): Entry {
    if (!this.collections.has(collection)) {
      throw new ProjectionDefinitionError(
        'collections',
        `do not include '${collection}', which the handler used`,
      );
    }
    if (typeof id !== 'string' || id.length === 0) {
      throw new ProjectionDefinitionError(
        'document id',
        `must be a non-empty string, got ${JSON.stringify(id)}`,
      );
    }
    let entries = this.#entries.get(collection);
    if (!entries) {
      entries = new Map();
      this.#entries.set(collection, entries);
    }
    let entry = entries.get(id);
    if (!entry) {
      entry = { stored: undefined, current: null, lastPosition: 0, base: undefined, dirty: false };
      entries.set(id, entry);
    }
    return entry;
  }

  async #load(collection: string, ids: readonly string[]): Promise<void> {
    const found = await this.store.getMany(this.physical(collection), ids);
    for (const id of ids) {
      const entry = this.#entry(collection, id);
      if (entry.stored !== undefined) continue;
      this.#settle(entry, found.get(id) ?? null);
    }
  }

  /** Takes in the stored document of an entry read for the first time. */
  #settle(entry: Entry, stored: StoredDocument | null): void {
    entry.stored = stored;
    const image = asOf(stored, this.committed);
    entry.base = image ?? imageOf(stored);
    if (entry.dirty) {
      // Written blind earlier in this batch: kept, unless a write without an image shows it.
      if (image === undefined && stored && stored.lastPosition >= entry.lastPosition) {
        entry.dirty = false;
        entry.current = stored.deleted ? null : fieldsOf(stored);
        entry.lastPosition = stored.lastPosition;
      }
      return;
    }
    // Shared with the image: `put` replaces the fields and `get` hands out copies.
    entry.current = entry.base.fields as Record<string, unknown> | null;
    entry.lastPosition = entry.base.lastPosition;
  }
}
