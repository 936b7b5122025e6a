// Connection and server administration against a real in-process server, with stock
// clients (ioredis, node-redis) and raw RESP: AUTH/HELLO/RESET, CONFIG, INFO, CLIENT,
// maxclients, idle timeout, QUIT, SELECT, DEBUG SLEEP, TIME, SHUTDOWN, slow consumers.
// Error texts are Redis 7.0's, checked against redis-server 7.0.
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { diskDir, RawClient, resp, startTestServer, type TestServer } from '../helpers/server.js';

const AUTH_NOT_CONFIGURED =
  'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?';
const HELLO_NOAUTH =
  'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time';
const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';
const NOAUTH = 'NOAUTH Authentication required.';

type Value = string | number | null | Error | Value[] | Map<Value, Value>;

/** Parses one RESP2/RESP3 reply at `at`; undefined when incomplete. */
function parseReply(s: string, at = 0): [Value, number] | undefined {
  const eol = s.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const type = s[at];
  const line = s.slice(at + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+':
      return [line, next];
    case '-':
      return [new Error(line), next];
    case ':':
      return [Number(line), next];
    case '_':
      return [null, next];
    case '$':
    case '=': {
      const n = Number(line);
      if (n < 0) return [null, next];
      if (s.length < next + n + 2) return undefined;
      return [s.slice(next + (type === '=' ? 4 : 0), next + n), next + n + 2];
    }
    case '*':
    case '%': {
      const n = Number(line) * (type === '%' ? 2 : 1);
      if (n < 0) return [null, next];
      const items: Value[] = [];
      let pos = next;
      for (let i = 0; i < n; i++) {
        const r = parseReply(s, pos);
        if (!r) return undefined;
        items.push(r[0]);
        pos = r[1];
      }
      if (type === '*') return [items, pos];
      const map = new Map<Value, Value>();
      for (let i = 0; i < items.length; i += 2) map.set(items[i], items[i + 1]);
      return [map, pos];
    }
    default:
      throw new Error(`unexpected RESP type ${JSON.stringify(type)} in ${JSON.stringify(s.slice(at, at + 40))}`);
  }
}

/** Sends a command over a raw connection and returns its one parsed reply. */
async function call(c: RawClient, ...args: string[]): Promise<Value> {
  c.write(resp(...args));
  return nextReply(c);
}

async function nextReply(c: RawClient, timeoutMs = 5000): Promise<Value> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = parseReply(c.buffered);
    if (r) {
      await c.read(r[1]);
      return r[0];
    }
    if (c.closed || Date.now() > deadline) throw new Error(`no complete reply (closed=${c.closed}): ${JSON.stringify(c.buffered)}`);
    await new Promise((res) => setTimeout(res, 5));
  }
}

/** The error text of a reply that must be an error. */
function errorText(v: Value): string {
  expect(v).toBeInstanceOf(Error);
  return (v as Error).message;
}

/** INFO text as { section title: { key: value } }, checking the line format on the way. */
function parseInfo(text: string): Record<string, Record<string, string>> {
  expect(text === '' || text.endsWith('\r\n')).toBe(true);
  expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  const out: Record<string, Record<string, string>> = {};
  let section: Record<string, string> | null = null;
  for (const line of text.split('\r\n').slice(0, -1)) {
    if (line === '') continue;
    const title = /^# (\S.*)$/.exec(line);
    if (title) {
      section = out[title[1]] = {};
      continue;
    }
    expect(line, 'a key:value line under a # Title').toMatch(/^[a-z0-9_|-]+:[^\r\n]*$/);
    expect(section).not.toBeNull();
    const colon = line.indexOf(':');
    section![line.slice(0, colon)] = line.slice(colon + 1);
  }
  return out;
}

const raws: RawClient[] = [];
const stock: Array<{ disconnect(): void }> = [];

async function raw(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  raws.push(c);
  return c;
}

function ioredis(port: number, options: Record<string, unknown> = {}): Redis {
  const r = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null, ...options });
  stock.push(r);
  return r;
}

afterEach(() => {
  for (const c of raws.splice(0)) c.close();
  for (const r of stock.splice(0)) r.disconnect();
});

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.destroy();
});

