// The issue 4 commands through stock clients: ioredis (one by one, pipelines and
// auto-pipelining), node-redis v5 in RESP2 and RESP3, and redis-cli (arguments, stdin,
// -x, --no-raw and -3). Each client runs the same script against Debian's redis-server and
// against kiwi-server and must see the same results; a few tests also pin the values
// themselves, so the file checks kiwi even where redis-server is missing.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { onPath, startReferenceRedis, type ReferenceRedis } from './harness.js';

const HAVE_REDIS = onPath('redis-server');
const HAVE_CLI = onPath('redis-cli');
const NO_REDIS = 'redis-server is not on PATH: comparisons with Redis need it (apt install redis-server)';
const NO_CLI = 'redis-cli is not on PATH (apt install redis-tools)';
const titled = (name: string, ok: boolean, reason: string): string => (ok ? name : `${name} (skipped: ${reason})`);

let kiwi: TestServer;
let redis: ReferenceRedis | undefined;

beforeAll(async () => {
  [kiwi, redis] = await Promise.all([startTestServer(), HAVE_REDIS ? startReferenceRedis() : undefined]);
});
afterAll(async () => {
  await Promise.all([kiwi?.destroy(), redis?.stop()]);
});

/** The servers a comparison runs on: Redis (the expectation) and kiwi. */
const ports = (): { redis: number; kiwi: number } => ({ redis: redis!.port, kiwi: kiwi.port });

/**
 * Deterministic commands covering issue 4: normal cases and error paths. Times are
 * absolute (EXPIREAT/EXPIRETIME) and the keyspace holds one key when KEYS, SCAN or
 * RANDOMKEY look at it, so every reply is the same on both servers.
 */
