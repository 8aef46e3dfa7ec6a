import { describe, expect, it } from 'vitest';
import { isUuid } from './asserts.js';
import { newEventId } from './event-ids.js';

describe('newEventId', () => {
  it('makes version 4 UUIDs, all different, across refills of its pool', () => {
    const ids = Array.from({ length: 5_000 }, () => newEventId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(isUuid(id)).toBe(true);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });
});
