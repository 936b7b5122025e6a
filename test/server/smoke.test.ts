// The server end to end with each kind of client: raw bytes, ioredis, node-redis, redis-cli.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, resp, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.destroy();
});

describe('wire format', () => {
  it('PING, SET and GET over raw RESP', async () => {
    const c = await RawClient.connect(server.port);
    expect(await c.roundTrip(resp('PING'), '+PONG\r\n')).toBe('+PONG\r\n');
    expect(await c.roundTrip(resp('SET', 'k', 'v'), '+OK\r\n')).toBe('+OK\r\n');
    expect(await c.roundTrip(resp('GET', 'k'), '$1\r\nv\r\n')).toBe('$1\r\nv\r\n');
    expect(await c.roundTrip(resp('GET', 'missing'), '$-1\r\n')).toBe('$-1\r\n');
    c.close();
  });

  it('inline commands, as telnet sends them', async () => {
    const c = await RawClient.connect(server.port);
    expect(await c.roundTrip('SET "a b" c\r\n', '+OK\r\n')).toBe('+OK\r\n');
    expect(await c.roundTrip('GET "a b"\r\n', '$1\r\nc\r\n')).toBe('$1\r\nc\r\n');
    c.close();
  });

  it('replies leave in request order in a mixed pipeline', async () => {
    const c = await RawClient.connect(server.port);
    const req = Buffer.concat([resp('SET', 'p', '1'), resp('PING'), resp('INCR', 'p'), resp('ECHO', 'x'), resp('GET', 'p'), resp('SELECT', '1'), resp('GET', 'p'), resp('SELECT', '0'), resp('GET', 'p')]);
    const expected = '+OK\r\n+PONG\r\n:2\r\n$1\r\nx\r\n$1\r\n2\r\n+OK\r\n$-1\r\n+OK\r\n$1\r\n2\r\n';
    expect(await c.roundTrip(req, expected)).toBe(expected);
    c.close();
  });

  it('a protocol error is answered and the connection closed, after earlier commands ran', async () => {
    const c = await RawClient.connect(server.port);
    c.write(Buffer.concat([resp('SET', 'before', 'ok'), Buffer.from('*1\r\n$abc\r\n')]));
    const expected = '+OK\r\n-ERR Protocol error: invalid bulk length\r\n';
    expect(await c.read(expected.length)).toBe(expected);
    expect(await c.waitClosed()).toBe(true);
    const d = await RawClient.connect(server.port);
    expect(await d.roundTrip(resp('GET', 'before'), '$2\r\nok\r\n')).toBe('$2\r\nok\r\n');
    d.close();
  });
});

describe('stock clients', () => {
  it('ioredis: commands, pipelines and errors', async () => {
    const r = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
    await r.connect();
    expect(await r.set('io', '1')).toBe('OK');
    expect(await r.incrby('io', 41)).toBe(42);
    const results = await r.pipeline().set('a', 'x').get('a').incr('a').mget('a', 'io').exec();
    expect(results!.map(([err, v]) => (err ? err.message : v))).toEqual([
      'OK',
      'x',
      'ERR value is not an integer or out of range',
      ['x', '42'],
    ]);
    await expect(r.call('nosuchcommand', 'a')).rejects.toThrow("ERR unknown command 'nosuchcommand', with args beginning with: 'a' ");
    r.disconnect();
  });

  it('node-redis: RESP2 by default and RESP3 after HELLO 3', async () => {
    const c = createClient({ socket: { port: server.port, host: '127.0.0.1' } });
    await c.connect();
    expect(await c.set('nr', 'v', { EX: 100 })).toBe('OK');
    expect(await c.ttl('nr')).toBe(100);
    expect(await c.get('nr')).toBe('v');
    await c.quit();
    const c3 = createClient({ socket: { port: server.port, host: '127.0.0.1' }, RESP: 3 });
    await c3.connect();
    expect(await c3.get('nr')).toBe('v');
    expect(await c3.get('none')).toBeNull();
    await c3.quit();
  });

  // Asynchronous on purpose: the server runs in this process, a sync spawn would block it.
  it('redis-cli: set, get and the unknown command error', async () => {
    const cli = async (...args: string[]) => (await promisify(execFile)('redis-cli', ['-p', String(server.port), ...args])).stdout.trim();
    expect(await cli('set', 'cli', 'hello')).toBe('OK');
    expect(await cli('get', 'cli')).toBe('hello');
    expect(await cli('nosuch')).toContain("ERR unknown command 'nosuch'");
  });
});
