/**
 * Random (version 4) UUIDs for events appended without an id, made a thousand at a time.
 * `crypto.randomUUID()` per event cost more than the rest of an in-memory append, and so did
 * building each id from character codes. One string holds a whole batch of ids, written as
 * bytes and decoded at once; each id is a slice of it, which V8 keeps as a pointer into that
 * string rather than a copy. The price: a batch's string (36 KiB) lives as long as any of its
 * ids does, which for a store keeping its events is no extra memory at all.
 */
const IDS_PER_BATCH = 1024;
const ID_LENGTH = 36;
const random = new Uint8Array(IDS_PER_BATCH * 16);
const text = new Uint8Array(IDS_PER_BATCH * ID_LENGTH);
// Two hex digits are written at once, also at the odd offsets the dashes leave.
const view = new DataView(text.buffer);
const HEX = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
/** A byte's two hex digits as one little-endian 16-bit word of ASCII codes. */
const PAIRS = Uint16Array.from({ length: 256 }, (_, b) => HEX[b >> 4]! | (HEX[b & 0x0f]! << 8));
const DASH = 45;
// ASCII only, so the decoded string is one byte per character.
const decoder = new TextDecoder();

let batch = '';
let next = IDS_PER_BATCH;

function put(at: number, byte: number): void {
  view.setUint16(at, PAIRS[byte]!, true);
}

/** `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx` for every 16 random bytes. */
function refill(): void {
  // getRandomValues fills at most 65,536 bytes per call.
  globalThis.crypto.getRandomValues(random);
  for (let from = 0, to = 0; from < random.length; from += 16, to += ID_LENGTH) {
    put(to, random[from]!);
    put(to + 2, random[from + 1]!);
    put(to + 4, random[from + 2]!);
    put(to + 6, random[from + 3]!);
    text[to + 8] = DASH;
    put(to + 9, random[from + 4]!);
    put(to + 11, random[from + 5]!);
    text[to + 13] = DASH;
    put(to + 14, (random[from + 6]! & 0x0f) | 0x40);
    put(to + 16, random[from + 7]!);
    text[to + 18] = DASH;
    put(to + 19, (random[from + 8]! & 0x3f) | 0x80);
    put(to + 21, random[from + 9]!);
    text[to + 23] = DASH;
    for (let i = 10; i < 16; i++) put(to + 4 + 2 * i, random[from + i]!);
  }
  batch = decoder.decode(text);
  next = 0;
}

export function newEventId(): string {
  if (next === IDS_PER_BATCH) refill();
  const start = next * ID_LENGTH;
  next++;
  return batch.slice(start, start + ID_LENGTH);
}