describe('AUTH, HELLO and RESET with requirepass', () => {
  let secured: TestServer;
  beforeAll(async () => {
    secured = await startTestServer({ requirepass: 's3cret' });
  });
  afterAll(async () => {
    await secured.destroy();
  });

  it('commands before AUTH get NOAUTH; AUTH with the wrong password gets WRONGPASS', async () => {
    const c = await raw(secured.port);
    expect(errorText(await call(c, 'PING'))).toBe(NOAUTH);
    expect(errorText(await call(c, 'GET', 'k'))).toBe(NOAUTH);
    expect(errorText(await call(c, 'CONFIG', 'GET', 'requirepass'))).toBe(NOAUTH);
    expect(errorText(await call(c, 'CLIENT', 'ID'))).toBe(NOAUTH);
    expect(errorText(await call(c, 'AUTH', 'wrong'))).toBe(WRONGPASS);
    expect(errorText(await call(c, 'AUTH', 'default', 'wrong'))).toBe(WRONGPASS);
    expect(errorText(await call(c, 'AUTH', 'alice', 's3cret'))).toBe(WRONGPASS);
    expect(errorText(await call(c, 'AUTH', 'a', 'b', 'c'))).toBe('ERR syntax error');
    expect(errorText(await call(c, 'PING'))).toBe(NOAUTH);
    expect(await call(c, 'AUTH', 's3cret')).toBe('OK');
    expect(await call(c, 'PING')).toBe('PONG');
  });

  it('AUTH default <password> works, as the ACL form', async () => {
    const c = await raw(secured.port);
    expect(await call(c, 'AUTH', 'default', 's3cret')).toBe('OK');
    expect(await call(c, 'SET', 'authed', '1')).toBe('OK');
  });

  it('HELLO before AUTH is refused with Redis 7.0 text; HELLO 3 AUTH default pass switches to RESP3', async () => {
    const c = await raw(secured.port);
    expect(errorText(await call(c, 'HELLO', '3'))).toBe(HELLO_NOAUTH);
    expect(errorText(await call(c, 'HELLO'))).toBe(HELLO_NOAUTH);
    expect(errorText(await call(c, 'HELLO', '3', 'AUTH', 'default', 'nope'))).toBe(WRONGPASS);
    expect(await call(c, 'HELLO', '3', 'AUTH', 'default', 's3cret', 'SETNAME', 'h3')).toBeInstanceOf(Map);
    expect(await call(c, 'CLIENT', 'GETNAME')).toBe('h3');
    c.write(resp('GET', 'missing'));
    expect(await c.read(3)).toBe('_\r\n');
  });

  it('HELLO 3 AUTH replies a map with server, version, proto, id, mode, role, modules', async () => {
    const c = await raw(secured.port);
    const reply = (await call(c, 'HELLO', '3', 'AUTH', 'default', 's3cret')) as Map<Value, Value>;
    expect(reply).toBeInstanceOf(Map);
    expect([...reply.keys()]).toEqual(['server', 'version', 'proto', 'id', 'mode', 'role', 'modules']);
    expect(reply.get('server')).toBe('redis');
    expect(reply.get('proto')).toBe(3);
    expect(reply.get('id')).toBe(await call(c, 'CLIENT', 'ID'));
  });

  it('RESET drops authentication (and name, db and protocol)', async () => {
    const c = await raw(secured.port);
    expect(await call(c, 'AUTH', 's3cret')).toBe('OK');
    expect(await call(c, 'CLIENT', 'SETNAME', 'before-reset')).toBe('OK');
    expect(await call(c, 'SELECT', '3')).toBe('OK');
    expect(await call(c, 'RESET')).toBe('RESET');
    expect(errorText(await call(c, 'PING'))).toBe(NOAUTH);
    expect(await call(c, 'AUTH', 's3cret')).toBe('OK');
    expect(await call(c, 'CLIENT', 'GETNAME')).toBeNull();
    expect(((await call(c, 'CLIENT', 'INFO')) as string)).toMatch(/ db=0 .* resp=2\n$/);
  });

  it('QUIT is allowed before AUTH', async () => {
    const c = await raw(secured.port);
    expect(await call(c, 'QUIT')).toBe('OK');
    expect(await c.waitClosed()).toBe(true);
  });

  it('ioredis and node-redis connect with a password', async () => {
    const r = ioredis(secured.port, { password: 's3cret' });
    expect(await r.ping()).toBe('PONG');
    const withUser = ioredis(secured.port, { username: 'default', password: 's3cret' });
    expect(await withUser.ping()).toBe('PONG');
    const bad = ioredis(secured.port, { password: 'wrong', lazyConnect: true });
    const errors: Error[] = [];
    bad.on('error', (err: Error) => errors.push(err));
    await expect(bad.connect()).rejects.toThrow();
    expect(errors.map((e) => e.message)).toContain(WRONGPASS);
    const nr = createClient({ socket: { port: secured.port, host: '127.0.0.1', reconnectStrategy: false }, password: 's3cret', RESP: 3 });
    await nr.connect();
    expect(await nr.ping()).toBe('PONG');
    await nr.quit();
  });

  it('CONFIG SET requirepass: new connections must AUTH, existing ones stay authenticated', async () => {
    const admin = await raw(secured.port);
    expect(await call(admin, 'AUTH', 's3cret')).toBe('OK');
    expect(await call(admin, 'CONFIG', 'SET', 'requirepass', 'n3w')).toBe('OK');
    expect(await call(admin, 'PING')).toBe('PONG');
    const c = await raw(secured.port);
    expect(errorText(await call(c, 'PING'))).toBe(NOAUTH);
    expect(errorText(await call(c, 'AUTH', 's3cret'))).toBe(WRONGPASS);
    expect(await call(c, 'AUTH', 'n3w')).toBe('OK');
    expect(await call(admin, 'CONFIG', 'SET', 'requirepass', '')).toBe('OK');
    const open = await raw(secured.port);
    expect(await call(open, 'PING')).toBe('PONG');
    expect(errorText(await call(open, 'AUTH', 'x'))).toBe(AUTH_NOT_CONFIGURED);
    expect(await call(admin, 'CONFIG', 'SET', 'requirepass', 's3cret')).toBe('OK');
  });

  // The parser's limits before AUTH (at most 10 multibulk elements, small bulks) follow
  // the live configuration, as Redis' authRequired() does: once CONFIG SET requirepass ""
  // lifts the password, a connection opened before may send long commands.
  it('a connection opened before CONFIG SET requirepass "" may send long commands afterwards', async () => {
    const admin = await raw(secured.port);
    expect(await call(admin, 'AUTH', 's3cret')).toBe('OK');
    const c = await raw(secured.port);
    expect(await call(admin, 'CONFIG', 'SET', 'requirepass', '')).toBe('OK');
    try {
      expect(await call(c, 'PING')).toBe('PONG');
      const pairs = Array.from({ length: 12 }, (_, i) => `f${i}`);
      expect(await call(c, 'MSET', ...pairs)).toBe('OK');
    } finally {
      expect(await call(admin, 'CONFIG', 'SET', 'requirepass', 's3cret')).toBe('OK');
    }
  });
});

