// Hashes and sets over TCP through stock clients (ioredis, node-redis in RESP2 and RESP3,
// redis-cli), and bad input that must get Redis' error while the server serves others.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPath } from '../compat/harness.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const HAVE_CLI = onPath('redis-cli');
let kiwi: TestServer;
let io: Redis;

beforeAll(async () => {
  kiwi = await startTestServer();
  io = new Redis({ port: kiwi.port, lazyConnect: true });
  await io.connect();
});
afterAll(async () => {
  io?.disconnect();
  await kiwi?.destroy();
});

describe('hashes and sets through ioredis', () => {
  it('hset/hgetall give an object, hincrby and hincrbyfloat count', async () => {
    await io.flushall();
    expect(await io.hset('user:1', { name: 'ada', visits: '1' })).toBe(2);
    expect(await io.hgetall('user:1')).toEqual({ name: 'ada', visits: '1' });
    expect(await io.hincrby('user:1', 'visits', 4)).toBe(5);
    expect(await io.hincrbyfloat('user:1', 'score', '1.5')).toBe('1.5');
    expect(await io.hmget('user:1', 'name', 'nope')).toEqual(['ada', null]);
    expect(await io.hgetall('missing')).toEqual({});
    expect(await io.hdel('user:1', 'name', 'visits', 'score')).toBe(3);
    expect(await io.exists('user:1')).toBe(0);
  });

  it('a pipeline of HSETs on one key answers in order and counts each new field once', async () => {
    await io.flushall();
    const p = io.pipeline();
    for (let i = 0; i < 300; i++) p.hset('h', `f${i % 100}`, `${i}`);
    const res = (await p.exec())!;
    expect(res.map(([, r]) => r)).toEqual(Array.from({ length: 300 }, (_, i) => (i < 100 ? 1 : 0)));
    expect(await io.hlen('h')).toBe(100);
    expect(await io.hget('h', 'f5')).toBe('205');
  });

  it('sets: sadd, smembers, sinterstore, smove, spop', async () => {
    await io.flushall();
    await io.sadd('a', 'x', 'y', 'z');
    await io.sadd('b', 'y', 'z', 'w');
    expect((await io.smembers('a')).sort()).toEqual(['x', 'y', 'z']);
    expect(await io.sinterstore('c', 'a', 'b')).toBe(2);
    expect((await io.sunion('a', 'b')).sort()).toEqual(['w', 'x', 'y', 'z']);
    expect(await io.smove('a', 'b', 'x')).toBe(1);
    expect(await io.sismember('b', 'x')).toBe(1);
    const popped = await io.spop('c', 5);
    expect(popped.sort()).toEqual(['y', 'z']);
    expect(await io.exists('c')).toBe(0);
  });

  it('hscan and sscan iterate a big hash and set completely', async () => {
    await io.flushall();
    const fields: Record<string, string> = {};
    for (let i = 0; i < 1000; i++) fields[`f${i}`] = `v${i}`;
    await io.hset('big', fields);
    await io.sadd('bigs', ...Object.keys(fields));
    const seenH = new Map<string, string>();
    for await (const chunk of io.hscanStream('big', { count: 37 })) for (let i = 0; i < chunk.length; i += 2) seenH.set(chunk[i], chunk[i + 1]);
    expect(seenH.size).toBe(1000);
    expect(seenH.get('f999')).toBe('v999');
    const seenS = new Set<string>();
    for await (const chunk of io.sscanStream('bigs', { count: 50, match: 'f1*' })) for (const m of chunk) seenS.add(m);
    expect(seenS.size).toBe(Object.keys(fields).filter((k) => k.startsWith('f1')).length);
  });
});