const SCRIPT: string[][] = [
  ['FLUSHALL'],
  ['SET', 's', 'hello'], ['GET', 's'], ['set', 's', 'world', 'get'], ['SET', 's', 'x', 'NX'], ['SET', 's', 'y', 'XX', 'KEEPTTL'],
  ['SET', 's', 'v', 'EX', '0'], ['SET', 's', 'v', 'NX', 'XX'], ['SET', 's', 'v', 'EX', 'abc'], ['SET', 's', 'v', 'PX', '-1'],
  ['SET', 'x', 'v', 'EXAT', '4102444800'], ['EXPIRETIME', 'x'], ['SET', 'x', 'v', 'PXAT', '4102444800123'], ['PEXPIRETIME', 'x'],
  ['SETNX', 'n', '1'], ['SETNX', 'n', '2'], ['SETEX', 'e', '0', 'v'], ['PSETEX', 'e', 'abc', 'v'],
  ['MSET', 'a', '1', 'b', '2'], ['MSETNX', 'a', '3', 'c', '4'], ['MSETNX', 'c', '4', 'd', '5'], ['MGET', 'a', 'b', 'c', 'd', 'nokey'], ['MSET', 'a'],
  ['GETSET', 'a', '10'], ['GETDEL', 'b'], ['GETDEL', 'b'], ['GETEX', 'a'], ['GETEX', 'a', 'EXAT', '4102444800'], ['EXPIRETIME', 'a'],
  ['GETEX', 'a', 'PERSIST'], ['TTL', 'a'], ['GETEX', 'a', 'EX', '0'], ['GETEX', 'nokey', 'EX', '0'], ['GETEX', 'a', 'KEEPTTL'],
  ['APPEND', 's', '!!'], ['STRLEN', 's'], ['GETRANGE', 's', '0', '2'], ['GETRANGE', 's', '-3', '-1'], ['SUBSTR', 's', '1', '2'],
  ['SETRANGE', 's', '1', 'XYZ'], ['GET', 's'], ['SETRANGE', 's', '-1', 'x'], ['SETRANGE', 'z', '3', 'pad'], ['GET', 'z'],
  ['INCR', 'i'], ['INCRBY', 'i', '41'], ['DECR', 'i'], ['DECRBY', 'i', '2'], ['INCR', 's'], ['INCRBY', 'i', 'abc'],
  ['DECRBY', 'i', '-9223372036854775808'], ['SET', 'max', '9223372036854775807'], ['INCR', 'max'], ['DECRBY', 'max', '-1'],
  ['INCRBYFLOAT', 'f', '10.50'], ['INCRBYFLOAT', 'f', '0.1'], ['SET', 'g', '5.0e3'], ['INCRBYFLOAT', 'g', '2.0e2'], ['INCRBYFLOAT', 'f', 'abc'],
  ['INCRBYFLOAT', 'f', '1e5000'],
  ['EXISTS', 'a', 'a', 's', 'nokey'], ['TYPE', 's'], ['TYPE', 'nokey'],
  ['EXPIRE', 's', '100', 'XX'], ['EXPIRE', 's', '100', 'NX', 'XX'], ['EXPIRE', 's', '100', 'GT', 'LT'], ['EXPIRE', 's', '100', 'FOO'], ['EXPIRE', 's', 'abc'],
  ['EXPIREAT', 's', '4102444800'], ['PEXPIRETIME', 's'], ['PEXPIREAT', 's', '4102444800123', 'GT'], ['PEXPIRETIME', 's'], ['PEXPIREAT', 's', '1', 'LT'],
  ['EXISTS', 's'], ['SET', 's', 'v'], ['EXPIREAT', 's', '4102444800'], ['PERSIST', 's'], ['PERSIST', 's'], ['TTL', 's'], ['PTTL', 'nokey'],
  ['RENAME', 's', 's2'], ['RENAME', 'nokey', 'x'], ['RENAMENX', 's2', 'a'], ['RENAMENX', 's2', 's3'], ['DEL', 's3', 'a', 'nokey'], ['UNLINK', 'n', 'n'],
  ['DBSIZE'], ['SELECT', '1'], ['DBSIZE'], ['SET', 'k1', 'v'], ['SELECT', '16'], ['SELECT', 'abc'], ['SELECT', '0'], ['GET', 'k1'],
  ['FLUSHDB', 'ASYNC'], ['DBSIZE'], ['FLUSHALL', 'SYNC'], ['FLUSHALL', 'FOO'], ['RANDOMKEY'], ['SET', 'only', 'v'], ['RANDOMKEY'], ['KEYS', '*'],
  ['KEYS', 'o[n]?y'], ['SCAN', '0'], ['SCAN', '0', 'MATCH', 'o*', 'COUNT', '100', 'TYPE', 'string'], ['SCAN', 'abc'], ['SCAN', '0', 'COUNT', '0'],
  ['PING'], ['PING', 'hi'], ['ECHO', 'hello'], ['ECHO', ''], ['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', 'me'], ['CLIENT', 'GETNAME'],
  ['CLIENT', 'SETNAME', 'a b'], ['CLIENT', 'KILL', 'ID', '999999'], ['CLIENT', 'FOO'], ['CLIENT', 'KILL', 'ID', '0'], ['CLIENT', 'LIST', 'ID', '999999'],
  ['COMMAND', 'INFO', 'nosuch'], ['COMMAND', 'FOO'], ['AUTH', 'pw'], ['NOSUCH', 'a', 'b'], ['GET'], ['ECHO', 'a', 'b'],
];

/** A client's result as plain JSON: values as they are, errors by their message. */
function plain(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return { buffer: v.toString('latin1') };
  if (v instanceof Error) return { error: v.message };
  if (typeof v === 'bigint') return { bigint: String(v) };
  if (v instanceof Map) return { map: [...v.entries()].map(([k, x]) => [plain(k), plain(x)]) };
  if (v instanceof Set) return { set: [...v].map(plain) };
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

const settle = (p: Promise<unknown>): Promise<unknown> => p.then(plain, (e: unknown) => plain(e));

/** Runs `scenario` against Redis and kiwi; kiwi's results must equal Redis'. */
async function sameOnBoth(scenario: (port: number) => Promise<unknown[]>): Promise<unknown[]> {
  const p = ports();
  const [expected, actual] = await Promise.all([scenario(p.redis), scenario(p.kiwi)]);
  expect(actual).toEqual(expected);
  return actual;
}

const labelled = (results: unknown[], script: string[][] = SCRIPT): string[] =>
  results.map((r, i) => `${script[i].join(' ')} -> ${JSON.stringify(r)}`);

async function ioredis<T>(port: number, options: Record<string, unknown>, use: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, ...options });
  await r.connect();
  try {
    return await use(r);
  } finally {
    r.disconnect();
  }
}