describe('AUTH without a password configured', () => {
  it("AUTH <password> gets Redis' exact error", async () => {
    const c = await raw(server.port);
    expect(errorText(await call(c, 'AUTH', 'anything'))).toBe(AUTH_NOT_CONFIGURED);
  });

  it('AUTH default <anything> and HELLO 3 AUTH default <anything> succeed (the default user has nopass)', async () => {
    const c = await raw(server.port);
    expect(await call(c, 'AUTH', 'default', 'anything')).toBe('OK');
    expect(errorText(await call(c, 'AUTH', 'alice', 'anything'))).toBe(WRONGPASS);
    const reply = await call(c, 'HELLO', '3', 'AUTH', 'default', 'whatever');
    expect(reply).toBeInstanceOf(Map);
    // Clients that always send a username and password (node-redis with both set) connect.
    const nr = createClient({ socket: { port: server.port, host: '127.0.0.1', reconnectStrategy: false }, username: 'default', password: 'unused' });
    await nr.connect();
    expect(await nr.ping()).toBe('PONG');
    await nr.quit();
  });
});

describe('CONFIG GET', () => {
  it('one name, glob patterns, several patterns, no match', async () => {
    const r = ioredis(server.port);
    expect(await r.config('GET', 'maxclients')).toEqual(['maxclients', '10000']);
    const max = (await r.config('GET', '*max*')) as string[];
    const names = max.filter((_, i) => i % 2 === 0).sort();
    expect(names).toEqual([
      'hash-max-listpack-entries', 'hash-max-listpack-value', 'hash-max-ziplist-entries', 'hash-max-ziplist-value', 'hll-sparse-max-bytes', 'list-max-listpack-size',
      'list-max-ziplist-size', 'maxclients', 'maxmemory', 'maxmemory-policy', 'proto-max-bulk-len', 'set-max-intset-entries', 'set-max-listpack-entries',
      'set-max-listpack-value', 'slowlog-max-len', 'zset-max-listpack-entries', 'zset-max-listpack-value', 'zset-max-ziplist-entries', 'zset-max-ziplist-value',
    ]);
    expect(await r.config('GET', 'batch-?ize', 'timeout')).toEqual(['batch-size', '100', 'timeout', '0']);
    expect(await r.config('GET', 'no-such-parameter')).toEqual([]);
    expect(await r.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
    // The configured value (the test server asks for port 0); INFO server has the bound one.
    expect(await r.config('GET', 'port')).toEqual(['port', '0']);
    expect(await r.config('GET', 'appendfsync')).toEqual(['appendfsync', 'everysec']);
    expect(await r.config('GET', 'scaling-enabled')).toEqual(['scaling-enabled', 'no']);
  });

  it('every parameter appears under *, with values as Redis formats them', async () => {
    const r = ioredis(server.port);
    const all = (await r.config('GET', '*')) as string[];
    const map = new Map<string, string>();
    for (let i = 0; i < all.length; i += 2) map.set(all[i], all[i + 1]);
    for (const name of ['bind', 'port', 'dir', 'requirepass', 'maxclients', 'timeout', 'databases', 'proto-max-bulk-len', 'loglevel', 'storage-threads', 'batch-size', 'appendfsync', 'save', 'appendonly']) {
      expect(map.has(name), name).toBe(true);
    }
    expect(map.get('dir')).toBe(server.dir);
    expect(map.get('proto-max-bulk-len')).toBe(String(512 * 1024 * 1024));
  });

  it('is a map in RESP3', async () => {
    const c = await raw(server.port);
    await call(c, 'HELLO', '3');
    const expected = '%1\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n';
    expect(await c.roundTrip(resp('CONFIG', 'GET', 'maxclients'), expected)).toBe(expected);
    const nr = createClient({ socket: { port: server.port, host: '127.0.0.1', reconnectStrategy: false }, RESP: 3 });
    await nr.connect();
    expect(await nr.configGet('timeout')).toEqual({ timeout: '0' });
    await nr.quit();
  });

  it('arity errors', async () => {
    const c = await raw(server.port);
    expect(errorText(await call(c, 'CONFIG', 'GET'))).toBe("ERR wrong number of arguments for 'config|get' command");
    expect(errorText(await call(c, 'CONFIG', 'SET', 'maxclients'))).toBe("ERR wrong number of arguments for 'config|set' command");
    expect(errorText(await call(c, 'CONFIG', 'SET', 'maxclients', '1', 'timeout'))).toBe("ERR wrong number of arguments for 'config|set' command");
    expect(errorText(await call(c, 'CONFIG', 'FOO'))).toBe("ERR unknown subcommand 'FOO'. Try CONFIG HELP.");
  });
});

describe('CONFIG SET', () => {
  let r: Redis;
  beforeAll(() => {
    r = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  });
  afterAll(async () => {
    await r.config('SET', 'maxclients', '10000', 'timeout', '0', 'storage-threads', '0', 'batch-size', '100', 'loglevel', 'notice');
    r.disconnect();
  });
  const get = async (name: string) => ((await r.config('GET', name)) as string[])[1];
  const info = async (section: string) => parseInfo((await r.info(section)) as string);

  it('maxclients and timeout change and show in CONFIG GET and INFO', async () => {
    expect(await r.config('SET', 'maxclients', '5000')).toBe('OK');
    expect(await get('maxclients')).toBe('5000');
    expect((await info('clients')).Clients.maxclients).toBe('5000');
    expect(await r.config('SET', 'timeout', '300')).toBe('OK');
    expect(await get('timeout')).toBe('300');
  });

  it('storage-threads takes effect: INFO runtime and INFO storage show the new count', async () => {
    expect(await r.config('SET', 'storage-threads', '3')).toBe('OK');
    expect(await get('storage-threads')).toBe('3');
    expect((await info('runtime')).Runtime.storage_threads).toBe('3');
    expect((await info('storage')).Storage.storage_threads).toBe('3');
    // Storage still serves after the change.
    expect(await r.set('after-threads', 'ok')).toBe('OK');
    expect(await r.get('after-threads')).toBe('ok');
    expect(await r.config('SET', 'storage-threads', '1')).toBe('OK');
    expect((await info('storage')).Storage.storage_threads).toBe('1');
    expect(await r.get('after-threads')).toBe('ok');
  });

  it('batch-size and loglevel change', async () => {
    expect(await r.config('SET', 'batch-size', '7')).toBe('OK');
    expect((await info('runtime')).Runtime.batch_size).toBe('7');
    expect(await r.config('SET', 'loglevel', 'WARNING')).toBe('OK');
    expect(await get('loglevel')).toBe('warning');
    expect(server.runtime.log.level).toBe('warning');
  });

  // CONFIG SET fault-injection-delay-ms acts at the storage boundary at run time.
  it('fault-injection-delay-ms takes effect (with fault injection enabled)', async () => {
    const s = await startTestServer({ settings: { 'runtime.fault_injection.enabled': true } });
    try {
      const f = ioredis(s.port);
      expect(await f.config('SET', 'fault-injection-delay-ms', '300')).toBe('OK');
      const t0 = performance.now();
      expect(await f.set('delayed', '1')).toBe('OK');
      expect(performance.now() - t0).toBeGreaterThanOrEqual(250);
    } finally {
      for (const c of stock.splice(0)) c.disconnect();
      await s.destroy();
    }
  });

  it('proto-max-bulk-len applies to connections opened after it', async () => {
    expect(await r.config('SET', 'proto-max-bulk-len', '1mb')).toBe('OK');
    try {
      expect(await get('proto-max-bulk-len')).toBe('1048576');
      const c = await raw(server.port);
      const expected = '-ERR Protocol error: invalid bulk length\r\n';
      expect(await c.roundTrip('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n', expected)).toBe(expected);
    } finally {
      expect(await r.config('SET', 'proto-max-bulk-len', '512mb')).toBe('OK');
    }
  });

  // A new proto-max-bulk-len applies to connections already open, as in Redis.
  it('proto-max-bulk-len applies to connections already open', async () => {
    const c = await raw(server.port);
    expect(await call(c, 'PING')).toBe('PONG');
    expect(await r.config('SET', 'proto-max-bulk-len', '1mb')).toBe('OK');
    try {
      const expected = '-ERR Protocol error: invalid bulk length\r\n';
      c.write('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n');
      expect(await c.read(expected.length, 1000)).toBe(expected);
    } finally {
      expect(await r.config('SET', 'proto-max-bulk-len', '512mb')).toBe('OK');
    }
  });

  it('an immutable parameter is refused', async () => {
    await expect(r.config('SET', 'port', '1')).rejects.toThrow("ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config");
    await expect(r.config('SET', 'databases', '4')).rejects.toThrow("ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config");
    await expect(r.config('SET', 'dir', '/tmp')).rejects.toThrow("ERR CONFIG SET failed (possibly related to argument 'dir') - can't set immutable config");
  });

  it('an unknown parameter is refused', async () => {
    await expect(r.config('SET', 'no-such-thing', '1')).rejects.toThrow("ERR Unknown option or number of arguments for CONFIG SET - 'no-such-thing'");
  });

  it('an invalid value is refused with the reason, and nothing changes', async () => {
    const before = await get('maxclients');
    await expect(r.config('SET', 'maxclients', 'lots')).rejects.toThrow("ERR CONFIG SET failed (possibly related to argument 'maxclients') - expected an integer");
    await expect(r.config('SET', 'maxclients', '0')).rejects.toThrow("ERR CONFIG SET failed (possibly related to argument 'maxclients') - must be at least 1");
    await expect(r.config('SET', 'timeout', '-1')).rejects.toThrow("ERR CONFIG SET failed (possibly related to argument 'timeout') - must be at least 0");
    await expect(r.config('SET', 'loglevel', 'loud')).rejects.toThrow(/^ERR CONFIG SET failed \(possibly related to argument 'loglevel'\) - expected one of debug, verbose, notice, warning/);
    await expect(r.config('SET', 'fault-injection-error-rate', '0.5')).rejects.toThrow(/argument 'fault-injection-error-rate'\) - fault injection is off/);
    expect(await get('maxclients')).toBe(before);
  });

  it('several pairs are set all or nothing', async () => {
    expect(await r.config('SET', 'batch-size', '11', 'maxclients', '4000')).toBe('OK');
    expect([await get('batch-size'), await get('maxclients')]).toEqual(['11', '4000']);
    // The second pair is invalid: the first is not applied.
    await expect(r.config('SET', 'batch-size', '12', 'maxclients', '0')).rejects.toThrow(/argument 'maxclients'/);
    await expect(r.config('SET', 'batch-size', '12', 'nosuch', '1')).rejects.toThrow(/Unknown option .* 'nosuch'/);
    await expect(r.config('SET', 'batch-size', '12', 'port', '1')).rejects.toThrow(/immutable/);
    await expect(r.config('SET', 'batch-size', '12', 'batch-size', '13')).rejects.toThrow("ERR CONFIG SET failed (possibly related to argument 'batch-size') - duplicate parameter");
    expect([await get('batch-size'), await get('maxclients')]).toEqual(['11', '4000']);
    expect((await info('runtime')).Runtime.batch_size).toBe('11');
  });
});

