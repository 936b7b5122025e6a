// Keyspace commands of the storage runtime (Redis db.c/expire.c semantics).
import { describe, expect, it } from 'vitest';
import { Cmd, TypeTag } from '../../src/storage/requests.js';
import { errorName, sleep, useFreshStorage, type TestStorage, hsetCommand } from './helpers.js';

const storage = useFreshStorage();
const s = {
  send: (...a: Parameters<TestStorage['send']>) => storage().send(...a),
  str: (...a: Parameters<TestStorage['str']>) => storage().str(...a),
};

const strings = (r: unknown) => (r as Buffer[]).map((b) => b.toString()).sort();

describe('DEL and EXISTS', () => {
  it('DEL against a single item', async () => {
    await s.send(Cmd.set('x', 'foo'));
    expect(await s.send(Cmd.del(['x']))).toBe(1);
    expect(await s.send(Cmd.get('x'))).toBeNull();
  });

  it('Vararg DEL counts only existing keys, once each', async () => {
    await s.send(Cmd.mset(['foo1', 'a', 'foo2', 'b', 'foo3', 'c']));
    expect(await s.send(Cmd.del(['foo1', 'foo2', 'foo3', 'foo4', 'foo1']))).toBe(3);
  });

  it('EXISTS counts duplicates as Redis does', async () => {
    await s.send(Cmd.set('a', '1'));
    expect(await s.send(Cmd.exists(['a', 'a', 'b']))).toBe(2);
  });
});

describe('EXPIRE family', () => {
  it('EXPIRE - set timeouts multiple times', async () => {
    await s.send(Cmd.set('x', 'foobar'));
    expect(await s.send(Cmd.expire('x', 5, { seconds: true }))).toBe(1);
    expect(await s.send(Cmd.ttl('x'))).toBe(5);
    expect(await s.send(Cmd.expire('x', 10, { seconds: true }))).toBe(1);
    expect(await s.send(Cmd.ttl('x'))).toBe(10);
  });

  it('EXPIRE of a missing key is 0', async () => {
    expect(await s.send(Cmd.expire('nokey', 100, { seconds: true }))).toBe(0);
  });

  it('EXPIRE with a time in the past deletes the key', async () => {
    await s.send(Cmd.set('x', 'v'));
    expect(await s.send(Cmd.expire('x', -1, { seconds: true }))).toBe(1);
    expect(await s.send(Cmd.exists(['x']))).toBe(0);
    await s.send(Cmd.set('x', 'v'));
    expect(await s.send(Cmd.expire('x', 1, { at: true }))).toBe(1);
    expect(await s.send(Cmd.exists(['x']))).toBe(0);
  });

  it('EXPIRE with NX, XX, GT and LT options', async () => {
    await s.send(Cmd.set('foo', 'bar'));
    expect(await s.send(Cmd.expire('foo', 200, { seconds: true, xx: true }))).toBe(0);
    expect(await s.send(Cmd.expire('foo', 200, { seconds: true, gt: true }))).toBe(0);
    expect(await s.send(Cmd.expire('foo', 200, { seconds: true, lt: true }))).toBe(1);
    expect(await s.send(Cmd.expire('foo', 100, { seconds: true, nx: true }))).toBe(0);
    expect(await s.send(Cmd.expire('foo', 300, { seconds: true, gt: true }))).toBe(1);
    expect(await s.send(Cmd.expire('foo', 400, { seconds: true, lt: true }))).toBe(0);
    expect(await s.send(Cmd.expire('foo', 100, { seconds: true, lt: true }))).toBe(1);
    expect(await s.send(Cmd.ttl('foo'))).toBe(100);
    expect(await s.send(Cmd.expire('foo', 150, { seconds: true, xx: true, gt: true }))).toBe(1);
    expect(await s.send(Cmd.ttl('foo'))).toBe(150);
  });

  it('EXPIRE with unit overflow or base time overflow is INVALID_EXPIRE, even for a missing key', async () => {
    expect(errorName(await s.send(Cmd.expire('nokey', 9223372036854775807n, { seconds: true })))).toBe('INVALID_EXPIRE');
    expect(errorName(await s.send(Cmd.expire('nokey', 9223372036854775807n)))).toBe('INVALID_EXPIRE');
    expect(await s.send(Cmd.expire('nokey', 9223372036854775807n, { at: true }))).toBe(0);
  });

  it('PERSIST removes an expiry, and answers 0 when there was none', async () => {
    await s.send(Cmd.set('x', 'v', { ttlMs: 100_000 }));
    expect(await s.send(Cmd.persist('x'))).toBe(1);
    expect(await s.send(Cmd.ttl('x'))).toBe(-1);
    expect(await s.send(Cmd.persist('x'))).toBe(0);
    expect(await s.send(Cmd.persist('nokey'))).toBe(0);
  });

  it('TTL, PTTL and EXPIRETIME: -2 for missing, -1 without expiry', async () => {
    expect(await s.send(Cmd.ttl('nokey'))).toBe(-2);
    expect(await s.send(Cmd.ttl('nokey', { ms: true }))).toBe(-2);
    await s.send(Cmd.set('x', 'v'));
    expect(await s.send(Cmd.ttl('x'))).toBe(-1);
    expect(await s.send(Cmd.ttl('x', { absolute: true }))).toBe(-1);
    const at = Math.floor(Date.now() / 1000) + 1000;
    await s.send(Cmd.expire('x', at, { seconds: true, at: true }));
    expect(await s.send(Cmd.ttl('x', { absolute: true }))).toBe(at);
    expect(await s.send(Cmd.ttl('x', { absolute: true, ms: true }))).toBe(at * 1000);
  });

  it('a key past its expiry reads as missing at once', async () => {
    await s.send(Cmd.set('x', 'v', { ttlMs: 30 }));
    await s.send(Cmd.set('y', 'v', { ttlMs: 30 }));
    await sleep(60);
    expect(await s.send(Cmd.get('x'))).toBeNull();
    expect(await s.send(Cmd.exists(['x', 'y']))).toBe(0);
    expect(await s.send(Cmd.ttl('x'))).toBe(-2);
    expect(await s.send(Cmd.type('x'))).toBe('none');
    expect(await s.send(Cmd.set('x', 'w', { nx: true }))).toBe('OK');
  });
});

