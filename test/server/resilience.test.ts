// Issue 5's layers through a real server: fault injection over CONFIG SET, the circuit
// breaker in INFO and /health, exactly-once under injected drops, a real ENOSPC on a
// small tmpfs, and the HTTP endpoints.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { testStorage } from '../helpers/storage-mode.js';

const servers: TestServer[] = [];
const clients: Redis[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  for (const s of servers.splice(0)) await s.destroy();
});

async function serve(settings: Record<string, unknown>, dir?: string): Promise<{ server: TestServer; redis: Redis }> {
  const server = await startTestServer({ dir, settings });
  servers.push(server);
  const redis = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true });
  await redis.connect();
  clients.push(redis);
  return { server, redis };
}

const error = (p: Promise<unknown>) => p.then(() => 'no error', (e: Error) => e.message);
const info = async (r: Redis, section: string) =>
  Object.fromEntries((await r.info(section)).split('\r\n').filter((l) => l.includes(':')).map((l) => l.split(/:(.*)/s).slice(0, 2)));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe('fault injection over CONFIG SET', () => {
  it('is refused unless the server started with fault injection', async () => {
    const { redis } = await serve({});
    expect(await error(redis.config('SET', 'fault-injection-error-rate', '0.5'))).toMatch(
      /^ERR CONFIG SET failed \(possibly related to argument 'fault-injection-error-rate'\) - fault injection is off/,
    );
  });

  it('injected errors open the breaker, requests then fail at once, and it closes after they stop', async () => {
    const { server, redis } = await serve({
      'runtime.fault_injection.enabled': true,
      'runtime.fault_injection.log_events': false,
      'runtime.retry.max_retries': 0,
      'runtime.circuit_breaker.failure_threshold': 3,
      'runtime.circuit_breaker.cooldown': 300,
      'runtime.health_check_interval': 100_000,
    });
    await sleep(100); // let start-up's own storage requests (keyspace count, health ping) finish
    await redis.config('SET', 'fault-injection-error-rate', '1');
    for (let i = 0; i < 3; i++) expect(await error(redis.set('k', 'v'))).toMatch(/^ERR storage error: injected fault/);
    const t0 = performance.now();
    expect(await error(redis.set('k', 'v'))).toBe('ERR storage unavailable: circuit breaker open');
    expect(performance.now() - t0).toBeLessThan(50);
    await server.runtime.checkHealth();
    expect((await info(redis, 'circuit_breaker')).circuit_breaker_state).toBe('open');
    expect(server.runtime.health().status).toBe('unhealthy');
    await redis.config('SET', 'fault-injection-error-rate', '0');
    await sleep(350);
    expect(await redis.set('k', 'v')).toBe('OK');
    const b = await info(redis, 'circuit_breaker');
    expect(b.circuit_breaker_state).toBe('closed');
    expect(Number(b.circuit_breaker_opened)).toBe(1);
  });

  it('with injected drops and timeouts every INCR runs exactly once', async () => {
    const { redis } = await serve({
      'runtime.fault_injection.enabled': true,
      'runtime.fault_injection.log_events': false,
      'runtime.circuit_breaker.enabled': false,
      'runtime.request_timeout': 40,
    });
    await redis.config('SET', 'fault-injection-drop-rate', '0.3');
    // One at a time, so each request is its own batch and meets the dice alone.
    const results: PromiseSettledResult<number>[] = [];
    for (let i = 0; i < 100; i++) {
      results.push(...(await Promise.allSettled([redis.incr('counter')])));
    }
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const timedOut = results.filter((r) => r.status === 'rejected' && /timed out/.test(String((r as PromiseRejectedResult).reason)));
    expect(ok + timedOut.length).toBe(100);
    expect(timedOut.length).toBeGreaterThan(0);
    await redis.config('SET', 'fault-injection-drop-rate', '0');
    expect(Number(await redis.get('counter'))).toBe(ok);
  });
});

describe('observability over HTTP', () => {
  it('GET /health answers JSON and GET /metrics Prometheus text with kiwi_ series', async () => {
    const { server, redis } = await serve({ 'http.port': await freePort() });
    await redis.set('a', '1');
    await redis.get('a');
    const port = server.runtime.httpPort;
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    const h = (await health.json()) as { status: string; storage: { breaker: string } };
    expect(h.status).toBe('healthy');
    expect(h.storage.breaker).toBe('closed');
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    for (const series of [
      'kiwi_commands_total{command="get"} 1',
      'kiwi_command_duration_seconds_bucket{command="set",le="+Inf"} 1',
      'kiwi_channel_pending_requests',
      'kiwi_storage_threads',
      'kiwi_circuit_breaker_state{state="closed"} 1',
      'kiwi_rocksdb_memtable_bytes',
      'kiwi_rocksdb_block_cache_usage_bytes',
      'kiwi_rocksdb_table_readers_bytes',
      'kiwi_rocksdb_pending_compaction_bytes',
      'kiwi_rocksdb_stall_seconds_total',
    ]) {
      expect(metrics).toContain(series);
    }
    expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404);
  });
});