describe('CONFIG RESETSTAT', () => {
  it('zeroes the command and connection counters', async () => {
    const r = ioredis(server.port);
    for (let i = 0; i < 20; i++) await r.incr('resetstat');
    const before = parseInfo((await r.info('stats')) as string).Stats;
    const beforeChannel = parseInfo((await r.info('channel')) as string).Channel;
    expect(Number(before.total_commands_processed)).toBeGreaterThanOrEqual(20);
    expect(await r.config('RESETSTAT')).toBe('OK');
    const after = parseInfo((await r.info('stats')) as string).Stats;
    // Only the INFO itself may have been counted since.
    expect(Number(after.total_commands_processed)).toBeLessThanOrEqual(1);
    expect(after.total_connections_received).toBe('0');
    expect(after.keyspace_hits).toBe('0');
    expect(Number(beforeChannel.requests_sent)).toBeGreaterThanOrEqual(20);
    // Health checks may have pinged storage since.
    const channel = parseInfo((await r.info('channel')) as string).Channel;
    expect(Number(channel.requests_sent)).toBeLessThanOrEqual(10);
  });
});

describe('INFO', () => {
  const DEFAULT_TITLES = ['Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'CPU', 'Modules', 'Errorstats', 'Cluster', 'Keyspace', 'Runtime', 'Channel', 'Storage', 'Circuit_breaker'];

  it('without arguments: the default sections, each "# Title" then key:value lines', async () => {
    const r = ioredis(server.port);
    const text = (await r.info()) as string;
    const info = parseInfo(text);
    expect(Object.keys(info)).toEqual(DEFAULT_TITLES);
    // Sections are separated by one empty line, as Redis does.
    expect(text).toMatch(/^# Server\r\n/);
    expect(text.split('\r\n\r\n# ').length).toBe(DEFAULT_TITLES.length);
    expect(info.Persistence.loading).toBe('0');
  });

  it('INFO server', async () => {
    const r = ioredis(server.port);
    const info = parseInfo((await r.info('server')) as string);
    expect(Object.keys(info)).toEqual(['Server']);
    expect(info.Server).toMatchObject({ redis_version: '7.0.0', redis_mode: 'standalone', process_id: String(process.pid) });
    // The port actually bound, not the configured 0.
    expect(info.Server.tcp_port).toBe(String(server.port));
    expect(Number(info.Server.uptime_in_seconds)).toBeGreaterThanOrEqual(0);
    expect(info.Server.run_id).toMatch(/^[0-9a-f]{40}$/);
  });

  it('INFO runtime, INFO channel, INFO storage', async () => {
    const r = ioredis(server.port);
    const runtime = parseInfo((await r.info('runtime')) as string);
    expect(Object.keys(runtime)).toEqual(['Runtime']);
    expect(runtime.Runtime).toMatchObject({ preset: 'default', network_threads: '1', priority_enabled: '1' });
    expect(['healthy', 'degraded', 'unhealthy']).toContain(runtime.Runtime.health_status);
    const channel = parseInfo((await r.info('channel')) as string);
    expect(Object.keys(channel)).toEqual(['Channel']);
    expect(channel.Channel.channel_capacity).toBe('10000');
    expect(channel.Channel).toHaveProperty('requests_sent');
    const storage = parseInfo((await r.info('storage')) as string);
    expect(Object.keys(storage)).toEqual(['Storage']);
    expect(storage.Storage).toMatchObject({ storage_dir: server.dir, storage_state: 'ok' });
    expect(storage.Storage.rocksdb_version).toMatch(/^\d+\.\d+\.\d+$/);
    // Index and filter blocks are outside the block cache: their memory is reported apart.
    expect(storage.Storage.table_readers_memory).toMatch(/^\d+$/);
  });

  it('several sections, any case', async () => {
    const r = ioredis(server.port);
    expect(Object.keys(parseInfo((await r.info('SERVER', 'clients')) as string))).toEqual(['Server', 'Clients']);
  });

  it('INFO all and INFO everything include every section', async () => {
    const r = ioredis(server.port);
    for (const arg of ['all', 'everything', 'default']) {
      const titles = Object.keys(parseInfo((await r.info(arg)) as string));
      for (const t of DEFAULT_TITLES) expect(titles, arg).toContain(t);
    }
  });

  it('an unknown section is an empty reply', async () => {
    const c = await raw(server.port);
    expect(await c.roundTrip(resp('INFO', 'nosuchsection'), '$0\r\n\r\n')).toBe('$0\r\n\r\n');
  });

  it('INFO keyspace: db lines as Redis writes them (counted at start-up, refreshed in the background)', async () => {
    // Counted at start-up from what is on disk: a restart on the same directory.
    const s = await startTestServer({ dir: diskDir() });
    let r = ioredis(s.port);
    await r.mset('a', '1', 'b', '2', 'c', '3');
    await r.set('t', '1', 'EX', 1000);
    await r.select(2);
    await r.set('z', '1');
    r.disconnect();
    await s.close();
    const again = await startTestServer({ dir: s.dir });
    try {
      r = ioredis(again.port);
      let info: Record<string, Record<string, string>> = {};
      for (let i = 0; i < 100 && !info.Keyspace?.db0; i++) {
        info = parseInfo((await r.info('keyspace')) as string);
        await new Promise((res) => setTimeout(res, 20));
      }
      expect(info).toEqual({ Keyspace: { db0: 'keys=4,expires=1,avg_ttl=0', db2: 'keys=1,expires=0,avg_ttl=0' } });
    } finally {
      await again.destroy();
    }
  });

  it('ioredis connects (its ready check reads loading:0 from INFO)', async () => {
    const r = ioredis(server.port, { enableReadyCheck: true, lazyConnect: true });
    await r.connect();
    expect(r.status).toBe('ready');
    expect(await r.ping()).toBe('PONG');
  });
});

describe('CLIENT', () => {
  it('SETNAME, GETNAME, and the name rules', async () => {
    const c = await raw(server.port);
    expect(await call(c, 'CLIENT', 'GETNAME')).toBeNull();
    expect(await call(c, 'CLIENT', 'SETNAME', 'worker-1')).toBe('OK');
    expect(await call(c, 'CLIENT', 'GETNAME')).toBe('worker-1');
    expect(errorText(await call(c, 'CLIENT', 'SETNAME', 'has space'))).toBe('ERR Client names cannot contain spaces, newlines or special characters.');
    expect(errorText(await call(c, 'CLIENT', 'SETNAME', 'new\nline'))).toBe('ERR Client names cannot contain spaces, newlines or special characters.');
    expect(await call(c, 'CLIENT', 'GETNAME')).toBe('worker-1');
    expect(await call(c, 'CLIENT', 'SETNAME', '')).toBe('OK');
    expect(await call(c, 'CLIENT', 'GETNAME')).toBeNull();
    expect(errorText(await call(c, 'CLIENT', 'SETNAME'))).toBe("ERR wrong number of arguments for 'client|setname' command");
    expect(errorText(await call(c, 'CLIENT', 'NOPE'))).toBe("ERR unknown subcommand 'NOPE'. Try CLIENT HELP.");
  });

  it('ID is unique and increasing; INFO and LIST describe the connection', async () => {
    const a = await raw(server.port);
    const b = await raw(server.port);
    const idA = (await call(a, 'CLIENT', 'ID')) as number;
    const idB = (await call(b, 'CLIENT', 'ID')) as number;
    expect(idB).toBeGreaterThan(idA);
    await call(a, 'CLIENT', 'SETNAME', 'alpha');
    await call(a, 'SELECT', '5');
    const info = (await call(a, 'CLIENT', 'INFO')) as string;
    expect(info).toMatch(new RegExp(`^id=${idA} addr=127\\.0\\.0\\.1:${a.socket.localPort} laddr=127\\.0\\.0\\.1:${server.port} fd=-?\\d+ name=alpha age=\\d+ idle=\\d+ flags=N db=5 .* cmd=client\\|info user=default redir=-1 resp=2\\n$`));
    const list = (await call(b, 'CLIENT', 'LIST')) as string;
    const lines = list.split('\n').filter(Boolean);
    expect(lines.some((l) => l.startsWith(`id=${idA} `) && l.includes(' name=alpha '))).toBe(true);
    expect(lines.some((l) => l.startsWith(`id=${idB} `) && l.includes(' cmd=client|list '))).toBe(true);
    expect(list.endsWith('\n')).toBe(true);
  });

  it('LIST ID and LIST TYPE filter', async () => {
    const a = await raw(server.port);
    const b = await raw(server.port);
    const idA = (await call(a, 'CLIENT', 'ID')) as number;
    const only = (await call(b, 'CLIENT', 'LIST', 'ID', String(idA))) as string;
    expect(only.split('\n').filter(Boolean).map((l) => l.split(' ')[0])).toEqual([`id=${idA}`]);
    expect(await call(b, 'CLIENT', 'LIST', 'ID', '0')).toBe('');
    expect(errorText(await call(b, 'CLIENT', 'LIST', 'ID', 'abc'))).toBe('ERR Invalid client ID');
    expect((await call(b, 'CLIENT', 'LIST', 'TYPE', 'normal')) as string).toContain(`id=${idA} `);
    expect(await call(b, 'CLIENT', 'LIST', 'TYPE', 'pubsub')).toBe('');
    expect(errorText(await call(b, 'CLIENT', 'LIST', 'TYPE', 'foo'))).toBe("ERR Unknown client type 'foo'");
    expect(errorText(await call(b, 'CLIENT', 'LIST', 'TYPE'))).toBe('ERR syntax error');
  });

  it('KILL ID closes that client and replies the count', async () => {
    const killer = await raw(server.port);
    const victim = await raw(server.port);
    const id = (await call(victim, 'CLIENT', 'ID')) as number;
    expect(await call(killer, 'CLIENT', 'KILL', 'ID', String(id))).toBe(1);
    expect(await victim.waitClosed()).toBe(true);
    expect(await call(killer, 'CLIENT', 'KILL', 'ID', String(id))).toBe(0);
    expect(errorText(await call(killer, 'CLIENT', 'KILL', 'ID', '0'))).toBe('ERR client-id should be greater than 0');
    expect(errorText(await call(killer, 'CLIENT', 'KILL', 'ID', 'abc'))).toBe('ERR client-id should be greater than 0');
    expect(await call(killer, 'PING')).toBe('PONG');
  });

  it('KILL ADDR, and SKIPME', async () => {
    const killer = await raw(server.port);
    const victim = await raw(server.port);
    const addr = `127.0.0.1:${victim.socket.localPort}`;
    expect(await call(killer, 'CLIENT', 'KILL', 'ADDR', addr)).toBe(1);
    expect(await victim.waitClosed()).toBe(true);
    expect(await call(killer, 'CLIENT', 'KILL', 'ADDR', '127.0.0.1:1')).toBe(0);
    // SKIPME yes is the default: a client does not kill itself by its own address...
    const self = `127.0.0.1:${killer.socket.localPort}`;
    expect(await call(killer, 'CLIENT', 'KILL', 'ADDR', self)).toBe(0);
    expect(await call(killer, 'CLIENT', 'KILL', 'ADDR', self, 'SKIPME', 'yes')).toBe(0);
    expect(errorText(await call(killer, 'CLIENT', 'KILL', 'ADDR', self, 'SKIPME', 'maybe'))).toBe('ERR syntax error');
    // ...unless SKIPME no: it gets the reply, then the connection closes.
    expect(await call(killer, 'CLIENT', 'KILL', 'ADDR', self, 'SKIPME', 'no')).toBe(1);
    expect(await killer.waitClosed()).toBe(true);
  });

  it('KILL in the legacy ip:port form replies OK or "No such client"', async () => {
    const killer = await raw(server.port);
    const victim = await raw(server.port);
    expect(await call(killer, 'CLIENT', 'KILL', `127.0.0.1:${victim.socket.localPort}`)).toBe('OK');
    expect(await victim.waitClosed()).toBe(true);
    expect(errorText(await call(killer, 'CLIENT', 'KILL', '127.0.0.1:1'))).toBe('ERR No such client');
    // The legacy form may kill the caller itself.
    expect(await call(killer, 'CLIENT', 'KILL', `127.0.0.1:${killer.socket.localPort}`)).toBe('OK');
    expect(await killer.waitClosed()).toBe(true);
  });

  it('KILL TYPE and USER: only normal clients of the default user exist', async () => {
    const killer = await raw(server.port);
    const bystander = await raw(server.port);
    expect(await call(killer, 'CLIENT', 'KILL', 'TYPE', 'master')).toBe(0);
    expect(await call(killer, 'CLIENT', 'KILL', 'TYPE', 'pubsub')).toBe(0);
    expect(await call(killer, 'CLIENT', 'KILL', 'TYPE', 'replica')).toBe(0);
    expect(errorText(await call(killer, 'CLIENT', 'KILL', 'TYPE', 'foo'))).toBe("ERR Unknown client type 'foo'");
    expect(errorText(await call(killer, 'CLIENT', 'KILL', 'USER', 'nobody'))).toBe("ERR No such user 'nobody'");
    expect(await call(bystander, 'PING')).toBe('PONG');
    const id = (await call(bystander, 'CLIENT', 'ID')) as number;
    expect(await call(killer, 'CLIENT', 'KILL', 'ID', String(id), 'TYPE', 'normal', 'USER', 'default')).toBe(1);
    expect(await bystander.waitClosed()).toBe(true);
    expect(errorText(await call(killer, 'CLIENT', 'KILL', 'ID', String(id), 'FOO', 'bar'))).toBe('ERR syntax error');
  });
});

describe('limits: maxclients and the idle timeout', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s.destroy();
  });

  it('with maxclients 2 (CONFIG SET), a third connection gets "-ERR max number of clients reached"', async () => {
    const admin = await raw(s.port);
    expect(await call(admin, 'CONFIG', 'SET', 'maxclients', '2')).toBe('OK');
    const second = await raw(s.port);
    expect(await call(second, 'PING')).toBe('PONG');
    const third = await raw(s.port);
    expect(await third.read(40)).toBe('-ERR max number of clients reached\r\n');
    expect(await third.waitClosed()).toBe(true);
    const stats = parseInfo((await call(admin, 'INFO', 'stats')) as string).Stats;
    expect(stats.rejected_connections).toBe('1');
    second.close();
    // Once a slot frees up, connections are accepted again.
    let fourth: RawClient | null = null;
    for (let i = 0; i < 50 && fourth === null; i++) {
      const c = await raw(s.port);
      const reply = await call(c, 'PING').catch(() => null);
      if (reply === 'PONG') fourth = c;
      else await new Promise((res) => setTimeout(res, 20));
    }
    expect(fourth).not.toBeNull();
    expect(await call(admin, 'CONFIG', 'SET', 'maxclients', '10000')).toBe('OK');
  });

  it('timeout closes idle clients and leaves active ones', async () => {
    const admin = await raw(s.port);
    const idle = await raw(s.port);
    expect(await call(admin, 'CONFIG', 'SET', 'timeout', '1')).toBe('OK');
    try {
      const t0 = Date.now();
      // The admin connection keeps talking; the idle one says nothing.
      while (!idle.closed && Date.now() - t0 < 4000) {
        expect(await call(admin, 'PING')).toBe('PONG');
        await new Promise((res) => setTimeout(res, 200));
      }
      expect(idle.closed).toBe(true);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
      expect(admin.closed).toBe(false);
    } finally {
      expect(await call(admin, 'CONFIG', 'SET', 'timeout', '0')).toBe('OK');
    }
  });
});

