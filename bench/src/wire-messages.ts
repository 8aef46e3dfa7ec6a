/**
 * Just enough of the MongoDB wire protocol for the fault proxy: cutting a byte stream into
 * messages, and taking `$readPreference` out of an OP_MSG command.
 */

const OP_MSG = 2013;
const CHECKSUM_PRESENT = 1;

/** Splits what arrived so far into whole messages; keeps the rest for the next chunk. */
export class MessageFramer {
  #pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const out: Buffer[] = [];
    while (this.#pending.length >= 4) {
      const length = this.#pending.readInt32LE(0);
      if (length < 16 || this.#pending.length < length) break;
      out.push(this.#pending.subarray(0, length));
      this.#pending = this.#pending.subarray(length);
    }
    return out;
  }
}

/** Byte length of a BSON element's value of `type` starting at `at`. */
function valueLength(doc: Buffer, type: number, at: number): number {
  switch (type) {
    case 0x01: // double
    case 0x09: // date
    case 0x11: // timestamp
    case 0x12: // int64
      return 8;
    case 0x02: // string
    case 0x0d: // code
    case 0x0e: // symbol
      return 4 + doc.readInt32LE(at);
    case 0x03: // document
    case 0x04: // array
    case 0x0f: // code with scope
      return doc.readInt32LE(at);
    case 0x05: // binary
      return 4 + 1 + doc.readInt32LE(at);
    case 0x07: // ObjectId
      return 12;
    case 0x08: // boolean
      return 1;
    case 0x06: // undefined
    case 0x0a: // null
    case 0x7f: // max key
    case 0xff: // min key
      return 0;
    case 0x0b: {
      // regex: two cstrings
      const first = doc.indexOf(0, at);
      return doc.indexOf(0, first + 1) + 1 - at;
    }
    case 0x0c: // DBPointer
      return 4 + doc.readInt32LE(at) + 12;
    case 0x10: // int32
      return 4;
    case 0x13: // decimal128
      return 16;
    default:
      throw new Error(`unknown BSON type 0x${type.toString(16)}`);
  }
}

/** The top-level document without its `name` element, or `undefined` when it has none. */
function withoutElement(doc: Buffer, name: string): Buffer | undefined {
  let at = 4;
  const end = doc.readInt32LE(0) - 1;
  while (at < end) {
    const start = at;
    const type = doc[at]!;
    const nameEnd = doc.indexOf(0, at + 1);
    const key = doc.toString('utf8', at + 1, nameEnd);
    at = nameEnd + 1;
    at += valueLength(doc, type, at);
    if (key === name) {
      const out = Buffer.concat([doc.subarray(0, start), doc.subarray(at)]);
      out.writeInt32LE(out.length, 0);
      return out;
    }
  }
  return undefined;
}

/**
 * Drivers send `$readPreference: primaryPreferred` over a direct connection, which the jongodb
 * emulator refuses; MongoDB itself accepts it. This takes it out of an OP_MSG command (the
 * default, primary, is what the stores want anyway); other messages pass unchanged.
 */
export function withoutReadPreference(message: Buffer): Buffer {
  if (message.readInt32LE(12) !== OP_MSG) return message;
  const flags = message.readUInt32LE(16);
  const end = flags & CHECKSUM_PRESENT ? message.length - 4 : message.length;
  // Sections: the body (kind 0) comes first in what drivers send.
  if (message[20] !== 0) return message;
  const bodyStart = 21;
  const bodyLength = message.readInt32LE(bodyStart);
  const body = message.subarray(bodyStart, bodyStart + bodyLength);
  const stripped = withoutElement(body, '$readPreference');
  if (!stripped) return message;
  const header = Buffer.from(message.subarray(0, 20));
  header.writeUInt32LE(flags & ~CHECKSUM_PRESENT, 16);
  const out = Buffer.concat([
    header,
    Buffer.from([0]),
    stripped,
    message.subarray(bodyStart + bodyLength, end),
  ]);
  out.writeInt32LE(out.length, 0);
  return out;
}
