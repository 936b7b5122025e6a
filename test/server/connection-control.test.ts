// Issue 12's connection controls over TCP, with one network runtime and with three
// (clients then land on different runtimes, and the controls must reach all of them):
// protocol errors close the connection, CLIENT PAUSE/UNPAUSE (WRITE and ALL), MONITOR,
// and the reply-byte bounds (the output budget that stops reading a client that does not
// read its replies, and client-output-buffer-limit's hard limit).
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, resp, startTestServer, type TestServer } from '../helpers/server.js';

const servers: TestServer[] = [];
const clients: Array<Redis | RawClient> = [];
afterEach(async () => {
  for (const c of clients.splice(0)) (c instanceof Redis ? c.disconnect() : c.close());
  for (const s of servers.splice(0)) await s.destroy().catch(() => {});
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function serve(threads: number, settings: Record<string, unknown> = {}): Promise<TestServer> {
  // The acceptor hands connections out in turn, so with 3 runtimes the clients of a test
  // land on different ones (SO_REUSEPORT's hash may put all of them on one).
  const server = await startTestServer({ settings: { 'runtime.network_threads': threads, 'runtime.accept_mode': 'acceptor', ...settings } });
  servers.push(server);
  return server;
}

async function connect(server: TestServer, n: number): Promise<Redis[]> {
  const out: Redis[] = [];
  for (let i = 0; i < n; i++) {
    const r = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 0, lazyConnect: true, enableReadyCheck: false, retryStrategy: () => null });
    clients.push(r);
    await r.connect();
    out.push(r);
  }
  return out;
}

async function raw(server: TestServer): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  clients.push(c);
  return c;
}

/** Network runtimes that hold at least one connection (INFO runtime). */
async function runtimesInUse(r: Redis): Promise<number> {
  const info = await r.info('runtime');
  return [...info.matchAll(/network_runtime_\d+:.*connections=(\d+)/g)].filter((m) => Number(m[1]) > 0).length;
}

/** Settles `p` into 'pending' if it has not settled within `ms`. */
const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, sleep(ms).then(() => 'pending' as const)]);