describe('QUIT, SELECT, DEBUG SLEEP, TIME', () => {
  it('QUIT replies OK, closes, and runs nothing pipelined after it', async () => {
    const c = await raw(server.port);
    c.write(Buffer.concat([resp('SET', 'before-quit', '1'), resp('QUIT'), resp('SET', 'after-quit', '1')]));
    expect(await c.read(10)).toBe('+OK\r\n+OK\r\n');
    expect(await c.waitClosed()).toBe(true);
    expect(c.buffered).toBe('');
    const r = ioredis(server.port);
    expect(await r.exists('before-quit', 'after-quit')).toBe(1);
  });

  it('SELECT 0 to 15 succeed; out of range and non-integers fail with Redis texts', async () => {
    const c = await raw(server.port);
    for (let db = 0; db < 16; db++) expect(await call(c, 'SELECT', String(db))).toBe('OK');
    expect(errorText(await call(c, 'SELECT', '16'))).toBe('ERR DB index is out of range');
    expect(errorText(await call(c, 'SELECT', '-1'))).toBe('ERR DB index is out of range');
    expect(errorText(await call(c, 'SELECT', 'abc'))).toBe('ERR value is not an integer or out of range');
    expect(errorText(await call(c, 'SELECT', '99999999999'))).toBe('ERR value is out of range, value must between -2147483648 and 2147483647');
    expect((await call(c, 'CLIENT', 'INFO')) as string).toContain(' db=15 ');
  });

  it('DEBUG SLEEP 0.1 replies OK after about 100 ms', async () => {
    const c = await raw(server.port);
    const t0 = performance.now();
    expect(await call(c, 'DEBUG', 'SLEEP', '0.1')).toBe('OK');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(95);
    expect(await call(c, 'DEBUG', 'SLEEP', '0')).toBe('OK');
  });

  it('TIME is [unix seconds, microseconds] as bulk strings', async () => {
    const c = await raw(server.port);
    const before = Date.now();
    const t = (await call(c, 'TIME')) as string[];
    expect(t).toHaveLength(2);
    expect(t[0]).toMatch(/^\d+$/);
    expect(t[1]).toMatch(/^\d{1,6}$/);
    const ms = Number(t[0]) * 1000 + Number(t[1]) / 1000;
    expect(Math.abs(ms - before)).toBeLessThan(2000);
    expect(errorText(await call(c, 'TIME', 'x'))).toBe("ERR wrong number of arguments for 'time' command");
  });
});

