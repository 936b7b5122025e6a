// Stream consumer groups with network_threads = 3: consumers on different network
// runtimes read one group with XREADGROUP (blocking and not), and every entry is
// delivered to exactly one of them; the pending lists agree with what each got and are
// the same after a restart; claims move entries between consumers; a blocked XREADGROUP
// whose group is destroyed gets Redis' NOGROUP error.
import { Redis } from 'ioredis';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { diskDir, startTestServer, type TestServer } from '../helpers/server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Entries = Array<[string, string[]]>;
type ReadReply = Array<[string, Entries]> | null;

describe('stream consumer groups across network runtimes', () => {
  const dir = diskDir('kiwi-stream-groups-');
  let server: TestServer;
  const clients: Redis[] = [];
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = async (): Promise<Redis> => {
    const r = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 0, lazyConnect: true, enableReadyCheck: false, retryStrategy: () => null });
    clients.push(r);
    await r.connect();
    return r;
  };

  it('delivers every entry to exactly one consumer, and the PEL survives a restart', async () => {
    server = await startTestServer({ dir, settings: { 'runtime.network_threads': 3 } });
    const admin = await connect();
    await admin.call('XGROUP', 'CREATE', 'jobs', 'workers', '$', 'MKSTREAM');
    // Six consumers on six connections, spread over the runtimes; half block, half poll.
    const consumers = await Promise.all(Array.from({ length: 6 }, () => connect()));
    const got = new Map<string, string[]>();
    let stop = false;
    const loops = consumers.map(async (c, i) => {
      const name = `c${i}`;
      got.set(name, []);
      while (!stop) {
        const r = (await c.call('XREADGROUP', 'GROUP', 'workers', name, 'COUNT', '3', ...(i % 2 === 0 ? ['BLOCK', '50'] : []), 'STREAMS', 'jobs', '>')) as ReadReply;
        if (r === null) {
          if (i % 2 === 1) await sleep(5);
          continue;
        }
        for (const [id] of r[0][1]) got.get(name)!.push(id);
      }
    });
    const producers = [await connect(), await connect()];
    const total = 300;
    await Promise.all(producers.map(async (p, k) => {
      for (let i = k; i < total; i += 2) await p.xadd('jobs', '*', 'n', String(i));
    }));
    const deadline = Date.now() + 10_000;
    while ([...got.values()].reduce((n, ids) => n + ids.length, 0) < total && Date.now() < deadline) await sleep(20);
    stop = true;
    await Promise.all(loops);
    const all = [...got.values()].flat();
    expect(all.length).toBe(total);
    expect(new Set(all).size).toBe(total);
    expect([...got.values()].filter((ids) => ids.length > 0).length).toBeGreaterThan(1);

    // The PEL lists every delivered entry under the consumer that got it.
    const pelOf = async (r: Redis) => {
      const out = new Map<string, string>();
      for (const [id, consumer] of (await r.call('XPENDING', 'jobs', 'workers', '-', '+', '1000')) as Array<[string, string, number, number]>) out.set(id, consumer);
      return out;
    };
    const before = await pelOf(admin);
    expect(before.size).toBe(total);
    for (const [name, ids] of got) for (const id of ids) expect(before.get(id)).toBe(name);
    // Acknowledge a few, claim a few, then restart.
    const acked = got.get('c0')!.slice(0, 5);
    expect(await admin.call('XACK', 'jobs', 'workers', ...acked)).toBe(acked.length);
    const someone = [...got.entries()].find(([n, ids]) => n !== 'c5' && ids.length > 0)!;
    const claimed = (await admin.call('XCLAIM', 'jobs', 'workers', 'c5', '0', someone[1][someone[1].length - 1], 'JUSTID')) as string[];
    expect(claimed).toEqual([someone[1][someone[1].length - 1]]);
    const summary = await admin.call('XPENDING', 'jobs', 'workers');
    const expected = await pelOf(admin);

    for (const c of clients.splice(0)) c.disconnect();
    await server.close();
    server = await startTestServer({ dir, settings: { 'runtime.network_threads': 3 } });
    const again = await connect();
    expect(await pelOf(again)).toEqual(expected);
    expect(await again.call('XPENDING', 'jobs', 'workers')).toEqual(summary);
    expect(await again.xlen('jobs')).toBe(total);
    // New entries still go to the group, after the ones delivered before the restart.
    await again.xadd('jobs', '*', 'n', 'after');
    const next = (await again.call('XREADGROUP', 'GROUP', 'workers', 'late', 'STREAMS', 'jobs', '>')) as ReadReply;
    expect(next![0][1].map(([, f]) => f[1])).toEqual(['after']);
  }, 60_000);

  it('a blocked XREADGROUP whose group is destroyed gets NOGROUP; XADD wakes blocked group readers', async () => {
    const admin = await connect();
    await admin.call('XGROUP', 'CREATE', 'q', 'g', '$', 'MKSTREAM');
    const waiter = await connect();
    // Caught as it comes: the error may arrive before XGROUP DESTROY's own reply.
    const read = waiter.call('XREADGROUP', 'GROUP', 'g', 'w', 'BLOCK', '0', 'STREAMS', 'q', '>').then(() => 'resolved', (e: Error) => e.message);
    await sleep(100);
    expect(await admin.call('XGROUP', 'DESTROY', 'q', 'g')).toBe(1);
    expect(await read).toBe('NOGROUP the consumer group this client was blocked on no longer exists');

    await admin.call('XGROUP', 'CREATE', 'q', 'g2', '$');
    const a = await connect();
    const b = await connect();
    const ra = a.call('XREADGROUP', 'GROUP', 'g2', 'a', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 'q', '>') as Promise<ReadReply>;
    await sleep(50);
    const rb = b.call('XREADGROUP', 'GROUP', 'g2', 'b', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 'q', '>') as Promise<ReadReply>;
    await sleep(50);
    await admin.xadd('q', '*', 'x', '1');
    await admin.xadd('q', '*', 'x', '2');
    const [got1, got2] = await Promise.all([ra, rb]);
    const ids = [...got1![0][1], ...got2![0][1]].map(([id]) => id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(2);
  }, 30_000);
});
