// Application libraries built on pub/sub and plain keys, unchanged, against kiwi with three
// network runtimes (their connections land on different ones): socket.io's Redis adapter
// (rooms broadcast across two socket.io servers, fetchSockets and serverSideEmit acks,
// which are request/response over pub/sub), its sharded adapter (SSUBSCRIBE/SPUBLISH via
// node-redis), and connect-redis, the express-session store (SET EX, GET, EXPIRE, SCAN +
// MGET, DEL). The same steps run against Debian's redis-server where it is installed and
// must give the same outcomes.
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { RedisStore } from 'connect-redis';
import type { SessionData } from 'express-session';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { Server } from 'socket.io';
import { io as connectSocket, type Socket as ClientSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { onPath, startReferenceRedis, type ReferenceRedis } from './harness.js';

const HAVE_REDIS = onPath('redis-server');
let kiwi: TestServer;
let redis: ReferenceRedis | undefined;

beforeAll(async () => {
  [kiwi, redis] = await Promise.all([
    startTestServer({ settings: { 'runtime.network_threads': 3 } }),
    HAVE_REDIS ? startReferenceRedis() : undefined,
  ]);
});
afterAll(async () => {
  await Promise.all([kiwi?.destroy(), redis?.stop()]);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves when `check` holds, or fails after `ms`. */
async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

type AdapterFactory = (port: number) => Promise<{ adapter: ReturnType<typeof createAdapter>; close: () => Promise<void> }>;

const classic: AdapterFactory = async (port) => {
  const pub = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  const sub = pub.duplicate();
  return { adapter: createAdapter(pub, sub), close: async () => { pub.disconnect(); sub.disconnect(); } };
};

const sharded: AdapterFactory = async (port) => {
  const pub = createClient({ url: `redis://127.0.0.1:${port}` });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  return {
    adapter: createShardedAdapter(pub, sub) as unknown as ReturnType<typeof createAdapter>,
    // close() lets the adapter's own UNSUBSCRIBEs finish (destroy() would reject them).
    close: async () => { await Promise.allSettled([pub.close(), sub.close()]); },
  };
};

/** Two socket.io servers sharing one Redis, a client on each; what crossed between them. */
async function socketIoSteps(port: number, factory: AdapterFactory): Promise<unknown[]> {
  const servers: Server[] = [];
  const closers: Array<() => Promise<void>> = [];
  const clients: ClientSocket[] = [];
  const out: unknown[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const { adapter, close } = await factory(port);
      closers.push(close);
      const io = new Server({ adapter });
      io.on('connection', (socket) => {
        void socket.join('room');
      });
      io.on('ping-all', (n: number, ack: (v: string) => void) => ack(`pong ${i} ${n}`));
      io.listen(0);
      servers.push(io);
    }
    const got: Array<[number, string]> = [];
    for (const [i, io] of servers.entries()) {
      const address = io.httpServer.address();
      const p = typeof address === 'object' && address ? address.port : 0;
      const c = connectSocket(`http://127.0.0.1:${p}`, { transports: ['websocket'], reconnection: false });
      c.on('news', (m: string) => got.push([i, m]));
      clients.push(c);
    }
    await until(() => clients.every((c) => c.connected));
    // A subscription made just now must be in place before the first broadcast.
    await until(() => servers.every((io) => io.of('/').adapter.rooms.get('room')?.size === 1));
    await sleep(200);

    servers[0].to('room').emit('news', 'from server 0');
    servers[1].to('room').emit('news', 'from server 1');
    await until(() => got.length >= 4).catch(() => {});
    out.push(['room broadcasts', got.map(([i, m]) => `${i}:${m}`).sort()]);

    const sockets = await servers[1].fetchSockets();
    out.push(['fetchSockets sees both servers', sockets.length]);

    const acks = await servers[0].serverSideEmitWithAck('ping-all', 7);
    out.push(['serverSideEmit acks', acks]);

    servers[1].in('room').disconnectSockets();
    await until(() => clients.every((c) => !c.connected)).catch(() => {});
    out.push(['disconnectSockets across servers', clients.map((c) => c.connected)]);
  } finally {
    for (const c of clients) c.close();
    for (const io of servers) io.close();
    for (const close of closers) await close();
  }
  return out;
}

/** connect-redis: what each store call returned. */
async function sessionStoreSteps(port: number): Promise<unknown[]> {
  const client = createClient({ url: `redis://127.0.0.1:${port}` });
  await client.connect();
  const out: unknown[] = [];
  try {
    await client.flushAll();
    const store = new RedisStore({ client, prefix: 'sess:', ttl: 100 });
    const session = (user: string, maxAge?: number): SessionData =>
      ({ cookie: { originalMaxAge: maxAge ?? null, maxAge, expires: maxAge ? new Date(Date.now() + maxAge) : undefined }, user }) as unknown as SessionData;

    await store.set('a', session('ann'));
    await store.set('b', session('bob', 60_000));
    out.push(['get a', ((await store.get('a')) as { user: string }).user]);
    out.push(['ttl a (store default 100 s)', await client.ttl('sess:a')]);
    out.push(['ttl b (cookie 60 s) in (55, 60]', ((t) => t > 55 && t <= 60)(await client.ttl('sess:b'))]);
    await store.touch('a', session('ann', 30_000));
    out.push(['ttl after touch in (25, 30]', ((t) => t > 25 && t <= 30)(await client.ttl('sess:a'))]);
    out.push(['length', await store.length()]);
    out.push(['ids', ((await store.ids()) as string[]).sort()]);
    out.push(['all', ((await store.all()) as Array<{ user: string }>).map((s) => s.user).sort()]);
    await store.destroy('a');
    out.push(['get after destroy', (await store.get('a')) ?? null]);
    // An expired session is gone.
    await store.set('c', session('cat', 1000));
    await sleep(1300);
    out.push(['expired session', (await store.get('c')) ?? null]);
    await store.clear();
    out.push(['length after clear', await store.length()]);
  } finally {
    client.destroy();
  }
  return out;
}

const SOCKET_IO_OUTCOMES = [
  ['room broadcasts', ['0:from server 0', '0:from server 1', '1:from server 0', '1:from server 1']],
  ['fetchSockets sees both servers', 2],
  ['serverSideEmit acks', ['pong 1 7']],
  ['disconnectSockets across servers', [false, false]],
];

describe.each([
  ['ioredis pub/sub', classic],
  ['the sharded adapter: SSUBSCRIBE/SPUBLISH through node-redis', sharded],
] as const)('socket.io Redis adapter, %s', (_name, factory) => {
  it('rooms, fetchSockets, serverSideEmit acks and disconnectSockets across two servers', async () => {
    const got = await socketIoSteps(kiwi.port, factory);
    expect(got).toEqual(SOCKET_IO_OUTCOMES);
    if (redis) expect(await socketIoSteps(redis.port, factory)).toEqual(got);
  }, 30_000);
});

describe('connect-redis (express-session store)', () => {
  it('set, get, touch, length, ids, all, destroy, expiry and clear', async () => {
    const got = await sessionStoreSteps(kiwi.port);
    expect(got).toEqual([
      ['get a', 'ann'],
      ['ttl a (store default 100 s)', 100],
      ['ttl b (cookie 60 s) in (55, 60]', true],
      ['ttl after touch in (25, 30]', true],
      ['length', 2],
      ['ids', ['a', 'b']],
      ['all', ['ann', 'bob']],
      ['get after destroy', null],
      ['expired session', null],
      ['length after clear', 0],
    ]);
    if (redis) expect(await sessionStoreSteps(redis.port)).toEqual(got);
  }, 30_000);
});
