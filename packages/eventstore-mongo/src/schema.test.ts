import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENTS_FLAT_PIPELINE, INDEXES } from './schema.js';

/** Evaluates a literal copied out of the mongosh script (our own file, never input). */
const literal = (source: string): unknown => new Function(`return (${source});`)();

const script = readFileSync(
  new URL('../../../migrations/mongodb/001_event_store_schema.js', import.meta.url),
  'utf8',
);

describe('the mongosh migration', () => {
  it('creates every index the code does, with the same key, name and uniqueness', () => {
    const created = [
      ...script.matchAll(
        /(\w+)\.createIndex\((\{[^)]*?\}), \{ name: '(\w+)'(, unique: true)? \}\);/g,
      ),
    ].map((m) => ({
      collection: m[1],
      key: JSON.stringify(literal(m[2]!)),
      name: m[3],
      unique: Boolean(m[4]),
    }));
    expect(created).toEqual(
      INDEXES.map((i) => ({
        collection: i.collection,
        key: JSON.stringify(i.key),
        name: i.name,
        unique: Boolean(i.unique),
      })),
    );
  });

  it('creates the events_flat view with the same pipeline', () => {
    const body = script.slice(
      script.indexOf("db.createView('events_flat', 'events', ") + 39,
      script.lastIndexOf(');'),
    );
    expect(literal(body)).toEqual(EVENTS_FLAT_PIPELINE);
  });
});
