// MULTI/EXEC/DISCARD/WATCH/UNWATCH over TCP, with one and with three network runtimes
// (clients spread over them): Redis 7.0's replies and errors, WATCH seeing writes from
// every connection and runtime (DEL, expiry, RENAME, FLUSHDB/FLUSHALL, member writes,
// writes inside another EXEC), EXEC isolation, and the WATCH/INCR counter race.
import { Redis } from 'ioredis';
import { createClient, WatchError } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fields = (text: string) => Object.fromEntries(text.split('\r\n').filter((l) => l.includes(':')).map((l) => l.split(/:(.*)/s).slice(0, 2)));

describe.each([1, 3])('transactions, network_threads = %i', (threads) => {
  let server: TestServer;
  const clients: Redis[] = [];
  // c[0] runs the transactions; the others write; with 3 runtimes they sit on several.
  let c: Redis[];

  const connect = async (): Promise<Redis> => {
    const r = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 0, lazyConnect: true, enableReadyCheck: false, retryStrategy: () => null });
    clients.push(r);
    await r.connect();
    return r;
  };

  beforeAll(async () => {
    server = await startTestServer({ settings: { 'runtime.network_threads': threads } });
    c = [];
    for (let i = 0; i < 6; i++) c.push(await connect());
    if (threads === 3) {
      const info = fields(await c[0].info('runtime'));
      const used = [0, 1, 2].filter((i) => Number(/connections=(\d+)/.exec(info[`network_runtime_${i}`] ?? '')?.[1] ?? 0) > 0);
      expect(used.length).toBeGreaterThanOrEqual(2);
    }
  });
  afterAll(async () => {
    for (const r of clients) r.disconnect();
    await server?.destroy();
  });

  /** WATCH key on c[0], then `change` from every other client in turn: each EXEC must fail. */
  async function expectEachWriterAborts(key: string, setup: (r: Redis) => Promise<unknown>, change: (r: Redis) => Promise<unknown>): Promise<void> {
    for (const writer of c.slice(1)) {
      await setup(writer);
      await c[0].watch(key);
      await change(writer);
      expect(await c[0].multi().get(key).exec()).toBeNull();
    }
  }

  it('queues commands and answers each in order, runtime errors per command without rollback', async () => {
    const r = c[0];
    await r.flushall();
    const res = await r.multi().set('a', '1').incr('a').hset('a', 'f', 'v').get('a').ping().echo('hi').exec();
    expect(res!.map(([err, v]) => (err ? err.message : v))).toEqual([
      'OK', 2, 'WRONGTYPE Operation against a key holding the wrong kind of value', '2', 'PONG', 'hi',
    ]);
  });

  it('aborts with EXECABORT after a queuing error; gives Redis\' errors for misplaced commands', async () => {
    const r = await connect();
    expect(await r.call('MULTI')).toBe('OK');
    await expect(r.call('MULTI')).rejects.toThrow('ERR MULTI calls can not be nested');
    await expect(r.call('WATCH', 'x')).rejects.toThrow('ERR WATCH inside MULTI is not allowed');
    expect(await r.call('SET', 'q', '1')).toBe('QUEUED');
    await expect(r.call('NOSUCH')).rejects.toThrow("ERR unknown command 'NOSUCH'");
    await expect(r.call('EXEC')).rejects.toThrow('EXECABORT Transaction discarded because of previous errors.');
    expect(await c[1].exists('q')).toBe(0);
    await expect(r.call('EXEC')).rejects.toThrow('ERR EXEC without MULTI');
    await expect(r.call('DISCARD')).rejects.toThrow('ERR DISCARD without MULTI');
    await r.call('MULTI');
    await expect(r.call('GET')).rejects.toThrow("ERR wrong number of arguments for 'get' command");
    await expect(r.call('EXEC')).rejects.toThrow('EXECABORT');
    await r.call('MULTI');
    await expect(r.call('SHUTDOWN')).rejects.toThrow('ERR Command not allowed inside a transaction');
    await expect(r.call('EXEC')).rejects.toThrow('EXECABORT');
    await r.call('MULTI');
    await r.call('SET', 'q', '1');
    expect(await r.call('DISCARD')).toBe('OK');
    expect(await c[1].exists('q')).toBe(0);
  });

  it('runs SELECT, CLIENT and CONFIG in order with the rest; CLIENT LIST shows x inside MULTI; RESET leaves it', async () => {
    const r = await connect();
    await r.call('MULTI');
    const list = await c[1].call('CLIENT', 'LIST', 'ID', String(await c[1].call('CLIENT', 'ID')));
    expect(list).toMatch(/flags=N/);
    await r.call('SET', 'sel', 'db0');
    await r.call('SELECT', '1');
    await r.call('SET', 'sel', 'db1');
    await r.call('CLIENT', 'SETNAME', 'txname');
    await r.call('CLIENT', 'INFO');
    await r.call('CONFIG', 'GET', 'maxclients');
    await r.call('GET', 'sel');
    const res = (await r.call('EXEC')) as unknown[];
    expect(res.slice(0, 4)).toEqual(['OK', 'OK', 'OK', 'OK']);
    expect(String(res[4])).toMatch(/name=txname .*flags=x/);
    expect(res[5]).toEqual(['maxclients', expect.any(String)]);
    expect(res[6]).toBe('db1');
    expect(await c[1].get('sel')).toBe('db0');
    await r.call('MULTI');
    expect(await r.call('RESET')).toBe('RESET');
    await expect(r.call('EXEC')).rejects.toThrow('ERR EXEC without MULTI');
  });

  it('WATCH: a write from any connection (any runtime) makes EXEC return nil; an untouched key lets it run', async () => {
    await expectEachWriterAborts('w', (w) => w.set('w', '0'), (w) => w.set('w', '1'));
    await c[0].watch('w');
    await c[1].set('other', '1');
    expect(await c[0].multi().set('w', 'mine').exec()).toEqual([[null, 'OK']]);
    // The watch ended with EXEC: later writes do not matter to the next transaction.
    await c[1].set('w', '2');
    expect(await c[0].multi().get('w').exec()).toEqual([[null, '2']]);
  });

  it('WATCH sees DEL, RENAME (both ends), member writes, a key created, and the client\'s own write', async () => {
    await expectEachWriterAborts('d', (w) => w.set('d', '1'), (w) => w.del('d'));
    await expectEachWriterAborts('rsrc', (w) => w.set('rsrc', '1'), (w) => w.rename('rsrc', 'rdst'));
    await expectEachWriterAborts('rdst', (w) => w.set('rsrc', '1'), (w) => w.rename('rsrc', 'rdst'));
    await expectEachWriterAborts('h', (w) => w.hset('h', 'f', '1', 'g', '1'), (w) => w.hset('h', 'f', '2'));
    await expectEachWriterAborts('s', (w) => w.sadd('s', 'a', 'b'), (w) => w.srem('s', 'a'));
    await expectEachWriterAborts('new', (w) => w.del('new'), (w) => w.set('new', 'v'));
    await c[0].set('own', '0');
    await c[0].watch('own');
    await c[0].set('own', '1');
    expect(await c[0].multi().get('own').exec()).toBeNull();
  });

  it('WATCH ignores a write that changes nothing (SET NX on an existing key, DEL of a missing key)', async () => {
    await c[0].set('nx', '1');
    await c[0].watch('nx', 'missing');
    expect(await c[1].set('nx', '2', 'NX')).toBeNull();
    expect(await c[2].del('missing')).toBe(0);
    expect(await c[0].multi().get('nx').exec()).toEqual([[null, '1']]);
  });

  it('WATCH sees FLUSHDB of its database and FLUSHALL, not FLUSHDB of another', async () => {
    await c[0].set('f', '1');
    await c[0].watch('f');
    await c[1].select(1);
    await c[1].flushdb();
    await c[1].select(0);
    expect(await c[0].multi().get('f').exec()).toEqual([[null, '1']]);
    await c[0].watch('f');
    await c[2].flushdb();
    expect(await c[0].multi().get('f').exec()).toBeNull();
    await c[0].set('f', '1');
    await c[0].watch('f');
    await c[3].flushall();
    expect(await c[0].multi().get('f').exec()).toBeNull();
  });

  it('WATCH sees a key expire after WATCH, but not one that had already expired', async () => {
    await c[0].set('ttl', '1', 'PX', 80);
    await c[0].watch('ttl');
    await sleep(150);
    expect(await c[0].multi().get('ttl').exec()).toBeNull();
    await c[0].set('gone', '1', 'PX', 10);
    await sleep(50);
    await c[0].watch('gone');
    await sleep(150); // the expiry cycle deletes it meanwhile
    expect(await c[0].multi().get('gone').exec()).toEqual([[null, null]]);
  });

  it('WATCH sees a write made inside another client\'s EXEC; UNWATCH and DISCARD forget the watch', async () => {
    await c[0].set('x', '0');
    await c[0].watch('x');
    await c[4].multi().set('x', '1').exec();
    expect(await c[0].multi().get('x').exec()).toBeNull();
    await c[0].watch('x');
    await c[0].unwatch();
    await c[1].set('x', '2');
    expect(await c[0].multi().get('x').exec()).toEqual([[null, '2']]);
    await c[0].watch('x');
    await c[0].call('MULTI');
    await c[0].call('GET', 'x');
    expect(await c[0].call('DISCARD')).toBe('OK');
    await c[1].set('x', '3');
    expect(await c[0].multi().get('x').exec()).toEqual([[null, '3']]);
  });

  it('WATCH sees SWAPDB of its database', async () => {
    await c[0].set('sw', '1');
    await c[0].watch('sw');
    await c[1].swapdb(0, 9);
    await c[1].swapdb(0, 9);
    expect(await c[0].multi().get('sw').exec()).toBeNull();
    expect(await c[0].get('sw')).toBe('1');
  });

  it('EXEC with a keyless command takes the whole keyspace: DBSIZE, FLUSHDB and KEYS see the transaction\'s own writes', async () => {
    const r = await connect();
    await r.select(5);
    const res = await r.multi().set('k1', '1').set('k2', '2').dbsize().keys('k*').flushdb().get('k1').set('k3', '3').dbsize().exec();
    expect(res!.map(([e, v]) => e ?? v)).toEqual(['OK', 'OK', 2, expect.arrayContaining(['k1', 'k2']), 'OK', null, 'OK', 1]);
  });

  it('EXEC is isolated: another client never sees half of a transaction', async () => {
    const writer = c[1];
    const reader = c[2];
    let stop = false;
    let torn = 0;
    let reads = 0;
    const readLoop = (async () => {
      while (!stop) {
        const [a, b] = await reader.mget('iso:a', 'iso:b');
        reads++;
        if (a !== b) torn++;
      }
    })();
    for (let i = 0; i < 300; i++) await writer.multi().set('iso:a', String(i)).set('iso:b', String(i)).exec();
    stop = true;
    await readLoop;
    expect(reads).toBeGreaterThan(10);
    expect(torn).toBe(0);
    // Read-modify-write from two clients inside EXECs never loses an increment.
    await c[0].set('iso:n', '0');
    await Promise.all(c.slice(0, 4).map(async (r) => {
      for (let i = 0; i < 100; i++) await r.multi().incr('iso:n').incr('iso:n').exec();
    }));
    expect(await c[0].get('iso:n')).toBe('800');
  });

  it('20 clients WATCH/GET/MULTI/SET/EXEC on 5 counters: each counter equals its successful EXECs', async () => {
    const racers: Redis[] = [];
    for (let i = 0; i < 20; i++) racers.push(await connect());
    const keys = [0, 1, 2, 3, 4].map((i) => `counter:${i}`);
    await c[0].del(...keys);
    const wins = new Map(keys.map((k) => [k, 0]));
    let aborted = 0;
    const until = Date.now() + 10_000;
    await Promise.all(racers.map(async (r, n) => {
      for (let i = 0; Date.now() < until; i++) {
        const key = keys[(n + i) % keys.length];
        await r.watch(key);
        const v = Number((await r.get(key)) ?? '0');
        const res = await r.multi().set(key, String(v + 1)).exec();
        if (res === null) aborted++;
        else wins.set(key, wins.get(key)! + 1);
      }
    }));
    const total = [...wins.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(20);
    for (const k of keys) expect(Number(await c[0].get(k))).toBe(wins.get(k));
    // Contention is real: some transactions lost their race and were retried.
    expect(aborted).toBeGreaterThan(0);
  }, 60_000);

  it('a client that disconnects while watching leaves no watch behind', async () => {
    const r = await connect();
    await r.watch('left');
    r.disconnect();
    await sleep(100);
    await c[0].set('left', '1');
    await c[0].watch('other');
    expect(await c[0].multi().get('left').exec()).toEqual([[null, '1']]);
  });

  it('node-redis: multi().exec() and watch() with WatchError, in RESP2 and RESP3', async () => {
    for (const RESP of [2, 3] as const) {
      const a = createClient({ url: `redis://127.0.0.1:${server.port}`, RESP });
      const b = createClient({ url: `redis://127.0.0.1:${server.port}`, RESP });
      await a.connect();
      await b.connect();
      try {
        expect(await a.multi().set('nr', '1').incr('nr').get('nr').exec()).toEqual(['OK', 2, '2']);
        await a.watch('nr');
        await b.set('nr', '5');
        await expect(a.multi().get('nr').exec()).rejects.toBeInstanceOf(WatchError);
        await a.watch('nr');
        expect(await a.multi().incr('nr').exec()).toEqual([6]);
      } finally {
        a.destroy();
        b.destroy();
      }
    }
  });
});
