// Bit commands, LCS and HyperLogLog in the storage runtime, against a real RocksDB:
// results checked against a plain JS model over random values, atomicity with several
// storage threads, and the write path of a value given as pieces (plain and inside an
// atomic group).
import { describe, expect, it } from 'vitest';
import { OpError, type StorageReply } from '../../src/storage/codec.js';
import { Flag, Op } from '../../src/storage/ops.js';
import { atomic, Cmd, storageCommand } from '../../src/storage/requests.js';
import { errorName, hsetCommand, useFreshStorage } from './helpers.js';

const storage = useFreshStorage();
const send = (c: Parameters<ReturnType<typeof storage>['send']>[0]) => storage().send(c);
const b = (s: string | Buffer): Buffer => (typeof s === 'string' ? Buffer.from(s) : s);
const op = (code: number, args: Array<string | Buffer>, flags = 0, a: number | bigint = 0, bb: number | bigint = 0) => storageCommand(code as never, 0, args.map(b), flags, a, bb);

const setbit = (key: string, offset: number, on: number) => op(Op.SETBIT, [key], 0, offset, on);
const bitcount = (key: string, range?: [number, number, boolean]) =>
  op(Op.BITCOUNT, [key], range ? Flag.BIT_RANGE | (range[2] ? Flag.BIT_UNIT : 0) : 0, range?.[0] ?? 0, range?.[1] ?? 0);

// A seeded generator, so a failure repeats.
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}
const bitAt = (v: Buffer, i: number): number => (i >> 3 < v.length ? (v[i >> 3] >> (7 - (i & 7))) & 1 : 0);

/** Redis' BITCOUNT with a range, in bits or bytes, on a model. */
function modelCount(v: Buffer, start: number, end: number, bits: boolean): number {
  const total = bits ? v.length * 8 : v.length;
  if (start < 0 && end < 0 && start > end) return 0;
  if (start < 0) start = Math.max(0, total + start);
  if (end < 0) end = Math.max(0, total + end);
  end = Math.min(end, total - 1);
  let n = 0;
  for (let i = start; i <= end; i++) n += bits ? bitAt(v, i) : [...Array(8)].reduce((s, _, k) => s + bitAt(v, i * 8 + k), 0);
  return n;
}

/** Redis' BITPOS with start and end in bits (end given). */
function modelPos(v: Buffer, bit: number, start: number, end: number): number {
  const total = v.length * 8;
  if (start < 0) start = Math.max(0, total + start);
  if (end < 0) end = Math.max(0, total + end);
  end = Math.min(end, total - 1);
  for (let i = start; i <= end; i++) if (bitAt(v, i) === bit) return i;
  return -1;
}

describe('SETBIT and GETBIT', () => {
  it('SETBIT from many requests at once on one key is atomic (2 storage threads)', async () => {
    const offsets = Array.from({ length: 2000 }, (_, i) => i * 7);
    const olds = await Promise.all(offsets.map((o) => send(setbit('k', o, 1))));
    expect(olds.every((r) => r === 0)).toBe(true);
    expect(await send(bitcount('k'))).toBe(2000);
    for (const o of [0, 7, 13_993]) expect(await send(op(Op.GETBIT, ['k'], 0, o))).toBe(1);
    expect(await send(op(Op.GETBIT, ['k'], 0, 1))).toBe(0);
  });

  it('SETBIT grows a value with zeros, keeps the rest and the TTL', async () => {
    const base = Buffer.from('hello world');
    await send(Cmd.set('k', base, { ttlMs: 100_000 }));
    expect(await send(setbit('k', 8 * 3000 + 1, 1))).toBe(0);
    const v = (await send(Cmd.get('k'))) as Buffer;
    expect(v.length).toBe(3001);
    expect(v.subarray(0, base.length).equals(base)).toBe(true);
    expect(v.subarray(base.length, 3000).every((x) => x === 0)).toBe(true);
    expect(v[3000]).toBe(0x40);
    expect(Number(await send(Cmd.ttl('k')))).toBeGreaterThan(90);
  });

  it('SETBIT across more than one zero chunk (3 MB of padding)', async () => {
    const offset = 3 * 1024 * 1024 * 8 + 5;
    await send(setbit('big', 0, 1));
    await send(setbit('big', offset, 1));
    const v = (await send(Cmd.get('big'))) as Buffer;
    expect(v.length).toBe((offset >> 3) + 1);
    expect(await send(bitcount('big'))).toBe(2);
    expect(await send(op(Op.BITPOS, ['big'], Flag.BIT_SET | Flag.BIT_RANGE, 1))).toBe(offset);
  });

  it('SETBIT and BITFIELD inside an atomic group see each other (indexed write group)', async () => {
    const field = Buffer.alloc(24);
    field.writeBigUInt64LE(16n, 0);
    field.writeBigInt64LE(200n, 8);
    field[16] = 1; // SET
    field[18] = 8; // u8
    const r = await send(atomic([setbit('g', 100, 1), setbit('g', 100, 0), setbit('g', 3, 1), op(Op.BITFIELD, ['g', field]), Cmd.get('g')]));
    expect(r).toEqual([0, 1, 0, [0], Buffer.from([0x10, 0x00, 200, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])]);
  });

  it('WRONGTYPE for keys of another type', async () => {
    await send(hsetCommand('h'));
    for (const c of [setbit('h', 1, 1), op(Op.GETBIT, ['h'], 0, 1), bitcount('h'), op(Op.BITPOS, ['h']), op(Op.BITOP, ['d', 'h'])]) {
      expect(errorName(await send(c))).toBe('WRONGTYPE');
    }
  });
});

