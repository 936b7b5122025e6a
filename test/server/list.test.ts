// Lists and SORT over TCP with stock clients: a queue worked by several connections at
// once, node-redis' list helpers (RESP2 and RESP3), pipelines mixing list and string
// commands, and redis-cli.
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

const io = async () => {
  const r = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
  await r.connect();
  return r;
};

describe('lists over TCP', () => {
  it('a queue: producers LPUSH and consumers RPOP on other connections, every job once', async () => {
    const producers = await Promise.all([io(), io(), io()]);
    const consumers = await Promise.all([io(), io()]);
    await producers[0].del('jobs');
    await Promise.all(producers.map(async (p, i) => {
      for (let j = 0; j < 200; j += 20) {
        const pipe = p.pipeline();
        for (let k = j; k < j + 20; k++) pipe.lpush('jobs', `p${i}:${k}`);
        await pipe.exec();
      }
    }));
    // Each consumer keeps what it got in order; replies of two consumers may arrive in either order.
    const got: string[][] = consumers.map(() => []);
    await Promise.all(consumers.map(async (c, n) => {
      for (;;) {
        const batch = await c.rpop('jobs', 7);
        if (batch === null) return;
        got[n].push(...batch);
      }
    }));
    const seen = got.flat();
    expect(seen.length).toBe(600);
    expect(new Set(seen).size).toBe(600);
    // FIFO: each consumer sees each producer's jobs in the order they were pushed.
    for (const mine of got) {
      for (let i = 0; i < 3; i++) {
        const jobs = mine.filter((s) => s.startsWith(`p${i}:`)).map((s) => Number(s.split(':')[1]));
        expect(jobs).toEqual([...jobs].sort((a, b) => a - b));
      }
    }
    expect(await producers[0].exists('jobs')).toBe(0);
    for (const r of [...producers, ...consumers]) r.disconnect();
  });

  it('ioredis: list commands, LMOVE between lists, LPOS and SORT with BY/GET', async () => {
    const r = await io();
    await r.del('l', 'm', 'w_a', 'w_b', 'w_c', 'sorted');
    expect(await r.rpush('l', 'a', 'b', 'c')).toBe(3);
    expect(await r.linsert('l', 'AFTER', 'a', 'x')).toBe(4);
    expect(await r.lrange('l', 0, -1)).toEqual(['a', 'x', 'b', 'c']);
    expect(await r.lmove('l', 'm', 'LEFT', 'RIGHT')).toBe('a');
    expect(await r.lpos('l', 'c')).toBe(2);
    expect(await r.call('LPOS', 'l', 'c', 'RANK', '0').catch((e: Error) => e.message)).toBe(
      "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
    );
    await r.mset('w_x', '3', 'w_b', '1', 'w_c', '2');
    expect(await r.sort('l', 'BY', 'w_*', 'GET', '#', 'GET', 'w_*')).toEqual(['b', '1', 'c', '2', 'x', '3']);
    expect(await r.sort('l', 'ALPHA', 'DESC', 'STORE', 'sorted')).toBe(3);
    expect(await r.lrange('sorted', 0, -1)).toEqual(['x', 'c', 'b']);
    expect(await r.call('LMPOP', '2', 'none', 'l', 'RIGHT', 'COUNT', '2')).toEqual(['l', ['c', 'b']]);
    expect(await r.type('m')).toBe('list');
    await expect(r.lpush('w_x', 'v')).rejects.toThrow('WRONGTYPE');
    r.disconnect();
  });

  it('node-redis: RESP2 and RESP3 replies of list commands', async () => {
    for (const RESP of [2, 3] as const) {
      const c = createClient({ socket: { port: server.port, host: '127.0.0.1' }, RESP });
      await c.connect();
      await c.del('nl');
      expect(await c.rPush('nl', ['1', '2', '3'])).toBe(3);
      expect(await c.lPop('nl')).toBe('1');
      expect(await c.lPopCount('nl', 5)).toEqual(['2', '3']);
      expect(await c.lPopCount('nl', 5)).toBeNull();
      expect(await c.lIndex('nl', 0)).toBeNull();
      expect(await c.lmPop(['nl'], 'LEFT')).toBeNull();
      await c.rPush('nl', ['b', 'a']);
      expect(await c.sort('nl', { DIRECTION: 'DESC', ALPHA: true })).toEqual(['b', 'a']);
      await c.quit();
    }
  });

  it('a pipeline mixing list, string and hash commands is answered in order', async () => {
    const c = await RawClient.connect(server.port);
    const req = Buffer.concat([
      resp('DEL', 'pl'), resp('RPUSH', 'pl', 'a'), resp('SET', 's', '1'), resp('LPUSH', 'pl', 'b'), resp('INCR', 's'), resp('LRANGE', 'pl', '0', '-1'),
      resp('LPOP', 'pl', '5'), resp('LLEN', 'pl'), resp('LPOP', 's'),
    ]);
    const expected = ':0\r\n:1\r\n+OK\r\n:2\r\n:2\r\n*2\r\n$1\r\nb\r\n$1\r\na\r\n*2\r\n$1\r\nb\r\n$1\r\na\r\n:0\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n';
    expect(await c.roundTrip(req, expected)).toBe(expected);
    c.close();
  });

  it('LMPOP and SORT with counts near the 64-bit limits are answered and the server keeps serving', async () => {
    // Redis 7.0 computes numkeys + 2 with a signed overflow here; kiwi answers a syntax error.
    const r = await io();
    await r.rpush('big', 'a', 'b');
    await expect(r.call('LMPOP', '9223372036854775807', 'big', 'LEFT')).rejects.toThrow('ERR syntax error');
    await expect(r.call('LMPOP', '9223372036854775806', 'big', 'LEFT')).rejects.toThrow('ERR syntax error');
    expect(await r.call('SORT', 'big', 'ALPHA', 'LIMIT', '9223372036854775807', '9223372036854775807')).toEqual([]);
    expect(await r.call('LPOP', 'big', '9223372036854775807')).toEqual(['a', 'b']);
    expect(await r.ping()).toBe('PONG');
    r.disconnect();
  });

  // Asynchronous on purpose: the server runs in this process, a sync spawn would block it.
  it('redis-cli: RPUSH, LRANGE and SORT', async () => {
    const cli = async (...args: string[]) => (await promisify(execFile)('redis-cli', ['-p', String(server.port), ...args])).stdout.trim();
    await cli('del', 'cl');
    expect(await cli('rpush', 'cl', '3', '1', '2')).toBe('3');
    expect(await cli('lrange', 'cl', '0', '-1')).toBe('3\n1\n2');
    expect(await cli('sort', 'cl')).toBe('1\n2\n3');
    expect(await cli('object', 'encoding', 'cl')).toBe('quicklist');
  });
});