async function nodeRedis<T>(port: number, RESP: 2 | 3, use: (c: ReturnType<typeof createClient>) => Promise<T>): Promise<T> {
  const c = createClient({ socket: { port, host: '127.0.0.1', reconnectStrategy: false }, RESP });
  c.on('error', () => {});
  await c.connect();
  try {
    return await use(c);
  } finally {
    c.destroy();
  }
}

describe('ioredis', () => {
  it.skipIf(!HAVE_REDIS)(titled('ioredis: the issue 4 script, one command at a time, gives Redis\' results', HAVE_REDIS, NO_REDIS), async () => {
    await sameOnBoth((port) => ioredis(port, {}, async (r) => {
      const out: unknown[] = [];
      for (const [name, ...args] of SCRIPT) out.push(await settle(r.call(name, ...args)));
      return labelled(out);
    }));
  });

  it.skipIf(!HAVE_REDIS)(titled('ioredis: the issue 4 script as one pipeline gives Redis\' results', HAVE_REDIS, NO_REDIS), async () => {
    await sameOnBoth((port) => ioredis(port, {}, async (r) => {
      const pipeline = r.pipeline();
      for (const [name, ...args] of SCRIPT) pipeline.call(name, ...args);
      const results = (await pipeline.exec()) ?? [];
      return labelled(results.map(([err, v]) => plain(err ?? v)));
    }));
  });

  it.skipIf(!HAVE_REDIS)(titled('ioredis: the issue 4 script auto-pipelined gives Redis\' results', HAVE_REDIS, NO_REDIS), async () => {
    await sameOnBoth((port) => ioredis(port, { enableAutoPipelining: true }, async (r) => {
      // All commands are issued in one tick: ioredis sends them as one write, in order.
      return labelled(await Promise.all(SCRIPT.map(([name, ...args]) => settle(r.call(name, ...args)))));
    }));
  });

  it('ioredis: typed commands and their replies', async () => {
    await ioredis(kiwi.port, {}, async (r) => {
      await r.flushall();
      expect(await r.set('t', 'v', 'EX', 100, 'NX')).toBe('OK');
      expect(await r.set('t', 'w', 'XX', 'GET')).toBe('v');
      expect(await r.setnx('t', 'x')).toBe(0);
      expect(await r.setex('t2', 100, 'v')).toBe('OK');
      expect(await r.psetex('t3', 100_000, 'v')).toBe('OK');
      expect(await r.mset({ m1: 'a', m2: 'b' })).toBe('OK');
      expect(await r.msetnx('m1', 'x', 'm3', 'y')).toBe(0);
      expect(await r.mget('m1', 'm2', 'nokey')).toEqual(['a', 'b', null]);
      expect(await r.getset('m1', 'z')).toBe('a');
      expect(await r.getdel('m2')).toBe('b');
      expect(await r.getex('m1', 'PX', 100_000)).toBe('z');
      expect(await r.pttl('m1')).toBeGreaterThan(99_000);
      expect(await r.append('m1', '!')).toBe(2);
      expect(await r.strlen('m1')).toBe(2);
      expect(await r.getrange('m1', 0, -1)).toBe('z!');
      expect(await r.setrange('m1', 3, 'x')).toBe(4);
      expect(await r.getBuffer('m1')).toEqual(Buffer.from('z!\0x'));
      expect(await r.incr('c')).toBe(1);
      expect(await r.incrby('c', 9)).toBe(10);
      expect(await r.decr('c')).toBe(9);
      expect(await r.decrby('c', 10)).toBe(-1);
      expect(await r.incrbyfloat('c', '1.5')).toBe('0.5');
      await expect(r.incr('m1')).rejects.toThrow('ERR value is not an integer or out of range');
      expect(await r.exists('c', 'm1', 'nokey')).toBe(2);
      expect(await r.expire('c', 100, 'NX')).toBe(1);
      expect(await r.ttl('c')).toBe(100);
      expect(await r.pexpireat('c', 4102444800000)).toBe(1);
      expect(await r.expiretime('c')).toBe(4102444800);
      expect(await r.pexpiretime('c')).toBe(4102444800000);
      expect(await r.persist('c')).toBe(1);
      expect(await r.type('c')).toBe('string');
      expect(await r.rename('c', 'c2')).toBe('OK');
      expect(await r.renamenx('c2', 'm1')).toBe(0);
      expect((await r.keys('c*')).sort()).toEqual(['c2']);
      const [cursor, keys] = await r.scan('0', 'MATCH', 'm*', 'COUNT', 100);
      expect([cursor, keys.sort()]).toEqual(['0', ['m1']]);
      expect(await r.dbsize()).toBe(5); // t t2 t3 m1 c2
      expect(await r.randomkey()).toEqual(expect.any(String));
      expect(await r.del('c2', 'nokey')).toBe(1);
      expect(await r.unlink('t')).toBe(1);
      expect(await r.select(3)).toBe('OK');
      expect(await r.dbsize()).toBe(0);
      expect(await r.flushdb('ASYNC')).toBe('OK');
      expect(await r.ping()).toBe('PONG');
      expect(await r.echo('hi')).toBe('hi');
      expect(await r.client('SETNAME', 'io')).toBe('OK');
      expect(await r.client('GETNAME')).toBe('io');
      expect(await r.client('ID')).toEqual(expect.any(Number));
      expect(await r.client('INFO')).toMatch(/^id=\d+ addr=127\.0\.0\.1:\d+ .* name=io .* db=3 .*resp=2 lib-name=ioredis lib-ver=\S+\n$/);
      expect(await r.client('LIST')).toMatch(/name=io/);
      expect(await r.client('KILL', 'ID', '999999')).toBe(0);
      expect(await r.command('COUNT')).toBeGreaterThan(50);
      const [time, micros] = await r.time();
      expect(Math.abs(Number(time) - Date.now() / 1000)).toBeLessThan(5);
      expect(Number(micros)).toBeLessThan(1_000_000);
      expect(await r.flushall()).toBe('OK');
      expect(await r.quit()).toBe('OK');
    });
  });

  it('ioredis: binary-safe keys and values with callBuffer', async () => {
    await ioredis(kiwi.port, {}, async (r) => {
      const key = Buffer.from('k\0\r\n');
      const value = Buffer.from([0, 13, 10, 255, 0]);
      expect(await r.set(key, value)).toBe('OK');
      expect(await r.getBuffer(key)).toEqual(value);
      expect(await r.callBuffer('GETRANGE', key, '1', '3')).toEqual(value.subarray(1, 4));
      expect(await r.keysBuffer('k*')).toEqual([key]);
      expect(await r.getBuffer('')).toBeNull();
      expect(await r.set('', '')).toBe('OK');
      expect(await r.getBuffer('')).toEqual(Buffer.alloc(0));
    });
  });

  it.skipIf(!HAVE_REDIS)(titled('ioredis: COMMAND INFO as Redis has it (name, arity, flags, keys, categories)', HAVE_REDIS, NO_REDIS), async () => {
    await sameOnBoth((port) => ioredis(port, {}, async (r) => {
      const info = (await r.command('INFO', 'get', 'set', 'mset', 'del', 'rename', 'scan', 'ping', 'client', 'nosuch')) as unknown[][];
      return info.map((c) => (c === null ? null : c.slice(0, 7)));
    }));
  });
});