describe('BITCOUNT, BITPOS and BITOP against a model', () => {
  const random = rng(42);
  const values = Array.from({ length: 20 }, (_, i) => Buffer.from(Array.from({ length: 1 + Math.floor(random() * 70) }, () => (i % 3 === 0 ? 0xff : Math.floor(random() * 256)) & (i % 5 === 0 ? 0x81 : 0xff))));

  it('BITCOUNT with random BIT and BYTE ranges', async () => {
    for (const [i, v] of values.entries()) {
      await send(Cmd.set(`v${i}`, v));
      for (let k = 0; k < 20; k++) {
        const bits = k % 2 === 0;
        const span = bits ? v.length * 8 : v.length;
        const start = Math.floor(random() * span * 2) - span;
        const end = Math.floor(random() * span * 2) - span;
        expect(await send(bitcount(`v${i}`, [start, end, bits])), `v${i} ${start} ${end} ${bits}`).toBe(modelCount(v, start, end, bits));
      }
    }
  });

  it('BITPOS with random BIT ranges for 0 and 1', async () => {
    for (const [i, v] of values.entries()) {
      await send(Cmd.set(`v${i}`, v));
      for (let k = 0; k < 20; k++) {
        const span = v.length * 8;
        const start = Math.floor(random() * span);
        const end = start + Math.floor(random() * (span - start));
        const bit = k % 2;
        const flags = (bit ? Flag.BIT_SET : 0) | Flag.BIT_RANGE | Flag.BIT_END | Flag.BIT_UNIT;
        expect(await send(op(Op.BITPOS, [`v${i}`], flags, start, end)), `v${i} ${bit} ${start} ${end}`).toBe(modelPos(v, bit, start, end));
      }
    }
  });

  it('BITOP AND, OR, XOR, NOT over values of different lengths', async () => {
    const [x, y, z] = values.slice(1, 4);
    await Promise.all([send(Cmd.set('x', x)), send(Cmd.set('y', y)), send(Cmd.set('z', z))]);
    const len = Math.max(x.length, y.length, z.length);
    const at = (v: Buffer, i: number) => (i < v.length ? v[i] : 0);
    const expected = [
      (i: number) => at(x, i) & at(y, i) & at(z, i),
      (i: number) => at(x, i) | at(y, i) | at(z, i),
      (i: number) => at(x, i) ^ at(y, i) ^ at(z, i),
    ];
    for (const [code, f] of expected.entries()) {
      expect(await send(op(Op.BITOP, ['d', 'x', 'y', 'z'], 0, code))).toBe(len);
      expect(await send(Cmd.get('d'))).toEqual(Buffer.from(Array.from({ length: len }, (_, i) => f(i))));
    }
    expect(await send(op(Op.BITOP, ['d', 'x'], 0, 3))).toBe(x.length);
    expect(await send(Cmd.get('d'))).toEqual(Buffer.from(x.map((c) => ~c & 0xff)));
  });
});

