// Keyspace notifications over TCP with one and three network runtimes: a write on one
// runtime reaches subscribers on the others, "expired" comes from the storage runtime's
// expiry cycle for every type and from a read that finds the key expired (once), and
// classes that are off stay silent.
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

const servers: TestServer[] = [];
const clients: Redis[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  for (const s of servers.splice(0)) await s.destroy().catch(() => {});
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const threads of [1, 3]) {
  describe(`keyspace notifications with network_threads = ${threads}`, () => {
    async function setup(flags: string): Promise<{ writer: Redis; got: string[] }> {
      const server = await startTestServer({ settings: { 'runtime.network_threads': threads, 'runtime.accept_mode': 'acceptor', 'server.notify_keyspace_events': flags } });
      servers.push(server);
      const conns: Redis[] = [];
      // Two subscribers and the writer, each on its own runtime when there are three.
      for (let i = 0; i < 3; i++) {
        const r = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
        clients.push(r);
        await r.connect();
        conns.push(r);
      }
      const [writer, space, event] = conns;
      const got: string[] = [];
      space.on('pmessage', (_p, ch, m) => got.push(`${ch} ${m}`));
      event.on('pmessage', (_p, ch, m) => got.push(`${ch} ${m}`));
      await space.psubscribe('__keyspace@*__:*');
      await event.psubscribe('__keyevent@*__:*');
      return { writer, got };
    }

    it('a write on one runtime notifies subscribers on the others', async () => {
      const { writer, got } = await setup('KEA');
      await writer.set('k', 'v');
      await writer.select(3);
      await writer.hset('h', 'f', 'v');
      for (let i = 0; i < 100 && got.length < 4; i++) await sleep(20);
      expect(got.sort()).toEqual(['__keyevent@0__:set k', '__keyevent@3__:hset h', '__keyspace@0__:k set', '__keyspace@3__:h hset']);
    });

    it('a blocked BLPOP served by a push on another runtime raises "lpop" after the push\'s "rpush"', async () => {
      const { writer, got } = await setup('El');
      const blocked = writer.duplicate();
      clients.push(blocked);
      const pop = blocked.blpop('q', 5);
      await sleep(100);
      const pusher = writer.duplicate();
      clients.push(pusher);
      await pusher.rpush('q', 'a', 'b');
      expect(await pop).toEqual(['q', 'a']);
      for (let i = 0; i < 100 && got.length < 2; i++) await sleep(20);
      expect(got).toEqual(['__keyevent@0__:rpush q', '__keyevent@0__:lpop q']);
    });

    it('the expiry cycle raises "expired" for strings, hashes, sets and lists', async () => {
      const { writer, got } = await setup('Ex');
      await writer.set('s', 'v', 'PX', 50);
      await writer.hset('h', 'f', 'v');
      await writer.sadd('set', 'm');
      await writer.rpush('l', 'a');
      await writer.pexpire('h', 50);
      await writer.pexpire('set', 50);
      await writer.pexpire('l', 50);
      for (let i = 0; i < 150 && got.length < 4; i++) await sleep(20);
      expect(got.sort()).toEqual(['__keyevent@0__:expired h', '__keyevent@0__:expired l', '__keyevent@0__:expired s', '__keyevent@0__:expired set']);
    });

    it('a read that finds a key expired raises "expired" once; the cycle that deletes it later does not raise it again', async () => {
      const { writer, got } = await setup('Ex');
      await writer.debug('SET-ACTIVE-EXPIRE', '0');
      await writer.set('a', 'v', 'PX', 20);
      await writer.hset('h', 'f', 'v');
      await writer.pexpire('h', 20);
      await sleep(60);
      expect(await writer.get('a')).toBe(null);
      expect(await writer.get('a')).toBe(null);
      expect(await writer.hget('h', 'f')).toBe(null);
      expect(await writer.mget('a', 'h', 'none')).toEqual([null, null, null]);
      for (let i = 0; i < 100 && got.length < 2; i++) await sleep(20);
      expect(got.slice().sort()).toEqual(['__keyevent@0__:expired a', '__keyevent@0__:expired h']);
      // The cycle now deletes both keys: no second event.
      await writer.debug('SET-ACTIVE-EXPIRE', '1');
      await sleep(400);
      expect(await writer.exists('a', 'h')).toBe(0);
      expect(got.length).toBe(2);
      // A key read while expired and then written: the write deletes it without a second event.
      await writer.debug('SET-ACTIVE-EXPIRE', '0');
      await writer.set('b', 'v', 'PX', 20);
      await sleep(60);
      expect(await writer.get('b')).toBe(null);
      await writer.set('b', 'w');
      await sleep(200);
      expect(got.slice(2)).toEqual(['__keyevent@0__:expired b']);
    });

    it('classes and targets that are off publish nothing; CONFIG SET turns them on everywhere', async () => {
      const { writer, got } = await setup('K$');
      await writer.hset('h', 'f', 'v');
      await writer.set('gone', 'v', 'PX', 20);
      await sleep(400);
      // Only the string class and keyspace channels: SET's "set", no hset, no expired.
      expect(got).toEqual(['__keyspace@0__:gone set']);
      await writer.config('SET', 'notify-keyspace-events', 'Egx');
      await writer.set('later', 'v', 'PX', 20);
      for (let i = 0; i < 100 && got.length < 3; i++) await sleep(20);
      expect(got.slice(1)).toEqual(['__keyevent@0__:expire later', '__keyevent@0__:expired later']);
    });
  });
}
