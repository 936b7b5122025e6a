// List commands of the storage runtime (Redis t_list.c semantics, native/src/types/list.cc)
// and SORT (sort.c, native/src/types/sort.cc): semantics per command and edge case, the
// ways LINSERT/LREM/LTRIM rewrite the middle, atomic groups, and a 1,000,000-element list
// deleted, expired and overwritten in O(1), pushed and popped in O(1), its space reclaimed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncodedReply, OpError, type StorageReply } from '../../src/storage/codec.js';
import { Flag, Op } from '../../src/storage/ops.js';
import { atomic, Cmd, storageCommand } from '../../src/storage/requests.js';
import { errorName, hsetCommand, openStorage, removeDir, useFreshStorage, type TestStorage } from './helpers.js';

const B = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s) : s);
const L = {
  lpush: (key: string, ...els: (string | Buffer)[]) => storageCommand(Op.LPUSH, 0, [key, ...els].map(B)),
  rpush: (key: string, ...els: (string | Buffer)[]) => storageCommand(Op.LPUSH, 0, [key, ...els].map(B), Flag.LIST_RIGHT),
  pushx: (key: string, right: boolean, ...els: string[]) => storageCommand(Op.LPUSH, 0, [key, ...els].map(B), Flag.LIST_PUSHX | (right ? Flag.LIST_RIGHT : 0)),
  pop: (key: string, right = false, count?: number) =>
    storageCommand(Op.LPOP, 0, [B(key)], (right ? Flag.LIST_RIGHT : 0) | (count === undefined ? 0 : Flag.COUNT_GIVEN), count ?? 0),
  len: (key: string) => storageCommand(Op.LLEN, 0, [B(key)]),
  index: (key: string, i: number | bigint) => storageCommand(Op.LINDEX, 0, [B(key)], 0, i),
  set: (key: string, i: number, v: string) => storageCommand(Op.LSET, 0, [key, v].map(B), 0, i),
  range: (key: string, start: number | bigint = 0, end: number | bigint = -1) => storageCommand(Op.LRANGE, 0, [B(key)], 0, start, end),
  insert: (key: string, after: boolean, pivot: string, v: string) => storageCommand(Op.LINSERT, 0, [key, pivot, v].map(B), after ? Flag.LIST_RIGHT : 0),
  rem: (key: string, count: number | bigint, v: string) => storageCommand(Op.LREM, 0, [key, v].map(B), 0, count),
  trim: (key: string, start: number | bigint, end: number | bigint) => storageCommand(Op.LTRIM, 0, [B(key)], 0, start, end),
  pos: (key: string, v: string, rank = 1, count?: number, maxlen = 0) =>
    storageCommand(Op.LPOS, 0, count === undefined ? [key, v].map(B) : [key, v, String(count)].map(B), count === undefined ? 0 : Flag.COUNT_GIVEN, rank, maxlen),
  move: (src: string, dst: string, fromRight: boolean, toRight: boolean) =>
    storageCommand(Op.LMOVE, 0, [src, dst].map(B), (fromRight ? Flag.LIST_RIGHT : 0) | (toRight ? Flag.LIST_TO_RIGHT : 0)),
  mpop: (keys: string[], right: boolean, count: number) => storageCommand(Op.LMPOP, 0, keys.map(B), right ? Flag.LIST_RIGHT : 0, count),
};

const text = (r: StorageReply): unknown => (Buffer.isBuffer(r) ? r.toString() : Array.isArray(r) ? r.map(text) : r);

