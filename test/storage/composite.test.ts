// The composite-type foundation (issue "Composite types I"): metadata + version layout,
// O(1) deletion of big keys, the member compaction filter, versions across restarts,
// WRONGTYPE between every pair of types, atomicity of set writes under concurrency, and
// COPY/MOVE/RENAME of every type.
import { afterEach, describe, expect, it } from 'vitest';
import { OpError, type StorageReply } from '../../src/storage/codec.js';
import { Flag, Op, type OpCode } from '../../src/storage/ops.js';
import { Cmd, storageCommand } from '../../src/storage/requests.js';
import { testStorage } from '../helpers/storage-mode.js';
import { disposeStorage, errorName, openStorage, tempDir, type TestStorage } from './helpers.js';

let s: TestStorage | undefined;
afterEach(async () => {
  await disposeStorage(s);
  s = undefined;
});

const b = (x: string | number) => Buffer.from(String(x));
const op = (code: OpCode, args: Array<string | number | Buffer>, flags = 0, a: number | bigint = 0, bb: number | bigint = 0, db = 0) =>
  storageCommand(code, db, args.map((x) => (Buffer.isBuffer(x) ? x : b(x))), flags, a, bb);
const strs = (r: StorageReply): string[] => (r as Buffer[]).map((x) => x.toString());
const sstBytes = (t: TestStorage) => Number(t.server.property('kiwi.total-sst-files-size'));

/** Creates `key` with `n` fields in one HSET (a new key's fields are checked in its batch only). */
async function bigHash(t: TestStorage, key: string, n: number): Promise<void> {
  const args: Buffer[] = [b(key)];
  for (let i = 0; i < n; i++) args.push(b(`field:${i}`), b(`value:${i}`));
  expect(await t.send(storageCommand(Op.HSET, 0, args))).toBe(n);
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await f();
  return [r, performance.now() - t0];
}

describe('big composite keys', () => {
  it('a 1,000,000-field hash is deleted, expired and overwritten without walking its members, and compaction gives its space back', { timeout: 300_000 }, async () => {
    s = openStorage({ compression: 'none', expireCycleMs: 0 });
    const N = 1_000_000;
    for (const key of ['del', 'exp', 'over']) await bigHash(s, key, N);
    expect(await s.send(op(Op.HLEN, ['del']))).toBe(N);
    expect((await s.send(op(Op.HGET, ['exp', 'field:777777']))) as Buffer).toEqual(b('value:777777'));
    await s.send(Cmd.flushMemtable());
    const before = sstBytes(s);
    // 3M members of ~25 bytes each, uncompressed.
    expect(before).toBeGreaterThan(60 * 1024 * 1024);

    const [deleted, delMs] = await timed(() => s!.send(Cmd.del(['del'])));
    const [expired, expMs] = await timed(() => s!.send(Cmd.expire('exp', 1, { at: true })));
    const [overwritten, overMs] = await timed(() => s!.send(Cmd.set('over', 'now a string')));
    expect([deleted, expired, overwritten]).toEqual([1, 1, 'OK']);
    // Each is one metadata write: a few ms on a quiet machine (the bound is 50 ms).
    // Walking 1M members takes seconds, so 500 ms still tells O(1) from O(N) while a
    // machine loaded by parallel builds and test files stretches a single write.
    expect(delMs).toBeLessThan(500);
    expect(expMs).toBeLessThan(500);
    expect(overMs).toBeLessThan(500);
    expect(await s.send(Cmd.exists(['del', 'exp']))).toBe(0);
    expect(await s.str(Cmd.get('over'))).toBe('now a string');
    expect(await s.send(op(Op.HLEN, ['del']))).toBe(0);

    // Nothing walked the members: the member filter drops them as compaction passes.
    await s.send(Cmd.compact());
    const after = sstBytes(s);
    expect(after).toBeLessThan(1024 * 1024);
  });

  it('without the member filter the same members keep their space (the test above can fail)', { timeout: 120_000 }, async () => {
    s = openStorage({ compression: 'none', expireCycleMs: 0, compactionFilter: false });
    await bigHash(s, 'h', 200_000);
    await s.send(Cmd.flushMemtable());
    await s.send(Cmd.del(['h']));
    await s.send(Cmd.compact());
    expect(sstBytes(s)).toBeGreaterThan(4 * 1024 * 1024);
  });
});

