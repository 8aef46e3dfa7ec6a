import { InvalidInputError } from '@flowra/domain';
import { ConcurrencyError, FlowraError } from '@flowra/eventstore-core';
import type {
  EventSourcedAggregate,
  EventSourcedRepository,
  SaveContext,
} from '@flowra/repository';

/** A stream version as an entity tag: `"3"`. */
export function etag(version: number): string {
  return `"${version}"`;
}

/**
 * The versions an `If-Match` header accepts; undefined when there is no precondition (absent,
 * or `*` on an existing resource). RFC 9110: a list of entity tags, compared strongly, so a weak
 * tag (`W/"3"`) or one this server never sends (`"03"`) matches nothing.
 */
export function parseIfMatch(value: string | undefined): ReadonlySet<number> | undefined {
  if (value === undefined || value.trim() === '*') return undefined;
  const versions = new Set<number>();
  const rest = value.replace(/\s*(W\/)?"([^"]*)"\s*(?:,|$)/g, (_, weak, tag: string) => {
    if (!weak && /^(0|[1-9]\d{0,14})$/.test(tag)) versions.add(Number(tag));
    return '';
  });
  // Empty list elements (`, "3"`) are allowed by the list syntax; anything else is not a tag.
  if (rest.replace(/[\s,]/g, '') !== '' || value.trim() === '') {
    throw new InvalidInputError('If-Match', 'must be * or a list of ETags such as "3"');
  }
  return versions;
}

/** Creating has no current version to match: a precondition there is the client's mistake. */
export function refuseIfMatch(value: string | undefined): void {
  if (value !== undefined && value.trim() !== '*') {
    throw new InvalidInputError(
      'If-Match',
      'has nothing to match when creating: send it to change an existing chat or message',
    );
  }
}

/** Rounds of `repository.update` (each with its own retries) before contention is a 409. */
const CONTENDED_ROUNDS = 6;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a command against an aggregate and saves it, optimistic either way:
 * - with `If-Match`, the client decided on the version it saw: a different current version is
 *   a 409 at once, and a write that slips in between load and save is a 409 from the store;
 * - without it, the command is re-run on a fresh load after a conflict (`repository.update`),
 *   which is safe because commands re-check their rules against the state they are given.
 *   Many requests racing for one aggregate lose to each other in turn, so between rounds of
 *   retries each waits a random, growing while (about 5, 10, 20 … ms): the server retries on
 *   the client's behalf, and answers 409 only after 24 lost attempts.
 * Both lost races answer 409 rather than 412, so a client handles one status with one body.
 */
export async function runCommand<T extends EventSourcedAggregate>(
  repository: EventSourcedRepository<T>,
  id: string,
  ifMatch: string | undefined,
  command: (aggregate: T) => void,
  context: SaveContext,
): Promise<T> {
  const accepted = parseIfMatch(ifMatch);
  if (accepted === undefined) {
    for (let round = 1; ; round++) {
      try {
        return await repository.update(id, command, { retries: 3, context });
      } catch (error) {
        if (!ConcurrencyError.isInstance(error)) throw error;
        if (round === CONTENDED_ROUNDS) {
          throw new ContendedCommandError(error.streamId, round * 4, error.actualVersion);
        }
        await sleep(Math.random() * 5 * 2 ** round);
      }
    }
  }
  const aggregate = await repository.load(id);
  if (!accepted.has(aggregate.version)) {
    const [expected] = accepted;
    // Only weak or foreign tags: no version was named, so none is reported as expected.
    if (expected === undefined) {
      throw new UnmatchableIfMatchError(repository.streamIdOf(id), ifMatch!, aggregate.version);
    }
    throw new ConcurrencyError(repository.streamIdOf(id), expected, aggregate.version);
  }
  command(aggregate);
  await repository.save(aggregate, context);
  return aggregate;
}

/** A command sent without `If-Match` that lost every attempt to other writers of its aggregate. */
export class ContendedCommandError extends FlowraError {
  constructor(
    readonly streamId: string,
    readonly attempts: number,
    readonly actualVersion: number,
  ) {
    super(
      'ContendedCommandError',
      `'${streamId}' kept changing under the command: ${attempts} attempts lost to other writers; send it again`,
    );
  }

  static isInstance(value: unknown): value is ContendedCommandError {
    return FlowraError.hasName(value, 'ContendedCommandError');
  }
}

/** An `If-Match` of weak or foreign tags only: it can match no version, so it names none. */
export class UnmatchableIfMatchError extends FlowraError {
  constructor(
    readonly streamId: string,
    readonly ifMatch: string,
    readonly actualVersion: number,
  ) {
    super(
      'UnmatchableIfMatchError',
      `If-Match ${ifMatch} names no version (this server compares strong tags such as "${actualVersion}"); '${streamId}' is at version ${actualVersion}`,
    );
  }

  static isInstance(value: unknown): value is UnmatchableIfMatchError {
    return FlowraError.hasName(value, 'UnmatchableIfMatchError');
  }
}