/** node-redis replies to the script, sent through sendCommand one at a time. */
async function nodeRedisScript(port: number, RESP: 2 | 3): Promise<string[]> {
  return nodeRedis(port, RESP, async (c) => {
    const out: unknown[] = [];
    for (const argv of SCRIPT) out.push(await settle(c.sendCommand(argv)));
    return labelled(out);
  });
}

// HELLO names the server version (7.0.15 vs kiwi's 7.0.0) and the connection id: a flat
// array in RESP2, an object in RESP3.
const withoutVersionAndId = (hello: unknown): unknown => {
  const h = plain(hello);
  if (Array.isArray(h)) return h.map((x, i) => (h[i - 1] === 'version' || h[i - 1] === 'id' ? '<ignored>' : x));
  return { ...(h as Record<string, unknown>), version: '<ignored>', id: '<ignored>' };
};

for (const RESP of [2, 3] as const) {
  describe(`node-redis (RESP${RESP})`, () => {
    it.skipIf(!HAVE_REDIS)(titled(`node-redis RESP${RESP}: the issue 4 script gives Redis' results`, HAVE_REDIS, NO_REDIS), async () => {
      await sameOnBoth((port) => nodeRedisScript(port, RESP));
    });

    it.skipIf(!HAVE_REDIS)(titled(`node-redis RESP${RESP}: the issue 4 script in one tick (auto-pipelined) gives Redis' results`, HAVE_REDIS, NO_REDIS), async () => {
      await sameOnBoth((port) => nodeRedis(port, RESP, async (c) => labelled(await Promise.all(SCRIPT.map((argv) => settle(c.sendCommand(argv)))))));
    });

    it.skipIf(!HAVE_REDIS)(titled(`node-redis RESP${RESP}: HELLO, COMMAND DOCS and CLIENT INFO decode as on Redis`, HAVE_REDIS, NO_REDIS), async () => {
      const [, docFields] = await sameOnBoth((port) => nodeRedis(port, RESP, async (c) => {
        const docs = plain(await c.sendCommand(['COMMAND', 'DOCS', 'getset'])) as unknown;
        const info = String(await c.sendCommand(['CLIENT', 'INFO']));
        return [
          withoutVersionAndId(await c.sendCommand(['HELLO'])),
          // Only the fields kiwi implements: summaries and argument lists differ (README).
          JSON.stringify(docs).match(/"(since|group|doc_flags|deprecated_since|replaced_by)",?:?("[^"]*"|\[[^\]]*\])/g),
          // lib-name/lib-ver (from node-redis' CLIENT SETINFO): kiwi shows them as Redis 7.2
          // does; Redis 7.0 refuses SETINFO and has no such fields (README known differences).
          info.replace(/ lib-name=\S* lib-ver=\S*/, '').replace(/=[^ \n]*/g, '=').trim(),
        ];
      }));
      expect(docFields).toHaveLength(5);
    });

    it(`node-redis RESP${RESP}: typed commands and their replies`, async () => {
      await nodeRedis(kiwi.port, RESP, async (c) => {
        await c.flushAll();
        expect(await c.set('t', 'v', { EX: 100, NX: true })).toBe('OK');
        expect(await c.set('t', 'w', { XX: true, GET: true })).toBe('v');
        expect(await c.set('t', 'x', { NX: true })).toBeNull();
        expect(await c.setNX('t', 'x')).toBe(0);
        expect(await c.setEx('t2', 100, 'v')).toBe('OK');
        expect(await c.mSet({ m1: 'a', m2: 'b' })).toBe('OK');
        expect(await c.mGet(['m1', 'm2', 'nokey'])).toEqual(['a', 'b', null]);
        expect(await c.getDel('m2')).toBe('b');
        expect(await c.getEx('m1', { type: 'PXAT', value: 4102444800000 })).toBe('a');
        expect(await c.pExpireTime('m1')).toBe(4102444800000);
        expect(await c.getEx('m1', { type: 'PERSIST' })).toBe('a');
        expect(await c.ttl('m1')).toBe(-1);
        expect(await c.append('m1', 'bc')).toBe(3);
        expect(await c.getRange('m1', -2, -1)).toBe('bc');
        expect(await c.setRange('m1', 1, 'XY')).toBe(3);
        expect(await c.incrBy('n', 5)).toBe(5);
        expect(await c.decrBy('n', 7)).toBe(-2);
        expect(await c.incrByFloat('n', 0.5)).toBe('-1.5');
        await expect(c.incr('m1')).rejects.toThrow('ERR value is not an integer or out of range');
        await expect(c.sendCommand(['SET', 'x', 'v', 'EX', '0'])).rejects.toThrow("ERR invalid expire time in 'set' command");
        expect(await c.exists(['n', 'm1', 'nokey'])).toBe(2);
        expect(await c.expire('n', 100, 'NX')).toBe(1);
        expect(await c.expire('n', 100, 'NX')).toBe(0);
        expect(await c.pTTL('n')).toBeGreaterThan(99_000);
        expect(await c.persist('n')).toBe(1);
        expect(await c.type('n')).toBe('string');
        expect(await c.rename('n', 'n2')).toBe('OK');
        expect(await c.renameNX('n2', 'm1')).toBe(0);
        expect((await c.keys('*')).sort()).toEqual(['m1', 'n2', 't', 't2']);
        const scanned: string[] = [];
        for await (const keys of c.scanIterator({ MATCH: '*', COUNT: 2 })) scanned.push(...keys);
        expect(scanned.sort()).toEqual(['m1', 'n2', 't', 't2']);
        expect(await c.dbSize()).toBe(4);
        expect(await c.del(['t', 't2', 'nokey'])).toBe(2);
        expect(await c.unlink('n2')).toBe(1);
        expect(await c.randomKey()).toBe('m1');
        expect(await c.ping()).toBe('PONG');
        expect(await c.echo('hi')).toBe('hi');
        expect(await c.clientSetName('nr')).toBe('OK');
        expect(await c.clientGetName()).toBe('nr');
        expect(await c.clientId()).toEqual(expect.any(Number));
        expect(await c.sendCommand(['CLIENT', 'INFO'])).toMatch(new RegExp(`name=nr .* resp=${RESP} lib-name=node-redis lib-ver=\\S+\\n$`));
        expect(await c.commandCount()).toBeGreaterThan(50);
        const [seconds] = (await c.sendCommand(['TIME'])) as string[];
        expect(Math.abs(Number(seconds) - Date.now() / 1000)).toBeLessThan(5);
        await c.select(2);
        expect(await c.get('m1')).toBeNull();
        expect(await c.flushDb()).toBe('OK');
        expect(await c.flushAll('SYNC')).toBe('OK');
      });
    });

    it(`node-redis RESP${RESP}: a pipeline (execAsPipeline) keeps order and reports errors per command`, async () => {
      await nodeRedis(kiwi.port, RESP, async (c) => {
        await c.flushAll();
        const replies = await c.multi().set('p', '1').incr('p').get('p').incr('q').mGet(['p', 'nokey']).execAsPipeline();
        expect(replies).toEqual(['OK', 2, '2', 1, ['2', null]]);
        const failed = await settle(c.multi().set('p', 'x').incr('p').get('p').execAsPipeline());
        expect(JSON.stringify(failed)).toContain('ERR value is not an integer or out of range');
      });
    });
  });
}

// redis-cli quotes: sdssplitargs() reads "..." with \xHH, \n, \r, \" and \\ escapes.
const cliQuote = (arg: string): string =>
  `"${[...Buffer.from(arg, 'latin1')].map((b) => (b === 0x22 || b === 0x5c ? `\\${String.fromCharCode(b)}` : b < 0x20 || b > 0x7e ? `\\x${b.toString(16).padStart(2, '0')}` : String.fromCharCode(b))).join('')}"`;

/** redis-cli with arguments; the server runs in this process, so never a sync spawn. */
async function cli(port: number, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await promisify(execFile)('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 });
    return stdout + stderr;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    return `exit: ${err.stdout ?? ''}${err.stderr ?? err.message}`;
  }
}

/** redis-cli reading commands (or, with -x, the last argument) from stdin. */
function cliStdin(port: number, args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('latin1')));
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    child.stdin.end(input, 'latin1');
  });
}

