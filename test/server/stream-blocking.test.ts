// XREAD BLOCK over TCP with one and with three network runtimes: served at once when a
// stream has entries after the ID, otherwise woken by an XADD from any client on any
// runtime; every blocked reader of the stream gets the new entry (readers take nothing
// away), `$` means the last ID when the command ran, timeouts, CLIENT UNBLOCK, and a
// reader waiting for an ID beyond the new entry does not hold up the readers behind it.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fields = (text: string) => Object.fromEntries(text.split('\r\n').filter((l) => l.includes(':')).map((l) => l.split(/:(.*)/s).slice(0, 2)));

describe.each([1, 3])('XREAD BLOCK, network_threads = %i', (threads) => {
  let server: TestServer;
  const clients: Redis[] = [];
  let admin: Redis;

  const connect = async (): Promise<Redis> => {
    const r = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 0, lazyConnect: true, enableReadyCheck: false, retryStrategy: () => null });
    clients.push(r);
    await r.connect();
    return r;
  };

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

  it('answers at once when entries follow the ID', async () => {
    const r = await connect();
    await r.xadd('now', '1-1', 'a', '1');
    expect(await r.call('XREAD', 'BLOCK', '0', 'STREAMS', 'now', '0')).toEqual([['now', [['1-1', ['a', '1']]]]]);
  });

  it('wakes every reader blocked on the stream with the new entry, from a writer on any runtime', async () => {
    const readers = [await connect(), await connect(), await connect()];
    const writer = await connect();
    await writer.xadd('s1', '5-1', 'old', 'x');
    const pending = readers.map((r) => r.call('XREAD', 'BLOCK', '0', 'STREAMS', 's1', '$'));
    await blocked(3);
    expect(await admin.call('CLIENT', 'LIST')).toMatch(/flags=b .*cmd=xread/);
    await writer.xadd('s1', '6-1', 'new', 'y');
    for (const p of pending) expect(await p).toEqual([['s1', [['6-1', ['new', 'y']]]]]);
    await blocked(0);
  });

  it('a reader waiting for a later ID does not hold up the readers behind it', async () => {
    const far = await connect();
    const near = await connect();
    const writer = await connect();
    const farRead = far.call('XREAD', 'BLOCK', '0', 'STREAMS', 's2', '100-0');
    await blocked(1);
    const nearRead = near.call('XREAD', 'BLOCK', '0', 'COUNT', '5', 'STREAMS', 's2', '0');
    await blocked(2);
    await writer.xadd('s2', '50-1', 'a', '1');
    expect(await nearRead).toEqual([['s2', [['50-1', ['a', '1']]]]]);
    await blocked(1);
    await writer.xadd('s2', '100-1', 'b', '2');
    expect(await farRead).toEqual([['s2', [['100-1', ['b', '2']]]]]);
    await blocked(0);
  });

  it('"$" is the last ID when the command ran: an entry added before it is not returned', async () => {
    const r = await connect();
    const writer = await connect();
    await writer.xadd('s3', '1-1', 'a', '1');
    const read = r.call('XREAD', 'BLOCK', '0', 'STREAMS', 'other', 's3', '$', '$');
    await blocked(1);
    await writer.xadd('s3', '2-1', 'b', '2');
    expect(await read).toEqual([['s3', [['2-1', ['b', '2']]]]]);
  });

  it('times out with a null reply; CLIENT UNBLOCK ends it', async () => {
    const r = await connect();
    const t0 = Date.now();
    expect(await r.call('XREAD', 'BLOCK', '150', 'STREAMS', 'never', '$')).toBeNull();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    const id = await r.client('ID');
    const read = r.call('XREAD', 'BLOCK', '0', 'STREAMS', 'never', '0');
    await blocked(1);
    expect(await admin.call('CLIENT', 'UNBLOCK', String(id))).toBe(1);
    expect(await read).toBeNull();
    const read2 = r.call('XREAD', 'BLOCK', '0', 'STREAMS', 'never', '0');
    await blocked(1);
    expect(await admin.call('CLIENT', 'UNBLOCK', String(id), 'ERROR')).toBe(1);
    await expect(read2).rejects.toThrow('UNBLOCKED');
    await blocked(0);
  });
});
