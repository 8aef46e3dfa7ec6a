import type { Collection } from 'mongodb';
import type {
  ProjectionErrorRecord,
  ProjectionState,
  RebuildState,
  StateChange,
  StateInitial,
} from '../read-model-store.js';
import { ReadModelConflictError } from '../errors.js';
import { isDuplicateKey } from './mongo-errors.js';

/** One projection's state, keyed by the projection's name. */
export interface StateDocument {
  _id: string;
  position: number;
  epoch: number;
  generation: number;
  rebuild: RebuildState | null;
  error: ProjectionErrorRecord | null;
  updatedAt: Date;
}

/**
 * Each attempt loses only to another writer's success, so ten racing writers always finish;
 * one owner per projection normally means a single attempt.
 */
const MAX_ATTEMPTS = 10;

export function stateOf(doc: StateDocument): ProjectionState {
  return {
    projection: doc._id,
    position: doc.position,
    epoch: doc.epoch,
    generation: doc.generation,
    rebuild: doc.rebuild ?? null,
    error: doc.error ?? null,
    updatedAt: doc.updatedAt,
  };
}

/**
 * Read, then write conditionally on what was read (no `$max`, which not every server has): a
 * write that finds the state changed reads again. Only the fields of the change are set, so a
 * concurrent change to the others survives.
 */
export async function updateState(
  states: Collection<StateDocument>,
  projection: string,
  epoch: number,
  change: StateChange,
  initial: StateInitial = {},
): Promise<boolean> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await states.findOne({ _id: projection });
    if (current && current.epoch > epoch) return false;
    const updatedAt = new Date();
    if (!current) {
      try {
        await states.insertOne({
          _id: projection,
          position: Math.max(0, change.position ?? 0),
          epoch,
          generation: change.generation ?? initial.generation ?? 1,
          // `null` in the change is a rebuild finished (switched): it must not fall back.
          rebuild: change.rebuild !== undefined ? change.rebuild : (initial.rebuild ?? null),
          error: change.error ?? null,
          updatedAt,
        });
        return true;
      } catch (error) {
        if (isDuplicateKey(error)) continue;
        throw error;
      }
    }
    const set: Partial<StateDocument> = {
      position: Math.max(current.position, change.position ?? 0),
      epoch,
      updatedAt,
    };
    if (change.generation !== undefined) set.generation = change.generation;
    if (change.rebuild !== undefined) set.rebuild = change.rebuild;
    if (change.error !== undefined) set.error = change.error;
    const result = await states.updateOne(
      {
        _id: projection,
        epoch: current.epoch,
        position: current.position,
        updatedAt: current.updatedAt,
      },
      { $set: set },
    );
    if (result.matchedCount === 1) return true;
  }
  // Every attempt lost to another writer of the same state: the runner redoes its batch.
  throw new ReadModelConflictError(projection, states.collectionName, [projection]);
}