describe('list commands', () => {
  const storage = useFreshStorage();
  const send = async (c: Parameters<TestStorage['send']>[0]) => text(await storage().send(c));
  const range = (key: string) => send(L.range(key));
  /** A list of `n` elements e0..e(n-1). */
  const fill = (key: string, n: number) => send(L.rpush(key, ...Array.from({ length: n }, (_, i) => `e${i}`)));
  const expected = (n: number, drop: (i: number) => boolean = () => false) => Array.from({ length: n }, (_, i) => `e${i}`).filter((_, i) => !drop(i));

  it('pushes at both ends keep the order and return the length', async () => {
    expect(await send(L.lpush('l', 'b', 'a'))).toBe(2);
    expect(await send(L.rpush('l', 'c', 'd'))).toBe(4);
    expect(await range('l')).toEqual(['a', 'b', 'c', 'd']);
    expect(await send(L.len('l'))).toBe(4);
    expect(await send(Cmd.type('l'))).toBe('list');
  });

  it('LPUSHX and RPUSHX push only onto an existing list', async () => {
    expect(await send(L.pushx('l', false, 'a'))).toBe(0);
    expect(await send(Cmd.exists(['l']))).toBe(0);
    await send(L.rpush('l', 'x'));
    expect(await send(L.pushx('l', true, 'y'))).toBe(2);
    expect(await send(L.pushx('l', false, 'w'))).toBe(3);
    expect(await range('l')).toEqual(['w', 'x', 'y']);
  });

  it('pops from both ends, with and without a count, and delete an emptied list', async () => {
    await fill('l', 5);
    expect(await send(L.pop('l'))).toBe('e0');
    expect(await send(L.pop('l', true))).toBe('e4');
    expect(await send(L.pop('l', true, 2))).toEqual(['e3', 'e2']);
    expect(await send(L.pop('l', false, 0))).toEqual([]);
    expect(await send(L.pop('l', false, 10))).toEqual(['e1']);
    expect(await send(Cmd.exists(['l']))).toBe(0);
    expect(await send(L.pop('l'))).toBeNull();
    expect(await send(L.pop('l', false, 3))).toBeNull();
  });

  it('an emptied list starts over: pushes after pops see only new elements', async () => {
    await fill('l', 3);
    await send(L.pop('l', false, 3));
    await send(L.lpush('l', 'x'));
    expect(await range('l')).toEqual(['x']);
    await send(L.rpush('l', 'y'));
    expect(await range('l')).toEqual(['x', 'y']);
  });

  it('LINDEX and LSET address elements from either end', async () => {
    await fill('l', 4);
    expect(await send(L.index('l', 0))).toBe('e0');
    expect(await send(L.index('l', -1))).toBe('e3');
    expect(await send(L.index('l', 4))).toBeNull();
    expect(await send(L.index('l', -9223372036854775808n))).toBeNull();
    expect(await send(L.set('l', -2, 'x'))).toBe('OK');
    expect(errorName(await storage().send(L.set('l', 4, 'x')))).toBe('INDEX_OUT_OF_RANGE');
    expect(errorName(await storage().send(L.set('none', 0, 'x')))).toBe('NO_SUCH_KEY');
    expect(await range('l')).toEqual(['e0', 'e1', 'x', 'e3']);
    expect(errorName(await storage().send(storageCommand(Op.LINDEX, 0, [B('l')], Flag.LIST_BAD_INDEX)))).toBe('NOT_INTEGER');
    expect(await send(storageCommand(Op.LINDEX, 0, [B('none')], Flag.LIST_BAD_INDEX))).toBeNull();
  });

  it('LRANGE with RESP_REPLY answers the same elements pre-encoded as RESP', async () => {
    await send(L.rpush('l', 'a', '', Buffer.from('b\r\nc')));
    const r = await storage().send(storageCommand(Op.LRANGE, 0, [B('l')], Flag.RESP_REPLY, 0, -1));
    expect(r).toBeInstanceOf(EncodedReply);
    expect((r as EncodedReply).bytes.toString()).toBe('*3\r\n$1\r\na\r\n$0\r\n\r\n$4\r\nb\r\nc\r\n');
    expect(await send(storageCommand(Op.LRANGE, 0, [B('none')], Flag.RESP_REPLY, 0, -1))).toEqual([]);
  });

  it('LRANGE clamps its range as Redis does', async () => {
    await fill('l', 6);
    expect(await send(L.range('l', 1, 3))).toEqual(['e1', 'e2', 'e3']);
    expect(await send(L.range('l', -2, 100))).toEqual(['e4', 'e5']);
    expect(await send(L.range('l', 3, 2))).toEqual([]);
    expect(await send(L.range('l', -9223372036854775808n, 9223372036854775807n))).toEqual(expected(6));
    expect(await send(L.range('none'))).toEqual([]);
  });

  it('LINSERT near the head moves the head side, near the tail the tail side', async () => {
    await fill('l', 100);
    expect(await send(L.insert('l', false, 'e2', 'h'))).toBe(101);
    expect(await send(L.insert('l', true, 'e97', 't'))).toBe(102);
    expect(await send(L.insert('l', true, 'e49', 'm'))).toBe(103);
    const want = expected(100);
    want.splice(98, 0, 't');
    want.splice(50, 0, 'm');
    want.splice(2, 0, 'h');
    expect(await range('l')).toEqual(want);
    expect(await send(L.insert('l', false, 'nope', 'x'))).toBe(-1);
    expect(await send(L.insert('none', false, 'e1', 'x'))).toBe(0);
    expect(await send(Cmd.exists(['none']))).toBe(0);
  });

  it('LREM closes the gaps on the shorter side or rewrites what is kept', async () => {
    // Matches near the tail: the tail side moves.
    await fill('a', 100);
    await send(L.rpush('a', 'x'));
    await send(L.insert('a', false, 'e95', 'x'));
    expect(await send(L.rem('a', 0, 'x'))).toBe(2);
    expect(await range('a')).toEqual(expected(100));
    // Near the head, counted from the tail: the head side moves.
    await fill('b', 100);
    await send(L.lpush('b', 'x'));
    await send(L.insert('b', true, 'e3', 'x'));
    expect(await send(L.rem('b', -5, 'x'))).toBe(2);
    expect(await range('b')).toEqual(expected(100));
    // Most elements go: what is kept moves to a new version, keeping the TTL.
    await send(L.rpush('c', ...Array.from({ length: 100 }, (_, i) => (i % 10 === 3 ? `k${i}` : 'x'))));
    await send(Cmd.expire('c', 100_000));
    expect(await send(L.rem('c', 0, 'x'))).toBe(90);
    expect(await range('c')).toEqual(Array.from({ length: 10 }, (_, i) => `k${i * 10 + 3}`));
    expect(await send(Cmd.ttl('c', { ms: true }))).toBeGreaterThan(90_000);
    expect(await send(L.lpush('c', 'h'))).toBe(11);
    expect(await send(L.index('c', -1))).toBe('k93');
    // Every element: the key goes.
    await send(L.rpush('d', 'x', 'x'));
    expect(await send(L.rem('d', -9223372036854775808n, 'x'))).toBe(2);
    expect(await send(Cmd.exists(['d']))).toBe(0);
  });

  it('LTRIM deletes what is trimmed or moves what is kept, whichever is less', async () => {
    await fill('a', 100);
    expect(await send(L.trim('a', 10, -11))).toBe('OK');
    expect(await range('a')).toEqual(expected(100, (i) => i < 10 || i >= 90));
    await fill('b', 100);
    await send(Cmd.expire('b', 100_000));
    expect(await send(L.trim('b', 50, 52))).toBe('OK');
    expect(await range('b')).toEqual(['e50', 'e51', 'e52']);
    expect(await send(Cmd.ttl('b', { ms: true }))).toBeGreaterThan(90_000);
    await send(L.rpush('b', 'z'));
    await send(L.lpush('b', 'y'));
    expect(await range('b')).toEqual(['y', 'e50', 'e51', 'e52', 'z']);
    expect(await send(L.trim('b', 5, 10))).toBe('OK');
    expect(await send(Cmd.exists(['b']))).toBe(0);
    expect(await send(L.trim('none', 0, 1))).toBe('OK');
  });

  it('LPOS with RANK, COUNT and MAXLEN', async () => {
    await send(L.rpush('l', 'a', 'c', 'b', 'c', 'c'));
    expect(await send(L.pos('l', 'c'))).toBe(1);
    expect(await send(L.pos('l', 'c', -1))).toBe(4);
    expect(await send(L.pos('l', 'c', 2, 0))).toEqual([3, 4]);
    expect(await send(L.pos('l', 'c', -1, 2))).toEqual([4, 3]);
    expect(await send(L.pos('l', 'c', 1, 0, 2))).toEqual([1]);
    expect(await send(L.pos('l', 'c', 4))).toBeNull();
    expect(await send(L.pos('none', 'c', 1, 0))).toEqual([]);
  });

  it('LMOVE between lists and onto the same list; a destination of another type stops it before the pop', async () => {
    await send(L.rpush('a', '1', '2', '3'));
    expect(await send(L.move('a', 'b', true, false))).toBe('3');
    expect(await send(L.move('a', 'a', false, true))).toBe('1');
    expect(await range('a')).toEqual(['2', '1']);
    await storage().send(hsetCommand('h'));
    expect(errorName(await storage().send(L.move('a', 'h', false, false)))).toBe('WRONGTYPE');
    expect(await range('a')).toEqual(['2', '1']);
    await send(L.rpush('one', 'x'));
    expect(await send(L.move('one', 'one', true, false))).toBe('x');
    expect(await send(L.rpush('one', 'y'))).toBe(2);
    expect(await range('one')).toEqual(['x', 'y']);
  });

  it('LMPOP takes from the first non-empty list and stops at a key of another type', async () => {
    await send(L.rpush('b', '1', '2', '3'));
    expect(await send(L.mpop(['a', 'b'], true, 2))).toEqual(['b', ['3', '2']]);
    expect(await send(L.mpop(['a'], false, 1))).toBeNull();
    await storage().send(hsetCommand('h'));
    expect(errorName(await storage().send(L.mpop(['a', 'h', 'b'], false, 1)))).toBe('WRONGTYPE');
    expect(await send(L.mpop(['b', 'h'], false, 5))).toEqual(['b', ['1']]);
  });

  it('every list command answers WRONGTYPE for a key of another type', async () => {
    await storage().send(Cmd.set('s', 'v'));
    for (const c of [L.lpush('s', 'a'), L.pop('s'), L.len('s'), L.index('s', 0), L.set('s', 0, 'a'), L.range('s'), L.insert('s', false, 'a', 'b'),
      L.rem('s', 0, 'a'), L.trim('s', 0, 1), L.pos('s', 'a'), L.move('s', 'x', false, false), L.mpop(['s'], false, 1)]) {
      expect(errorName(await storage().send(c))).toBe('WRONGTYPE');
    }
  });

  it('commands of one atomic group see each other\'s list writes', async () => {
    const r = await send(atomic([L.rpush('l', 'a', 'b'), L.pop('l', false, 2), L.lpush('l', 'c'), L.insert('l', true, 'c', 'd'), L.range('l'), L.move('l', 'm', false, true), L.len('l')]));
    expect(r).toEqual([2, ['a', 'b'], 1, 2, ['c', 'd'], 'c', 1]);
    expect(await range('l')).toEqual(['d']);
    expect(await range('m')).toEqual(['c']);
  });

  it('runs of pops in one group (read ahead) see the group\'s pushes, LSETs and moves', async () => {
    // A model of the list next to the real one: the replies of a long atomic group of
    // mixed writes on one list must match it command by command.
    await fill('q', 300);
    const model = expected(300);
    const cmds = [];
    const want: unknown[] = [];
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
    for (let i = 0; i < 600; i++) {
      const k = rand(10);
      if (k < 3) {
        cmds.push(L.pop('q', true));
        want.push(model.pop() ?? null);
      } else if (k < 6) {
        cmds.push(L.pop('q'));
        want.push(model.shift() ?? null);
      } else if (k === 6) {
        cmds.push(L.rpush('q', `r${i}`));
        want.push(model.push(`r${i}`));
      } else if (k === 7) {
        cmds.push(L.lpush('q', `l${i}`));
        want.push(model.unshift(`l${i}`));
      } else if (k === 8 && model.length > 2) {
        cmds.push(L.set('q', -2, `s${i}`));
        model[model.length - 2] = `s${i}`;
        want.push('OK');
      } else {
        cmds.push(L.move('q', 'q', true, false));
        const v = model.pop();
        if (v !== undefined) model.unshift(v);
        want.push(v ?? null);
      }
    }
    expect(await send(atomic(cmds))).toEqual(want);
    expect(await range('q')).toEqual(model);
  });

  it('pushes from many concurrent requests are all kept, each element once', async () => {
    await Promise.all(Array.from({ length: 400 }, (_, i) => storage().send(i % 2 ? L.lpush('l', `v${i}`) : L.rpush('l', `v${i}`))));
    const all = (await range('l')) as string[];
    expect(all.length).toBe(400);
    expect(new Set(all).size).toBe(400);
  });

  it('RENAME, COPY and DEL of a list carry or drop its elements', async () => {
    await fill('l', 10);
    expect(await send(Cmd.rename('l', 'm'))).toBe('OK');
    expect(await range('m')).toEqual(expected(10));
    expect(await send(L.rpush('m', 'x'))).toBe(11);
    expect(await send(Cmd.del(['m']))).toBe(1);
    expect(await send(L.lpush('m', 'y'))).toBe(1);
    expect(await range('m')).toEqual(['y']);
  });
});

