// StorageServer.readFast: memory-only point reads on the calling thread. It must never
// read a block from a file: a key whose block is not in the block cache makes the whole
// batch come back null, also for batches of several keys (RocksDB 7.8's MultiGet ignores
// read_tier, which this test caught).
import { afterEach, describe, expect, it } from 'vitest';
import { encodeBatch } from '../../src/storage/codec.js';
import { Cmd } from '../../src/storage/requests.js';
import { openStorage, removeDir, type TestStorage } from './helpers.js';

let s: TestStorage | null = null;
afterEach(async () => {
  if (s?.server.running) await s.close();
  if (s) removeDir(s.dir);
  s = null;
});

describe('readFast', () => {
  it('answers keys in memory, with the same replies as the storage threads', async () => {
    s = openStorage();
    await Promise.all([s.send(Cmd.set('a', 'alpha')), s.send(Cmd.set('b', 'beta'))]);
    const r = s.server.readFast(encodeBatch([Cmd.get('a'), Cmd.mget(['a', 'b', 'c']), Cmd.exists(['a', 'c']), Cmd.get('c')]));
    expect(r).not.toBeNull();
    expect(r!.map((x) => (Array.isArray(x) ? x.map((y) => y?.toString() ?? null) : Buffer.isBuffer(x) ? x.toString() : x))).toEqual(['alpha', ['alpha', 'beta', null], 1, null]);
  });

  it('never reads a block from disk: single and multi-key batches over on-disk data miss', async () => {
    s = openStorage({ blockCacheBytes: 1 << 20 });
    const v = 'x'.repeat(1024);
    for (let i = 0; i < 100_000; i += 500) await Promise.all(Array.from({ length: 500 }, (_, j) => s!.send(Cmd.set(`key:${i + j}`, v))));
    await s.send(Cmd.flushMemtable());
    await s.send(Cmd.compact());
    const key = () => `key:${Math.floor(Math.random() * 100_000)}`;
    let single = 0;
    let multi = 0;
    for (let i = 0; i < 500; i++) if (s.server.readFast(encodeBatch([Cmd.get(key())])) !== null) single++;
    for (let i = 0; i < 500; i++) if (s.server.readFast(encodeBatch([Cmd.get(key()), Cmd.mget([key(), key()])])) !== null) multi++;
    // 100 MB of blocks against a 1 MB cache: a memory-only read rarely finds its block.
    expect(single).toBeLessThan(50);
    expect(multi).toBeLessThan(50);
    // The storage threads read them all.
    expect(((await s.send(Cmd.get('key:77'))) as Buffer).length).toBe(1024);
  });
});
