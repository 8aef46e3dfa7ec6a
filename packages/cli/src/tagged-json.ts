import { setOwnProperty } from '@flowra/eventstore-core/adapter';
/**
 * JSON cannot hold what event data may: Dates, NaN, ±Infinity and -0. Each of those is written as
 * a one-key tagged object — `{"$date":"2024-05-01T12:00:00.000Z"}` or
 * `{"$number":"NaN"|"Infinity"|"-Infinity"|"-0"}` — and, so that data can never be taken for a
 * tag, every key of the data that starts with `$` is written with one more `$` in front (`$x` is
 * written `$$x`). With that, every value a Flowra store accepts survives the trip exactly.
 */

export class TaggedJsonError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'TaggedJsonError';
  }
}

const ISO_DATE = /^[+-]?\d{4,6}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;
const SPECIAL_NUMBERS = new Map<string, number>([
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['-0', -0],
]);

function specialNumber(value: number): string | undefined {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (Object.is(value, -0)) return '-0';
  return undefined;
}

/** A JSON-safe copy of `value` in the tagged encoding. */
export function toTaggedJson(value: unknown): unknown {
  if (typeof value === 'number') {
    const special = specialNumber(value);
    return special === undefined ? value : { $number: special };
  }
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return { $date: value.toISOString() };
  if (Array.isArray(value)) return value.map(toTaggedJson);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    setOwnProperty(
      out,
      key.startsWith('$') ? `$${key}` : key,
      toTaggedJson((value as Record<string, unknown>)[key]),
    );
  }
  return out;
}

/**
 * Whether the written day, hour, minute and second exist: `Date` rolls `2026-02-30` over to
 * March 2nd, and an import must not store an instant other than the one written.
 */
function isCalendarDate(text: string): boolean {
  const [, year, month, day, hour, minute, second] =
    /^([+-]?\d+)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)/.exec(text)!.map(Number) as number[];
  const leap = year! % 4 === 0 && (year! % 100 !== 0 || year! % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month! - 1];
  return (
    days !== undefined && day! >= 1 && day! <= days && hour! <= 23 && minute! <= 59 && second! <= 59
  );
}

function decodeTag(tag: string, content: unknown, path: string): unknown {
  if (tag === '$date') {
    if (typeof content !== 'string' || !ISO_DATE.test(content)) {
      throw new TaggedJsonError(path, '$date must hold an ISO 8601 date-time string');
    }
    const date = new Date(content);
    if (Number.isNaN(date.getTime()) || !isCalendarDate(content))
      throw new TaggedJsonError(path, `$date ${content} is not a valid date`);
    return date;
  }
  if (tag === '$number') {
    const number = typeof content === 'string' ? SPECIAL_NUMBERS.get(content) : undefined;
    if (number === undefined) {
      throw new TaggedJsonError(path, '$number must be "NaN", "Infinity", "-Infinity" or "-0"');
    }
    return number;
  }
  throw new TaggedJsonError(
    path,
    `unknown tag ${tag} (a data key starting with $ is written $${tag})`,
  );
}

/** The inverse of `toTaggedJson`, for a value fresh from `JSON.parse`. */
export function fromTaggedJson(value: unknown, path = '$'): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item, i) => fromTaggedJson(item, `${path}[${i}]`));
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const tag = keys.find((k) => k.startsWith('$') && !k.startsWith('$$'));
  if (tag !== undefined) {
    if (keys.length !== 1)
      throw new TaggedJsonError(path, `tag ${tag} must be the object's only key`);
    return decodeTag(tag, record[tag], path);
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const plain = key.startsWith('$$') ? key.slice(1) : key;
    setOwnProperty(out, plain, fromTaggedJson(record[key], `${path}.${plain}`));
  }
  return out;
}