describe('SORT', () => {
  const storage = useFreshStorage();
  const send = async (c: Parameters<TestStorage['send']>[0]) => text(await storage().send(c));
  const sort = (key: string, flags = 0, extra: string[] = [], offset = 0, count = -1) => storageCommand(Op.SORT, 0, [key, ...extra].map(B), flags, offset, count);
  const sortStore = (key: string, dst: string, flags = 0, extra: string[] = []) => storageCommand(Op.SORT_STORE, 0, [key, dst, ...extra].map(B), flags, 0, -1);

  it('sorts lists and sets numerically, by ALPHA, descending and with a limit', async () => {
    await send(L.rpush('l', '10', '2', '-1', '2.5'));
    expect(await send(sort('l'))).toEqual(['-1', '2', '2.5', '10']);
    expect(await send(sort('l', Flag.SORT_ALPHA))).toEqual(['-1', '10', '2', '2.5']);
    expect(await send(sort('l', Flag.SORT_DESC, [], 1, 2))).toEqual(['2.5', '2']);
    await send(storageCommand(Op.SADD, 0, ['s', 'b', 'a', 'c'].map(B)));
    expect(await send(sort('s', Flag.SORT_ALPHA | Flag.SORT_DESC))).toEqual(['c', 'b', 'a']);
  });

  it('a value that is not a number fails the sort and stores nothing', async () => {
    await send(L.rpush('l', '1', 'x'));
    expect(errorName(await storage().send(sort('l')))).toBe('SORT_NOT_DOUBLE');
    expect(errorName(await storage().send(sortStore('l', 'd')))).toBe('SORT_NOT_DOUBLE');
    expect(await send(Cmd.exists(['d']))).toBe(0);
  });

  it('BY and GET read string keys and hash fields; STORE writes a list', async () => {
    await send(L.rpush('l', 'a', 'b', 'c'));
    await send(Cmd.mset(['w_a', '3', 'w_b', '1', 'w_c', '2']));
    await send(storageCommand(Op.HSET, 0, ['h_b', 'n', 'bee'].map(B)));
    expect(await send(sort('l', Flag.SORT_BY, ['w_*', '#', 'h_*->n']))).toEqual(['b', 'bee', 'c', null, 'a', null]);
    expect(await send(sortStore('l', 'd', Flag.SORT_BY, ['w_*', 'h_*->n']))).toBe(3);
    expect(await send(L.range('d'))).toEqual(['bee', '', '']);
    expect(await send(Cmd.type('d'))).toBe('list');
  });

  it('BY without a star keeps the list order (DONTSORT), from the tail with DESC', async () => {
    await send(L.rpush('l', 'c', 'a', 'b'));
    expect(await send(sort('l', Flag.SORT_BY | Flag.SORT_DONTSORT | Flag.SORT_DESC, ['nosort'], 0, 2))).toEqual(['b', 'a']);
  });

  /**
   * A sorted set planted in the layout the zset family uses (format.h): metadata, members
   * -> 8-byte scores in "zset", and (order-preserving score, member) keys in "zscore".
   */
  async function plantZset(key: string, entries: Array<[string, number]>): Promise<void> {
    const version = 7n;
    const u64be = (n: bigint) => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(n);
      return b;
    };
    const len = Buffer.alloc(4);
    len.writeUInt32BE(key.length);
    const prefix = Buffer.concat([Buffer.from([0]), len, Buffer.from(key), u64be(version)]);
    const meta = Buffer.alloc(16);
    meta.writeBigUInt64LE(version, 0);
    meta.writeBigUInt64LE(BigInt(entries.length), 8);
    await storage().send(Cmd.rawSet(key, Buffer.concat([Buffer.from([5, 0]), meta])));
    for (const [member, score] of entries) {
      const raw = Buffer.alloc(8);
      raw.writeDoubleBE(score);
      // Doubles in byte order: flip every bit of a negative, the sign bit of the rest.
      const bits = raw.readBigUInt64BE();
      const ordered = u64be(score < 0 ? ~bits & 0xffffffffffffffffn : bits | (1n << 63n));
      const le = Buffer.alloc(8);
      le.writeDoubleLE(score);
      await storage().send(Cmd.rawMember(3, Buffer.concat([prefix, Buffer.from(member)]), le));
      await storage().send(Cmd.rawMember(4, Buffer.concat([prefix, ordered, Buffer.from(member)]), Buffer.alloc(0)));
    }
  }

  it('sorts a sorted set by its members, or keeps its score order with BY nosort (planted zset)', async () => {
    await plantZset('z', [['30', 3], ['1', -1.5], ['200', 2], ['7', 10]]);
    expect(await send(Cmd.type('z'))).toBe('zset');
    expect(await send(sort('z'))).toEqual(['1', '7', '30', '200']);
    expect(await send(sort('z', Flag.SORT_ALPHA | Flag.SORT_DESC))).toEqual(['7', '30', '200', '1']);
    const nosort = Flag.SORT_BY | Flag.SORT_DONTSORT;
    expect(await send(sort('z', nosort, ['nosort']))).toEqual(['1', '200', '30', '7']);
    expect(await send(sort('z', nosort | Flag.SORT_DESC, ['nosort']))).toEqual(['7', '30', '200', '1']);
    expect(await send(sort('z', nosort, ['nosort'], 1, 2))).toEqual(['200', '30']);
    expect(await send(sort('z', nosort | Flag.SORT_DESC, ['nosort', '#'], 3, 5))).toEqual(['1']);
    expect(await send(sortStore('z', 'd', nosort | Flag.SORT_DESC, ['nosort']))).toBe(4);
    expect(await send(L.range('d'))).toEqual(['7', '30', '200', '1']);
    await send(Cmd.mset(['w_1', '4', 'w_7', '3', 'w_30', '2', 'w_200', '1']));
    expect(await send(sort('z', Flag.SORT_BY, ['w_*']))).toEqual(['200', '30', '7', '1']);
  });

  it('a key of another type is WRONGTYPE; a missing key sorts as empty and STORE deletes the destination', async () => {
    await send(Cmd.set('s', 'v'));
    expect(errorName(await storage().send(sort('s')))).toBe('WRONGTYPE');
    await send(Cmd.set('d', 'v'));
    expect(await send(sortStore('none', 'd'))).toBe(0);
    expect(await send(Cmd.exists(['d']))).toBe(0);
  });
});