describe('hashes and sets through node-redis', () => {
  for (const RESP of [2, 3] as const) {
    it(`HGETALL, SMEMBERS and HRANDFIELD WITHVALUES in RESP${RESP}`, async () => {
      const client = createClient({ socket: { port: kiwi.port }, RESP });
      await client.connect();
      try {
        await client.flushAll();
        await client.hSet('h', { a: '1', b: '2' });
        await client.sAdd('s', ['m1', 'm2']);
        expect({ ...(await client.hGetAll('h')) }).toEqual({ a: '1', b: '2' });
        const members = await client.sMembers('s');
        expect([...members].sort()).toEqual(['m1', 'm2']);
        const rand = await client.sendCommand(['HRANDFIELD', 'h', '2', 'WITHVALUES']);
        // RESP3: [field, value] pairs; RESP2: a flat list.
        expect(Array.isArray(rand) ? (rand as unknown as unknown[]).flat().length : 0).toBe(4);
        if (RESP === 3) expect(Array.isArray((rand as unknown as unknown[])[0])).toBe(true);
      } finally {
        await client.close();
      }
    });
  }
});

describe.skipIf(!HAVE_CLI)(HAVE_CLI ? 'redis-cli' : 'redis-cli (skipped: not on PATH; apt install redis-tools)', () => {
  const cli = (...args: string[]) => promisify(execFile)('redis-cli', ['-p', String(kiwi.port), ...args]).then((r) => r.stdout);

  it('HSET, HGETALL and SMEMBERS print as with Redis', async () => {
    await cli('FLUSHALL');
    expect(await cli('HSET', 'h', 'a', '1')).toBe('1\n');
    expect(await cli('HGETALL', 'h')).toBe('a\n1\n');
    expect(await cli('-3', 'HGETALL', 'h')).toBe('a 1\n');
    expect(await cli('SADD', 's', 'x')).toBe('1\n');
    expect(await cli('--no-raw', 'SMEMBERS', 's')).toBe('1) "x"\n');
    expect(await cli('--no-raw', 'TYPE', 's')).toBe('set\n');
  });
});

describe('bad input gets an error and the server goes on', () => {
  const err = (p: Promise<unknown>) => p.then((r) => `no error: ${JSON.stringify(r)}`, (e: Error) => e.message);

  it('wrong arity, non-integer and huge counts, overflow, NaN', async () => {
    await io.flushall();
    await io.sadd('s', 'a', 'b');
    await io.hset('h', 'n', '9223372036854775807', 'x', 'text');
    expect(await err(io.call('HSET', 'h', 'a'))).toBe("ERR wrong number of arguments for 'hset' command");
    expect(await err(io.call('SADD', 's'))).toBe("ERR wrong number of arguments for 'sadd' command");
    expect(await err(io.call('SRANDMEMBER', 's', 'abc'))).toBe('ERR value is not an integer or out of range');
    expect(await err(io.call('SPOP', 's', '-1'))).toBe('ERR value is out of range, must be positive');
    expect(await err(io.call('HINCRBY', 'h', 'n', '1'))).toBe('ERR increment or decrement would overflow');
    expect(await err(io.call('HINCRBY', 'h', 'x', '1'))).toBe('ERR hash value is not an integer');
    expect(await err(io.call('HINCRBYFLOAT', 'h', 'x', 'nan'))).toBe('ERR value is not a valid float');
    expect(await err(io.call('HRANDFIELD', 'h', '-9223372036854775808'))).toBe('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    // Redis would stream 2^62 replies; kiwi builds replies in memory and refuses instead.
    expect(await err(io.call('SRANDMEMBER', 's', '-4611686018427387904'))).toMatch(/^ERR count is too large/);
    expect(await err(io.call('HRANDFIELD', 'h', '-2000000'))).toMatch(/^ERR count is too large/);
    // A huge positive count is just "all of them".
    expect((await io.call('SRANDMEMBER', 's', '4611686018427387904')) as string[]).toHaveLength(2);
    expect(await io.call('SRANDMEMBER', 's', '-100000')).toHaveLength(100_000);
    expect(await io.ping()).toBe('PONG');
  });

  it('a field of 32 MB is stored and read back whole', async () => {
    const big = Buffer.alloc(32 * 1024 * 1024, 'x');
    await io.hset('bigfield', 'f', big);
    expect(await io.hstrlen('bigfield', 'f')).toBe(big.length);
    expect((await io.hgetBuffer('bigfield', 'f'))!.equals(big)).toBe(true);
    await io.del('bigfield');
  });
});