const scriptText = SCRIPT.map((argv) => argv.map(cliQuote).join(' ')).join('\n') + '\n';

describe.skipIf(!HAVE_CLI)(titled('redis-cli', HAVE_CLI, NO_CLI), () => {
  it('redis-cli: commands as arguments, raw output and --no-raw errors', async () => {
    expect(await cli(kiwi.port, ['set', 'cli', 'hello'])).toBe('OK\n');
    expect(await cli(kiwi.port, ['get', 'cli'])).toBe('hello\n');
    // In raw mode redis-cli prints an error and an empty line.
    expect(await cli(kiwi.port, ['incr', 'cli'])).toBe('ERR value is not an integer or out of range\n\n');
    expect(await cli(kiwi.port, ['--no-raw', 'incr', 'cli'])).toBe('(error) ERR value is not an integer or out of range\n');
    expect(await cli(kiwi.port, ['--no-raw', 'get'])).toBe("(error) ERR wrong number of arguments for 'get' command\n");
    expect(await cli(kiwi.port, ['--no-raw', 'nosuch', 'x'])).toBe("(error) ERR unknown command 'nosuch', with args beginning with: 'x' \n");
    expect(await cli(kiwi.port, ['--no-raw', 'get', 'nokey'])).toBe('(nil)\n');
    expect(await cli(kiwi.port, ['--no-raw', 'exists', 'cli'])).toBe('(integer) 1\n');
    expect(await cli(kiwi.port, ['--no-raw', 'mget', 'cli', 'nokey'])).toBe('1) "hello"\n2) (nil)\n');
  });

  it('redis-cli: -x reads the last argument from stdin', async () => {
    expect(await cliStdin(kiwi.port, ['-x', 'set', 'fromstdin'], 'line one\nline two')).toBe('OK\n');
    expect(await cli(kiwi.port, ['strlen', 'fromstdin'])).toBe('17\n');
  });

  for (const mode of [[], ['--no-raw'], ['-3', '--no-raw']]) {
    const name = mode.length ? mode.join(' ') : 'raw';
    it.skipIf(!HAVE_REDIS)(titled(`redis-cli ${name}: the issue 4 script piped on stdin prints what Redis prints`, HAVE_REDIS, NO_REDIS), async () => {
      const p = ports();
      const [expected, actual] = await Promise.all([cliStdin(p.redis, mode, scriptText), cliStdin(p.kiwi, mode, scriptText)]);
      expect(actual.split('\n')).toEqual(expected.split('\n'));
      // One reply (at least one line) per command: the script ran to its end.
      expect(actual.split('\n').length).toBeGreaterThan(SCRIPT.length);
      expect(actual).toContain('ERR syntax error');
    });
  }

  // What differs by nature is scrubbed: CLIENT INFO values, HELLO's version and id, doc
  // texts. Tips, key specs and argument lists are not implemented, so the output is
  // compared up to them (README).
  const cli3 = [
    { argv: ['COMMAND', 'DOCS', 'getset'], scrub: (s: string) => s.replace(/\n\s+\d+# "arguments"[\s\S]*$/, '\n').replace(/"(summary|complexity)" => "[^"]*"/g, '"$1" => <text>') },
    { argv: ['COMMAND', 'INFO', 'get'], scrub: (s: string) => {
      // Elements 1-8, then element 10; element 9 (key specs) is left out.
      const lines = s.split('\n');
      return [...lines.slice(0, lines.findIndex((l) => /^\s+9\) /.test(l))), lines.find((l) => /^\s+10\) /.test(l))].join('\n');
    } },
    { argv: ['CLIENT', 'INFO'], scrub: (s: string) => s.replace(/=[^ \n]*/g, '=') },
    { argv: ['HELLO', '3'], scrub: (s: string) => s.replace(/"7\.0\.\d+"/, '<version>').replace(/"id" => \(integer\) \d+/, '"id" => <id>') },
  ];
  for (const { argv, scrub } of cli3) {
    it.skipIf(!HAVE_REDIS)(titled(`redis-cli -3 --no-raw: ${argv.join(' ')} prints as on Redis`, HAVE_REDIS, NO_REDIS), async () => {
      const p = ports();
      const [expected, actual] = await Promise.all([cli(p.redis, ['-3', '--no-raw', ...argv]), cli(p.kiwi, ['-3', '--no-raw', ...argv])]);
      expect(scrub(actual)).toEqual(scrub(expected));
    });
  }
});