describe('SHUTDOWN', () => {
  it('argument errors do not stop the server', async () => {
    const c = await raw(server.port);
    expect(errorText(await call(c, 'SHUTDOWN', 'SOON'))).toBe('ERR syntax error');
    expect(errorText(await call(c, 'SHUTDOWN', 'ABORT'))).toBe('ERR No shutdown in progress.');
    expect(await call(c, 'PING')).toBe('PONG');
  });

  it('stops the server: the connection closes without a reply and close() resolves', async () => {
    const s = await startTestServer({ dir: diskDir() });
    try {
      const r = ioredis(s.port);
      expect(await r.set('kept', 'yes')).toBe('OK');
      const c = await RawClient.connect(s.port);
      c.write(resp('SHUTDOWN', 'NOSAVE'));
      expect(await c.waitClosed()).toBe(true);
      expect(c.buffered).toBe('');
      await s.close();
      expect(s.runtime.state).toBe('stopped');
      await expect(RawClient.connect(s.port)).rejects.toThrow(/ECONNREFUSED/);
      // The data survived: a new server on the same directory reads it.
      const again = await startTestServer({ dir: s.dir });
      try {
        const r2 = ioredis(again.port);
        expect(await r2.get('kept')).toBe('yes');
      } finally {
        await again.close();
      }
    } finally {
      await s.destroy();
    }
  });
});

