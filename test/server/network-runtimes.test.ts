// Several network runtimes (runtime.network_threads = 3): connections spread over worker
// threads that share one storage runtime, and everything a client can see still behaves
// as one server: reply order, ids, CLIENT LIST/KILL, INFO, /metrics, /health, CONFIG SET,
// AUTH and SELECT, backpressure, shutdown without losing acknowledged writes, and a
// failing runtime that takes nothing else down.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { Logger } from '../../src/logger.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { diskDir } from '../helpers/storage-mode.js';

const servers: TestServer[] = [];
const clients: Redis[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  for (const s of servers.splice(0)) await s.destroy().catch(() => {});
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const error = (p: Promise<unknown>) => p.then(() => 'no error', (e: Error) => e.message);
const fields = (text: string) => Object.fromEntries(text.split('\r\n').filter((l) => l.includes(':')).map((l) => l.split(/:(.*)/s).slice(0, 2)));

async function serve(settings: Record<string, unknown> = {}, options: { dir?: string; logger?: Logger } = {}): Promise<TestServer> {
  const server = await startTestServer({ settings: { 'runtime.network_threads': 3, ...settings }, ...options });
  servers.push(server);
  return server;
}

async function connect(server: TestServer, n: number, options: Record<string, unknown> = {}): Promise<Redis[]> {
  const out: Redis[] = [];
  for (let i = 0; i < n; i++) {
    const r = new Redis({
      port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true, enableReadyCheck: false, retryStrategy: () => null, ...options,
    });
    clients.push(r);
    await r.connect();
    out.push(r);
  }
  return out;
}

/** Connections per runtime, from INFO runtime. */
async function spread(r: Redis): Promise<number[]> {
  const info = fields(await r.info('runtime'));
  return [0, 1, 2].map((i) => Number(/connections=(\d+)/.exec(info[`network_runtime_${i}`] ?? '')?.[1] ?? -1));
}

describe('network_threads = 3', () => {
  it('runs three named network threads beside the storage threads, and spreads connections over them', async () => {
    const server = await serve();
    const names = readdirSync('/proc/self/task').map((t) => {
      try {
        return readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim();
      } catch {
        return '';
      }
    });
    expect(names.filter((n) => n.startsWith('kiwi-net-')).sort()).toEqual(['kiwi-net-0', 'kiwi-net-1', 'kiwi-net-2']);
    expect(names.some((n) => n.startsWith('kiwi-storage-'))).toBe(true);
    const conns = await connect(server, 12);
    const perRuntime = await spread(conns[0]);
    expect(perRuntime.reduce((a, b) => a + b, 0)).toBe(12);
    expect(perRuntime.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    const info = fields(await conns[0].info('runtime'));
    expect(info.network_threads).toBe('3');
    expect(info.network_threads_live).toBe('3');
  });

  it('keeps each connection\'s replies in request order while every runtime works at once', async () => {
    const server = await serve();
    const conns = await connect(server, 9);
    await Promise.all(
      conns.map(async (r, c) => {
        const p = r.pipeline();
        const expected: unknown[] = [];
        for (let i = 0; i < 300; i++) {
          p.set(`order:${c}:${i}`, `v${i}`);
          p.incr(`order:${c}:n`);
          p.get(`order:${c}:${i}`);
          p.exists(`order:${c}:${i + 1}`);
          expected.push([null, 'OK'], [null, i + 1], [null, `v${i}`], [null, 0]);
        }
        expect(await p.exec()).toEqual(expected);
      }),
    );
  });

  it('gives unique client ids, and CLIENT LIST, CLIENT KILL and INFO clients see every runtime\'s clients', async () => {
    const server = await serve();
    const conns = await connect(server, 12);
    const ids = await Promise.all(conns.map((r) => r.client('ID') as Promise<number>));
    expect(new Set(ids).size).toBe(12);
    expect((await spread(conns[0])).filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    const listed = ((await conns[5].client('LIST')) as string).trim().split('\n').map((l) => Number(/^id=(\d+) /.exec(l)![1]));
    expect(listed).toEqual([...ids].sort((a, b) => a - b));
    expect(fields(await conns[3].info('clients')).connected_clients).toBe('12');
    expect(await conns[7].client('INFO')).toMatch(new RegExp(`^id=${ids[7]} `));
    // Kill every other client from one connection: most live on other runtimes.
    const victims = ids.slice(1);
    expect(await conns[0].call('CLIENT', 'KILL', 'ID', String(victims[0]))).toBe(1);
    const killed = await Promise.all(victims.slice(1).map((id) => conns[0].call('CLIENT', 'KILL', 'ID', String(id))));
    expect(killed).toEqual(victims.slice(1).map(() => 1));
    for (let i = 0; i < 50 && fields(await conns[0].info('clients')).connected_clients !== '1'; i++) await sleep(20);
    expect(fields(await conns[0].info('clients')).connected_clients).toBe('1');
    expect(((await conns[0].client('LIST')) as string).trim().split('\n')).toHaveLength(1);
    expect(await error(conns[4].ping())).not.toBe('no error');
  });

  it('INFO, /metrics and /health add up every runtime and show each runtime\'s event-loop delay', async () => {
    const s = await serve({ 'http.port': await freePort() });
    const conns = await connect(s, 9);
    await Promise.all(conns.map((r, i) => r.set(`info:${i}`, 'x').then(() => r.get(`info:${i}`))));
    const stats = fields(await conns[0].info('stats'));
    expect(Number(stats.total_commands_processed)).toBeGreaterThanOrEqual(18);
    expect(Number(stats.total_connections_received)).toBeGreaterThanOrEqual(9);
    const cmd = fields(await conns[1].info('commandstats'));
    expect(cmd.cmdstat_set).toMatch(/^calls=9,/);
    const runtime = fields(await conns[2].info('runtime'));
    for (const i of [0, 1, 2]) expect(runtime[`network_runtime_${i}`]).toMatch(/event_loop_delay_p99_ms=[\d.]+/);
    const port = s.runtime.httpPort;
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/kiwi_commands_total\{command="set"\} 9/);
    for (const i of [0, 1, 2]) expect(metrics).toMatch(new RegExp(`kiwi_runtime_event_loop_delay_p99_seconds\\{runtime="${i}"\\} [\\d.e-]+`));
    expect(metrics).toMatch(/kiwi_connected_clients 9/);
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { network: { runtimes: Array<{ alive: boolean; eventLoopDelayP99Ms: number }>; connections: number } };
    expect(health.network.runtimes).toHaveLength(3);
    expect(health.network.runtimes.every((r) => r.alive && typeof r.eventLoopDelayP99Ms === 'number')).toBe(true);
    expect(health.network.connections).toBe(9);
  });

  it('CONFIG SET on one connection reaches every runtime before its OK; AUTH and SELECT stay per connection', async () => {
    const server = await serve();
    const conns = await connect(server, 9);
    expect(await conns[0].config('SET', 'maxclients', '123')).toBe('OK');
    const seen = await Promise.all(conns.map((r) => r.config('GET', 'maxclients')));
    expect(seen).toEqual(conns.map(() => ['maxclients', '123']));
    expect(await conns[4].config('SET', 'requirepass', 'secret')).toBe('OK');
    // Connections opened now, on every runtime, must authenticate.
    const fresh = await connect(server, 9);
    const denied = await Promise.all(fresh.map((r) => error(r.get('x'))));
    expect(denied).toEqual(fresh.map(() => 'NOAUTH Authentication required.'));
    expect(await fresh[0].auth('secret')).toBe('OK');
    expect(await fresh[0].select(5)).toBe('OK');
    expect(await fresh[0].set('k', 'in db 5')).toBe('OK');
    expect(await error(fresh[1].get('k'))).toBe('NOAUTH Authentication required.');
    expect(await fresh[2].auth('secret')).toBe('OK');
    expect(await fresh[2].get('k')).toBe(null);
    expect(await fresh[2].select(5)).toBe('OK');
    expect(await fresh[2].get('k')).toBe('in db 5');
  });

  it('storage backpressure pauses the sockets of every runtime, and reading resumes after', async () => {
    const server = await serve({ 'runtime.channel_buffer_size': 10 });
    const conns = await connect(server, 9);
    const before = fields(await conns[0].info('runtime'));
    // One connection sends more than the queue holds, slow enough (64 x 1 MB) that the
    // pause lasts; the queue is shared, so every runtime must pause.
    const p = conns[0].pipeline();
    const big = 'x'.repeat(1 << 20);
    for (let i = 0; i < 64; i++) p.set(`bp:${i}`, big);
    const results = await p.exec();
    expect(results!.every(([err, v]) => err === null && v === 'OK')).toBe(true);
    const after = fields(await conns[1].info('runtime'));
    for (const i of [0, 1, 2]) {
      const pauses = (line: string) => Number(/reading_pauses=(\d+)/.exec(line)![1]);
      expect(pauses(after[`network_runtime_${i}`]), `runtime ${i}`).toBeGreaterThan(pauses(before[`network_runtime_${i}`]));
      expect(after[`network_runtime_${i}`]).toMatch(/reading_paused=0/);
    }
    expect(await Promise.all(conns.map((r) => r.strlen('bp:63')))).toEqual(conns.map(() => 1 << 20));
  });

  it('SHUTDOWN drains every runtime: no acknowledged write is lost', async () => {
    // What a restart finds is the subject: a directory, also in the :memory: pass.
    const server = await serve({}, { dir: diskDir() });
    const conns = await connect(server, 6);
    const acked = conns.map(() => 0);
    let stop = false;
    const writers = conns.map(async (r, c) => {
      while (!stop) {
        try {
          const p = r.pipeline();
          for (let i = 0; i < 20; i++) p.incr(`acked:${c}`);
          const res = (await p.exec()) ?? [];
          for (const [err] of res) if (err === null) acked[c]++;
          if (res.some(([err]) => err !== null)) return;
        } catch {
          return;
        }
      }
    });
    await sleep(300);
    const [admin] = await connect(server, 1);
    await error(admin.shutdown());
    stop = true;
    await Promise.all(writers);
    await server.runtime.stop();
    expect(server.runtime.state).toBe('stopped');
    expect(acked.every((n) => n > 0)).toBe(true);
    servers.splice(servers.indexOf(server), 1);
    const again = await serve({}, { dir: server.dir });
    const [r] = await connect(again, 1);
    const counts = await Promise.all(conns.map((_c, i) => r.get(`acked:${i}`)));
    counts.forEach((v, i) => expect(Number(v), `connection ${i}`).toBeGreaterThanOrEqual(acked[i]));
  });

  it('an uncaught error in one network runtime is logged; storage and the other runtimes go on, and it is replaced', async () => {
    const lines: string[] = [];
    const server = await serve({ 'runtime.fault_injection.enabled': true }, { logger: new Logger('notice', (l) => lines.push(l)) });
    const conns = await connect(server, 12);
    await conns[0].set('survivor', 'yes');
    const victim = conns[0];
    await victim.call('DEBUG', 'PANIC').catch(() => {});
    for (let i = 0; i < 100 && !lines.some((l) => /network runtime \d failed: Error: DEBUG PANIC/.test(l)); i++) await sleep(20);
    expect(lines.some((l) => /network runtime \d failed: Error: DEBUG PANIC/.test(l))).toBe(true);
    // Connections of the other runtimes still work, and storage kept every write.
    const alive: Redis[] = [];
    for (const r of conns.slice(1)) if ((await error(r.ping())) === 'no error') alive.push(r);
    expect(alive.length).toBeGreaterThan(0);
    expect(alive.length).toBeLessThan(11 + 1);
    expect(await alive[0].get('survivor')).toBe('yes');
    expect(await alive[0].incr('after-panic')).toBe(1);
    // The failed runtime is replaced: three live runtimes again, and new connections work.
    for (let i = 0; i < 100 && server.runtime.liveRuntimes < 3; i++) await sleep(20);
    expect(server.runtime.liveRuntimes).toBe(3);
    const fresh = await connect(server, 6);
    expect(await Promise.all(fresh.map((r) => r.get('survivor')))).toEqual(fresh.map(() => 'yes'));
    expect(await error(conns[0].call('DEBUG', 'PANIC'))).not.toBe('no error');
  });

  it('DEBUG PANIC is refused without fault injection', async () => {
    const server = await serve();
    const [r] = await connect(server, 1);
    expect(await error(r.call('DEBUG', 'PANIC'))).toBe('ERR DEBUG PANIC needs fault injection (--fault-injection)');
  });

  it('hands connections out from one acceptor too (runtime.accept_mode = acceptor)', async () => {
    const server = await serve({ 'runtime.accept_mode': 'acceptor' });
    const conns = await connect(server, 9);
    expect(await spread(conns[0])).toEqual([3, 3, 3]);
    const ids = await Promise.all(conns.map((r) => r.client('ID') as Promise<number>));
    expect(new Set(ids).size).toBe(9);
    await Promise.all(conns.map(async (r, c) => {
      const p = r.pipeline();
      for (let i = 0; i < 100; i++) p.incr(`acc:${c}`);
      expect((await p.exec())!.map(([, v]) => v)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    }));
  });
});

describe('network_threads = 3: issue 12 state kept per runtime', () => {
  it('SLOWLOG and LATENCY show and reset the commands of every runtime as one log', async () => {
    const server = await serve({ 'server.slowlog_log_slower_than': 0, 'server.latency_monitor_threshold': 5 });
    const cs = await connect(server, 9);
    // SO_REUSEPORT spreads connections by hash: at least two runtimes hold some of them.
    expect((await spread(cs[0])).filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    await cs[0].slowlog('RESET');
    for (const [i, c] of cs.entries()) await c.set(`k${i}`, String(i));
    await cs[4].call('DEBUG', 'SLEEP', '0.2');
    await cs[8].call('DEBUG', 'SLEEP', '0.2');
    // Asked on any runtime, the log has every connection's SET, newest first, ids unique.
    for (const asker of [cs[1], cs[5]]) {
      const entries = (await asker.slowlog('GET', -1)) as unknown[][];
      const sets = entries.filter((e) => (e[3] as string[])[0] === 'set').map((e) => (e[3] as string[])[1]);
      expect(sets).toEqual(['k8', 'k7', 'k6', 'k5', 'k4', 'k3', 'k2', 'k1', 'k0']);
      const ids = entries.map((e) => e[0] as number);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      expect(new Set(ids).size).toBe(ids.length);
    }
    const latest = (await cs[2].call('LATENCY', 'LATEST')) as unknown[][];
    expect(latest.map((e) => e[0])).toEqual(['command']);
    expect(latest[0][3]).toBeGreaterThanOrEqual(200);
    expect(await cs[3].call('LATENCY', 'RESET')).toBe(1);
    // The sleeps' samples are gone everywhere. On a loaded machine a command after the
    // reset (LATENCY RESET itself crosses the bus) may pass the 5 ms threshold anew, so
    // only samples as slow as the sleeps are ruled out.
    const after = (await cs[6].call('LATENCY', 'LATEST')) as unknown[][];
    expect(after.filter((e) => (e[3] as number) >= 200)).toEqual([]);
    await cs[7].slowlog('RESET');
    expect(await cs[0].slowlog('LEN')).toBeLessThanOrEqual(1);
  });

  it('INFO keyspace follows SWAPDB whichever runtime runs it', async () => {
    const server = await serve({}, { dir: diskDir() });
    const [c] = await connect(server, 1);
    await c.mset('a', '1', 'b', '2');
    await server.close();
    servers.pop();
    const again = await serve({}, { dir: server.dir });
    const cs = await connect(again, 4);
    const deadline = Date.now() + 5000;
    while (!fields(await cs[0].info('keyspace')).db0 && Date.now() < deadline) await sleep(20);
    expect(fields(await cs[0].info('keyspace')).db0).toBe('keys=2,expires=0,avg_ttl=0');
    expect(await cs[3].swapdb(0, 7)).toBe('OK');
    const info = fields(await cs[1].info('keyspace'));
    expect([info.db0, info.db7]).toEqual([undefined, 'keys=2,expires=0,avg_ttl=0']);
    await cs[2].select(7);
    expect(await cs[2].get('a')).toBe('1');
  });
});