describe.skipIf(testStorage === 'memory')('restarts (on a directory)', () => {
  it('a restart keeps every type, with its TTL', async () => {
    s = openStorage({}, tempDir());
    await s.send(Cmd.set('str', 'v', { ttlMs: 600_000 }));
    await s.send(op(Op.HSET, ['hash', 'a', '1', 'b', '2']));
    await s.send(op(Op.SADD, ['set', 'x', 'y']));
    await s.send(Cmd.expire('set', 600, { seconds: true }));
    s = await s.reopen();
    expect(await s.str(Cmd.get('str'))).toBe('v');
    expect(strs(await s.send(op(Op.HGETALL, ['hash'])))).toEqual(['a', '1', 'b', '2']);
    expect(strs(await s.send(op(Op.SMEMBERS, ['set'])))).toEqual(['x', 'y']);
    for (const key of ['str', 'set']) expect(await s.send(Cmd.ttl(key))).toBeGreaterThan(590);
    expect(await s.send(Cmd.ttl('hash'))).toBe(-1);
  });

  it('members of a deleted key never come back, across restarts, even with no compaction filter', async () => {
    s = openStorage({ compactionFilter: false }, tempDir());
    await s.send(op(Op.HSET, ['h', 'old1', '1', 'old2', '2']));
    await s.send(op(Op.SADD, ['st', 'old']));
    await s.send(Cmd.del(['h']));
    await s.send(Cmd.set('st', 'string now'));
    s = await s.reopen();
    await s.send(op(Op.HSET, ['h', 'new', '3']));
    await s.send(Cmd.del(['st']));
    await s.send(op(Op.SADD, ['st', 'new']));
    expect(strs(await s.send(op(Op.HGETALL, ['h'])))).toEqual(['new', '3']);
    expect(strs(await s.send(op(Op.SMEMBERS, ['st'])))).toEqual(['new']);
    expect(await s.send(op(Op.SCARD, ['st']))).toBe(1);
  });
});

describe('WRONGTYPE between every pair of types', () => {
  // Representative commands of each family, run against a key of every other type.
  const byFamily: Record<string, (k: string) => ReturnType<typeof op>[]> = {
    string: (k) => [Cmd.get(k), Cmd.incrBy(k, 1), Cmd.append(k, 'x', 1 << 29), Cmd.strlen(k), Cmd.getRange(k, 0, 1), Cmd.setRange(k, 0, 'x', 1 << 29), Cmd.getDel(k), Cmd.getEx(k), Cmd.incrByFloat(k, '1'), Cmd.set(k, 'v', { get: true })],
    hash: (k) => [
      op(Op.HSET, [k, 'f', 'v']), op(Op.HSET, [k, 'f', 'v'], Flag.HSET_NX), op(Op.HGET, [k, 'f']), op(Op.HMGET, [k, 'f']), op(Op.HDEL, [k, 'f']), op(Op.HLEN, [k]), op(Op.HSTRLEN, [k, 'f']),
      op(Op.HEXISTS, [k, 'f']), op(Op.HGETALL, [k]), op(Op.HGETALL, [k], 0, 1), op(Op.HINCRBY, [k, 'f'], 0, 1), op(Op.HINCRBYFLOAT, [k, 'f', '1']), op(Op.HRANDFIELD, [k]),
      op(Op.HRANDFIELD, [k], Flag.COUNT_GIVEN, 2), op(Op.HSCAN, [k, '']),
    ],
    set: (k) => [
      op(Op.SADD, [k, 'm']), op(Op.SREM, [k, 'm']), op(Op.SCARD, [k]), op(Op.SISMEMBER, [k, 'm']), op(Op.SMISMEMBER, [k, 'm']), op(Op.SMEMBERS, [k]), op(Op.SPOP, [k]),
      op(Op.SRANDMEMBER, [k]), op(Op.SMOVE, [k, 'other', 'm']), op(Op.SINTER, [k]), op(Op.SUNION, [k]), op(Op.SDIFF, [k]), op(Op.SINTERCARD, [k]), op(Op.SINTERSTORE, ['dst', k]), op(Op.SSCAN, [k, '']),
    ],
  };
  const plant: Record<string, (k: string) => ReturnType<typeof op>> = {
    string: (k) => Cmd.set(k, 'v'),
    hash: (k) => op(Op.HSET, [k, 'f', 'v']),
    set: (k) => op(Op.SADD, [k, 'm']),
  };

  for (const keyType of Object.keys(plant)) {
    for (const family of Object.keys(byFamily).filter((f) => f !== keyType)) {
      it(`${family} commands against a ${keyType} fail with WRONGTYPE and leave it`, async () => {
        s ??= openStorage();
        await s.send(Cmd.flushall());
        await s.send(plant[keyType]('k'));
        for (const c of byFamily[family]('k')) {
          const r = await s.send(c);
          expect(errorName(r), `op ${c.op} -> ${r instanceof OpError ? r.message : JSON.stringify(r)}`).toBe('WRONGTYPE');
        }
        expect(await s.str(Cmd.type('k'))).toBe(keyType);
      });
    }
  }

  it('MGET answers nil for keys of other types, SET replaces any type', async () => {
    s = openStorage();
    await s.send(op(Op.HSET, ['h', 'f', 'v']));
    await s.send(op(Op.SADD, ['st', 'm']));
    await s.send(Cmd.set('str', 'v'));
    expect(await s.send(Cmd.mget(['h', 'st', 'str']))).toEqual([null, null, b('v')]);
    await s.send(Cmd.set('h', 'x'));
    expect(await s.str(Cmd.type('h'))).toBe('string');
    expect(await s.send(op(Op.HLEN, ['h']))).toSatisfy((r: StorageReply) => errorName(r) === 'WRONGTYPE');
  });
});