describe('dynamic scaling', () => {
  it('storage threads grow on queue fill and shrink back, visible in INFO', async () => {
    const { server, redis } = await serve({
      'runtime.storage_threads': 2,
      'runtime.channel_buffer_size': 100,
      'runtime.scaling.enabled': true,
      'runtime.scaling.min_storage_threads': 2,
      'runtime.scaling.max_storage_threads': 4,
      'runtime.scaling.scale_up_threshold': 10,
      'runtime.scaling.scale_down_threshold': 5,
      'runtime.scaling.evaluation_interval': 20,
    });
    // Slow work from many connections fills the queue: KEYS over a few thousand keys.
    await redis.pipeline(Array.from({ length: 5000 }, (_, i) => ['set', `k${i}`, 'v'])).exec();
    const others = await Promise.all(Array.from({ length: 30 }, async () => {
      const c = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
      await c.connect();
      clients.push(c);
      return c;
    }));
    let peak = 2;
    const sampler = setInterval(() => (peak = Math.max(peak, server.runtime.storageStats()?.threads ?? 0)), 2);
    await Promise.all(others.flatMap((c) => Array.from({ length: 10 }, () => c.keys('*'))));
    clearInterval(sampler);
    // Grew from the minimum, never past the maximum.
    expect(peak).toBeGreaterThan(2);
    expect(peak).toBeLessThanOrEqual(4);
    const until = Date.now() + 5000;
    while (Date.now() < until && server.runtime.storageStats()!.threads > 2) await sleep(20);
    expect(server.runtime.storageStats()!.threads).toBe(2);
    const scaling = await info(redis, 'circuit_breaker');
    expect(Number(scaling.scaling_ups)).toBeGreaterThanOrEqual(1);
    expect(Number(scaling.scaling_downs)).toBeGreaterThanOrEqual(1);
  });
});

// A real "no space left on device": the data directory on a 24 MB tmpfs, mostly filled.
function mountSmallTmpfs(): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'kiwi-enospc-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
}
// The disk pass only: it is about a directory filling up, and the memory pass would
// repeat the same run on the same kind of tmpfs.
const tmpfs = process.getuid?.() === 0 && testStorage === 'disk' ? mountSmallTmpfs() : null;

describe.skipIf(tmpfs === null)('disk full (needs root to mount a tmpfs, and runs in the disk pass only; skipped otherwise)', () => {
  afterEach(() => {
    if (tmpfs) {
      for (const s of servers.splice(0)) void s;
    }
  });

  it('writes fail with an error, reads keep working, and writes resume once space is freed', async () => {
    const mount = tmpfs!;
    const data = join(mount, 'data');
    mkdirSync(data);
    const filler = join(mount, 'filler');
    const { server, redis } = await serve(
      {
        'storage.write_buffer_size': '1mb',
        'storage.block_cache_size': '1mb',
        'storage.compression': 'none',
        'runtime.health_check_interval': 50,
        'runtime.recovery.resume_interval': 50,
        'runtime.circuit_breaker.enabled': false,
        'runtime.retry.max_retries': 0,
      },
      data,
    );
    try {
      // Leave about 6 MB free.
      writeFileSync(filler, Buffer.alloc(14 * 1024 * 1024));
      const value = Buffer.alloc(64 * 1024, 'x');
      const acked: string[] = [];
      let failure = '';
      for (let i = 0; i < 400 && failure === ''; i++) {
        try {
          await redis.set(`k${i}`, value);
          acked.push(`k${i}`);
        } catch (e) {
          failure = (e as Error).message;
        }
      }
      expect(failure).toMatch(/No space left on device|MISCONF/);
      expect(acked.length).toBeGreaterThan(10);
      // Reads keep working while writes are refused.
      expect((await redis.getBuffer(acked[0]))?.length).toBe(value.length);
      await sleep(200);
      expect(await error(redis.set('blocked', 'v'))).toMatch(/MISCONF|No space left/);
      expect(Number(await redis.exists(acked[acked.length - 1]))).toBe(1);
      // Free the space: the database resumes and writes go through again.
      rmSync(filler);
      const deadline = Date.now() + 15_000;
      let resumed = false;
      while (!resumed && Date.now() < deadline) {
        resumed = (await error(redis.set('after', 'v'))) === 'no error';
        if (!resumed) await sleep(100);
      }
      expect(resumed).toBe(true);
      for (const k of acked) expect(await redis.exists(k)).toBe(1);
    } finally {
      for (const s of servers.splice(0)) await s.close();
      execFileSync('umount', [mount]);
      rmSync(mount, { recursive: true, force: true });
    }
  }, 120_000);
});