describe('a slow consumer', () => {
  it('that pipelines without reading is held to a bounded output buffer, and others are served meanwhile', async () => {
    const s = await startTestServer();
    const slow = connect({ port: s.port, host: '127.0.0.1' });
    slow.on('error', () => {});
    slow.pause(); // never reads
    try {
      await new Promise((res) => slow.once('connect', res));
      const slowPort = slow.localPort!;
      const r = ioredis(s.port);
      const VALUE = 8 * 1024;
      await r.set('big', 'v'.repeat(VALUE));
      const chunk = Buffer.concat(Array.from({ length: 1000 }, () => resp('GET', 'big')));
      const ROUNDS = 40; // 40,000 GETs: about 330 MB of replies if nothing held them back
      let maxOmem = 0;
      let maxLatency = 0;
      const t0 = Date.now();
      for (let i = 0; i < ROUNDS && Date.now() - t0 < 8000; i++) {
        // Once the server stops reading, write() buffers in this process; pace it.
        if (!slow.write(chunk)) await new Promise((res) => setTimeout(res, 20));
        const t = performance.now();
        expect(await r.set(`other:${i}`, String(i))).toBe('OK');
        expect(await r.get(`other:${i}`)).toBe(String(i));
        maxLatency = Math.max(maxLatency, performance.now() - t);
        maxOmem = Math.max(maxOmem, slowOmem((await r.client('LIST')) as string, slowPort));
      }
      // Unbounded, this would reach ~330 MB; the kernel may absorb the first replies, so
      // omem can also stay near 0.
      expect(maxOmem).toBeLessThan(100 * 1024 * 1024);
      expect(maxLatency).toBeLessThan(2000);
      slow.destroy();
      // The slow connection goes away and the server carries on.
      for (let i = 0; i < 100 && slowOmem((await r.client('LIST')) as string, slowPort) >= 0; i++) await new Promise((res) => setTimeout(res, 20));
      expect(slowOmem((await r.client('LIST')) as string, slowPort)).toBe(-1);
      expect(await r.ping()).toBe('PONG');
    } finally {
      slow.destroy();
      for (const c of stock.splice(0)) c.disconnect();
      await s.destroy();
    }
  });
});

