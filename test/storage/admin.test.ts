// Whole-server operations of the storage runtime: SWAPDB's database map (composite keys,
// scans, flushes, restarts), SAVE/BGSAVE checkpoints that open as data directories, and
// the expiry cycle switched off and on (DEBUG SET-ACTIVE-EXPIRE).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Flag, Op } from '../../src/storage/ops.js';
import { Cmd, storageCommand } from '../../src/storage/requests.js';
import { openStorage, removeDir, sleep, tempDir, type TestStorage } from './helpers.js';

const opened: TestStorage[] = [];
const open = (...a: Parameters<typeof openStorage>): TestStorage => {
  const s = openStorage(...a);
  opened.push(s);
  return s;
};
afterEach(async () => {
  for (const s of opened.splice(0)) {
    await s.close().catch(() => {});
    removeDir(s.dir);
  }
});

const swapdb = (a: number, b: number) => storageCommand(Op.SWAPDB, 0, [], 0, a, b);
const hset = (key: string, db: number, ...fv: string[]) => storageCommand(Op.HSET, db, [key, ...fv].map((x) => Buffer.from(x)));
const hgetall = (key: string, db: number) => storageCommand(Op.HGETALL, db, [Buffer.from(key)]);

describe('SWAPDB', () => {
  it('swaps strings and composite keys, scans and counts follow, and it survives a restart', async () => {
    let s = open({}, tempDir());
    await s.send(Cmd.set('a', 'zero', {}, 0));
    await s.send(hset('h', 0, 'f', 'zero'));
    await s.send(Cmd.set('b', 'one', {}, 1));
    expect(await s.send(swapdb(0, 1))).toBe('OK');
    expect(await s.str(Cmd.get('a', 1))).toBe('zero');
    expect(await s.send(hgetall('h', 1))).toEqual([Buffer.from('f'), Buffer.from('zero')]);
    expect(await s.send(hgetall('h', 0))).toEqual([]);
    expect(await s.str(Cmd.get('b', 0))).toBe('one');
    expect(await s.send(Cmd.dbsize(1))).toBe(2);
    expect(await s.send(Cmd.keys('*', 0))).toEqual([Buffer.from('b')]);
    // Writes after the swap land in the swapped database, members included.
    await s.send(hset('h', 1, 'g', 'new'));
    await s.send(Cmd.flushdb(0));
    expect(await s.send(Cmd.get('b', 0))).toBeNull();
    s = await s.reopen();
    opened.splice(0, 1, s);
    expect(await s.send(hgetall('h', 1))).toEqual([Buffer.from('f'), Buffer.from('zero'), Buffer.from('g'), Buffer.from('new')]);
    expect(await s.send(Cmd.dbsize(0))).toBe(0);
    expect(await s.send(swapdb(1, 0))).toBe('OK');
    expect(await s.str(Cmd.get('a', 0))).toBe('zero');
  });

  it('MOVE and COPY name databases by their swapped numbers', async () => {
    const s = open();
    await s.send(Cmd.set('k', 'v', {}, 0));
    await s.send(swapdb(0, 3));
    expect(await s.send(storageCommand(Op.MOVE, 3, [Buffer.from('k')], 0, 0, 5))).toBe(1);
    expect(await s.str(Cmd.get('k', 5))).toBe('v');
    expect(await s.send(storageCommand(Op.COPY, 5, [Buffer.from('k'), Buffer.from('c')], 0, 0, 0))).toBe(1);
    await s.send(swapdb(0, 3));
    expect(await s.str(Cmd.get('c', 3))).toBe('v');
  });

  it('commands running while databases swap each see one mapping (2 storage threads)', async () => {
    const s = open();
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 400; i++) {
      writes.push(s.send(Cmd.set(`k${i}`, 'v', {}, 0)));
      if (i % 50 === 0) writes.push(s.send(swapdb(0, 1)));
    }
    await Promise.all(writes);
    // Every key is in one of the two databases, none lost or duplicated.
    const n0 = Number(await s.send(Cmd.dbsize(0)));
    const n1 = Number(await s.send(Cmd.dbsize(1)));
    expect(n0 + n1).toBe(400);
  });
});

