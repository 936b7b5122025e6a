// The batch wire format, TS side (see native/src/ops.h and wire.h).
//
// Request:  u32 count, then per command: u8 op, u8 db, u16 flags, u32 argc, i64 a, i64 b,
//           and per argument u32 length + bytes, or BLOB_MARKER + u32 index into `blobs`
//           (large values cross without being copied into the request).
// Result:   u32 count, then one reply per top-level command: u8 kind + payload.
// Little-endian throughout. Encoding sizes the buffer exactly, so it allocates once.
//
// Speed over brevity: encodeBatch runs once per batch on the event loop for every command
// the server executes, so it writes header fields and short arguments byte by byte
// instead of through Buffer's checked write methods (which cost more than the stores
// themselves). Only values that can never be out of range take that path.
import { BLOB_MARKER, COMMAND_HEADER_SIZE, errorCodeName, ReplyKind, type OpCode } from './ops.js';

export interface StorageCommand {
  op: OpCode;
  db: number;
  flags: number;
  a: number | bigint;
  b: number | bigint;
  args: Buffer[];
}

/** A command's failure, returned as a value (WRONGTYPE, not an integer, I/O error...). */
export class OpError {
  readonly code: number;
  readonly message: string;
  constructor(code: number, message: string) {
    this.code = code;
    this.message = message;
  }
  get codeName(): string {
    return errorCodeName(this.code);
  }
}

/**
 * A reply the storage runtime already encoded as RESP, the same bytes in RESP2 and RESP3
 * (an array of bulk strings): written to the client as it is, never looked into.
 */
export class EncodedReply {
  readonly bytes: Buffer;
  constructor(bytes: Buffer) {
    this.bytes = bytes;
  }
}

/** What a REPORT_KEYS write did to each key (ops.h KeyReportBit). */
export const KeyBit = { existed: 1, exists: 2, hadTtl: 4, hasTtl: 8, expired: 16, members: 32 } as const;

/**
 * The reply of a write sent with REPORT_KEYS (keyspace notifications on): per key, in the
 * storage command's key order, its name and KeyBit flags, then the command's own reply.
 */
export class KeysReport {
  readonly keys: Buffer[];
  readonly bits: number[];
  readonly reply: StorageReply;
  constructor(keys: Buffer[], bits: number[], reply: StorageReply) {
    this.keys = keys;
    this.bits = bits;
    this.reply = reply;
  }
}

/** null = nil; 'OK' and other strings = status replies; Buffer = bulk. */
export type StorageReply = null | string | number | bigint | Buffer | OpError | EncodedReply | KeysReport | StorageReply[];

export interface EncodedBatch {
  buffer: Buffer;
  blobs: Buffer[] | null;
  commands: number;
}

/** Arguments at least this long cross as blobs instead of being copied. */
export const BLOB_THRESHOLD = 16 * 1024;

const TWO_32 = 4294967296;

/** An unsigned 32-bit value the caller knows is in range (a length, count or index). */
function writeU32(buf: Buffer, off: number, v: number): void {
  buf[off] = v;
  buf[off + 1] = v >>> 8;
  buf[off + 2] = v >>> 16;
  buf[off + 3] = v >>> 24;
}

function writeI64(buf: Buffer, off: number, v: number | bigint): void {
  if (typeof v === 'bigint') {
    buf.writeBigInt64LE(v, off);
    return;
  }
  // Most commands carry 0 or a small count here.
  if (v >= 0 && v < TWO_32) {
    writeU32(buf, off, v);
    writeU32(buf, off + 4, 0);
    return;
  }
  // The checked writes keep rejecting numbers beyond 64 bits.
  const hi = Math.floor(v / TWO_32);
  buf.writeUInt32LE(v - hi * TWO_32, off);
  buf.writeInt32LE(hi, off + 4);
}

export function encodedSize(commands: readonly StorageCommand[]): number {
  let size = 4;
  for (const c of commands) {
    size += COMMAND_HEADER_SIZE;
    for (const arg of c.args) size += arg.length >= BLOB_THRESHOLD ? 8 : 4 + arg.length;
  }
  return size;
}