describe('LCS', () => {
  it('bounds its table by the given proto-max-bulk-len', async () => {
    await send(Cmd.mset(['a', 'x'.repeat(1000), 'b', 'y'.repeat(1000)]));
    const r = await send(op(Op.LCS, ['a', 'b'], Flag.LCS_LEN, 0, 1001 * 1001 * 4 - 1));
    expect(r instanceof OpError && r.codeName).toBe('LCS_MEMORY');
    expect(await send(op(Op.LCS, ['a', 'b'], Flag.LCS_LEN, 0, 1001 * 1001 * 4))).toBe(0);
  });

  it('finds the common subsequence and its ranges', async () => {
    await send(Cmd.mset(['a', 'ohmytext', 'b', 'mynewtext']));
    expect((await send(op(Op.LCS, ['a', 'b'], 0, 0, 1 << 20))) as Buffer).toEqual(Buffer.from('mytext'));
    const idx = (await send(op(Op.LCS, ['a', 'b'], Flag.LCS_IDX | Flag.LCS_MATCHLEN, 0, 1 << 20))) as StorageReply[];
    expect(idx).toEqual([Buffer.from('matches'), [[[4, 7], [5, 8], 4], [[2, 3], [0, 1], 2]], Buffer.from('len'), 6]);
  });
});

describe('HyperLogLog', () => {
  const pfadd = (key: string, ...els: string[]) => op(Op.PFADD, [key, ...els], 0, 0, 3000);
  it('PFADD creates Redis\' sparse value, PFCOUNT caches the count in it', async () => {
    expect(await send(pfadd('h', 'a', 'b', 'c'))).toBe(1);
    const v = (await send(Cmd.get('h'))) as Buffer;
    expect(v.subarray(0, 5).toString('latin1')).toBe('HYLL\x01');
    expect(v[15] & 0x80).toBe(0x80);
    expect(await send(op(Op.PFCOUNT, ['h']))).toBe(3);
    const cached = (await send(Cmd.get('h'))) as Buffer;
    expect(cached.readBigUInt64LE(8)).toBe(3n);
  });

  it('counts 100,000 distinct elements within 2 % (dense)', async () => {
    for (let i = 0; i < 100_000; i += 1000) await send(pfadd('big', ...Array.from({ length: 1000 }, (_, j) => `el:${i + j}`)));
    const n = (await send(op(Op.PFCOUNT, ['big']))) as number;
    expect(Math.abs(n - 100_000) / 100_000).toBeLessThan(0.02);
    expect(((await send(Cmd.get('big'))) as Buffer).length).toBe(16 + 12288);
  });

  it('refuses strings that are not HLLs and corrupt sparse values', async () => {
    await send(Cmd.set('s', 'plain'));
    expect(errorName(await send(pfadd('s', 'x')))).toBe('NOT_HLL');
    await send(pfadd('c', 'a'));
    await send(Cmd.append('c', 'junk', 1 << 20));
    expect(errorName(await send(op(Op.PFCOUNT, ['c'])))).toBe('INVALID_HLL');
    expect(errorName(await send(op(Op.PFMERGE, ['m', 'c'], 0, 0, 3000)))).toBe('INVALID_HLL');
    await send(hsetCommand('hash'));
    expect(errorName(await send(op(Op.PFCOUNT, ['hash', 'c'])))).toBe('WRONGTYPE');
  });

  it('PFADD from many requests at once on one key loses no element', async () => {
    await Promise.all(Array.from({ length: 500 }, (_, i) => send(pfadd('p', `x${i}`))));
    for (let i = 0; i < 500; i++) await send(pfadd('q', `x${i}`));
    // Same registers (the union counts no more than either), whatever the order of arrival.
    const count = await send(op(Op.PFCOUNT, ['q']));
    expect(await send(op(Op.PFCOUNT, ['p']))).toBe(count);
    expect(await send(op(Op.PFCOUNT, ['p', 'q']))).toBe(count);
  });
});