describe('TYPE, RENAME', () => {
  it('TYPE of string, missing and other types', async () => {
    await s.send(Cmd.set('s', 'v'));
    await s.send(hsetCommand('h'));
    expect(await s.send(Cmd.type('s'))).toBe('string');
    expect(await s.send(Cmd.type('h'))).toBe('hash');
    expect(await s.send(Cmd.type('nokey'))).toBe('none');
  });

  it('RENAME basic usage keeps the value and the TTL', async () => {
    await s.send(Cmd.set('mykey', 'hello', { ttlMs: 100_000 }));
    expect(await s.send(Cmd.rename('mykey', 'mykey1'))).toBe('OK');
    expect(await s.str(Cmd.get('mykey1'))).toBe('hello');
    expect(await s.send(Cmd.exists(['mykey']))).toBe(0);
    expect(await s.send(Cmd.ttl('mykey1'))).toBe(100);
  });

  it('RENAME against non existing source key', async () => {
    expect(errorName(await s.send(Cmd.rename('nokey', 'foobar')))).toBe('NO_SUCH_KEY');
  });

  it('RENAME where source and dest key are the same (existing)', async () => {
    await s.send(Cmd.set('mykey', 'foo'));
    expect(await s.send(Cmd.rename('mykey', 'mykey'))).toBe('OK');
    expect(await s.send(Cmd.rename('mykey', 'mykey', true))).toBe(0);
    expect(errorName(await s.send(Cmd.rename('nokey', 'nokey')))).toBe('NO_SUCH_KEY');
  });

  it('RENAMENX against already existing key', async () => {
    await s.send(Cmd.mset(['mykey', 'a', 'mykey2', 'b']));
    expect(await s.send(Cmd.rename('mykey', 'mykey2', true))).toBe(0);
    expect(await s.str(Cmd.get('mykey2'))).toBe('b');
    expect(await s.send(Cmd.rename('mykey', 'mykey3', true))).toBe(1);
  });
});

