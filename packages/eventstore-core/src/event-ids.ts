/**
 * Random (version 4) UUIDs for events appended without an id, from a pool of random bytes
 * filled a thousand ids at a time. `crypto.randomUUID()` per event cost more than the rest of
 * an in-memory append; concatenating hex pairs made a rope of twenty strings per id, kept for
 * as long as the event. One flat string from character codes is the cheapest to make and keep.
 */
const POOL_BYTES = 16 * 1024;
const pool = new Uint8Array(POOL_BYTES);
let offset = POOL_BYTES;
const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
/** Where each byte's two hex digits go in `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`. */
const SLOTS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
const DASH = 45;
const codes: number[] = Array.from({ length: 36 }, (_, i) =>
  i === 8 || i === 13 || i === 18 || i === 23 ? DASH : 0,
);

export function newEventId(): string {
  if (offset === POOL_BYTES) {
    // getRandomValues fills at most 65,536 bytes per call.
    globalThis.crypto.getRandomValues(pool);
    offset = 0;
  }
  for (let i = 0; i < 16; i++) {
    let byte = pool[offset + i]!;
    if (i === 6) byte = (byte & 0x0f) | 0x40;
    else if (i === 8) byte = (byte & 0x3f) | 0x80;
    const slot = SLOTS[i]!;
    codes[slot] = HEX_CODES[byte >> 4]!;
    codes[slot + 1] = HEX_CODES[byte & 0x0f]!;
  }
  offset += 16;
  return String.fromCharCode.apply(null, codes);
}
