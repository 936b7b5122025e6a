// Scripting on a real server, with one network runtime and with three: stock clients'
// script helpers (ioredis defineCommand, node-redis defineScript), isolation of a script
// from other clients' commands, BUSY and SCRIPT KILL for a script that never ends, and
// the script cache shared by every runtime.
import { Redis } from 'ioredis';
import { createClient, defineScript } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const INCR_TWICE = "local a = redis.call('incr', KEYS[1]); local b = redis.call('incr', KEYS[1]); return {a, b}";

for (const threads of [1, 3]) {
  describe(`scripting with network_threads = ${threads}`, () => {
    let server: TestServer;
    const clients: Redis[] = [];
    const client = (): Redis => {
      const c = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: false, maxRetriesPerRequest: 0 });
      clients.push(c);
      return c;
    };
    beforeAll(async () => {
      server = await startTestServer({ settings: { 'runtime.network_threads': threads } });
    });
    afterAll(async () => {
      for (const c of clients) c.disconnect();
      await server?.destroy();
    });

    it('ioredis defineCommand runs through EVALSHA, loading the script on NOSCRIPT', async () => {
      const c = client() as Redis & { incrTwice(key: string): Promise<number[]> };
      c.defineCommand('incrTwice', { numberOfKeys: 1, lua: INCR_TWICE });
      await c.script('FLUSH');
      expect(await c.incrTwice('dc')).toEqual([1, 2]);
      expect(await c.incrTwice('dc')).toEqual([3, 4]);
      expect(await c.get('dc')).toBe('4');
    });

    it('node-redis defineScript in RESP2 and RESP3', async () => {
      for (const RESP of [2, 3] as const) {
        const c = createClient({
          socket: { port: server.port, host: '127.0.0.1', reconnectStrategy: false }, RESP,
          scripts: {
            incrTwice: defineScript({ NUMBER_OF_KEYS: 1, SCRIPT: INCR_TWICE, parseCommand: (parser, key: string) => parser.pushKey(key), transformReply: (r) => r as unknown as number[] }),
          },
        });
        await c.connect();
        try {
          expect(await c.incrTwice(`nr${RESP}`)).toEqual([1, 2]);
          expect(await c.incrTwice(`nr${RESP}`)).toEqual([3, 4]);
        } finally {
          await c.close();
        }
      }
    });

    it('the script cache is shared by every connection (and runtime)', async () => {
      const a = client();
      const sha = (await a.script('LOAD', "return 'shared'")) as string;
      const others = Array.from({ length: 4 }, () => client());
      for (const o of others) expect(await o.evalsha(sha, 0)).toBe('shared');
    });

    it('no other client command runs between the commands of a script', async () => {
      const writer = client();
      await writer.set('iso', '0');
      // The script reads, burns time, then writes read+1: a concurrent INCR landing in
      // between would be lost. Every increment must survive.
      const script = "local v = tonumber(redis.call('get', KEYS[1])); local x = 0; for i = 1, 200000 do x = x + i end; redis.call('set', KEYS[1], v + 1); return v";
      const others = Array.from({ length: 3 }, () => client());
      const work: Promise<unknown>[] = [];
      for (let i = 0; i < 20; i++) {
        work.push(writer.eval(script, 1, 'iso'));
        for (const o of others) work.push(o.incr('iso'));
      }
      await Promise.all(work);
      expect(await writer.get('iso')).toBe(String(20 + 20 * others.length));
    });

    it("a script runs in its client's order: after the commands sent before it, before those sent after", async () => {
      const c = client();
      const pipe = c.pipeline();
      for (let i = 0; i < 50; i++) {
        pipe.set(`ord${i}`, '1');
        pipe.eval("return redis.call('incr', KEYS[1])", 1, `ord${i}`);
        pipe.get(`ord${i}`);
        // A slower one now and then: the order holds there too.
        if (i % 10 === 0) pipe.eval("local x = 0; for i = 1, 3000000 do x = x + i end; return redis.call('incr', KEYS[1])", 1, `ord${i}`);
        pipe.incr(`ord${i}`);
      }
      const out = ((await pipe.exec()) ?? []).map(([err, v]) => (err ? String(err) : v));
      const expected: unknown[] = [];
      for (let i = 0; i < 50; i++) expected.push('OK', 2, '2', ...(i % 10 === 0 ? [3, 4] : [3]));
      expect(out).toEqual(expected);
    }, 30000);

    it('an endless script gets BUSY for others after 5 s, SCRIPT KILL stops it, the server goes on', async () => {
      const runner = client();
      const other = client();
      const killer = client();
      // Connected and ready before the script starts: ioredis' ready check (INFO) would get BUSY.
      await Promise.all([runner.ping(), other.ping(), killer.ping()]);
      const endless = runner.eval('while true do end', 0).then(() => 'returned', (e: Error) => e.message);
      await new Promise((r) => setTimeout(r, 5500));
      await expect(other.get('x')).rejects.toThrow(/^BUSY Redis is busy running a script/);
      expect(await killer.script('KILL')).toBe('OK');
      expect(await endless).toMatch(/^ERR Script killed by user with SCRIPT KILL\.\.\. script: /);
      expect(await other.set('after', '1')).toBe('OK');
      await expect(killer.script('KILL')).rejects.toThrow('NOTBUSY No scripts in execution right now.');
    }, 15000);

    it('a script that allocates without end fails with "not enough memory" at 1 GiB; the server and later scripts go on', async () => {
      const r = client();
      // One 4 MB block, then distinct 4 MB strings made by one concatenation each: reaching
      // 1 GiB costs about 1 GiB of copying (string.rep per step would copy many times that).
      const hog = "local s = string.rep('x', 4000000) local t = {} local i = 0 while true do i = i + 1 t[i] = s .. i end";
      await expect(r.eval(hog, 0)).rejects.toThrow(/^ERR Error running script [0-9a-f]{40}, not enough memory$/);
      expect(await r.eval("return redis.call('SET', KEYS[1], 'ok')", 1, 'after')).toBe('OK');
      expect(await r.eval("local t = {} for i = 1, 50 do t[i] = string.rep('y', 1000000) .. i end return #t", 0)).toBe(50);
      expect(await r.get('after')).toBe('ok');
    }, 120_000);

    it('busy-reply-threshold (alias lua-time-limit) is settable: at 200 ms others get BUSY well before 5 s', async () => {
      const runner = client();
      const other = client();
      const killer = client();
      await Promise.all([runner.ping(), other.ping(), killer.ping()]);
      expect(await killer.config('SET', 'lua-time-limit', '200')).toBe('OK');
      expect(await killer.config('GET', 'busy-reply-threshold')).toEqual(['busy-reply-threshold', '200']);
      // Below the threshold a script that runs a while only delays others.
      const endless = runner.eval('while true do end', 0).then(() => 'returned', (e: Error) => e.message);
      await new Promise((r) => setTimeout(r, 700));
      await expect(other.get('x')).rejects.toThrow(/^BUSY Redis is busy running a script/);
      expect(await killer.script('KILL')).toBe('OK');
      expect(await endless).toMatch(/^ERR Script killed by user with SCRIPT KILL/);
      expect(await killer.config('SET', 'busy-reply-threshold', '5000')).toBe('OK');
      expect(await other.get('x')).toBeNull();
    }, 15000);

    it('SCRIPT KILL refuses a script that has written: UNKILLABLE', async () => {
      const runner = client();
      const killer = client();
      await Promise.all([runner.ping(), killer.ping()]);
      // Writes, then spins for a bounded time (60M Lua steps: seconds).
      const p = runner.eval("redis.call('set', 'w', '1'); local t = 0; for i = 1, 6e7 do t = t + 1 end; return t", 0).then(String, (e: Error) => e.message);
      // Until the script runs, SCRIPT KILL answers NOTBUSY; once it has written, UNKILLABLE.
      let answer = '';
      for (let i = 0; i < 100 && !answer.startsWith('UNKILLABLE'); i++) {
        answer = await killer.script('KILL').then(String, (e: Error) => e.message);
        if (!answer.startsWith('UNKILLABLE')) await new Promise((r) => setTimeout(r, 20));
      }
      expect(answer).toMatch(/^UNKILLABLE Sorry the script already executed write commands/);
      expect(await p).toBe('60000000');
    }, 30000);
  });
}

