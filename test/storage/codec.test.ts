// The batch wire format, TS side, without the addon.
import { describe, expect, it } from 'vitest';
import { BLOB_THRESHOLD, decodeReplies, EncodedReply, encodeBatch, OpError } from '../../src/storage/codec.js';
import { BLOB_MARKER, ErrorCode, Flag, Op, ReplyKind } from '../../src/storage/ops.js';
import { Cmd } from '../../src/storage/requests.js';

describe('encodeBatch', () => {
  it('lays out a command header and its arguments', () => {
    const { buffer, blobs, commands } = encodeBatch([Cmd.set('k', 'value', { ttlMs: -2 }, 3)]);
    expect(commands).toBe(1);
    expect(blobs).toBeNull();
    expect(buffer.readUInt32LE(0)).toBe(1);
    expect(buffer[4]).toBe(Op.SET);
    expect(buffer[5]).toBe(3);
    expect(buffer.readUInt32LE(8)).toBe(2);
    expect(buffer.readBigInt64LE(12)).toBe(-2n);
    expect(buffer.readUInt32LE(28)).toBe(1);
    expect(buffer.toString('latin1', 32, 33)).toBe('k');
    expect(buffer.readUInt32LE(33)).toBe(5);
    expect(buffer.length).toBe(4 + 24 + 4 + 1 + 4 + 5);
  });

  it('writes 64-bit numbers exactly, from numbers and bigints', () => {
    for (const v of [0, 1, -1, 2 ** 32 - 1, 2 ** 32, -(2 ** 32) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
      const { buffer } = encodeBatch([Cmd.incrBy('k', v)]);
      expect(buffer.readBigInt64LE(12)).toBe(BigInt(v));
    }
    const { buffer } = encodeBatch([Cmd.incrBy('k', -9223372036854775808n)]);
    expect(buffer.readBigInt64LE(12)).toBe(-9223372036854775808n);
  });

  it('refuses a number beyond 64 bits instead of wrapping it', () => {
    expect(() => encodeBatch([Cmd.incrBy('k', 2 ** 64)])).toThrow(RangeError);
  });

  it('writes every flag bit of the 16-bit flags field', () => {
    const { buffer } = encodeBatch([Cmd.set('k', 'v', { nx: true, get: true, keepTtl: true, expireAtMs: 1 })]);
    expect(buffer.readUInt16LE(6)).toBe(Flag.SET_NX | Flag.SET_GET | Flag.SET_KEEPTTL | Flag.EXPIRE_ABSOLUTE);
  });

  it('passes large arguments as blobs instead of copying them', () => {
    const big = Buffer.alloc(BLOB_THRESHOLD, 1);
    const { buffer, blobs } = encodeBatch([Cmd.set('k', big)]);
    expect(blobs).toEqual([big]);
    expect(blobs![0]).toBe(big);
    expect(buffer.readUInt32LE(33)).toBe(BLOB_MARKER);
    expect(buffer.readUInt32LE(37)).toBe(0);
  });
});

describe('decodeReplies', () => {
  function result(...parts: Buffer[]): Buffer {
    return Buffer.concat(parts);
  }
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const i64 = (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(n);
    return b;
  };

  it('decodes every reply kind', () => {
    const buf = result(
      u32(7),
      Buffer.from([ReplyKind.NIL, ReplyKind.OK, ReplyKind.INT]),
      i64(-5n),
      Buffer.from([ReplyKind.INT]),
      i64(9223372036854775807n),
      Buffer.from([ReplyKind.BULK]),
      u32(3),
      Buffer.from('abc'),
      Buffer.from([ReplyKind.ERROR, ErrorCode.WRONGTYPE]),
      u32(0),
      Buffer.from([ReplyKind.ARRAY]),
      u32(2),
      Buffer.from([ReplyKind.STATUS]),
      u32(6),
      Buffer.from('string'),
      Buffer.from([ReplyKind.NIL]),
    );
    const r = decodeReplies(buf);
    expect(r.slice(0, 4)).toEqual([null, 'OK', -5, 9223372036854775807n]);
    expect(String(r[4])).toBe('abc');
    expect((r[5] as OpError).codeName).toBe('WRONGTYPE');
    expect(r[6]).toEqual(['string', null]);
  });

  it('keeps a pre-encoded RESP reply as one view of its bytes', () => {
    const bytes = Buffer.from('*2\r\n$1\r\na\r\n$0\r\n\r\n');
    const r = decodeReplies(result(u32(2), Buffer.from([ReplyKind.RESP]), u32(bytes.length), bytes, Buffer.from([ReplyKind.NIL])));
    expect(r[0]).toBeInstanceOf(EncodedReply);
    expect((r[0] as EncodedReply).bytes.equals(bytes)).toBe(true);
    expect(r[1]).toBeNull();
  });

  it('refuses trailing bytes and unknown kinds', () => {
    expect(() => decodeReplies(result(u32(1), Buffer.from([ReplyKind.NIL, 0])))).toThrow(/trailing/);
    expect(() => decodeReplies(result(u32(1), Buffer.from([77])))).toThrow(/unknown reply kind/);
  });
});
