import { ValidationError } from './errors.js';
import type { ReadAllOptions, ReadStreamOptions } from './types.js';
import { assertNonNegativeInteger, assertStreamId, assertTypes, describe } from './asserts.js';
import { isPlainObject } from './plain-data.js';

export interface ValidReadStreamOptions {
  fromVersion: number;
  direction: 'forwards' | 'backwards';
  maxCount: number;
}

function assertOptionsObject(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) {
    throw new ValidationError(field, `must be an object, got ${describe(value)}`);
  }
  return value;
}

export function validateReadStreamOptions(
  streamId: unknown,
  options: ReadStreamOptions | undefined,
): ValidReadStreamOptions {
  assertStreamId(streamId);
  const o = assertOptionsObject(options, 'options');
  const fromVersion = o.fromVersion === undefined ? 1 : o.fromVersion;
  assertNonNegativeInteger(fromVersion, 'fromVersion', { streamId });
  const direction = o.direction === undefined ? 'forwards' : o.direction;
  if (direction !== 'forwards' && direction !== 'backwards') {
    throw new ValidationError('direction', `must be 'forwards' or 'backwards'`, { streamId });
  }
  const maxCount = o.maxCount === undefined ? Number.MAX_SAFE_INTEGER : o.maxCount;
  assertNonNegativeInteger(maxCount, 'maxCount', { streamId });
  return { fromVersion, direction, maxCount };
}

export interface ValidReadAllOptions {
  fromPosition: number;
  maxCount: number;
  types: ReadonlySet<string> | undefined;
}

export function validateReadAllOptions(options: ReadAllOptions | undefined): ValidReadAllOptions {
  const o = assertOptionsObject(options, 'options');
  const fromPosition = o.fromPosition === undefined ? 0 : o.fromPosition;
  assertNonNegativeInteger(fromPosition, 'fromPosition');
  const maxCount = o.maxCount === undefined ? Number.MAX_SAFE_INTEGER : o.maxCount;
  assertNonNegativeInteger(maxCount, 'maxCount');
  return { fromPosition, maxCount, types: assertTypes(o.types) };
}