// The GEO commands (issue 17) through ioredis' own geo methods: the same values on both
// servers, a few pinned so kiwi is checked without redis-server too.
/** One run of ioredis geo calls; returns every result in order. */
async function geoScript(port: number): Promise<unknown[]> {
  const c = new Redis({ port, lazyConnect: true, enableAutoPipelining: false });
  await c.connect();
  try {
    await c.flushall();
    const out: unknown[] = [];
    out.push(await c.geoadd('Sicily', 13.361389, 38.115556, 'Palermo', 15.087269, 37.502669, 'Catania'));
    out.push(await c.geoadd('Sicily', 'CH', 13.361389, 38.2, 'Palermo', 12.758489, 38.788135, 'edge1'));
    out.push(await c.geopos('Sicily', 'Palermo', 'Catania', 'nosuch'));
    out.push(await c.geodist('Sicily', 'Palermo', 'Catania', 'KM'));
    out.push(await c.geodist('Sicily', 'Palermo', 'nosuch'));
    out.push(await c.geohash('Sicily', 'Palermo', 'Catania'));
    out.push(await c.geosearch('Sicily', 'FROMLONLAT', 15, 37, 'BYRADIUS', 200, 'km', 'ASC', 'WITHCOORD', 'WITHDIST', 'WITHHASH'));
    out.push(await c.geosearch('Sicily', 'FROMMEMBER', 'Palermo', 'BYBOX', 400, 400, 'km', 'DESC', 'COUNT', 2));
    out.push(await c.geosearchstore('dst', 'Sicily', 'FROMLONLAT', 15, 37, 'BYRADIUS', 300, 'km', 'STOREDIST'));
    out.push(await c.zrange('dst', 0, -1, 'WITHSCORES'));
    out.push(await c.georadius('Sicily', 15, 37, 200, 'km', 'WITHDIST', 'ASC'));
    out.push(await c.georadiusbymember('Sicily', 'Palermo', 300, 'km', 'WITHCOORD'));
    out.push(await c.georadius_ro('Sicily', 15, 37, 200, 'km', 'COUNT', 1));
    out.push(await c.georadiusbymember_ro('Sicily', 'Catania', 300, 'mi', 'DESC'));
    out.push(await c.georadius('Sicily', 15, 37, 200, 'km', 'STORE', 'st'));
    out.push(await c.zrange('st', 0, -1, 'WITHSCORES'));
    out.push(await c.geoadd('Sicily', 200, 0, 'bad').catch((e: Error) => e.message));
    out.push(await c.call('GEODIST', 'Sicily', 'Palermo', 'Catania', 'yd').catch((e: Error) => e.message));
    out.push(await c.geosearch('Sicily', 'FROMMEMBER', 'nosuch', 'BYRADIUS', 1, 'km').catch((e: Error) => e.message));
    const p = c.pipeline();
    p.geoadd('pipe', 1, 1, 'a', 2, 2, 'b');
    p.geosearch('pipe', 'FROMLONLAT', 1, 1, 'BYRADIUS', 500, 'km', 'ASC', 'WITHDIST');
    p.geopos('pipe', 'b');
    out.push(await p.exec());
    return out;
  } finally {
    c.disconnect();
  }
}

describe('ioredis GEO calls', () => {
  it('give Redis values on kiwi', async () => {
    const got = await geoScript(kiwi.port);
    expect(got[0]).toBe(2);
    expect(got[1]).toBe(2);
    expect((got[2] as unknown[]).slice(1)).toEqual([['15.08726745843887329', '37.50266842333162032'], null]);
    expect(got[16]).toBe('ERR invalid longitude,latitude pair 200.000000,0.000000');
  });

  it.skipIf(!HAVE_REDIS)(titled('are the same on kiwi and redis-server', HAVE_REDIS, NO_REDIS), async () => {
    const [expected, actual] = await Promise.all([geoScript(redis!.port), geoScript(kiwi.port)]);
    expect(actual).toEqual(expected);
  });
});
