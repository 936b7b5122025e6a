// Blocking list pops (BLPOP BRPOP BRPOPLPUSH BLMOVE BLMPOP) and XREAD BLOCK over TCP with one and with
// three network runtimes: served at once when a list has elements, otherwise woken by a
// push from any client on any runtime (also inside EXEC, by LMOVE, RENAME and SORT STORE),
// first come first served, each element to exactly one client; timeouts, CLIENT UNBLOCK,
// INFO blocked_clients, CLIENT LIST flags, disconnects, MULTI, and a producer/consumer
// queue. XREAD BLOCK: every blocked reader of a stream gets a new entry (readers take
// nothing away), `$` is the last ID when the command ran, and a reader waiting for a later
// ID does not hold up the others.
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fields = (text: string) => Object.fromEntries(text.split('\r\n').filter((l) => l.includes(':')).map((l) => l.split(/:(.*)/s).slice(0, 2)));

describe.each([1, 3])('blocking commands, network_threads = %i', (threads) => {
  let server: TestServer;
  const clients: Redis[] = [];
  let admin: Redis;

  const connect = async (): Promise<Redis> => {
    const r = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 0, lazyConnect: true, enableReadyCheck: false, retryStrategy: () => null });
    clients.push(r);
    await r.connect();
    return r;
  };

  /** Waits until INFO says `n` clients are blocked. */
  const blocked = async (n: number): Promise<void> => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const now = Number(fields(await admin.info('clients')).blocked_clients);
      if (now === n) return;
      if (Date.now() > deadline) throw new Error(`blocked_clients is ${now}, expected ${n}`);
      await sleep(5);
    }
  };

  beforeAll(async () => {
    server = await startTestServer({ settings: { 'runtime.network_threads': threads } });
    admin = await connect();
  });
  afterAll(async () => {
    for (const r of clients) r.disconnect();
    await server?.destroy();
  });

  it('pops at once when a list has elements, in key order; WRONGTYPE for a non-list', async () => {
    const r = await connect();
    await r.rpush('b1', 'x', 'y');
    expect(await r.blpop('b0', 'b1', 0)).toEqual(['b1', 'x']);
    expect(await r.brpop('b0', 'b1', 0)).toEqual(['b1', 'y']);
    await r.set('str', 'v');
    await expect(r.blpop('str', 0)).rejects.toThrow('WRONGTYPE');
    await expect(r.call('BLPOP', 'b0', '-1')).rejects.toThrow('ERR timeout is negative');
    await expect(r.call('BLPOP', 'b0', 'abc')).rejects.toThrow('ERR timeout is not a float or out of range');
  });

  it('blocks until a push from another client (on any runtime) serves it', async () => {
    const pushers = [await connect(), await connect(), await connect(), await connect()];
    for (const [i, p] of pushers.entries()) {
      const waiter = await connect();
      const popped = waiter.blpop(`wait${i}`, 0);
      await blocked(1);
      const list = await admin.call('CLIENT', 'LIST') as string;
      expect(list).toMatch(/flags=b .*cmd=blpop/);
      await p.rpush(`wait${i}`, `v${i}`);
      expect(await popped).toEqual([`wait${i}`, `v${i}`]);
      await blocked(0);
    }
  });

  it('times out after fractional seconds with a null reply', async () => {
    const r = await connect();
    const t0 = Date.now();
    expect(await r.blpop('never', 0.2)).toBeNull();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(await r.call('BLMOVE', 'never', 'd', 'LEFT', 'LEFT', '0.05')).toBeNull();
    expect(await r.call('BLMPOP', '0.05', '1', 'never', 'LEFT')).toBeNull();
    await blocked(0);
  });

  it('serves waiters first come first served, each element to exactly one', async () => {
    const waiters = [await connect(), await connect(), await connect()];
    const pops: Promise<[string, string] | null>[] = [];
    for (const [i, w] of waiters.entries()) {
      pops.push(w.blpop('fifo', 0));
      await blocked(i + 1);
    }
    await admin.rpush('fifo', 'a', 'b', 'c', 'd');
    expect(await Promise.all(pops)).toEqual([['fifo', 'a'], ['fifo', 'b'], ['fifo', 'c']]);
    expect(await admin.lrange('fifo', 0, -1)).toEqual(['d']);
  });

  it('is woken by a push inside EXEC, by LMOVE, by RENAME and by SORT STORE onto the key', async () => {
    const w = await connect();
    let p = w.brpop('k1', 0);
    await blocked(1);
    await admin.multi().set('other', '1').lpush('k1', 'from-exec').exec();
    expect(await p).toEqual(['k1', 'from-exec']);
    await admin.rpush('src', 'moved');
    p = w.blpop('k2', 0);
    await blocked(1);
    await admin.lmove('src', 'k2', 'LEFT', 'RIGHT');
    expect(await p).toEqual(['k2', 'moved']);
    await admin.rpush('tmp', 'renamed');
    p = w.blpop('k3', 0);
    await blocked(1);
    await admin.rename('tmp', 'k3');
    expect(await p).toEqual(['k3', 'renamed']);
    await admin.rpush('nums', '3', '1', '2');
    p = w.blpop('k4', 0);
    await blocked(1);
    await admin.sort('nums', 'STORE', 'k4');
    expect(await p).toEqual(['k4', '1']);
  });

  it('BLMOVE, BRPOPLPUSH and BLMPOP wait on their source and move or pop once served', async () => {
    const w = await connect();
    let p: Promise<unknown> = w.blmove('ms', 'md', 'RIGHT', 'LEFT', 0);
    await blocked(1);
    await admin.rpush('ms', 'one');
    expect(await p).toBe('one');
    expect(await admin.lrange('md', 0, -1)).toEqual(['one']);
    p = w.brpoplpush('ms', 'md', 0);
    await blocked(1);
    await admin.rpush('ms', 'two');
    expect(await p).toBe('two');
    expect(await admin.lrange('md', 0, -1)).toEqual(['two', 'one']);
    p = w.call('BLMPOP', '0', '2', 'mp1', 'mp2', 'RIGHT', 'COUNT', '2');
    await blocked(1);
    await admin.rpush('mp2', 'a', 'b', 'c');
    expect(await p).toEqual(['mp2', ['c', 'b']]);
  });

  it('BZPOPMIN, BZPOPMAX and BZMPOP: at once, woken by ZADD (also inside EXEC) and ZUNIONSTORE, first come first served', async () => {
    const r = await connect();
    await r.zadd('z', 1, 'a', 2, 'b', 3, 'c');
    expect(await r.bzpopmin('nz', 'z', 0)).toEqual(['z', 'a', '1']);
    expect(await r.bzpopmax('z', 0)).toEqual(['z', 'c', '3']);
    expect(await r.bzpopmin('nz', 0.05)).toBeNull();
    const waiters = [await connect(), await connect()];
    const pops = [waiters[0].bzpopmin('zw', 0)];
    await blocked(1);
    pops.push(waiters[1].bzpopmax('zw', 0));
    await blocked(2);
    await admin.zadd('zw', 5, 'five', 7, 'seven', 9, 'nine');
    expect(await Promise.all(pops)).toEqual([['zw', 'five', '5'], ['zw', 'nine', '9']]);
    let p: Promise<unknown> = r.bzpopmax('zx', 0);
    await blocked(1);
    await admin.multi().zadd('zx', 1, 'in-exec').exec();
    expect(await p).toEqual(['zx', 'in-exec', '1']);
    p = r.call('BZMPOP', '0', '2', 'zy', 'zz', 'MIN', 'COUNT', '2');
    await blocked(1);
    await admin.zadd('src1', 1, 'x', 2, 'y', 3, 'w');
    await admin.zunionstore('zz', 1, 'src1');
    expect(await p).toEqual(['zz', [['x', '1'], ['y', '2']]]);
  });

  it('a client blocked on a key is served when SWAPDB brings a list under that name', async () => {
    const w = await connect();
    const other = await connect();
    const p = w.blpop('swapped', 0);
    await blocked(1);
    await other.select(8);
    await other.rpush('swapped', 'from-db8');
    await other.swapdb(0, 8);
    expect(await p).toEqual(['swapped', 'from-db8']);
    await other.swapdb(0, 8);
  });

  it('does not block inside MULTI', async () => {
    const r = await connect();
    const res = await r.multi().blpop('empty', 0).blmove('empty', 'd', 'LEFT', 'LEFT', 0).rpush('full', 'x').brpop('full', 0).exec();
    expect(res!.map(([e, v]) => e ?? v)).toEqual([null, null, 1, ['full', 'x']]);
  });

  it('holds the blocked client\'s later commands until it is served', async () => {
    const r = await connect();
    const order: string[] = [];
    const pop = r.blpop('held', 0).then((v) => order.push(`pop:${v?.[1]}`));
    const ping = r.ping().then(() => order.push('ping'));
    await blocked(1);
    await sleep(50);
    expect(order).toEqual([]);
    await admin.rpush('held', 'v');
    await Promise.all([pop, ping]);
    expect(order).toEqual(['pop:v', 'ping']);
  });

  it('CLIENT UNBLOCK with TIMEOUT and ERROR, on whichever runtime the client is', async () => {
    const r = await connect();
    const id = Number(await r.call('CLIENT', 'ID'));
    let p: Promise<unknown> = r.blpop('ub', 0);
    await blocked(1);
    expect(await admin.call('CLIENT', 'UNBLOCK', String(id))).toBe(1);
    expect(await p).toBeNull();
    p = r.blpop('ub', 0).catch((e: Error) => e.message);
    await blocked(1);
    expect(await admin.call('CLIENT', 'UNBLOCK', String(id), 'ERROR')).toBe(1);
    expect(await p).toBe('UNBLOCKED client unblocked via CLIENT UNBLOCK');
    expect(await admin.call('CLIENT', 'UNBLOCK', String(id))).toBe(0);
    await expect(admin.call('CLIENT', 'UNBLOCK', String(id), 'FOO')).rejects.toThrow('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
    await blocked(0);
    // The unblocked waiters left nothing behind: the next push stays in the list.
    await admin.rpush('ub', 'kept');
    expect(await admin.lrange('ub', 0, -1)).toEqual(['kept']);
  });

  it('a blocked client that disconnects leaves nothing behind', async () => {
    const gone = await connect();
    void gone.blpop('dc', 0).catch(() => {});
    await blocked(1);
    const next = await connect();
    const p = next.blpop('dc', 0);
    await blocked(2);
    gone.disconnect();
    await blocked(1);
    await admin.rpush('dc', 'only');
    expect(await p).toEqual(['dc', 'only']);
    expect(await admin.exists('dc')).toBe(0);
  });

  it('queue: 10 producers push 100,000 items while 10 consumers BRPOP; each item is consumed once', async () => {
    const ITEMS = 100_000;
    const producers = await Promise.all(Array.from({ length: 10 }, () => connect()));
    const consumers = await Promise.all(Array.from({ length: 10 }, () => connect()));
    const seen = new Map<string, number>();
    let consumed = 0;
    let done = false;
    const consuming = consumers.map(async (c) => {
      while (!done) {
        const r = await c.brpop('queue', 0.5);
        if (r === null) continue;
        seen.set(r[1], (seen.get(r[1]) ?? 0) + 1);
        if (++consumed === ITEMS) done = true;
      }
    });
    await Promise.all(producers.map(async (p, n) => {
      for (let i = 0; i < ITEMS / 10; i += 100) {
        const batch = Array.from({ length: 100 }, (_, j) => `${n}:${i + j}`);
        await p.lpush('queue', ...batch);
      }
    }));
    const deadline = Date.now() + 240_000;
    while (!done && Date.now() < deadline) await sleep(50);
    done = true;
    await Promise.all(consuming);
    expect(consumed).toBe(ITEMS);
    expect(seen.size).toBe(ITEMS);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(await admin.llen('queue')).toBe(0);
  }, 300_000);

  it('node-redis blPop and blMove, RESP2 and RESP3', async () => {
    for (const RESP of [2, 3] as const) {
      const c = createClient({ url: `redis://127.0.0.1:${server.port}`, RESP });
      await c.connect();
      try {
        const p = c.blPop('nr', 0);
        await blocked(1);
        await admin.rpush('nr', 'v');
        expect(await p).toEqual({ key: 'nr', element: 'v' });
        expect(await c.blPop('nr', 0.05)).toBeNull();
        await admin.rpush('nr', 'w');
        expect(await c.blMove('nr', 'nr2', 'LEFT', 'RIGHT', 0)).toBe('w');
      } finally {
        c.destroy();
      }
    }
  });

  it('XREAD BLOCK answers at once when entries follow the ID', async () => {
    const r = await connect();
    await r.xadd('xr:now', '1-1', 'a', '1');
    expect(await r.call('XREAD', 'BLOCK', '0', 'STREAMS', 'xr:now', '0')).toEqual([['xr:now', [['1-1', ['a', '1']]]]]);
  });

  it('XREAD BLOCK: XADD wakes every reader blocked on the stream with the new entry, from a writer on any runtime', async () => {
    const readers = [await connect(), await connect(), await connect()];
    const writer = await connect();
    await writer.xadd('xr:s1', '5-1', 'old', 'x');
    const pending = readers.map((r) => r.call('XREAD', 'BLOCK', '0', 'STREAMS', 'xr:s1', '$'));
    await blocked(3);
    expect(await admin.call('CLIENT', 'LIST')).toMatch(/flags=b .*cmd=xread/);
    await writer.xadd('xr:s1', '6-1', 'new', 'y');
    for (const p of pending) expect(await p).toEqual([['xr:s1', [['6-1', ['new', 'y']]]]]);
    await blocked(0);
  });

  it('XREAD BLOCK: a reader waiting for a later ID does not hold up the readers behind it', async () => {
    const far = await connect();
    const near = await connect();
    const writer = await connect();
    const farRead = far.call('XREAD', 'BLOCK', '0', 'STREAMS', 'xr:s2', '100-0');
    await blocked(1);
    const nearRead = near.call('XREAD', 'BLOCK', '0', 'COUNT', '5', 'STREAMS', 'xr:s2', '0');
    await blocked(2);
    await writer.xadd('xr:s2', '50-1', 'a', '1');
    expect(await nearRead).toEqual([['xr:s2', [['50-1', ['a', '1']]]]]);
    await blocked(1);
    await writer.xadd('xr:s2', '100-1', 'b', '2');
    expect(await farRead).toEqual([['xr:s2', [['100-1', ['b', '2']]]]]);
    await blocked(0);
  });

  it('XREAD BLOCK: "$" is the last ID when the command ran: an entry added before it is not returned', async () => {
    const r = await connect();
    const writer = await connect();
    await writer.xadd('xr:s3', '1-1', 'a', '1');
    const read = r.call('XREAD', 'BLOCK', '0', 'STREAMS', 'xr:other', 'xr:s3', '$', '$');
    await blocked(1);
    await writer.xadd('xr:s3', '2-1', 'b', '2');
    expect(await read).toEqual([['xr:s3', [['2-1', ['b', '2']]]]]);
  });

  it('XREAD BLOCK times out with a null reply; CLIENT UNBLOCK ends it', async () => {
    const r = await connect();
    const t0 = Date.now();
    expect(await r.call('XREAD', 'BLOCK', '150', 'STREAMS', 'xr:never', '$')).toBeNull();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    const id = await r.client('ID');
    const read = r.call('XREAD', 'BLOCK', '0', 'STREAMS', 'xr:never', '0');
    await blocked(1);
    expect(await admin.call('CLIENT', 'UNBLOCK', String(id))).toBe(1);
    expect(await read).toBeNull();
    // The error is caught as it comes: it may arrive before CLIENT UNBLOCK's own reply, and
    // a rejection nobody handles yet fails the run.
    const read2 = r.call('XREAD', 'BLOCK', '0', 'STREAMS', 'xr:never', '0').then(() => 'resolved', (e: Error) => e.message);
    await blocked(1);
    expect(await admin.call('CLIENT', 'UNBLOCK', String(id), 'ERROR')).toBe(1);
    expect(await read2).toBe('UNBLOCKED client unblocked via CLIENT UNBLOCK');
    await blocked(0);
  });

  it('scripts: LPUSH and XADD in a script serve blocked clients (its wakes are routed too)', async () => {
    const popper = await connect();
    const reader = await connect();
    const runner = await connect();
    const popped = popper.blpop('script:list', 0);
    const read = reader.call('XREAD', 'BLOCK', '0', 'STREAMS', 'script:stream', '$');
    await blocked(2);
    expect(await runner.eval("redis.call('LPUSH', KEYS[1], 'v') return redis.call('XADD', KEYS[2], '7-1', 'f', 'x')", 2, 'script:list', 'script:stream')).toBe('7-1');
    expect(await popped).toEqual(['script:list', 'v']);
    expect(await read).toEqual([['script:stream', [['7-1', ['f', 'x']]]]]);
    await blocked(0);
  });
});
