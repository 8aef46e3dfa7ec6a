import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  EVENTS_FLAT_PIPELINE,
  INDEXES,
  SCHEMA_VERSION,
  indexMismatch,
  schemaRecordProblem,
} from './schema.js';

/** Evaluates a literal copied out of the mongosh scripts (our own files, never input). */
const literal = (source: string): unknown => new Function(`return (${source});`)();

const scripts = ['001_event_store_schema.js', '002_every_position_unique.js'].map((name) =>
  readFileSync(new URL(`../../../migrations/mongodb/${name}`, import.meta.url), 'utf8'),
);

describe('the mongosh migrations', () => {
  it('create every index the code does, with the same key, name, uniqueness and filter', () => {
    const created = scripts.flatMap((script) =>
      [...script.matchAll(/^(\w+)\.createIndex\((.*)\);$/gm)].map((m) => {
        const [key, options] = literal(`[${m[2]}]`) as [object, Record<string, unknown>];
        return {
          collection: m[1],
          key: JSON.stringify(key),
          name: options.name,
          unique: options.unique === true,
          partialFilterExpression: options.partialFilterExpression,
        };
      }),
    );
    const expected = INDEXES.map((i) => ({
      collection: i.collection,
      key: JSON.stringify(i.key),
      name: i.name,
      unique: Boolean(i.unique),
      partialFilterExpression: i.partialFilterExpression,
    }));
    expect([...created].sort(byName)).toEqual([...expected].sort(byName));
  });

  it('record the schema version the store checks for', () => {
    expect(scripts[1]).toContain(`version: ${SCHEMA_VERSION},`);
    expect(scripts[1]).toContain('uniqueMultikey: true,');
  });

  it('create the events_flat view with the same pipeline', () => {
    const script = scripts[0]!;
    const body = script.slice(
      script.indexOf("db.createView('events_flat', 'events', ") + 39,
      script.lastIndexOf(');'),
    );
    expect(literal(body)).toEqual(EVENTS_FLAT_PIPELINE);
  });
});

describe('the schema record', () => {
  const sound = {
    _id: 'events',
    version: SCHEMA_VERSION,
    uniqueMultikey: true,
    uniqueMultikeyDetail: 'enforces unique indexes per array element',
    migratedAt: new Date(0),
  };

  it('is trusted as migrate writes it, also with fields a newer migrate may add', () => {
    expect(schemaRecordProblem(sound)).toBeUndefined();
    expect(
      schemaRecordProblem({ ...sound, uniqueMultikey: false, later: { x: 1 } }),
    ).toBeUndefined();
  });

  it('is named malformed, field by field, when edited by hand', () => {
    expect(schemaRecordProblem({ ...sound, uniqueMultikey: 'maybe' })).toBe(
      'uniqueMultikey is "maybe", not true or false',
    );
    expect(
      schemaRecordProblem({
        _id: 'events',
        version: '2',
        uniqueMultikeyDetail: 7,
        migratedAt: 'yesterday',
      }),
    ).toBe(
      'version is "2", not a positive integer; uniqueMultikey is missing, not true or false; ' +
        'uniqueMultikeyDetail is 7, not a string; migratedAt is "yesterday", not a date',
    );
    expect(schemaRecordProblem({ ...sound, migratedAt: new Date(Number.NaN) })).toBe(
      'migratedAt is an invalid date, not a date',
    );
  });
});

function byName(a: { name: unknown }, b: { name: unknown }): number {
  return String(a.name).localeCompare(String(b.name));
}

describe('an index found under a schema name', () => {
  const byName = (name: string) => INDEXES.find((i) => i.name === name)!;
  const position = byName('position_unique');
  const everyPosition = byName('events_position_unique');

  it('matches when key, uniqueness and filter are the schema’s', () => {
    expect(indexMismatch(position, { key: { position: 1 }, unique: true })).toBeUndefined();
    expect(
      indexMismatch(everyPosition, {
        key: everyPosition.key,
        unique: true,
        partialFilterExpression: everyPosition.partialFilterExpression,
      }),
    ).toBeUndefined();
  });

  it('is refused when unique over only some commits: partial or sparse', () => {
    const partial = indexMismatch(position, {
      key: { position: 1 },
      unique: true,
      partialFilterExpression: { position: { $gt: 100 } },
    });
    expect(partial).toEqual({
      problem: 'not-unique',
      detail: 'is unique only where {"position":{"$gt":100}}, expected over every commit',
    });
    expect(
      indexMismatch(position, { key: { position: 1 }, unique: true, sparse: true })?.problem,
    ).toBe('not-unique');
    expect(
      indexMismatch(everyPosition, { key: everyPosition.key, unique: true })?.detail,
    ).toContain('has no partialFilterExpression');
  });
});
