// Expiry: the background cycle deletes expired keys; the compaction filter reclaims
// their disk space even when the cycle never reached them.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Cmd } from '../../src/storage/requests.js';
import { openStorage, removeDir, sleep, type TestStorage } from './helpers.js';

let s: TestStorage | undefined;

afterEach(async () => {
  if (s) {
    await s.close();
    removeDir(s.dir);
    s = undefined;
  }
});

const sstBytes = (t: TestStorage) => Number(t.server.property('rocksdb.total-sst-files-size'));

describe('expiry', () => {
  it('the background cycle deletes expired keys', async () => {
    s = openStorage({ expireCycleMs: 20 });
    await Promise.all(Array.from({ length: 1000 }, (_, i) => s!.send(Cmd.set(`t${i}`, 'v', { ttlMs: 50 }))));
    await s.send(Cmd.set('stays', 'v', { ttlMs: 60_000 }));
    await s.send(Cmd.set('stays2', 'v'));
    const deadline = Date.now() + 5000;
    while (s.server.stats().expiredKeys < 1000 && Date.now() < deadline) await sleep(20);
    expect(s.server.stats().expiredKeys).toBe(1000);
    expect(await s.send(Cmd.dbsize())).toBe(2);
  });

  it('a key whose expiry changed is not deleted by its stale index entry', async () => {
    s = openStorage({ expireCycleMs: 20 });
    await s.send(Cmd.set('k', 'v', { ttlMs: 40 }));
    await s.send(Cmd.expire('k', 60_000));
    await s.send(Cmd.set('j', 'v', { ttlMs: 40 }));
    await s.send(Cmd.persist('j'));
    await sleep(200);
    expect(s.server.stats().expiredKeys).toBe(0);
    expect(await s.send(Cmd.exists(['k', 'j']))).toBe(2);
  });

  it('the compaction filter drops expired values and their space comes back', async () => {
    s = openStorage({ expireCycleMs: 0, compression: 'none' });
    const value = randomBytes(10 * 1024);
    await Promise.all(Array.from({ length: 2000 }, (_, i) => s!.send(Cmd.set(`e${i}`, value, { ttlMs: 150 }))));
    await s.send(Cmd.set('keep', value));
    await s.send(Cmd.flushMemtable());
    const before = sstBytes(s);
    expect(before).toBeGreaterThan(15 * 1024 * 1024);
    await sleep(250);
    await s.send(Cmd.compact());
    const after = sstBytes(s);
    expect(after).toBeLessThan(1024 * 1024);
    expect(((await s.send(Cmd.get('keep'))) as Buffer).equals(value)).toBe(true);
    // The cycle was off: the filter alone did this.
    expect(s.server.stats().expiredKeys).toBe(0);
  });

  it('without the filter the same data keeps its space (the filter test can fail)', async () => {
    s = openStorage({ expireCycleMs: 0, compression: 'none', compactionFilter: false });
    const value = randomBytes(10 * 1024);
    await Promise.all(Array.from({ length: 500 }, (_, i) => s!.send(Cmd.set(`e${i}`, value, { ttlMs: 50 }))));
    await s.send(Cmd.flushMemtable());
    await sleep(100);
    await s.send(Cmd.compact());
    expect(sstBytes(s)).toBeGreaterThan(4 * 1024 * 1024);
    expect(await s.send(Cmd.dbsize())).toBe(0);
  });
});