describe('atomicity of set writes', () => {
  it('8 clients racing SADD/SREM/SMOVE on the same keys end in a state a serial order gives', { timeout: 60_000 }, async () => {
    s = openStorage({ threads: 8 });
    const M = 40;
    await s.send(op(Op.SADD, ['A', ...Array.from({ length: M }, (_, i) => `m${i}`)]));
    const addMinusRem = new Array<number>(M).fill(0);
    const movedToB = new Array<number>(M).fill(0);
    let seed = 12345;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
    const client = async () => {
      for (let round = 0; round < 60; round++) {
        const jobs: Promise<void>[] = [];
        for (let i = 0; i < 20; i++) {
          const k = rand(M);
          switch (rand(4)) {
            case 0: jobs.push(s!.send(op(Op.SADD, ['S', `p${k}`])).then((r) => void (addMinusRem[k] += r as number))); break;
            case 1: jobs.push(s!.send(op(Op.SREM, ['S', `p${k}`])).then((r) => void (addMinusRem[k] -= r as number))); break;
            case 2: jobs.push(s!.send(op(Op.SMOVE, ['A', 'B', `m${k}`])).then((r) => void (movedToB[k] += r as number))); break;
            default: jobs.push(s!.send(op(Op.SMOVE, ['B', 'A', `m${k}`])).then((r) => void (movedToB[k] -= r as number)));
          }
        }
        await Promise.all(jobs);
      }
    };
    await Promise.all(Array.from({ length: 8 }, client));
    const S = new Set(strs(await s.send(op(Op.SMEMBERS, ['S']))));
    const A = new Set(strs(await s.send(op(Op.SMEMBERS, ['A']))));
    const B = new Set(strs(await s.send(op(Op.SMEMBERS, ['B']))));
    // Successful adds and removes of a member alternate in any serial order.
    for (let k = 0; k < M; k++) expect(addMinusRem[k], `p${k}`).toBe(S.has(`p${k}`) ? 1 : 0);
    for (let k = 0; k < M; k++) {
      expect(A.has(`m${k}`) !== B.has(`m${k}`), `m${k} in exactly one set`).toBe(true);
      expect(movedToB[k], `m${k}`).toBe(B.has(`m${k}`) ? 1 : 0);
    }
    // The counts kept in metadata agree with the members.
    expect(await s.send(op(Op.SCARD, ['S']))).toBe(S.size);
    expect(await s.send(op(Op.SCARD, ['A']))).toBe(A.size);
    expect(await s.send(op(Op.SCARD, ['B']))).toBe(B.size);
  });

  it('one batch of HSETs on one key counts every new field once', async () => {
    s = openStorage();
    const replies = await Promise.all(Array.from({ length: 500 }, (_, i) => s!.send(op(Op.HSET, ['h', `f${i % 250}`, `${i}`]))));
    expect(replies.reduce((n: number, r) => n + (r as number), 0)).toBe(250);
    expect(await s.send(op(Op.HLEN, ['h']))).toBe(250);
    expect((await s.send(op(Op.HGET, ['h', 'f3']))) as Buffer).toEqual(b(253));
  });
});

