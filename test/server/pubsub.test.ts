// Pub/sub over TCP with one and with three network runtimes. With three, connections are
// handed out in turn (accept_mode = acceptor), so a publisher and its subscribers sit on
// different runtimes: PUBLISH must count and reach every one of them, in publish order,
// and a subscriber that stops reading is cut off at the pubsub output limit.
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { RespConnection } from '../compat/harness.js';

const servers: TestServer[] = [];
const clients: Array<Redis | RespConnection> = [];
afterEach(async () => {
  for (const c of clients.splice(0)) (c instanceof Redis ? c.disconnect() : c.close());
  for (const s of servers.splice(0)) await s.destroy().catch(() => {});
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await sleep(20);
  }
}

for (const threads of [1, 3]) {
  describe(`pub/sub with network_threads = ${threads}`, () => {
    async function serve(settings: Record<string, unknown> = {}): Promise<TestServer> {
      const server = await startTestServer({ settings: { 'runtime.network_threads': threads, 'runtime.accept_mode': 'acceptor', ...settings } });
      servers.push(server);
      return server;
    }

    /** Connects `n` ioredis clients one after another (so the acceptor spreads them in turn). */
    async function connect(server: TestServer, n: number): Promise<Redis[]> {
      const out: Redis[] = [];
      for (let i = 0; i < n; i++) {
        const r = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        clients.push(r);
        await r.connect();
        out.push(r);
      }
      return out;
    }

    /** Connections per runtime (INFO runtime). */
    async function spread(r: Redis): Promise<number[]> {
      const info = await r.info('runtime');
      return [...info.matchAll(/network_runtime_\d+:connections=(\d+)/g)].map((m) => Number(m[1]));
    }

    it('PUBLISH reaches channel and pattern subscribers on every runtime and counts them', async () => {
      const server = await serve();
      const [pub, s1, s2, s3] = await connect(server, 4);
      if (threads === 3) expect(await spread(pub)).toEqual([2, 1, 1]);
      const got: string[] = [];
      s1.on('message', (ch, m) => got.push(`s1 ${ch} ${m}`));
      s2.on('message', (ch, m) => got.push(`s2 ${ch} ${m}`));
      s3.on('pmessage', (p, ch, m) => got.push(`s3 ${p} ${ch} ${m}`));
      await s1.subscribe('news');
      await s2.subscribe('news', 'other');
      await s3.psubscribe('n*s', 'x');
      expect(await pub.publish('news', 'hello')).toBe(3);
      expect(await pub.publish('other', 'o')).toBe(1);
      expect(await pub.publish('none', 'n')).toBe(0);
      await until(async () => got.length, (n) => n >= 4);
      expect(got.sort()).toEqual(['s1 news hello', 's2 news hello', 's2 other o', 's3 n*s news hello']);
    });

    it('keeps one publisher\'s order at every subscriber, whichever runtime each is on', async () => {
      const server = await serve();
      const [pub, ...subs] = await connect(server, 4);
      const received = subs.map(() => [] as number[]);
      for (const [i, s] of subs.entries()) {
        s.on('message', (_ch, m) => received[i].push(Number(m)));
        await s.subscribe('seq');
      }
      const N = 3000;
      const p = pub.pipeline();
      for (let i = 0; i < N; i++) p.publish('seq', String(i));
      const counts = (await p.exec())!.map(([, n]) => n);
      expect(counts.every((n) => n === 3)).toBe(true);
      await until(async () => received.map((r) => r.length), (l) => l.every((n) => n === N), 10_000);
      for (const r of received) expect(r).toEqual(Array.from({ length: N }, (_, i) => i));
    });

    it('PUBSUB CHANNELS, NUMSUB, NUMPAT and the SHARD forms see subscribers of every runtime', async () => {
      const server = await serve();
      const [pub, s1, s2] = await connect(server, 3);
      await s1.subscribe('c1', 'c2');
      await s2.subscribe('c2');
      await s2.psubscribe('p*');
      await s1.psubscribe('p*', 'q*');
      await s1.ssubscribe('sh1');
      await s2.ssubscribe('sh1', 'sh2');
      expect((await pub.pubsub('CHANNELS') as string[]).sort()).toEqual(['c1', 'c2']);
      expect(await pub.pubsub('CHANNELS', 'c[2]')).toEqual(['c2']);
      expect(await pub.pubsub('NUMSUB', 'c1', 'c2', 'c3')).toEqual(['c1', 1, 'c2', 2, 'c3', 0]);
      expect(await pub.pubsub('NUMPAT')).toBe(2);
      expect((await pub.pubsub('SHARDCHANNELS') as string[]).sort()).toEqual(['sh1', 'sh2']);
      expect(await pub.pubsub('SHARDNUMSUB', 'sh1', 'sh2')).toEqual(['sh1', 2, 'sh2', 1]);
      expect(await pub.info('stats')).toMatch(/\r\npubsub_channels:2\r\npubsub_patterns:2\r\npubsubshard_channels:2\r\n/);
      const got: string[] = [];
      s1.on('smessage', (ch, m) => got.push(`s1 ${ch} ${m}`));
      s2.on('smessage', (ch, m) => got.push(`s2 ${ch} ${m}`));
      expect(await pub.spublish('sh1', 'x')).toBe(2);
      expect(await pub.publish('sh1', 'not shard')).toBe(0);
      await until(async () => got.length, (n) => n >= 2);
      expect(got.sort()).toEqual(['s1 sh1 x', 's2 sh1 x']);
    });

    it('a subscriber that leaves (UNSUBSCRIBE, RESET or disconnect) stops being counted', async () => {
      const server = await serve();
      const [pub, s1, s2] = await connect(server, 3);
      const s3 = await RespConnection.open(server.port);
      clients.push(s3);
      await s1.subscribe('gone');
      await s2.subscribe('gone');
      await s3.command(['PSUBSCRIBE', 'go*']);
      expect(await pub.publish('gone', 'x')).toBe(3);
      await s1.unsubscribe('gone');
      expect(await until(() => pub.publish('gone', 'x'), (n) => n === 2)).toBe(2);
      s2.disconnect();
      expect(await until(() => pub.publish('gone', 'x'), (n) => n === 1)).toBe(1);
      // Its pattern messages come first, then RESET's answer.
      s3.send(['RESET']);
      let reply = '';
      while (reply.startsWith('*4') || reply === '') reply = await s3.next();
      expect(reply).toBe('+RESET\r\n');
      expect(await until(() => pub.publish('gone', 'x'), (n) => n === 0)).toBe(0);
      expect(await pub.pubsub('NUMPAT')).toBe(0);
    });

    it('CLIENT LIST shows subscribers with flag P and their sub/psub/ssub counts', async () => {
      const server = await serve();
      const [admin, s1] = await connect(server, 2);
      const id = await s1.client('ID');
      await s1.subscribe('a', 'b');
      await s1.psubscribe('p*');
      await s1.ssubscribe('s');
      const line = await admin.client('LIST', 'ID', String(id)) as string;
      expect(line).toMatch(/ flags=P /);
      expect(line).toMatch(/ sub=2 psub=1 ssub=1 /);
      // TYPE pubsub selects subscribers, TYPE normal the others.
      expect((await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub') as string).trim().split('\n').map((l) => /^id=(\d+)/.exec(l)![1])).toEqual([String(id)]);
      expect(await admin.call('CLIENT', 'LIST', 'TYPE', 'normal')).not.toMatch(new RegExp(`^id=${id} `, 'm'));
      await s1.unsubscribe('a', 'b');
      await s1.punsubscribe('p*');
      await s1.sunsubscribe('s');
      expect(await admin.client('LIST', 'ID', String(id))).toMatch(/ flags=N db=0 sub=0 psub=0 ssub=0 /);
      await s1.subscribe('again');
      expect(await admin.client('KILL', 'TYPE', 'pubsub')).toBe(1);
      expect(await until(() => admin.pubsub('NUMSUB', 'again'), (v) => (v as unknown[])[1] === 0)).toEqual(['again', 0]);
    });

    it('the idle timeout spares subscribers, as Redis does', async () => {
      const server = await serve({ 'server.timeout': 1 });
      const [idle, sub] = await connect(server, 2);
      const got: string[] = [];
      sub.on('message', (_ch, m) => got.push(m));
      await sub.subscribe('quiet');
      await idle.ping();
      await sleep(2600);
      expect(idle.status).not.toBe('ready');
      const [pub] = await connect(server, 1);
      expect(await pub.publish('quiet', 'still here')).toBe(1);
      await until(async () => got.length, (n) => n === 1);
      expect(got).toEqual(['still here']);
    });

    it('a RESP3 subscriber gets pushes between its replies and keeps running commands', async () => {
      const server = await serve();
      const [pub] = await connect(server, 1);
      const sub = await RespConnection.open(server.port);
      clients.push(sub);
      await sub.command(['HELLO', '3']);
      expect(await sub.command(['SUBSCRIBE', 'r3'])).toBe('>3\r\n$9\r\nsubscribe\r\n$2\r\nr3\r\n:1\r\n');
      expect(await pub.publish('r3', 'm')).toBe(1);
      expect(await sub.next()).toBe('>3\r\n$7\r\nmessage\r\n$2\r\nr3\r\n$1\r\nm\r\n');
      expect(await sub.command(['SET', 'k', 'v'])).toBe('+OK\r\n');
      expect(await sub.command(['PING'])).toBe('+PONG\r\n');
    });

    it('a subscriber that does not read is disconnected at the pubsub hard limit, and memory stays bounded', async () => {
      // Redis' default limits: pubsub 32mb hard, 8mb soft for 60 s.
      const server = await serve();
      const [pub] = await connect(server, 1);
      const sub = await RespConnection.open(server.port);
      clients.push(sub);
      expect(await sub.command(['SUBSCRIBE', 'flood'])).toMatch(/^\*3/);
      // Stop reading: the kernel's buffers fill, then the server's output for it grows.
      sub.pauseReading();
      const message = 'x'.repeat(256 * 1024);
      const before = process.memoryUsage().rss;
      let peak = before;
      let receivers = 1;
      // 200 MB offered in total: far more than the limit.
      for (let i = 0; i < 800 && receivers > 0; i++) {
        receivers = await pub.publish('flood', message);
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      expect(receivers).toBe(0);
      expect(await until(() => pub.pubsub('NUMSUB', 'flood'), (v) => (v as unknown[])[1] === 0)).toEqual(['flood', 0]);
      // The limit (32 MB) plus what the kernel and one burst hold, not the 200 MB offered.
      expect(peak - before).toBeLessThan(150 * 1024 * 1024);
      sub.resumeReading();
      await until(async () => sub.closed, (c) => c, 5000);
      expect(sub.closed).toBe(true);
    });
  });
}
