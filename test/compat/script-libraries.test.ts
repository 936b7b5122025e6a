// Libraries built on scripts, against kiwi: redlock (locks taken, contended, extended and
// released with EVAL/EVALSHA) and rate-limiter-flexible's RateLimiterRedis (its INCR +
// PEXPIRE script through ioredis defineCommand). The same steps run against Debian's
// redis-server where it is installed, and must give the same outcomes.
import { Redis } from 'ioredis';
import Redlock from 'redlock';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { onPath, startReferenceRedis, type ReferenceRedis } from './harness.js';

const HAVE_REDIS = onPath('redis-server');
let kiwi: TestServer;
let redis: ReferenceRedis | undefined;
const clients: Redis[] = [];
const connect = (port: number): Redis => {
  const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  clients.push(c);
  return c;
};

beforeAll(async () => {
  [kiwi, redis] = await Promise.all([startTestServer(), HAVE_REDIS ? startReferenceRedis() : undefined]);
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all([kiwi?.destroy(), redis?.stop()]);
});

/** redlock: acquire, contend, extend, release; what each step did. */
async function redlockSteps(port: number): Promise<unknown[]> {
  const a = new Redlock([connect(port)], { retryCount: 0 });
  const b = new Redlock([connect(port)], { retryCount: 2, retryDelay: 50 });
  const plain = connect(port);
  const out: unknown[] = [];
  const lock = await a.lock('locks:order:1', 2000);
  out.push(['held', (await plain.get('locks:order:1')) === lock.value]);
  out.push(['contended', await b.lock('locks:order:1', 1000).then(() => 'acquired', (e: Error) => e.name)]);
  const extended = await lock.extend(5000);
  out.push(['extended ttl > 2 s', (await plain.pttl('locks:order:1')) > 2000]);
  await extended.unlock();
  out.push(['released', await plain.exists('locks:order:1')]);
  const again = await b.lock('locks:order:1', 1000);
  out.push(['acquired after release', (await plain.get('locks:order:1')) === again.value]);
  // Unlocking with a stale value must not delete someone else's lock (the script checks).
  out.push(['stale unlock', await extended.unlock().then(() => 'unlocked', (e: Error) => e.name)]);
  out.push(['still held', await plain.exists('locks:order:1')]);
  await again.unlock();
  return out;
}

/** RateLimiterRedis: 3 points per 10 s; consume 5 times; the outcomes. */
async function rateLimiterSteps(port: number): Promise<unknown[]> {
  const limiter = new RateLimiterRedis({ storeClient: connect(port), keyPrefix: 'rl', points: 3, duration: 10 });
  const out: unknown[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await limiter.consume('user:1').then((x) => x, (x: unknown) => x);
    out.push(r instanceof RateLimiterRes ? [r.remainingPoints, r.consumedPoints, r.msBeforeNext > 9000 && r.msBeforeNext <= 10000] : String(r));
  }
  const other = await limiter.consume('user:2', 2);
  out.push([other.remainingPoints, other.consumedPoints]);
  return out;
}

describe('libraries that run scripts', () => {
  it('redlock acquires, contends, extends and releases a lock', async () => {
    const steps = await redlockSteps(kiwi.port);
    expect(steps).toEqual([
      ['held', true], ['contended', 'LockError'], ['extended ttl > 2 s', true], ['released', 0], ['acquired after release', true], ['stale unlock', 'LockError'], ['still held', 1],
    ]);
    if (redis) expect(steps).toEqual(await redlockSteps(redis.port));
  });

  it('rate-limiter-flexible RateLimiterRedis consumes and rejects past its points', async () => {
    const steps = await rateLimiterSteps(kiwi.port);
    expect(steps).toEqual([[2, 1, true], [1, 2, true], [0, 3, true], [0, 4, true], [0, 5, true], [1, 2]]);
    if (redis) expect(steps).toEqual(await rateLimiterSteps(redis.port));
  });
});
