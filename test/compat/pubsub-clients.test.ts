// Pub/sub through stock clients' own APIs against kiwi-server with three network
// runtimes: ioredis (subscribe, psubscribe, ssubscribe, messageBuffer) and node-redis v5
// in RESP2 and in RESP3, where messages arrive as push frames beside ordinary replies.
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

let kiwi: TestServer;
beforeAll(async () => {
  kiwi = await startTestServer({ settings: { 'runtime.network_threads': 3, 'runtime.accept_mode': 'acceptor' } });
});
afterAll(async () => {
  await kiwi?.destroy();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(done: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await sleep(10);
}

describe('ioredis pub/sub', () => {
  it('subscribe, psubscribe and ssubscribe receive what another connection publishes', async () => {
    const sub = new Redis({ port: kiwi.port, host: '127.0.0.1' });
    const pub = new Redis({ port: kiwi.port, host: '127.0.0.1' });
    try {
      const got: string[] = [];
      sub.on('message', (ch, m) => got.push(`message ${ch} ${m}`));
      sub.on('pmessage', (p, ch, m) => got.push(`pmessage ${p} ${ch} ${m}`));
      sub.on('smessage', (ch, m) => got.push(`smessage ${ch} ${m}`));
      sub.on('messageBuffer', (ch: Buffer, m: Buffer) => got.push(`buffer ${ch.toString('hex')} ${m.toString('hex')}`));
      expect(await sub.subscribe('io:a', 'io:b')).toBe(2);
      expect(await sub.psubscribe('io:*')).toBe(3);
      expect(await sub.ssubscribe('io:s')).toBe(1);
      expect(await pub.publish('io:a', 'one')).toBe(2);
      expect(await pub.spublish('io:s', 'two')).toBe(1);
      expect(await pub.publish(Buffer.from('io:b'), Buffer.from([0, 255]))).toBe(2);
      await until(() => got.length >= 7);
      expect(got.sort()).toEqual([
        'buffer 696f3a61 6f6e65', 'buffer 696f3a62 00ff', 'message io:a one', `message io:b ${Buffer.from([0, 255]).toString()}`,
        'pmessage io:* io:a one', `pmessage io:* io:b ${Buffer.from([0, 255]).toString()}`, 'smessage io:s two',
      ]);
      expect(await sub.unsubscribe('io:a')).toBe(2);
      // (ioredis waits forever on a PUNSUBSCRIBE without arguments, against Redis too.)
      expect(await sub.punsubscribe('io:*')).toBe(1);
      expect(await sub.unsubscribe('io:b')).toBe(0);
      expect(await sub.sunsubscribe('io:s')).toBe(0);
      // Out of subscriber mode, ordinary commands work again.
      expect(await sub.ping()).toBe('PONG');
    } finally {
      sub.disconnect();
      pub.disconnect();
    }
  });
});

for (const RESP of [2, 3] as const) {
  describe(`node-redis v5 pub/sub, RESP${RESP}`, () => {
    it('subscribe and pSubscribe listeners get messages; the publisher counts them', async () => {
      const pub = createClient({ url: `redis://127.0.0.1:${kiwi.port}`, RESP });
      const sub = createClient({ url: `redis://127.0.0.1:${kiwi.port}`, RESP });
      await Promise.all([pub.connect(), sub.connect()]);
      try {
        const got: string[] = [];
        await sub.subscribe('nr:chan', (m, ch) => got.push(`message ${ch} ${m}`));
        await sub.pSubscribe('nr:*', (m, ch) => got.push(`pmessage ${ch} ${m}`));
        await sub.sSubscribe('nr:shard', (m, ch) => got.push(`smessage ${ch} ${m}`));
        expect(await pub.publish('nr:chan', 'hi')).toBe(2);
        expect(await pub.sPublish('nr:shard', 'sh')).toBe(1);
        expect(await pub.pubSubNumSub(['nr:chan'])).toEqual({ 'nr:chan': 1 });
        expect(await pub.pubSubNumPat()).toBe(1);
        await until(() => got.length >= 3);
        expect(got.sort()).toEqual(['message nr:chan hi', 'pmessage nr:chan hi', 'smessage nr:shard sh']);
        if (RESP === 3) {
          // RESP3: the subscribed connection runs ordinary commands between pushes.
          expect(await sub.set('nr:k', 'v')).toBe('OK');
          expect(await pub.publish('nr:chan', 'again')).toBe(2);
          expect(await sub.get('nr:k')).toBe('v');
          await until(() => got.length >= 5);
          expect(got.filter((g) => g.endsWith('again')).sort()).toEqual(['message nr:chan again', 'pmessage nr:chan again']);
        }
        await sub.unsubscribe('nr:chan');
        await sub.pUnsubscribe('nr:*');
        await sub.sUnsubscribe('nr:shard');
        expect(await pub.publish('nr:chan', 'nobody')).toBe(0);
      } finally {
        await Promise.all([pub.close(), sub.close()]);
      }
    });
  });
}
