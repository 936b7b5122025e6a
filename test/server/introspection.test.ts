// Issue 12 end to end over TCP with stock clients: bitmaps, HyperLogLog and LCS through
// ioredis and node-redis, the slow log and latency monitor measuring real durations,
// SAVE/BGSAVE/LASTSAVE and INFO persistence, SWAPDB with INFO keyspace, and CONFIG SET of
// several parameters.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskDir, startTestServer, testStorage, type TestServer } from '../helpers/server.js';

let server: TestServer;
let r: Redis;
beforeAll(async () => {
  server = await startTestServer();
  r = new Redis({ port: server.port, host: '127.0.0.1' });
});
afterAll(async () => {
  r.disconnect();
  await server.destroy();
});

const infoField = (info: string, field: string): string | undefined => new RegExp(`^${field}:(.*)\r?$`, 'm').exec(info)?.[1];

describe('bitmaps, HyperLogLog and LCS with stock clients', () => {
  it('ioredis: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD', async () => {
    expect(await r.setbit('bits', 7, 1)).toBe(0);
    expect(await r.setbit('bits', 7, 1)).toBe(1);
    expect(await r.getbit('bits', 7)).toBe(1);
    expect(await r.bitcount('bits')).toBe(1);
    expect(await r.bitpos('bits', 1)).toBe(7);
    expect(await r.call('BITCOUNT', 'bits', '0', '7', 'BIT')).toBe(1);
    await r.set('other', Buffer.from([0xff]));
    expect(await r.bitop('AND', 'dest', 'bits', 'other')).toBe(1);
    expect(await r.getBuffer('dest')).toEqual(Buffer.from([1]));
    expect(await r.call('BITFIELD', 'bf', 'SET', 'u8', '0', '200', 'INCRBY', 'u8', '0', '100', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '300')).toEqual([0, 44, null]);
    expect(await r.call('BITFIELD_RO', 'bf', 'GET', 'u8', '0')).toEqual([44]);
  });

  it('node-redis: PFADD, PFCOUNT, PFMERGE and LCS', async () => {
    const c = createClient({ socket: { port: server.port, host: '127.0.0.1' } });
    await c.connect();
    try {
      expect(await c.pfAdd('hll1', ['a', 'b', 'c'])).toBe(1);
      expect(await c.pfAdd('hll2', ['c', 'd'])).toBe(1);
      expect(await c.pfCount('hll1')).toBe(3);
      expect(await c.pfCount(['hll1', 'hll2'])).toBe(4);
      expect(await c.pfMerge('hll3', ['hll1', 'hll2'])).toBe('OK');
      expect(await c.pfCount('hll3')).toBe(4);
      await c.mSet({ s1: 'ohmytext', s2: 'mynewtext' });
      expect(await c.sendCommand(['LCS', 's1', 's2'])).toBe('mytext');
      expect(await c.sendCommand(['LCS', 's1', 's2', 'LEN'])).toBe(6);
    } finally {
      await c.quit();
    }
  });
});

describe('SLOWLOG and LATENCY', () => {
  it('a slow command is logged with its real duration, arguments and client', async () => {
    await r.config('SET', 'slowlog-log-slower-than', '20000');
    await r.slowlog('RESET');
    await r.client('SETNAME', 'sleeper');
    await r.call('DEBUG', 'SLEEP', '0.05');
    await r.set('fast', 'x');
    const entries = (await r.slowlog('GET')) as unknown[][];
    expect(entries.length).toBe(1);
    const [id, time, usec, argv, addr, name] = entries[0];
    expect(typeof id).toBe('number');
    expect(Math.abs((time as number) - Date.now() / 1000)).toBeLessThan(5);
    expect(usec).toBeGreaterThanOrEqual(50_000);
    expect(argv).toEqual(['DEBUG', 'SLEEP', '0.05']);
    expect(addr).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(name).toBe('sleeper');
    await r.config('SET', 'slowlog-log-slower-than', '10000');
  });

  it('storage commands are timed from dispatch to reply', async () => {
    await r.config('SET', 'slowlog-log-slower-than', '0');
    await r.slowlog('RESET');
    await r.set('timed', 'v');
    const entries = (await r.slowlog('GET', 1)) as unknown[][];
    expect(entries[0][3]).toEqual(['set', 'timed', 'v']);
    expect(entries[0][2]).toBeGreaterThan(0);
    await r.config('SET', 'slowlog-log-slower-than', '10000');
  });

  it('the latency monitor records commands over its threshold', async () => {
    await r.config('SET', 'latency-monitor-threshold', '10');
    await r.call('LATENCY', 'RESET');
    await r.call('DEBUG', 'SLEEP', '0.03');
    const latest = (await r.call('LATENCY', 'LATEST')) as unknown[][];
    expect(latest.map((e) => e[0])).toEqual(['command']);
    expect(latest[0][2]).toBeGreaterThanOrEqual(30);
    expect(await r.call('LATENCY', 'DOCTOR')).toMatch(/^Dave, I have observed latency spikes/);
    await r.config('SET', 'latency-monitor-threshold', '0');
  });
});

