import { EventDecodingError } from '@flowra/eventstore-core';
import { prepareEvents } from '@flowra/eventstore-core/adapter';
import fc from 'fast-check';
import { BSON } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { buildCommit, checkedHead, decodeCommit, placeCommit } from './commit-document.js';

const at = new Date('2026-05-01T00:00:00Z');

describe('commit document', () => {
  it('maps SPEC names to the stored field names and back', () => {
    const prepared = prepareEvents('Chat-1', [
      {
        type: 'A',
        data: { x: 1 },
        metadata: {
          userId: 'u',
          correlationId: 'c',
          causationId: 'k',
          tenantId: 't',
          timestamp: 'mine',
        },
      },
      { type: 'B', data: {} },
    ]);
    const commit = placeCommit(buildCommit('Chat-1', 'Chat', prepared, 1, 1, at), 4, 10);
    expect(commit).toMatchObject({
      aggregate_id: 'Chat-1',
      aggregate_type: 'Chat',
      version: 4,
      last_version: 5,
      position: 10,
      last_position: 11,
    });
    expect(commit.events[0]?.metadata).toEqual({
      timestamp: at,
      user_id: 'u',
      correlation_id: 'c',
      causation_id: 'k',
      tenant_id: 't',
      '~timestamp': 'mine',
    });
    const events = decodeCommit(commit);
    expect(events.map((e) => [e.version, e.position])).toEqual([
      [4, 10],
      [5, 11],
    ]);
    expect(events[0]?.metadata).toEqual({
      userId: 'u',
      correlationId: 'c',
      causationId: 'k',
      tenantId: 't',
      timestamp: 'mine',
    });
    expect(events[0]?.recordedAt).toEqual(at);
  });

  it('bounds the BSON size of a commit from above, however it is numbered later', () => {
    // Keys and strings across the UTF-16 range (lone surrogates are refused by the core).
    const text = fc.string({ unit: 'grapheme', maxLength: 12 });
    const key = fc.oneof(text, fc.constantFrom('$where', 'a.b', '~x', '__proto__', 'timestamp'));
    const leaf = fc.oneof(
      text,
      fc.double(),
      fc.integer(),
      fc.constant(-0),
      fc.boolean(),
      fc.constant(null),
      fc.date({ noInvalidDate: true }),
    );
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(key, tie('value'), { maxKeys: 4 }),
      ),
    }));
    const event = fc.record({
      type: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
      data: fc.dictionary(key, value, { maxKeys: 5 }),
      metadata: fc.option(
        fc.record({ userId: text, tenantId: text, extra: value }, { requiredKeys: [] }),
        { nil: undefined },
      ),
    });
    const bounded = (streamId: string, events: readonly unknown[], number: number) => {
      const prepared = prepareEvents(streamId, events);
      const size = { bytes: 0 };
      const commit = buildCommit(streamId, streamId, prepared, 1, 1, at, { share: true, size });
      const placed = placeCommit(commit, number, number);
      expect(size.bytes).toBeGreaterThanOrEqual(BSON.calculateObjectSize(placed));
      expect(size.bytes).toBeGreaterThanOrEqual(BSON.serialize(placed).length);
    };
    // Where the bound is tightest: three UTF-8 bytes per UTF-16 unit, in keys and values.
    const euros = '\u20ac'.repeat(10_000);
    const name = euros.slice(0, 200);
    bounded(name, [{ type: name, data: {} }], 1);
    bounded('s', [{ type: 'A', data: { [euros]: euros, list: [euros] } }], 1);
    bounded('s', [{ type: 'A', data: {}, metadata: { [euros]: euros, userId: euros } }], 1);
    bounded('s', [{ type: 'A', data: { n: Array.from({ length: 10_000 }, () => 2 ** 40) } }], 1);
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
        fc.array(event, { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 2 ** 53 - 1000 }),
        bounded,
      ),
    );
  });

  it('decodes commits read without the fields reads leave on the server', () => {
    const prepared = prepareEvents('s', [
      { type: 'A', data: { x: 1 }, metadata: { userId: 'u' } },
      { type: 'B', data: {} },
    ]);
    const { _id, aggregate_type, ...commit } = buildCommit('s', 's', prepared, 1, 1, at);
    // What a server that honours the readers' projection sends back.
    const lean = {
      ...commit,
      events: commit.events.map(({ created_at, metadata: { timestamp, ...metadata }, ...e }) => ({
        ...e,
        metadata,
      })),
    };
    const full = decodeCommit({ _id, aggregate_type, ...commit });
    expect(decodeCommit(lean)).toEqual(full);
    expect(full.map((e) => e.recordedAt)).toEqual([at, at]);
    expect(full[0]?.metadata).toEqual({ userId: 'u' });
  });

  it('fails on undecodable documents naming the stream and version', () => {
    const good = buildCommit('s', 's', prepareEvents('s', [{ type: 'A', data: {} }]), 3, 7, at);
    const cases: [unknown, RegExp][] = [
      [{}, /no aggregate_id/],
      [{ ...good, version: 'x' }, /lacks version.*version string "x"/],
      // A damaged version is placed by the commit's end and event count.
      [{ ...good, version: 'x' }, /stream 's' at version 3/],
      [
        { ...good, events: [{ ...good.events[0], metadata: 5 }] },
        /version 3: the stored metadata is not an object: number 5/,
      ],
      [{ ...good, events: [{ ...good.events[0], metadata: 'abc' }] }, /metadata is not an object/],
      [{ ...good, events: [{ ...good.events[0], metadata: ['a'] }] }, /metadata is not an object/],
      [{ ...good, last_version: 9 }, /range does not match/],
      [{ ...good, events: [{ ...good.events[0], event_type: 5 }] }, /stream 's' at version 3/],
      [{ ...good, events: [{ ...good.events[0], data: { o: new Map() } }] }, /data\.o/],
      [{ ...good, events: [{ ...good.events[0], data: [] }] }, /not an object/],
      [
        { ...good, created_at: undefined, events: [{ ...good.events[0], created_at: undefined }] },
        /created_at/,
      ],
    ];
    for (const [doc, message] of cases) {
      expect(() => decodeCommit(doc)).toThrow(EventDecodingError);
      expect(() => decodeCommit(doc)).toThrow(message);
    }
  });

  it('refuses a head whose ends are not places in the log, naming its stream', () => {
    const good = buildCommit('s', 's', prepareEvents('s', [{ type: 'A', data: {} }]), 3, 7, at);
    expect(checkedHead(good)).toBe(good);
    expect(checkedHead(undefined)).toBeNull();
    for (const end of ['zzz', true, new Date(0), { x: 1 }, 2.5, 0, -1, null]) {
      const doc = { ...good, aggregate_id: 'junk', last_position: end };
      expect(() => checkedHead(doc), String(end)).toThrow(EventDecodingError);
      expect(() => checkedHead(doc)).toThrow(/stream 'junk'.*last_position/);
      expect(() => checkedHead({ ...good, last_version: end })).toThrow(EventDecodingError);
    }
  });
});