describe('FUNCTION libraries persist', () => {
  it('a library loaded survives a restart; FUNCTION DELETE and FLUSH are persisted too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiwi-functions-'));
    try {
      let server = await startServer({ port: 0, dir });
      let c = new Redis({ port: server.port, host: '127.0.0.1' });
      await c.function('LOAD', "#!lua name=keep\nredis.register_function('hello', function(keys, args) return 'hi ' .. args[1] end)");
      await c.function('LOAD', "#!lua name=gone\nredis.register_function('bye', function() return 1 end)");
      await c.function('DELETE', 'gone');
      c.disconnect();
      await server.close();

      server = await startServer({ port: 0, dir });
      c = new Redis({ port: server.port, host: '127.0.0.1' });
      expect(await c.fcall('hello', 0, 'there')).toBe('hi there');
      await expect(c.fcall('bye', 0)).rejects.toThrow('ERR Function not found');
      await c.function('FLUSH');
      c.disconnect();
      await server.close();

      server = await startServer({ port: 0, dir });
      c = new Redis({ port: server.port, host: '127.0.0.1' });
      await expect(c.fcall('hello', 0, 'x')).rejects.toThrow('ERR Function not found');
      // FUNCTION RESTORE is persisted as LOAD is.
      await c.function('LOAD', "#!lua name=dumped\nredis.register_function('back', function() return 'back' end)");
      const dump = (await c.callBuffer('FUNCTION', 'DUMP')) as Buffer;
      await c.function('FLUSH');
      expect(await c.callBuffer('FUNCTION', 'RESTORE', dump)).toEqual(Buffer.from('OK'));
      c.disconnect();
      await server.close();

      server = await startServer({ port: 0, dir });
      c = new Redis({ port: server.port, host: '127.0.0.1' });
      expect(await c.fcall('back', 0)).toBe('back');
      c.disconnect();
      await server.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60000);

  it('an endless function gets FUNCTION KILL (SCRIPT KILL names the other command)', async () => {
    const server = await startTestServer();
    const runner = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    const other = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    try {
      await Promise.all([runner.ping(), other.ping()]);
      await other.function('LOAD', "#!lua name=spin\nredis.register_function('spin', function() while true do end end)");
      const p = runner.fcall('spin', 0).then(String, (e: Error) => e.message);
      await new Promise((r) => setTimeout(r, 5500));
      await expect(other.get('x')).rejects.toThrow('BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.');
      await expect(other.script('KILL')).rejects.toThrow('BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.');
      const stats = (await other.function('STATS')) as unknown[];
      expect(stats[0]).toBe('running_script');
      expect((stats[1] as unknown[]).slice(0, 4)).toEqual(['name', 'spin', 'command', ['fcall', 'spin', '0']]);
      expect(await other.function('KILL')).toBe('OK');
      expect(await p).toMatch(/^ERR Script killed by user with SCRIPT KILL\.\.\. script: spin, on @user_function:2\.$/);
    } finally {
      runner.disconnect();
      other.disconnect();
      await server.destroy();
    }
  }, 20000);
});