describe('KEYS, SCAN, DBSIZE, RANDOMKEY', () => {
  it('KEYS with pattern', async () => {
    for (const k of ['key_x', 'key_y', 'key_z', 'foo_a', 'foo_b', 'foo_c']) await s.send(Cmd.set(k, 'hello'));
    expect(strings(await s.send(Cmd.keys('foo*')))).toEqual(['foo_a', 'foo_b', 'foo_c']);
    expect(strings(await s.send(Cmd.keys('*')))).toEqual(['foo_a', 'foo_b', 'foo_c', 'key_x', 'key_y', 'key_z']);
    expect(strings(await s.send(Cmd.keys('*_[xy]')))).toEqual(['key_x', 'key_y']);
    expect(strings(await s.send(Cmd.keys('?ey_?')))).toEqual(['key_x', 'key_y', 'key_z']);
    expect(strings(await s.send(Cmd.keys('key_[^x]')))).toEqual(['key_y', 'key_z']);
    expect(strings(await s.send(Cmd.keys('nomatch*')))).toEqual([]);
  });

  it('KEYS with hashtag-like and escaped patterns', async () => {
    for (const k of ['{a}x', '{a}y', 'a*b', 'aXb']) await s.send(Cmd.set(k, '1'));
    expect(strings(await s.send(Cmd.keys('{a}*')))).toEqual(['{a}x', '{a}y']);
    expect(strings(await s.send(Cmd.keys('a\\*b')))).toEqual(['a*b']);
  });

  it('KEYS against a pathological pattern stops at the nesting limit', async () => {
    await s.send(Cmd.set('a'.repeat(100), '1'));
    expect(strings(await s.send(Cmd.keys('a*'.repeat(2000) + 'b')))).toEqual([]);
  });

  it('KEYS skips expired keys', async () => {
    await s.send(Cmd.set('live', '1'));
    await s.send(Cmd.set('dead', '1', { ttlMs: 10 }));
    await sleep(30);
    expect(strings(await s.send(Cmd.keys('*')))).toEqual(['live']);
  });

  it('DBSIZE is exact and per database', async () => {
    for (let i = 0; i < 250; i++) await s.send(Cmd.set(`k${i}`, 'v'));
    await s.send(Cmd.set('other', 'v', {}, 3));
    expect(await s.send(Cmd.dbsize())).toBe(250);
    expect(await s.send(Cmd.dbsize(3))).toBe(1);
    expect(await s.send(Cmd.dbsize(4))).toBe(0);
  });

  it('SCAN walks every key once, by cursor', async () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `key:${i}`);
    await Promise.all(keys.map((k) => s.send(Cmd.set(k, 'v'))));
    const seen: string[] = [];
    let cursor: Buffer | string = '';
    let rounds = 0;
    do {
      const [next, found] = (await s.send(Cmd.scan(cursor, { count: 100 }))) as [Buffer | null, Buffer[]];
      seen.push(...found.map((b) => b.toString()));
      cursor = next ?? '';
      rounds++;
      if (next === null) break;
    } while (rounds < 100);
    expect(rounds).toBe(10);
    expect(seen.sort()).toEqual(keys.sort());
  });

  it('SCAN MATCH and TYPE filter', async () => {
    await s.send(Cmd.mset(['a1', 'v', 'a2', 'v', 'b1', 'v']));
    await s.send(hsetCommand('a3'));
    const [next, found] = (await s.send(Cmd.scan('', { match: 'a*', count: 100, type: TypeTag.string }))) as [null, Buffer[]];
    expect(next).toBeNull();
    expect(strings(found)).toEqual(['a1', 'a2']);
  });

  it('RANDOMKEY against empty DB and a DB with keys', async () => {
    expect(await s.send(Cmd.randomKey())).toBeNull();
    await s.send(Cmd.mset(['foo', 'x', 'bar', 'y']));
    const picked = new Set<string>();
    for (let i = 0; i < 50; i++) picked.add(String(await s.send(Cmd.randomKey())));
    expect([...picked].every((k) => k === 'foo' || k === 'bar')).toBe(true);
  });
});

describe('databases and flushes', () => {
  it('SELECT-style databases are isolated', async () => {
    await s.send(Cmd.set('k', 'db0', {}, 0));
    await s.send(Cmd.set('k', 'db15', {}, 15));
    expect(await s.str(Cmd.get('k', 0))).toBe('db0');
    expect(await s.str(Cmd.get('k', 15))).toBe('db15');
    expect(await s.send(Cmd.get('k', 7))).toBeNull();
  });

  it('FLUSHDB empties one database only', async () => {
    await s.send(Cmd.set('k', 'a', {}, 1));
    await s.send(Cmd.set('k', 'b', {}, 2));
    expect(await s.send(Cmd.flushdb(1))).toBe('OK');
    expect(await s.send(Cmd.get('k', 1))).toBeNull();
    expect(await s.str(Cmd.get('k', 2))).toBe('b');
  });

  it('FLUSHALL empties every database', async () => {
    for (let db = 0; db < 16; db++) await s.send(Cmd.set('k', 'v', { ttlMs: 100_000 }, db));
    expect(await s.send(Cmd.flushall())).toBe('OK');
    for (let db = 0; db < 16; db++) expect(await s.send(Cmd.dbsize(db))).toBe(0);
  });

  it('PING round-trips through a storage thread', async () => {
    expect(await s.send(Cmd.ping())).toBe('OK');
  });
});
