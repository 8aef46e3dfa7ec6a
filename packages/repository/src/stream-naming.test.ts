import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  defaultStreamNaming,
  hashStreamNaming,
  stableHash,
  tenantStreamNaming,
  uuidV7Date,
} from './stream-naming.js';

describe('stream naming', () => {
  it('hashes stably, into 16 shards by default', () => {
    expect(stableHash('')).toBe(0x811c9dc5);
    expect(stableHash('chat-1')).toBe(stableHash('chat-1'));
    const naming = hashStreamNaming();
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 100 }), (id) => {
        const shard = Number(naming.streamId('Chat', id).split('_')[1]);
        expect(shard).toBeGreaterThanOrEqual(0);
        expect(shard).toBeLessThan(16);
      }),
    );
    expect(() => hashStreamNaming({ shards: 0 })).toThrow(/positive integer/);
  });

  it('no two tenants can name the same stream', () => {
    const part = fc.stringMatching(/^[A-Za-z0-9-]{1,8}$/);
    fc.assert(
      fc.property(
        part,
        part,
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.string({ minLength: 1, maxLength: 20 }),
        (t1, t2, id1, id2) => {
          fc.pre(t1 !== t2);
          expect(tenantStreamNaming(t1).streamId('Chat', id1)).not.toBe(
            tenantStreamNaming(t2).streamId('Chat', id2),
          );
        },
      ),
    );
  });

  it('no two aggregates share a stream under the default naming', () => {
    const type = fc.stringMatching(/^[A-Za-z0-9-]{1,8}$/);
    const id = fc.string({ minLength: 1, maxLength: 20 });
    const naming = defaultStreamNaming();
    const name = (t: string, i: string) => {
      try {
        return naming.streamId(t, i);
      } catch {
        return undefined;
      }
    };
    fc.assert(
      fc.property(type, id, type, id, (t1, i1, t2, i2) => {
        fc.pre(t1 !== t2 || i1 !== i2);
        const a = name(t1, i1);
        if (a !== undefined) expect(name(t2, i2)).not.toBe(a);
      }),
    );
    expect(() => naming.streamId('Order-line', '7')).toThrow(/aggregateType/);
    expect(naming.streamId('Order', 'line-7')).toBe('Order-line-7');
  });

  it('refuses separators in types and empty ids', () => {
    expect(() => defaultStreamNaming().streamId('Chat_x', 'a')).toThrow(/aggregateType/);
    expect(() => defaultStreamNaming().streamId('Chat', '')).toThrow(/aggregateId/);
    expect(uuidV7Date('019a8b2c-0000-7000-8000-000000000001').getTime()).toBe(0x019a8b2c0000);
  });
});