describe('SAVE, BGSAVE, LASTSAVE', () => {
  it('SAVE makes <dir>/backup and moves LASTSAVE; BGSAVE reports through INFO persistence', async () => {
    const before = await r.lastsave();
    await new Promise((res) => setTimeout(res, 1100));
    expect(await r.save()).toBe('OK');
    expect(await r.lastsave()).toBeGreaterThan(before);
    // In memory there is no directory to put a backup in: the save succeeds without one.
    expect(existsSync(join(server.dir, 'backup', 'CURRENT'))).toBe(testStorage === 'disk');
    expect(await r.bgsave()).toBe('Background saving started');
    const deadline = Date.now() + 10_000;
    let info = await r.info('persistence');
    while (infoField(info, 'rdb_bgsave_in_progress') !== '0' && Date.now() < deadline) info = await r.info('persistence');
    expect(infoField(info, 'rdb_last_bgsave_status')).toBe('ok');
    expect(Number(infoField(info, 'rdb_last_save_time'))).toBe(await r.lastsave());
  });
});

describe('SWAPDB and INFO keyspace', () => {
  it('INFO keyspace follows a swap at once', async () => {
    // INFO keyspace shows the last background count, taken at start-up: write, restart, swap.
    const first = await startTestServer({ dir: diskDir() });
    const c = new Redis({ port: first.port, host: '127.0.0.1' });
    await c.mset('a', '1', 'b', '2');
    await c.hset('h', 'f', 'v');
    c.disconnect();
    await first.close();
    const again = await startTestServer({ dir: first.dir });
    const d = new Redis({ port: again.port, host: '127.0.0.1' });
    try {
      const deadline = Date.now() + 5000;
      while (infoField(await d.info('keyspace'), 'db0') === undefined && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
      expect(infoField(await d.info('keyspace'), 'db0')).toBe('keys=3,expires=0,avg_ttl=0');
      expect(await d.swapdb(0, 1)).toBe('OK');
      const info = await d.info('keyspace');
      expect(infoField(info, 'db0')).toBeUndefined();
      expect(infoField(info, 'db1')).toBe('keys=3,expires=0,avg_ttl=0');
      await d.select(1);
      expect(await d.hget('h', 'f')).toBe('v');
    } finally {
      d.disconnect();
      await again.destroy();
    }
  });
});

describe('CONFIG with several parameters', () => {
  it('sets Redis encoding settings (no effect) and reads them back, with their old names', async () => {
    expect(await r.config('SET', 'hash-max-ziplist-entries', '256', 'zset-max-listpack-value', '1kb', 'list-compress-depth', '1')).toBe('OK');
    const got = (await r.config('GET', 'hash-max-listpack-entries', 'zset-max-ziplist-value', 'list-compress-depth')) as string[];
    expect(Object.fromEntries(Array.from({ length: got.length / 2 }, (_, i) => [got[2 * i], got[2 * i + 1]]))).toEqual({
      'hash-max-listpack-entries': '256', 'zset-max-ziplist-value': '1024', 'list-compress-depth': '1',
    });
    await expect(r.config('SET', 'slowlog-max-len', '3', 'list-compress-depth', '-5')).rejects.toThrow(
      "ERR CONFIG SET failed (possibly related to argument 'list-compress-depth') - argument must be between 0 and 2147483647 inclusive",
    );
    expect(await r.config('GET', 'slowlog-max-len')).toEqual(['slowlog-max-len', '128']);
  });
});
