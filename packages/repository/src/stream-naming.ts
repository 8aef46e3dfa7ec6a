import { ValidationError } from '@flowra/eventstore-core';

export interface StreamNamingStrategy {
  readonly kind: string;
  streamId(aggregateType: string, aggregateId: string): string;
  /** Several aggregates share one stream; events then carry `metadata.aggregateId`. */
  readonly shared: boolean;
  /** The tenant every stream of this strategy belongs to, when bound to one. */
  readonly tenantId?: string;
}

/** Parts that separate fields in a stream name must not contain the separator themselves. */
const NAME_PART = /^[A-Za-z0-9-]{1,64}$/;

function assertPart(value: string, field: string): void {
  if (typeof value !== 'string' || !NAME_PART.test(value)) {
    throw new ValidationError(field, 'must be 1-64 letters, digits or dashes (no "_")');
  }
}

function assertId(value: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
    throw new ValidationError(
      'aggregateId',
      'must be a non-empty string of at most 256 characters',
    );
  }
}

/**
 * The default naming's separator is `-`, so its types hold none (`Order`/`line-7` and
 * `Order-line`/`7` would share a stream), nor the other strategies' `_`.
 */
const DEFAULT_TYPE = /^[A-Za-z0-9]{1,64}$/;

/** `{aggregateType}-{aggregateId}`: one stream per aggregate (the default). */
export function defaultStreamNaming(): StreamNamingStrategy {
  return {
    kind: 'default',
    shared: false,
    streamId(type, id) {
      if (typeof type !== 'string' || !DEFAULT_TYPE.test(type)) {
        throw new ValidationError(
          'aggregateType',
          'must be 1-64 letters or digits under the default stream naming (its separator is "-")',
        );
      }
      assertId(id);
      return `${type}-${id}`;
    },
  };
}

/**
 * `{tenantId}_{aggregateType}_{aggregateId}`. Neither the tenant nor the type may hold `_`,
 * so no id of one tenant can spell a stream of another: a repository bound to a tenant can
 * only ever name its own tenant's streams.
 */
export function tenantStreamNaming(tenantId: string): StreamNamingStrategy {
  assertPart(tenantId, 'tenantId');
  return {
    kind: 'tenant',
    shared: false,
    tenantId,
    streamId(type, id) {
      assertPart(type, 'aggregateType');
      assertId(id);
      return `${tenantId}_${type}_${id}`;
    },
  };
}

/** Milliseconds of a UUIDv7 (time-ordered) id; the temporal strategy's default clock. */
export function uuidV7Date(aggregateId: string): Date {
  const hex = aggregateId.replace(/-/g, '');
  if (!/^[0-9a-f]{12}7[0-9a-f]{19}$/i.test(hex)) {
    throw new ValidationError(
      'aggregateId',
      'the temporal stream naming needs a UUIDv7 id, or a dateOf function that knows the date',
    );
  }
  return new Date(Number.parseInt(hex.slice(0, 12), 16));
}

/**
 * `{aggregateType}_{year}_{month}_{aggregateId}`, month 01-12 in UTC, of the date
 * `dateOf(aggregateId)` gives: the id must determine its month, or it could not be found again.
 */
export function temporalStreamNaming(
  options: { dateOf?: (aggregateId: string) => Date } = {},
): StreamNamingStrategy {
  const dateOf = options.dateOf ?? uuidV7Date;
  return {
    kind: 'temporal',
    shared: false,
    streamId(type, id) {
      assertPart(type, 'aggregateType');
      assertId(id);
      const date = dateOf(id);
      if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
        throw new ValidationError('aggregateId', `dateOf gave no valid date for '${id}'`);
      }
      const month = String(date.getUTCMonth() + 1).padStart(2, '0');
      return `${type}_${date.getUTCFullYear()}_${month}_${id}`;
    },
  };
}

/** FNV-1a over UTF-16 code units: stable across processes, platforms and releases. */
export function stableHash(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * `{aggregateType}_{hash(aggregateId) mod shards}`: a fixed number of streams per type, each
 * shared by many aggregates. Concurrency is per shard, and snapshots are not taken.
 */
export function hashStreamNaming(options: { shards?: number } = {}): StreamNamingStrategy {
  const shards = options.shards ?? 16;
  if (!Number.isSafeInteger(shards) || shards < 1) {
    throw new ValidationError('shards', 'must be a positive integer');
  }
  return {
    kind: 'hash',
    shared: true,
    streamId(type, id) {
      assertPart(type, 'aggregateType');
      assertId(id);
      return `${type}_${stableHash(id) % shards}`;
    },
  };
}