describe('a slow consumer whose own request is slow', () => {
  // A client that pipelines without reading its replies: the connection stops reading
  // once it owes MAX_PENDING_REPLIES replies, so requests held for it stay bounded.
  // (Before that limit, one slow MGET followed by 40,000 GETs held ~38,000 requests and
  // ~160 MB of replies.)
  it('does not read (and hold) unbounded pipelined requests behind it', async () => {
    const s = await startTestServer();
    const slow = connect({ port: s.port, host: '127.0.0.1' });
    slow.on('error', () => {});
    slow.pause();
    try {
      await new Promise((res) => slow.once('connect', res));
      const slowPort = slow.localPort!;
      const r = ioredis(s.port);
      const keys = Array.from({ length: 100_000 }, (_, i) => `fill:${i}`);
      for (let b = 0; b < keys.length; b += 2000) await r.mset(...keys.slice(b, b + 2000).flatMap((k) => [k, 'x']));
      await r.set('big', 'v'.repeat(4096));
      slow.write(resp('MGET', ...keys));
      const chunk = Buffer.concat(Array.from({ length: 1000 }, () => resp('GET', 'big')));
      for (let i = 0; i < 40; i++) slow.write(chunk);
      let maxOmem = 0;
      let maxHeld = 0;
      const t0 = Date.now();
      while (Date.now() - t0 < 2500) {
        maxHeld = Math.max(maxHeld, Number(parseInfo((await r.info('channel')) as string).Channel.client_held_requests));
        maxOmem = Math.max(maxOmem, slowOmem((await r.client('LIST')) as string, slowPort));
        await new Promise((res) => setTimeout(res, 25));
      }
      expect(await r.ping()).toBe('PONG');
      const seen = JSON.stringify({ maxHeld, maxOmemMB: Math.round(maxOmem / 2 ** 20) });
      expect(maxHeld, `requests held for the slow client stay bounded: ${seen}`).toBeLessThanOrEqual(10_000);
    } finally {
      slow.destroy();
      for (const c of stock.splice(0)) c.disconnect();
      await s.destroy();
    }
  });
});

/** The omem of the client at 127.0.0.1:port in CLIENT LIST, or -1 when it is not listed. */
function slowOmem(list: string, port: number): number {
  const line = list.split('\n').find((l) => l.includes(` addr=127.0.0.1:${port} `));
  return line ? Number(/ omem=(\d+)/.exec(line)![1]) : -1;
}