describe('COPY, MOVE and RENAME of every type keep members and TTL', () => {
  const fill: Record<string, { plant: (k: string) => ReturnType<typeof op>; read: (k: string, db?: number) => ReturnType<typeof op>; value: unknown }> = {
    string: { plant: (k) => Cmd.set(k, 'v'), read: (k, db = 0) => Cmd.get(k, db), value: b('v') },
    hash: { plant: (k) => op(Op.HSET, [k, 'a', '1', 'b', '2']), read: (k, db = 0) => op(Op.HGETALL, [k], 0, 0, 0, db), value: ['a', '1', 'b', '2'].map(b) },
    set: { plant: (k) => op(Op.SADD, [k, 'x', 'y', 'z']), read: (k, db = 0) => op(Op.SMEMBERS, [k], 0, 0, 0, db), value: ['x', 'y', 'z'].map(b) },
  };
  for (const [type, t] of Object.entries(fill)) {
    it(`${type}: COPY (same and other database, REPLACE), MOVE and RENAME`, async () => {
      s ??= openStorage();
      await s.send(Cmd.flushall());
      await s.send(t.plant('src'));
      await s.send(Cmd.expire('src', 600, { seconds: true }));
      expect(await s.send(op(Op.COPY, ['src', 'copy']))).toBe(1);
      expect(await s.send(op(Op.COPY, ['src', 'copy']))).toBe(0);
      expect(await s.send(op(Op.COPY, ['src', 'copy'], Flag.COPY_REPLACE))).toBe(1);
      expect(await s.send(op(Op.COPY, ['src', 'far'], 0, 0, 5))).toBe(1);
      expect(await s.send(t.read('copy'))).toEqual(t.value);
      expect(await s.send(t.read('far', 5))).toEqual(t.value);
      expect(await s.send(Cmd.ttl('far', {}, 5))).toBeGreaterThan(590);
      expect(await s.send(op(Op.MOVE, ['copy'], 0, 0, 7))).toBe(1);
      expect(await s.send(Cmd.exists(['copy']))).toBe(0);
      expect(await s.send(t.read('copy', 7))).toEqual(t.value);
      expect(await s.send(Cmd.ttl('copy', {}, 7))).toBeGreaterThan(590);
      expect(await s.send(Cmd.rename('src', 'renamed'))).toBe('OK');
      expect(await s.send(t.read('renamed'))).toEqual(t.value);
      expect(await s.send(Cmd.ttl('renamed'))).toBeGreaterThan(590);
      // The copies are independent of their source.
      await s.send(Cmd.del(['renamed']));
      expect(await s.send(t.read('far', 5))).toEqual(t.value);
      expect(await s.send(Cmd.dbsize(5))).toBe(1);
    });
  }
});

describe('expiry and random picks of composite keys', () => {
  it('the expiry cycle removes expired hashes and sets (their metadata only)', async () => {
    s = openStorage({ expireCycleMs: 20 });
    for (let i = 0; i < 50; i++) {
      await s.send(op(Op.HSET, [`h${i}`, 'a', '1', 'b', '2']));
      await s.send(op(Op.SADD, [`s${i}`, 'x']));
      await s.send(Cmd.expire(`h${i}`, 40));
      await s.send(Cmd.expire(`s${i}`, 40));
    }
    await s.send(op(Op.HSET, ['kept', 'a', '1']));
    const deadline = Date.now() + 5000;
    while (s.server.stats().expiredKeys < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(s.server.stats().expiredKeys).toBe(100);
    expect(await s.send(Cmd.dbsize())).toBe(1);
    expect(await s.send(op(Op.HLEN, ['h7']))).toBe(0);
    // A new key of the same name starts empty: the old members are another version's.
    await s.send(op(Op.SADD, ['s7', 'new']));
    expect(strs(await s.send(op(Op.SMEMBERS, ['s7'])))).toEqual(['new']);
  });

  it('random picks from a big set are members, distinct when asked, and spread over it', async () => {
    s = openStorage();
    const N = 20_000;
    await s.send(op(Op.SADD, ['big', ...Array.from({ length: N }, (_, i) => `element:${i}`)]));
    const picks = strs(await s.send(op(Op.SRANDMEMBER, ['big'], Flag.COUNT_GIVEN, 100)));
    expect(new Set(picks).size).toBe(100);
    for (const p of picks) expect(p).toMatch(/^element:\d+$/);
    // 500 single picks land in at least half of the 100 buckets of the last two digits.
    const buckets = new Set<string>();
    for (let i = 0; i < 500; i++) buckets.add(((await s.send(op(Op.SRANDMEMBER, ['big']))) as Buffer).toString().slice(-2));
    expect(buckets.size).toBeGreaterThan(50);
    const popped = strs(await s.send(op(Op.SPOP, ['big'], Flag.COUNT_GIVEN, 1000)));
    expect(new Set(popped).size).toBe(1000);
    expect(await s.send(op(Op.SCARD, ['big']))).toBe(N - 1000);
    expect(await s.send(op(Op.SMISMEMBER, ['big', ...popped.slice(0, 5)]))).toEqual([0, 0, 0, 0, 0]);
  });
});
