import { InvalidInputError } from '@flowra/domain';
import { ConcurrencyError } from '@flowra/eventstore-core';
import type {
  EventSourcedAggregate,
  EventSourcedRepository,
  SaveContext,
} from '@flowra/repository';

/** A stream version as an entity tag: `"3"`. */
export function etag(version: number): string {
  return `"${version}"`;
}

/** `"3"` (or weak `W/"3"`) → 3; absent or `*` → undefined (no precondition). */
export function parseIfMatch(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"(\d{1,15})"\s*$/.exec(value);
  if (!match) throw new InvalidInputError('If-Match', 'must be a version ETag such as "3"');
  return Number(match[1]);
}

/**
 * Runs a command against an aggregate and saves it, optimistic either way:
 * - with `If-Match`, the client decided on the version it saw: a different current version is
 *   a 409 at once, and a write that slips in between load and save is a 409 from the store;
 * - without it, the command is re-run on a fresh load after a conflict (`repository.update`),
 *   which is safe because commands re-check their rules against the state they are given.
 * Both lost races answer 409 rather than 412, so a client handles one status with one body.
 */
export async function runCommand<T extends EventSourcedAggregate>(
  repository: EventSourcedRepository<T>,
  id: string,
  ifMatch: string | undefined,
  command: (aggregate: T) => void,
  context: SaveContext,
): Promise<T> {
  const expected = parseIfMatch(ifMatch);
  if (expected === undefined) return repository.update(id, command, { retries: 3, context });
  const aggregate = await repository.load(id);
  if (aggregate.version !== expected) {
    throw new ConcurrencyError(repository.streamIdOf(id), expected, aggregate.version);
  }
  command(aggregate);
  await repository.save(aggregate, context);
  return aggregate;
}
