import {
  AppendTimeoutError,
  FlowraError,
  StoreSchemaError,
  StoreUnavailableError,
} from '@flowra/eventstore-core';
import type { FlowraLogger } from '@flowra/eventstore-core';
import { errorType, sleep, systemTimers } from '@flowra/eventstore-core/adapter';
import type { Db } from 'mongodb';
import { settlesBy } from './deadline.js';
import { isTransientMongoError } from './mongo-errors.js';
import { type CollectionNames, type SchemaState, checkSchema, migrate } from './schema.js';

/** A schema check shared by the stores on one `Db`, when it began and when it passed. */
interface SchemaCheck {
  state: Promise<SchemaState>;
  startedAt: number;
  passedAt: number | undefined;
}

const checks = new WeakMap<Db, Map<string, SchemaCheck>>();

export interface SchemaReadinessOptions {
  ensureSchema: boolean;
  checkIntervalMs: number;
  /** How long a check may stay out before a write gives it up and the next one starts anew. */
  appendTimeoutMs: number;
  logger: FlowraLogger;
}

/** What a write waits for, and what it is named by when it gives up. */
export interface ReadyRequest {
  /** `systemTimers.now()` by which the write must be settled. */
  deadline: number;
  streamId?: string;
  /** Given for an append: a check that outlasts the deadline rejects it as not written. */
  eventIds?: readonly string[];
}

/**
 * Before a write: the schema applied (unless `ensureSchema` is off) and checked, before the
 * first write and again once the last check is `checkIntervalMs` old, shared by every store on
 * the same `Db` and collection names. A connection lost during a check fails no write: the
 * check is tried again, as an insert would be, until the write's deadline. A check that hangs
 * (a server blocked building an index) holds no write past it either.
 */
export class SchemaReadiness {
  readonly #key: string;

  constructor(
    private readonly db: Db,
    private readonly names: CollectionNames,
    private readonly options: SchemaReadinessOptions,
  ) {
    this.#key = `${options.ensureSchema}/${Object.values(names).join('/')}`;
  }

  async ready(request: ReadyRequest): Promise<void> {
    let lastError: unknown;
    for (let failures = 0; ; failures++) {
      const left = request.deadline - systemTimers.now();
      try {
        if (left > 0 && (await this.#checked(left))) return;
      } catch (error) {
        lastError = error;
        const retryIn = Math.min(1_000, 50 * 2 ** failures, request.deadline - systemTimers.now());
        if (isTransientMongoError(error) && retryIn > 0) {
          await sleep(systemTimers, retryIn);
          continue;
        }
        this.options.logger.error(
          { database: this.db.databaseName, errorType: errorType(error), err: error },
          'schema check failed; appends are refused',
        );
        if (FlowraError.isFlowraError(error)) throw error;
        throw new StoreUnavailableError('migrate', error, request.streamId);
      }
      throw this.#late(request, lastError);
    }
  }

  #late(request: ReadyRequest, cause: unknown): FlowraError {
    const ms = this.options.appendTimeoutMs;
    if (request.eventIds && request.streamId !== undefined) {
      return new AppendTimeoutError(request.streamId, ms, false, request.eventIds, cause);
    }
    return new StoreUnavailableError(
      'migrate',
      cause ?? new Error(`the schema check did not answer within ${ms} ms`),
      request.streamId,
    );
  }

  /** Whether the shared check passed within `withinMs`. */
  async #checked(withinMs: number): Promise<boolean> {
    let perDb = checks.get(this.db);
    if (!perDb) {
      perDb = new Map();
      checks.set(this.db, perDb);
    }
    const now = systemTimers.now();
    let check = perDb.get(this.#key);
    // One still out after a whole deadline may never answer: the next write checks anew.
    const hung =
      check?.passedAt === undefined &&
      check !== undefined &&
      now - check.startedAt >= this.options.appendTimeoutMs;
    const stale =
      check?.passedAt !== undefined && now - check.passedAt >= this.options.checkIntervalMs;
    if (!check || stale || hung) {
      const entry: SchemaCheck = {
        state: this.#check(!check),
        startedAt: now,
        passedAt: undefined,
      };
      const map = perDb;
      entry.state.then(
        () => {
          entry.passedAt = systemTimers.now();
        },
        () => {
          // Checked from scratch (applied again, if allowed) by the next write.
          if (map.get(this.#key) === entry) map.delete(this.#key);
        },
      );
      perDb.set(this.#key, entry);
      check = entry;
    }
    if (check.passedAt !== undefined) return true;
    // A failed check rejects here, after it settled in time.
    if (!(await settlesBy(check.state, systemTimers.now() + withinMs))) return false;
    await check.state;
    return true;
  }

  /**
   * The first check applies the schema first (when allowed); a later one only reads the
   * indexes, and applies the schema again (when allowed) if they changed under the store.
   */
  async #check(first: boolean): Promise<SchemaState> {
    const { logger, ensureSchema } = this.options;
    const where = { database: this.db.databaseName, collection: this.names.events };
    if (!first) {
      try {
        return await checkSchema(this.db, this.names);
      } catch (error) {
        if (!ensureSchema || !StoreSchemaError.isInstance(error)) throw error;
        logger.warn(
          { ...where, problems: error.problems },
          'the schema changed while the store was running; applying it again',
        );
      }
    }
    if (ensureSchema) {
      const report = await migrate(this.db, { collections: this.names });
      if (report.created.length > 0) {
        logger.info({ ...where, created: report.created }, 'schema applied');
      }
    }
    const state = await checkSchema(this.db, this.names);
    if (first && !state.uniqueMultikey) {
      logger.warn(
        where,
        'this server does not keep unique indexes on event ids soundly: a repeated event id is found by reads, not refused by the index',
      );
    }
    return state;
  }
}