export function encodeBatch(commands: readonly StorageCommand[]): EncodedBatch {
  const buf = Buffer.allocUnsafe(encodedSize(commands));
  let blobs: Buffer[] | null = null;
  writeU32(buf, 0, commands.length);
  let off = 4;
  for (const c of commands) {
    buf[off] = c.op;
    buf[off + 1] = c.db;
    buf[off + 2] = c.flags;
    buf[off + 3] = c.flags >>> 8;
    writeU32(buf, off + 4, c.args.length);
    writeI64(buf, off + 8, c.a);
    writeI64(buf, off + 16, c.b);
    off += COMMAND_HEADER_SIZE;
    for (const arg of c.args) {
      const len = arg.length;
      if (len >= BLOB_THRESHOLD) {
        blobs ??= [];
        writeU32(buf, off, BLOB_MARKER);
        writeU32(buf, off + 4, blobs.length);
        blobs.push(arg);
        off += 8;
        continue;
      }
      writeU32(buf, off, len);
      off += 4;
      // Short keys are the common case; a byte loop beats set()'s call overhead there.
      if (len < 32) {
        for (let i = 0; i < len; i++) buf[off + i] = arg[i];
      } else {
        buf.set(arg, off);
      }
      off += len;
    }
  }
  return { buffer: buf, blobs, commands: commands.length };
}

let pos = 0;

function readReply(buf: Buffer): StorageReply {
  const kind = buf[pos++];
  switch (kind) {
    case ReplyKind.NIL:
      return null;
    case ReplyKind.OK:
      return 'OK';
    case ReplyKind.INT: {
      const lo = buf.readUInt32LE(pos);
      const hi = buf.readInt32LE(pos + 4);
      const at = pos;
      pos += 8;
      // Exact as a number below 2^53; beyond that only a bigint keeps every digit.
      if (hi >= -0x200000 && hi < 0x200000) return hi * TWO_32 + lo;
      return buf.readBigInt64LE(at);
    }
    case ReplyKind.BULK: {
      const len = buf.readUInt32LE(pos);
      pos += 4;
      const value = buf.subarray(pos, pos + len);
      pos += len;
      return value;
    }
    case ReplyKind.STATUS: {
      const len = buf.readUInt32LE(pos);
      pos += 4;
      const value = buf.toString('latin1', pos, pos + len);
      pos += len;
      return value;
    }
    case ReplyKind.ERROR: {
      const code = buf[pos++];
      const len = buf.readUInt32LE(pos);
      pos += 4;
      const message = buf.toString('utf8', pos, pos + len);
      pos += len;
      return new OpError(code, message);
    }
    case ReplyKind.RESP: {
      const len = buf.readUInt32LE(pos);
      pos += 4;
      const value = new EncodedReply(buf.subarray(pos, pos + len));
      pos += len;
      return value;
    }
    case ReplyKind.KEYS_REPORT: {
      const n = buf[pos++];
      const keys: Buffer[] = new Array(n);
      const bits: number[] = new Array(n);
      for (let i = 0; i < n; i++) {
        bits[i] = buf[pos];
        const len = buf.readUInt32LE(pos + 1);
        keys[i] = buf.subarray(pos + 5, pos + 5 + len);
        pos += 5 + len;
      }
      return new KeysReport(keys, bits, readReply(buf));
    }
    case ReplyKind.ARRAY: {
      const n = buf.readUInt32LE(pos);
      pos += 4;
      const items: StorageReply[] = new Array(n);
      for (let i = 0; i < n; i++) items[i] = readReply(buf);
      return items;
    }
    default:
      throw new Error(`corrupt storage result: unknown reply kind ${kind} at ${pos - 1}`);
  }
}

/** A blocked client the batch's writes may serve (native/src/blocking.h). */
export interface Wake {
  runtime: number;
  client: number;
  seq: number;
}

/**
 * Decodes a result buffer. Bulk replies are views into `buf`, not copies. Blocked clients
 * to wake, which follow the replies, go to `wakes`.
 */
export function decodeReplies(buf: Buffer, wakes?: Wake[]): StorageReply[] {
  const n = buf.readUInt32LE(0);
  pos = 4;
  const replies: StorageReply[] = new Array(n);
  for (let i = 0; i < n; i++) replies[i] = readReply(buf);
  if (pos !== buf.length && wakes !== undefined && pos + 4 <= buf.length) {
    const count = buf.readUInt32LE(pos);
    pos += 4;
    for (let i = 0; i < count && pos + 13 <= buf.length; i++, pos += 13) {
      wakes.push({ runtime: buf[pos], client: Number(buf.readBigUInt64LE(pos + 1)), seq: buf.readUInt32LE(pos + 9) });
    }
  }
  if (pos !== buf.length) throw new Error(`corrupt storage result: ${buf.length - pos} trailing bytes`);
  return replies;
}
