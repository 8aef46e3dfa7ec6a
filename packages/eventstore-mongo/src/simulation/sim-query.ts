import type { CommitFindOptions, CommitFilter } from '../commit-collection.js';

type Doc = Record<string, unknown>;

/** The values at a dotted path; arrays on the way contribute each element, as MongoDB matches. */
function valuesAt(doc: unknown, path: readonly string[]): unknown[] {
  if (path.length === 0) return Array.isArray(doc) ? [doc, ...doc] : [doc];
  if (Array.isArray(doc)) return doc.flatMap((item) => valuesAt(item, path));
  if (doc === null || typeof doc !== 'object') return [];
  const [head, ...rest] = path;
  const next = (doc as Doc)[head!];
  return next === undefined ? [] : valuesAt(next, rest);
}

function same(a: unknown, b: unknown): boolean {
  return a === b || (a !== null && b !== null && typeof a === 'object' && String(a) === String(b));
}

function matchesCondition(values: unknown[], condition: unknown): boolean {
  if (condition === null || typeof condition !== 'object' || Array.isArray(condition)) {
    return values.some((v) => same(v, condition));
  }
  const ops = condition as Record<string, unknown>;
  return Object.entries(ops).every(([op, arg]) => {
    switch (op) {
      case '$in':
        return values.some((v) => (arg as unknown[]).some((a) => same(v, a)));
      case '$gt':
        return values.some((v) => typeof v === 'number' && v > (arg as number));
      case '$gte':
        return values.some((v) => typeof v === 'number' && v >= (arg as number));
      case '$lt':
        return values.some((v) => typeof v === 'number' && v < (arg as number));
      case '$lte':
        return values.some((v) => typeof v === 'number' && v <= (arg as number));
      case '$exists':
        return values.length > 0 === Boolean(arg);
      default:
        throw new Error(`the simulated server does not know ${op}`);
    }
  });
}

/** The subset of MongoDB's query language the store's reads use. */
export function matches(doc: Doc, filter: CommitFilter): boolean {
  return Object.entries(filter).every(([field, condition]) => {
    if (field === '$or') return (condition as CommitFilter[]).some((f) => matches(doc, f));
    return matchesCondition(valuesAt(doc, field.split('.')), condition);
  });
}

export function query<T extends Doc>(
  docs: readonly T[],
  filter: CommitFilter,
  options: CommitFindOptions = {},
): T[] {
  let out = docs.filter((d) => matches(d, filter));
  const sort = options.sort ? Object.entries(options.sort) : [];
  if (sort.length > 0) {
    out = [...out].sort((a, b) => {
      for (const [field, direction] of sort) {
        const x = a[field] as number;
        const y = b[field] as number;
        if (x !== y) return (x < y ? -1 : 1) * direction;
      }
      return 0;
    });
  }
  if (options.limit !== undefined && options.limit > 0) out = out.slice(0, options.limit);
  return out;
}
