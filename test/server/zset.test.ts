// Sorted sets over TCP with stock clients (ioredis, node-redis in RESP2 and RESP3,
// redis-cli) and raw bytes: RESP3 doubles, WITHSCORES pairs, concurrent writers on one
// key, and the keyspace commands on sorted sets.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, resp, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.destroy();
});

describe('sorted sets on the wire', () => {
  it('ZSCORE is a bulk string in RESP2 and a double in RESP3', async () => {
    const c = await RawClient.connect(server.port);
    expect(await c.roundTrip(resp('ZADD', 'w', '1.5', 'a', 'inf', 'b'), ':2\r\n')).toBe(':2\r\n');
    expect(await c.roundTrip(resp('ZSCORE', 'w', 'a'), '$3\r\n1.5\r\n')).toBe('$3\r\n1.5\r\n');
    expect(await c.roundTrip(resp('ZINCRBY', 'w', '0.1', 'a'), '$18\r\n1.6000000000000001\r\n')).toBe('$18\r\n1.6000000000000001\r\n');
    c.write(resp('HELLO', '3'));
    await c.read(1);
    await new Promise((r) => setTimeout(r, 50));
    await c.read(4096, 100);
    expect(await c.roundTrip(resp('ZSCORE', 'w', 'b'), ',inf\r\n')).toBe(',inf\r\n');
    expect(await c.roundTrip(resp('ZSCORE', 'w', 'nope'), '_\r\n')).toBe('_\r\n');
    const pairs = '*2\r\n*2\r\n$1\r\na\r\n,1.6000000000000001\r\n*2\r\n$1\r\nb\r\n,inf\r\n';
    expect(await c.roundTrip(resp('ZRANGE', 'w', '0', '-1', 'WITHSCORES'), pairs)).toBe(pairs);
    c.close();
  });

  it('ioredis: ZADD, ZRANGE WITHSCORES, ZPOPMIN, ZRANGEBYSCORE LIMIT and errors', async () => {
    const r = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
    await r.connect();
    expect(await r.zadd('io', 3, 'c', 1, 'a', 2, 'b')).toBe(3);
    expect(await r.zrange('io', 0, -1, 'WITHSCORES')).toEqual(['a', '1', 'b', '2', 'c', '3']);
    expect(await r.zrangebyscore('io', '(1', '+inf', 'LIMIT', 0, 1)).toEqual(['b']);
    expect(await r.zrank('io', 'c')).toBe(2);
    expect(await r.zpopmin('io')).toEqual(['a', '1']);
    expect(await r.zincrby('io', 2.5, 'b')).toBe('4.5');
    await expect(r.zadd('io', 'nan', 'x')).rejects.toThrow('ERR value is not a valid float');
    await expect(r.zadd('io', 'NX', 'XX', 1, 'x')).rejects.toThrow('ERR XX and NX options at the same time are not compatible');
    const results = await r.pipeline().zadd('p', 1, 'x').zcard('p').zrem('p', 'x').exists('p').exec();
    expect(results!.map(([err, v]) => (err ? err.message : v))).toEqual([1, 1, 1, 0]);
    r.disconnect();
  });

  it('node-redis: scores come back as numbers in RESP2 and RESP3', async () => {
    for (const RESP of [2, 3] as const) {
      const c = createClient({ socket: { port: server.port, host: '127.0.0.1' }, RESP });
      await c.connect();
      const key = `nr${RESP}`;
      expect(await c.zAdd(key, [{ score: 1, value: 'a' }, { score: -2.5, value: 'b' }])).toBe(2);
      expect(await c.zRangeWithScores(key, 0, -1)).toEqual([{ value: 'b', score: -2.5 }, { value: 'a', score: 1 }]);
      expect(await c.zScore(key, 'b')).toBe(-2.5);
      expect(await c.zmScore(key, ['a', 'none'])).toEqual([1, null]);
      expect(await c.zPopMax(key)).toEqual({ value: 'a', score: 1 });
      expect(await c.zmPop(key, 'MIN', { COUNT: 5 })).toEqual({ key, members: [{ value: 'b', score: -2.5 }] });
      expect(await c.exists(key)).toBe(0);
      await c.quit();
    }
  });

  it('redis-cli: ZADD and ZRANGE WITHSCORES', async () => {
    const cli = async (...args: string[]) => (await promisify(execFile)('redis-cli', ['-p', String(server.port), ...args])).stdout.trim();
    expect(await cli('zadd', 'cli', '2', 'two', '1', 'one')).toBe('2');
    expect(await cli('zrange', 'cli', '0', '-1', 'withscores')).toBe('one\n1\ntwo\n2');
    expect(await cli('-3', '--no-raw', 'zscore', 'cli', 'two')).toBe('(double) 2');
  });

  it('concurrent ZINCRBY and ZADD from many connections on one key lose no update', async () => {
    const clients = await Promise.all(Array.from({ length: 8 }, async () => {
      const r = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
      await r.connect();
      return r;
    }));
    await Promise.all(clients.map(async (r, i) => {
      const p = r.pipeline();
      for (let j = 0; j < 200; j++) p.zincrby('counter', 1, 'hits').zadd('members', j, `c${i}:${j}`);
      await p.exec();
    }));
    expect(await clients[0].zscore('counter', 'hits')).toBe('1600');
    expect(await clients[0].zcard('members')).toBe(1600);
    expect(await clients[0].zcount('members', 199, 199)).toBe(8);
    for (const r of clients) r.disconnect();
  });

  it('keyspace commands treat a sorted set as one key', async () => {
    const r = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
    await r.connect();
    await r.zadd('ks', 1, 'a', 2, 'b');
    expect(await r.type('ks')).toBe('zset');
    expect(await r.object('ENCODING', 'ks')).toBe('skiplist');
    expect(await r.expire('ks', 100)).toBe(1);
    expect(await r.ttl('ks')).toBe(100);
    expect(await r.rename('ks', 'ks2')).toBe('OK');
    expect(await r.ttl('ks2')).toBe(100);
    expect(await r.copy('ks2', 'ks3')).toBe(1);
    expect(await r.zrange('ks3', 0, -1, 'WITHSCORES')).toEqual(['a', '1', 'b', '2']);
    expect(await r.move('ks3', 2)).toBe(1);
    const [, keys] = (await r.call('SCAN', '0', 'TYPE', 'zset', 'COUNT', '1000')) as [string, string[]];
    expect(keys).toContain('ks2');
    expect(await r.del('ks2')).toBe(1);
    expect(await r.zcard('ks2')).toBe(0);
    r.disconnect();
  });
});
