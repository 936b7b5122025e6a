// The read fast path: point reads from a connection with nothing in flight are answered on
// the network thread when RocksDB has the keys in memory; otherwise (a block only on
// disk, a connection with work in flight) they go to the storage threads as before.
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { Cmd } from '../../src/storage/requests.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const servers: TestServer[] = [];
const clients: Redis[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  for (const s of servers.splice(0)) await s.destroy();
});

async function serve(settings: Record<string, unknown> = {}): Promise<{ server: TestServer; redis: Redis }> {
  const server = await startTestServer({ settings });
  servers.push(server);
  const redis = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0 });
  clients.push(redis);
  await redis.connect();
  return { server, redis };
}

async function fast(redis: Redis): Promise<{ hits: number; misses: number; mode: string }> {
  const f = Object.fromEntries((await redis.info('runtime')).split('\r\n').filter((l) => l.includes(':')).map((l) => l.split(':')));
  return { hits: Number(f.fast_path_hits), misses: Number(f.fast_path_misses), mode: f.read_fast_path };
}

describe('read fast path', () => {
  it('answers GET, MGET, EXISTS, TTL and STRLEN from memory, and INFO counts the hits', async () => {
    const { redis } = await serve({ 'runtime.read_fast_path': 'on' });
    await redis.set('a', 'alpha');
    await redis.set('b', 'beta', 'EX', 100);
    const before = await fast(redis);
    expect(before.mode).toBe('on');
    expect(await redis.get('a')).toBe('alpha');
    expect(await redis.mget('a', 'b', 'missing')).toEqual(['alpha', 'beta', null]);
    expect(await redis.exists('a', 'b', 'missing')).toBe(2);
    expect(await redis.ttl('b')).toBeGreaterThan(98);
    expect(await redis.strlen('a')).toBe(5);
    expect(await redis.get('missing')).toBe(null);
    const after = await fast(redis);
    expect(after.hits - before.hits).toBe(6);
  });

  it('a read pipelined behind a write of the same connection sees the write', async () => {
    const { redis } = await serve({ 'runtime.read_fast_path': 'on' });
    const p = redis.pipeline();
    for (let i = 0; i < 300; i++) p.set('k', String(i)).get('k').incr('n').get('n');
    const out = (await p.exec())!.map(([, v]) => v);
    for (let i = 0; i < 300; i++) expect(out.slice(i * 4, i * 4 + 4)).toEqual(['OK', String(i), i + 1, String(i + 1)]);
  });

  it('a key whose block is only on disk misses and is answered by the storage threads', async () => {
    const { server, redis } = await serve({ 'runtime.read_fast_path': 'on', 'storage.block_cache_size': '1mb' });
    const value = (i: number) => `${i}:`.padEnd(1024, 'x');
    for (let i = 0; i < 4000; i += 200) {
      const p = redis.pipeline();
      for (let j = i; j < i + 200; j++) p.set(`disk:${j}`, value(j));
      await p.exec();
    }
    await server.runtime.storageClient().sendRequest(Cmd.flushMemtable());
    const before = await fast(redis);
    // 4 MB of blocks against a 1 MB cache: most of these reads need a block from the file.
    for (let i = 0; i < 4000; i += 97) expect(await redis.get(`disk:${i}`)).toBe(value(i));
    const after = await fast(redis);
    expect(after.misses - before.misses).toBeGreaterThan(0);
  });

  it('CONFIG SET read-fast-path off sends every read to the storage threads', async () => {
    const { redis } = await serve({ 'runtime.read_fast_path': 'on' });
    await redis.set('a', '1');
    expect(await redis.config('SET', 'read-fast-path', 'off')).toBe('OK');
    const before = await fast(redis);
    for (let i = 0; i < 20; i++) expect(await redis.get('a')).toBe('1');
    const after = await fast(redis);
    expect(after.hits).toBe(before.hits);
    expect(after.misses).toBe(before.misses);
    expect(after.mode).toBe('off');
  });
});