for (const threads of [1, 3]) {
  describe(`network_threads = ${threads}`, () => {
    it('a protocol error is answered, then the connection closes: a client writing 100 MB after it has its writes fail', async () => {
      const server = await serve(threads);
      const c = await raw(server);
      c.write('*1\r\n$4\r\nPING\r\n*abc\r\n');
      expect(await c.waitClosed()).toBe(true);
      expect(c.buffered).toBe('+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n');

      // The same, then 100 MB written into the closed connection: the peer resets it, the
      // write fails long before 100 MB are accepted.
      const d = await raw(server);
      d.write('*abc\r\n');
      const big = Buffer.alloc(100 * 1024 * 1024, 'x');
      const failed = await new Promise<boolean>((resolve) => {
        d.socket.once('error', () => resolve(true));
        d.socket.once('close', () => resolve(true));
        d.socket.write(big, (err) => resolve(Boolean(err)));
        setTimeout(() => resolve(false), 20_000);
      });
      expect(failed).toBe(true);
      const [r] = await connect(server, 1);
      expect(await r.ping()).toBe('PONG');
    });

    it('CLIENT PAUSE WRITE holds writes (in order, with what follows them) on every runtime, reads run; UNPAUSE releases them', async () => {
      const server = await serve(threads);
      const [admin, ...others] = await connect(server, 6);
      if (threads > 1) expect(await runtimesInUse(admin)).toBeGreaterThan(1);
      expect(await admin.client('PAUSE', '20000', 'WRITE')).toBe('OK');
      // Reads pass; a write waits, and a read sent after it on the same connection waits behind it.
      expect(await Promise.all(others.map((r) => r.get('nothing')))).toEqual(others.map(() => null));
      const writes = others.map((r, i) => r.set(`k${i}`, 'v'));
      const after = others.map((r, i) => r.get(`k${i}`));
      expect(await within(Promise.all(writes), 300)).toBe('pending');
      expect(await within(Promise.all(after), 50)).toBe('pending');
      expect(await admin.get('k0')).toBeNull();
      expect(await admin.client('UNPAUSE')).toBe('OK');
      expect(await Promise.all(writes)).toEqual(others.map(() => 'OK'));
      expect(await Promise.all(after)).toEqual(others.map(() => 'v'));
    });

    it('CLIENT PAUSE ALL holds every command of other clients until the pause ends by itself', async () => {
      const server = await serve(threads);
      const [admin, ...others] = await connect(server, 6);
      const started = Date.now();
      expect(await admin.client('PAUSE', '600', 'ALL')).toBe('OK');
      const reads = others.map((r) => r.get('k'));
      expect(await within(Promise.all(reads), 200)).toBe('pending');
      expect(await Promise.all(reads)).toEqual(others.map(() => null));
      expect(Date.now() - started).toBeGreaterThanOrEqual(550);
      // Errors as Redis words them.
      await expect(admin.call('CLIENT', 'PAUSE', 'soon')).rejects.toThrow('ERR timeout is not an integer or out of range');
      await expect(admin.call('CLIENT', 'PAUSE', '10', 'SOME')).rejects.toThrow('ERR CLIENT PAUSE mode must be WRITE or ALL');
    });

    it('MONITOR sees every command of every client on every runtime, with its address and db', async () => {
      const server = await serve(threads);
      const monitor = await raw(server);
      expect(await monitor.roundTrip(resp('MONITOR'), '+OK\r\n')).toBe('+OK\r\n');
      const rs = await connect(server, 6);
      if (threads > 1) expect(await runtimesInUse(rs[0])).toBeGreaterThan(1);
      await Promise.all(rs.map(async (r, i) => {
        await r.select(i % 3);
        await r.set(`key:${i}`, `value ${i}`);
      }));
      const deadline = Date.now() + 5000;
      while (rs.some((_, i) => !monitor.buffered.includes(`"key:${i}"`)) && Date.now() < deadline) await sleep(20);
      const lines = monitor.buffered.split('\r\n').filter(Boolean);
      for (const [i, r] of rs.entries()) {
        const addr = `127.0.0.1:${r.stream.localPort}`;
        expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^\\+\\d+\\.\\d{6} \\[${i % 3} ${addr.replace(/\./g, '\\.')}\\] "set" "key:${i}" "value ${i}"$`)));
      }
      // A closed monitor no longer costs anything: the count goes back to 0 everywhere.
      monitor.close();
      await sleep(100);
      expect(await rs[1].set('after', '1')).toBe('OK');
    });

    it('a client that pipelines GETs of a 1 MB value without reading is stopped at the output budget, then served in full', async () => {
      const server = await serve(threads, { 'server.client_output_budget': '4mb' });
      const [r] = await connect(server, 1);
      const value = Buffer.alloc(1024 * 1024, 'v');
      await r.set('big', value);
      const c = await raw(server);
      c.socket.pause(); // reads nothing: replies pile up in the kernel, then in kiwi
      const n = 300; // 300 MB of replies asked for
      c.write(Buffer.concat(Array.from({ length: n }, () => resp('GET', 'big'))));
      await sleep(1500);
      const line = ((await r.client('LIST')) as string).split('\n').find((l) => l.includes(`addr=127.0.0.1:${c.socket.localPort}`)) ?? '';
      const omem = Number(/ omem=(\d+)/.exec(line)?.[1]);
      // What the server holds for it stays near the budget (plus one reply in flight), far
      // below the 300 MB it asked for; its unread commands wait in the kernel's buffers.
      expect(line).toContain('cmd=get');
      expect(omem).toBeLessThan(32 * 1024 * 1024);
      expect(await r.get('other')).toBeNull(); // others are served meanwhile
      // Count what arrives (collecting 300 MB in one buffer would be the test's own cost).
      const reply = Buffer.from(`$${value.length}\r\n${value.toString('latin1')}\r\n`, 'latin1');
      const total = reply.length * n;
      let received = c.buffered.length;
      let last = Buffer.alloc(0);
      c.socket.removeAllListeners('data');
      c.socket.on('data', (d: Buffer) => {
        received += d.length;
        last = Buffer.concat([last, d]).subarray(-reply.length);
      });
      c.socket.resume();
      const deadline = Date.now() + 60_000;
      while (received < total && Date.now() < deadline) await sleep(50);
      expect(received).toBe(total);
      expect(Buffer.compare(last, reply)).toBe(0);
    }, 90_000);

    it('client-output-buffer-limit normal: a client over the hard limit is disconnected, the others keep being served', async () => {
      const server = await serve(threads, { 'server.client_output_budget': '64mb' });
      const [r] = await connect(server, 1);
      expect(await r.config('SET', 'client-output-buffer-limit', 'normal 8mb 0 0')).toBe('OK');
      expect(await r.config('GET', 'client-output-buffer-limit')).toEqual(['client-output-buffer-limit', 'normal 8388608 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60']);
      await r.set('big', Buffer.alloc(1024 * 1024, 'v'));
      const c = await raw(server);
      c.socket.pause();
      c.write(Buffer.concat(Array.from({ length: 60 }, () => resp('GET', 'big'))));
      await sleep(3000);
      c.socket.resume(); // now it sees what was sent before the close, then the close
      expect(await c.waitClosed(20_000)).toBe(true);
      expect(c.buffered.length).toBeLessThan(60 * 1024 * 1024);
      expect(await r.client('LIST')).not.toContain(`addr=127.0.0.1:${c.socket.localPort}`);
      expect(await r.get('missing')).toBeNull();
    }, 60_000);
  });
}