// A big list: built with 1,000 elements per push. Each figure below is also printed.
describe('a 1,000,000-element list', () => {
  const N = 1_000_000;
  const PER_PUSH = 1000;
  let s: TestStorage;
  beforeAll(() => {
    s = openStorage({ compression: 'none' });
  });
  afterAll(async () => {
    await s.close();
    removeDir(s.dir);
  });

  async function build(key: string, n = N): Promise<void> {
    const value = (i: number) => `element-${String(i).padStart(8, '0')}`;
    for (let at = 0; at < n; at += PER_PUSH * 20) {
      await Promise.all(Array.from({ length: Math.min(20, Math.ceil((n - at) / PER_PUSH)) }, (_, j) => {
        const from = at + j * PER_PUSH;
        return s.send(L.rpush(key, ...Array.from({ length: Math.min(PER_PUSH, n - from) }, (_, i) => value(from + i))));
      }));
    }
    expect(await s.send(L.len(key))).toBe(n);
  }

  /** Milliseconds of one round trip of `c`, and its reply. */
  async function timed(c: Parameters<TestStorage['send']>[0]): Promise<[number, StorageReply]> {
    const t = process.hrtime.bigint();
    const r = await s.send(c);
    return [Number(process.hrtime.bigint() - t) / 1e6, r];
  }

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

  it('LPUSH and RPOP cost the same at 10 and at 1,000,000 elements; EXPIRE in the past deletes it in under 50 ms', async () => {
    await build('big');
    await build('small', 10);
    const sample = async (key: string) => {
      const times: number[] = [];
      for (let i = 0; i < 300; i++) {
        times.push((await timed(L.lpush(key, `x${i}`)))[0]);
        const [t, r] = await timed(L.pop(key, true));
        expect(r).not.toBeInstanceOf(OpError);
        times.push(t);
      }
      return median(times);
    };
    // Alternated, so both sizes see the same machine load.
    const small: number[] = [];
    const big: number[] = [];
    for (let round = 0; round < 3; round++) {
      small.push(await sample('small'));
      big.push(await sample('big'));
    }
    const [ms, mb] = [median(small), median(big)];
    console.log(`LPUSH+RPOP round trip, median: ${ms.toFixed(3)} ms at 10 elements, ${mb.toFixed(3)} ms at 1M (ratio ${(mb / ms).toFixed(2)})`);
    // An O(N) operation would take seconds here; allow for a noisy shared machine.
    expect(mb).toBeLessThan(ms * 3 + 0.5);
    expect(await s.send(L.len('big'))).toBe(N);
    const [exp, r] = await timed(Cmd.expire('big', -1, { seconds: true }));
    console.log(`1M-element list: EXPIRE in the past ${exp.toFixed(2)} ms`);
    expect(r).toBe(1);
    expect(await s.send(Cmd.exists(['big']))).toBe(0);
    expect(exp).toBeLessThan(50);
  }, 120_000);

  it('is overwritten by SET in under 50 ms, and a new list of its name starts empty', async () => {
    await build('set');
    const [set, r] = await timed(Cmd.set('set', 'now a string'));
    console.log(`1M-element list: SET over it ${set.toFixed(2)} ms`);
    expect(r).toBe('OK');
    expect(text(await s.send(Cmd.get('set')))).toBe('now a string');
    expect(set).toBeLessThan(50);
    await s.send(Cmd.del(['set']));
    await s.send(L.rpush('set', 'fresh'));
    expect(text(await s.send(L.range('set')))).toEqual(['fresh']);
  }, 120_000);

  it('is deleted in under 50 ms and gives its disk space back after a compaction', async () => {
    const sst = () => Number(s.server.property('kiwi.total-sst-files-size'));
    await s.send(Cmd.flushall());
    await build('space');
    await s.send(Cmd.flushMemtable());
    await s.send(Cmd.compact());
    const before = sst();
    expect(before).toBeGreaterThan(20 * 1024 * 1024);
    const [del, r] = await timed(Cmd.del(['space']));
    expect(r).toBe(1);
    expect(del).toBeLessThan(50);
    await s.send(Cmd.flushMemtable());
    await s.send(Cmd.compact());
    const after = sst();
    console.log(`1M-element list: DEL ${del.toFixed(2)} ms; on disk ${(before / 1048576).toFixed(1)} MB, after DEL and compaction ${(after / 1048576).toFixed(2)} MB`);
    expect(after).toBeLessThan(before / 20);
  }, 120_000);
});