describe('SAVE and BGSAVE', () => {
  it('SAVE writes a checkpoint in <dir>/backup that opens as a data directory', async () => {
    const s = open({}, tempDir());
    await s.send(Cmd.mset(['a', '1', 'b', '2']));
    await s.send(hset('h', 0, 'f', 'v'));
    expect(await s.send(storageCommand(Op.SAVE, 0, []))).toBe('OK');
    await s.send(Cmd.set('later', 'x'));
    expect(await s.send(storageCommand(Op.SAVE, 0, []))).toBe('OK');
    const backup = join(s.dir, 'backup');
    expect(existsSync(join(backup, 'CURRENT'))).toBe(true);
    // It opens as a data directory of its own, with everything written before the save.
    const restored = open({}, backup);
    opened.pop();
    try {
      expect(await restored.str(Cmd.get('a'))).toBe('1');
      expect(await restored.str(Cmd.get('later'))).toBe('x');
      expect(await restored.send(hgetall('h', 0))).toEqual([Buffer.from('f'), Buffer.from('v')]);
    } finally {
      await restored.close();
    }
  });

  it('BGSAVE runs off the storage threads while writes go on, one at a time', async () => {
    const s = open({}, tempDir());
    await Promise.all(Array.from({ length: 2000 }, (_, i) => s.send(Cmd.set(`k${i}`, 'x'.repeat(100)))));
    const info = () => s.send(storageCommand(Op.SAVE_INFO, 0, [])) as Promise<number[]>;
    const before = (await info())[1];
    expect(await s.send(storageCommand(Op.SAVE, 0, [], Flag.SAVE_BACKGROUND))).toBe(1);
    const during = await Promise.all([s.send(Cmd.set('during', 'v')), s.send(storageCommand(Op.SAVE, 0, [], Flag.SAVE_BACKGROUND))]);
    expect(during[0]).toBe('OK');
    expect([0, 1]).toContain(during[1]);
    const deadline = Date.now() + 10_000;
    while ((await info())[0] === 1 && Date.now() < deadline) await sleep(20);
    const [inProgress, lastSave, ok] = await info();
    expect([inProgress, ok]).toEqual([0, 1]);
    expect(lastSave).toBeGreaterThanOrEqual(before);
    expect(existsSync(join(s.dir, 'backup', 'CURRENT'))).toBe(true);
  });
});

describe('SAVE in memory', () => {
  it('succeeds without writing anything: there is no directory', async () => {
    const s = open({}, ':memory:');
    opened.pop();
    try {
      await s.send(Cmd.set('k', 'v'));
      expect(await s.send(storageCommand(Op.SAVE, 0, []))).toBe('OK');
      expect(existsSync(':memory:')).toBe(false);
      expect(existsSync(join(':memory:', 'backup'))).toBe(false);
      expect((await s.send(storageCommand(Op.SAVE_INFO, 0, [])) as number[])[2]).toBe(1);
    } finally {
      await s.close();
    }
  });
});

describe('DEBUG SET-ACTIVE-EXPIRE', () => {
  it('the expiry cycle stops while it is off and catches up once it is on', async () => {
    const s = open({ expireCycleMs: 20 }, tempDir());
    await s.send(storageCommand(Op.ACTIVE_EXPIRE, 0, [], 0, 0));
    await Promise.all(Array.from({ length: 100 }, (_, i) => s.send(Cmd.set(`t${i}`, 'v', { ttlMs: 20 }))));
    await sleep(300);
    expect(s.server.stats().expiredKeys).toBe(0);
    // Reads still treat them as gone.
    expect(await s.send(Cmd.dbsize())).toBe(0);
    await s.send(storageCommand(Op.ACTIVE_EXPIRE, 0, [], 0, 1));
    const deadline = Date.now() + 5000;
    while (s.server.stats().expiredKeys < 100 && Date.now() < deadline) await sleep(20);
    expect(s.server.stats().expiredKeys).toBe(100);
  });
});
