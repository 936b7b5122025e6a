// String commands of the storage runtime, through the TS wrapper, against a real RocksDB.
// Expected values follow Redis 7.0 (tests/unit/type/incr.tcl, string.tcl).
import { describe, expect, it } from 'vitest';
import { OpError } from '../../src/storage/codec.js';
import { Cmd, atomic } from '../../src/storage/requests.js';
import { errorName, useFreshStorage, type TestStorage, hsetCommand } from './helpers.js';

const MAX = 512 * 1024 * 1024;
const storage = useFreshStorage();
const s = {
  send: (...a: Parameters<TestStorage['send']>) => storage().send(...a),
  str: (...a: Parameters<TestStorage['str']>) => storage().str(...a),
};

// A value of another type, as a hash will be stored: header type 2, no expiry.
const plantHash = (key: string) => s.send(hsetCommand(key));

describe('GET and SET', () => {
  it('SET and GET an item', async () => {
    expect(await s.send(Cmd.set('x', 'foobar'))).toBe('OK');
    expect(await s.str(Cmd.get('x'))).toBe('foobar');
  });

  it('GET of a missing key is nil', async () => {
    expect(await s.send(Cmd.get('nokey'))).toBeNull();
  });

  it('SET and GET an empty item', async () => {
    await s.send(Cmd.set('x', ''));
    expect(await s.str(Cmd.get('x'))).toBe('');
  });

  it('SET and GET binary values with every byte', async () => {
    const v = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await s.send(Cmd.set(v, v));
    expect(Buffer.compare((await s.send(Cmd.get(v))) as Buffer, v)).toBe(0);
  });

  it('SET NX sets only a missing key', async () => {
    expect(await s.send(Cmd.set('k', 'a', { nx: true }))).toBe('OK');
    expect(await s.send(Cmd.set('k', 'b', { nx: true }))).toBeNull();
    expect(await s.str(Cmd.get('k'))).toBe('a');
  });

  it('SET XX sets only an existing key', async () => {
    expect(await s.send(Cmd.set('k', 'a', { xx: true }))).toBeNull();
    expect(await s.send(Cmd.get('k'))).toBeNull();
    await s.send(Cmd.set('k', 'a'));
    expect(await s.send(Cmd.set('k', 'b', { xx: true }))).toBe('OK');
    expect(await s.str(Cmd.get('k'))).toBe('b');
  });

  it('SET GET returns the old value, nil when there was none', async () => {
    expect(await s.send(Cmd.set('k', 'a', { get: true }))).toBeNull();
    expect(await s.str(Cmd.set('k', 'b', { get: true }))).toBe('a');
    expect(await s.str(Cmd.get('k'))).toBe('b');
  });

  it('SET NX GET returns the old value and does not overwrite', async () => {
    await s.send(Cmd.set('k', 'a'));
    expect(await s.str(Cmd.set('k', 'b', { nx: true, get: true }))).toBe('a');
    expect(await s.str(Cmd.get('k'))).toBe('a');
  });

  it('SET GET against a key of another type is WRONGTYPE and changes nothing', async () => {
    await plantHash('h');
    expect(errorName(await s.send(Cmd.set('h', 'x', { get: true })))).toBe('WRONGTYPE');
    expect(await s.send(Cmd.type('h'))).toBe('hash');
  });

  it('plain SET overwrites a key of another type', async () => {
    await plantHash('h');
    expect(await s.send(Cmd.set('h', 'x'))).toBe('OK');
    expect(await s.send(Cmd.type('h'))).toBe('string');
  });

  it('GET against a key of another type is WRONGTYPE', async () => {
    await plantHash('h');
    expect(errorName(await s.send(Cmd.get('h')))).toBe('WRONGTYPE');
  });

  it('SET with a relative TTL sets an expiry, plain SET clears it', async () => {
    await s.send(Cmd.set('k', 'v', { ttlMs: 100_000 }));
    const pttl = (await s.send(Cmd.ttl('k', { ms: true }))) as number;
    expect(pttl).toBeGreaterThan(99_000);
    expect(pttl).toBeLessThanOrEqual(100_000);
    expect(await s.send(Cmd.ttl('k'))).toBe(100);
    await s.send(Cmd.set('k', 'v2'));
    expect(await s.send(Cmd.ttl('k'))).toBe(-1);
  });

  it('SET KEEPTTL keeps the expiry', async () => {
    await s.send(Cmd.set('k', 'v', { ttlMs: 100_000 }));
    await s.send(Cmd.set('k', 'v2', { keepTtl: true }));
    expect(await s.send(Cmd.ttl('k'))).toBe(100);
    expect(await s.str(Cmd.get('k'))).toBe('v2');
  });

  it('SET with an absolute expiry (PXAT) and one in the past', async () => {
    const at = Date.now() + 50_000;
    await s.send(Cmd.set('k', 'v', { expireAtMs: at }));
    expect(await s.send(Cmd.ttl('k', { ms: true, absolute: true }))).toBe(at);
    expect(await s.send(Cmd.set('k', 'v', { expireAtMs: 1 }))).toBe('OK');
    expect(await s.send(Cmd.get('k'))).toBeNull();
    expect(await s.send(Cmd.exists(['k']))).toBe(0);
  });

  it('SET with a relative TTL that overflows the clock is INVALID_EXPIRE', async () => {
    expect(errorName(await s.send(Cmd.set('k', 'v', { ttlMs: 9223372036854775807n })))).toBe('INVALID_EXPIRE');
    expect(await s.send(Cmd.get('k'))).toBeNull();
  });

  it('a large value crosses as a blob and comes back intact', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    big[12345] = 1;
    await s.send(Cmd.set('big', big));
    expect(((await s.send(Cmd.get('big'))) as Buffer).equals(big)).toBe(true);
    expect(await s.send(Cmd.strlen('big'))).toBe(big.length);
  });
});

describe('INCR family', () => {
  it('INCR against non existing key', async () => {
    expect(await s.send(Cmd.incrBy('novar', 1))).toBe(1);
    expect(await s.str(Cmd.get('novar'))).toBe('1');
  });

  it('INCR against key created by incr itself', async () => {
    await s.send(Cmd.incrBy('novar', 1));
    expect(await s.send(Cmd.incrBy('novar', 1))).toBe(2);
  });

  it('INCR against key originally set with SET', async () => {
    await s.send(Cmd.set('novar', '100'));
    expect(await s.send(Cmd.incrBy('novar', 1))).toBe(101);
  });

  it('INCR over 32bit value', async () => {
    await s.send(Cmd.set('novar', '17179869184'));
    expect(await s.send(Cmd.incrBy('novar', 1))).toBe(17179869185);
  });

  it('INCRBY over 32bit value with over 32bit increment', async () => {
    await s.send(Cmd.set('novar', '17179869184'));
    expect(await s.send(Cmd.incrBy('novar', 17179869184))).toBe(34359738368);
  });

  it('DECRBY over 32bit value with over 32bit increment, negative res', async () => {
    await s.send(Cmd.set('novar', '17179869184'));
    expect(await s.send(Cmd.incrBy('novar', -17179869185))).toBe(-1);
  });

  it('INCR fails against key with spaces (left), (right), (both)', async () => {
    for (const v of ['    11', '11    ', '    11    ']) {
      await s.send(Cmd.set('novar', v));
      expect(errorName(await s.send(Cmd.incrBy('novar', 1)))).toBe('NOT_INTEGER');
    }
  });

  it('INCR fails against leading zeros, a plus sign and -0', async () => {
    for (const v of ['011', '+1', '-0', '', '1.5', '18446744073709551616']) {
      await s.send(Cmd.set('novar', v));
      expect(errorName(await s.send(Cmd.incrBy('novar', 1)))).toBe('NOT_INTEGER');
    }
  });

  it('INCR fails against a key holding another type', async () => {
    await plantHash('h');
    expect(errorName(await s.send(Cmd.incrBy('h', 1)))).toBe('WRONGTYPE');
  });

  it('INCR at INT64 max overflows with an error and keeps the value', async () => {
    await s.send(Cmd.set('x', '9223372036854775807'));
    expect(errorName(await s.send(Cmd.incrBy('x', 1)))).toBe('OVERFLOW');
    expect(await s.str(Cmd.get('x'))).toBe('9223372036854775807');
  });

  it('DECR at INT64 min overflows', async () => {
    await s.send(Cmd.set('x', '-9223372036854775808'));
    expect(errorName(await s.send(Cmd.incrBy('x', -1)))).toBe('OVERFLOW');
  });

  it('INCRBY near the limits returns exact 64-bit results as bigint', async () => {
    await s.send(Cmd.set('x', '9223372036854775806'));
    expect(await s.send(Cmd.incrBy('x', 1))).toBe(9223372036854775807n);
    await s.send(Cmd.set('y', '0'));
    expect(await s.send(Cmd.incrBy('y', -9223372036854775808n))).toBe(-9223372036854775808n);
  });

  it('INCR keeps the TTL', async () => {
    await s.send(Cmd.set('x', '1', { ttlMs: 100_000 }));
    await s.send(Cmd.incrBy('x', 1));
    expect(await s.send(Cmd.ttl('x'))).toBe(100);
  });

  it('INCRBYFLOAT against non existing key', async () => {
    expect(await s.str(Cmd.incrByFloat('novar', '1'))).toBe('1');
    expect(await s.str(Cmd.incrByFloat('novar', '0.25'))).toBe('1.25');
  });

  it('INCRBYFLOAT against key originally set with SET', async () => {
    await s.send(Cmd.set('novar', '1.5'));
    expect(await s.str(Cmd.incrByFloat('novar', '1.5'))).toBe('3');
  });

  it('INCRBYFLOAT over 32bit value', async () => {
    await s.send(Cmd.set('novar', '17179869184'));
    expect(await s.str(Cmd.incrByFloat('novar', '1.5'))).toBe('17179869185.5');
  });

  it('INCRBYFLOAT formats like Redis: 10.50 + 0.1, 5.0e3 + 2.0e2', async () => {
    await s.send(Cmd.set('a', '10.50'));
    expect(await s.str(Cmd.incrByFloat('a', '0.1'))).toBe('10.6');
    await s.send(Cmd.set('b', '5.0e3'));
    expect(await s.str(Cmd.incrByFloat('b', '2.0e2'))).toBe('5200');
  });

  it('INCRBYFLOAT decrement', async () => {
    await s.send(Cmd.set('foo', '1'));
    expect(await s.str(Cmd.incrByFloat('foo', '-1.1'))).toBe('-0.1');
  });

  it('No negative zero', async () => {
    await s.send(Cmd.incrByFloat('foo', String(1 / 41)));
    expect(await s.str(Cmd.incrByFloat('foo', String(-1 / 41)))).toBe('0');
  });

  it('INCRBYFLOAT fails against key with spaces and bad increments', async () => {
    await s.send(Cmd.set('novar', '    11'));
    expect(errorName(await s.send(Cmd.incrByFloat('novar', '1')))).toBe('NOT_FLOAT');
    await s.send(Cmd.set('ok', '1'));
    for (const bad of ['abc', ' 1', '1 ', '', 'nan']) {
      expect(errorName(await s.send(Cmd.incrByFloat('ok', bad)))).toBe('NOT_FLOAT');
    }
  });

  it('INCRBYFLOAT does not allow NaN or Infinity', async () => {
    await s.send(Cmd.set('foo', '0'));
    expect(errorName(await s.send(Cmd.incrByFloat('foo', '+inf')))).toBe('NAN_OR_INFINITY');
    expect(await s.str(Cmd.get('foo'))).toBe('0');
  });

  it('string to double with null terminator', async () => {
    await s.send(Cmd.set('foo', '1'));
    await s.send(Cmd.setRange('foo', 2, '2', MAX));
    expect(errorName(await s.send(Cmd.incrByFloat('foo', '1')))).toBe('NOT_FLOAT');
  });
});

describe('multi-key string commands', () => {
  it('MSET base case and MGET with missing keys', async () => {
    expect(await s.send(Cmd.mset(['x', '10', 'y', 'foo bar', 'z', 'x x x x x x x\n\n\r\n']))).toBe('OK');
    const r = (await s.send(Cmd.mget(['x', 'y', 'z', 'nokey']))) as Array<Buffer | null>;
    expect(r.map((v) => (v === null ? null : v.toString()))).toEqual(['10', 'foo bar', 'x x x x x x x\n\n\r\n', null]);
  });

  it('MGET answers nil for a key of another type', async () => {
    await plantHash('h');
    await s.send(Cmd.set('s', 'v'));
    const r = (await s.send(Cmd.mget(['h', 's']))) as Array<Buffer | null>;
    expect(r[0]).toBeNull();
    expect(r[1]!.toString()).toBe('v');
  });

  it('MSET clears expiries', async () => {
    await s.send(Cmd.set('x', '1', { ttlMs: 100_000 }));
    await s.send(Cmd.mset(['x', '2']));
    expect(await s.send(Cmd.ttl('x'))).toBe(-1);
  });

  it('MSETNX with already existent key', async () => {
    await s.send(Cmd.set('x2', 'xxx'));
    expect(await s.send(Cmd.msetnx(['x1', 'xxx', 'y2', 'yyy', 'x2', 'zzz']))).toBe(0);
    expect(await s.send(Cmd.exists(['x1', 'y2']))).toBe(0);
    expect(await s.str(Cmd.get('x2'))).toBe('xxx');
  });

  it('MSETNX with not existing keys, and the same key twice', async () => {
    expect(await s.send(Cmd.msetnx(['x1', 'xxx', 'y2', 'yyy', 'x1', 'zzz']))).toBe(1);
    expect(await s.str(Cmd.get('x1'))).toBe('zzz');
    expect(await s.str(Cmd.get('y2'))).toBe('yyy');
  });

  it('MSETNX fails when a key of another type exists', async () => {
    await plantHash('h');
    expect(await s.send(Cmd.msetnx(['h', 'x', 'n', 'y']))).toBe(0);
  });
});

describe('APPEND, STRLEN, GETRANGE, SETRANGE', () => {
  it('APPEND basics', async () => {
    expect(await s.send(Cmd.append('foo', 'bar', MAX))).toBe(3);
    expect(await s.send(Cmd.append('foo', '100', MAX))).toBe(6);
    expect(await s.str(Cmd.get('foo'))).toBe('bar100');
  });

  it('APPEND keeps the TTL and refuses to exceed the maximum length', async () => {
    await s.send(Cmd.set('foo', 'abc', { ttlMs: 100_000 }));
    await s.send(Cmd.append('foo', 'd', MAX));
    expect(await s.send(Cmd.ttl('foo'))).toBe(100);
    expect(errorName(await s.send(Cmd.append('foo', 'efgh', 6)))).toBe('STRING_TOO_LONG');
    expect(await s.str(Cmd.get('foo'))).toBe('abcd');
  });

  it('STRLEN of missing, string and other-type keys', async () => {
    expect(await s.send(Cmd.strlen('nokey'))).toBe(0);
    await s.send(Cmd.set('k', 'hello'));
    expect(await s.send(Cmd.strlen('k'))).toBe(5);
    await plantHash('h');
    expect(errorName(await s.send(Cmd.strlen('h')))).toBe('WRONGTYPE');
  });

  it('GETRANGE against string value', async () => {
    await s.send(Cmd.set('mykey', 'Hello World'));
    const r = (a: number, b: number) => s.str(Cmd.getRange('mykey', a, b));
    expect(await r(0, 3)).toBe('Hell');
    expect(await r(0, -1)).toBe('Hello World');
    expect(await r(-4, -1)).toBe('orld');
    expect(await r(5, 3)).toBe('');
    expect(await r(5, 5000)).toBe(' World');
    expect(await r(-5000, 10000)).toBe('Hello World');
    expect(await r(-1, -5)).toBe('');
  });

  it('GETRANGE against non-existing key is empty', async () => {
    expect(await s.str(Cmd.getRange('mykey', 0, -1))).toBe('');
  });

  it('SETRANGE against non-existing key', async () => {
    expect(await s.send(Cmd.setRange('mykey', 0, 'foo', MAX))).toBe(3);
    expect(await s.str(Cmd.get('mykey'))).toBe('foo');
    await s.send(Cmd.del(['mykey']));
    expect(await s.send(Cmd.setRange('mykey', 0, '', MAX))).toBe(0);
    expect(await s.send(Cmd.exists(['mykey']))).toBe(0);
    expect(await s.send(Cmd.setRange('mykey', 1, 'foo', MAX))).toBe(4);
    expect(await s.str(Cmd.get('mykey'))).toBe('\0foo');
  });

  it('SETRANGE against string-encoded key', async () => {
    await s.send(Cmd.set('mykey', 'foo'));
    expect(await s.send(Cmd.setRange('mykey', 0, 'b', MAX))).toBe(3);
    expect(await s.str(Cmd.get('mykey'))).toBe('boo');
    expect(await s.send(Cmd.setRange('mykey', 0, '', MAX))).toBe(3);
    expect(await s.send(Cmd.setRange('mykey', 1, 'b', MAX))).toBe(3);
    expect(await s.str(Cmd.get('mykey'))).toBe('bbo');
    expect(await s.send(Cmd.setRange('mykey', 4, 'bar', MAX))).toBe(7);
    expect(await s.str(Cmd.get('mykey'))).toBe('bbo\0bar');
  });

  it('SETRANGE with huge offset is refused', async () => {
    expect(errorName(await s.send(Cmd.setRange('k', MAX, 'x', MAX)))).toBe('STRING_TOO_LONG');
  });
});

describe('GETDEL, GETEX', () => {
  it('GETDEL returns the value and deletes the key', async () => {
    await s.send(Cmd.set('foo', 'bar'));
    expect(await s.str(Cmd.getDel('foo'))).toBe('bar');
    expect(await s.send(Cmd.getDel('foo'))).toBeNull();
    expect(await s.send(Cmd.exists(['foo']))).toBe(0);
  });

  it('GETEX sets, persists and (with a past time) deletes', async () => {
    await s.send(Cmd.set('foo', 'bar'));
    expect(await s.str(Cmd.getEx('foo', { ttlMs: 50_000 }))).toBe('bar');
    expect(await s.send(Cmd.ttl('foo'))).toBe(50);
    expect(await s.str(Cmd.getEx('foo', { persist: true }))).toBe('bar');
    expect(await s.send(Cmd.ttl('foo'))).toBe(-1);
    expect(await s.str(Cmd.getEx('foo'))).toBe('bar');
    expect(await s.str(Cmd.getEx('foo', { expireAtMs: 1 }))).toBe('bar');
    expect(await s.send(Cmd.exists(['foo']))).toBe(0);
    expect(await s.send(Cmd.getEx('nokey', { ttlMs: 10 }))).toBeNull();
  });

  it('GETEX checks that now + TTL fits only after the lookup, as Redis does', async () => {
    const overflowing = { ttlMs: 9223372036854775000n };
    expect(await s.send(Cmd.getEx('nokey', overflowing))).toBeNull();
    await plantHash('h');
    expect(errorName(await s.send(Cmd.getEx('h', overflowing)))).toBe('WRONGTYPE');
    await s.send(Cmd.set('foo', 'bar'));
    expect(errorName(await s.send(Cmd.getEx('foo', overflowing)))).toBe('INVALID_EXPIRE');
    expect(await s.send(Cmd.ttl('foo'))).toBe(-1);
  });
});

describe('atomic groups', () => {
  it('a BATCH group sees its own writes and replies as one array', async () => {
    const r = (await s.send(
      atomic([Cmd.set('a', '1'), Cmd.incrBy('a', 5), Cmd.get('a'), Cmd.append('a', 'x', MAX), Cmd.exists(['a', 'b'])]),
    )) as unknown[];
    expect(r.length).toBe(5);
    expect(r[0]).toBe('OK');
    expect(r[1]).toBe(6);
    expect(String(r[2])).toBe('6');
    expect(r[3]).toBe(2);
    expect(r[4]).toBe(1);
  });

  it('a failing command inside a group does not undo the others', async () => {
    await plantHash('h');
    const r = (await s.send(atomic([Cmd.set('a', '1'), Cmd.incrBy('h', 1), Cmd.set('b', '2')]))) as unknown[];
    expect(r[0]).toBe('OK');
    expect(r[1]).toBeInstanceOf(OpError);
    expect(r[2]).toBe('OK');
    expect(await s.send(Cmd.exists(['a', 'b']))).toBe(2);
  });

  it('scans are refused inside a group', async () => {
    const r = (await s.send(atomic([Cmd.keys('*')]))) as unknown[];
    expect(errorName(r[0] as OpError)).toBe('BAD_REQUEST');
  });
});

describe('a batch mixing reads and writes', () => {
  it('runs in submission order: reads see earlier writes of the same batch', async () => {
    const replies = await Promise.all([
      s.send(Cmd.set('k', '1')),
      s.send(Cmd.get('k')),
      s.send(Cmd.incrBy('k', 1)),
      s.send(Cmd.get('k')),
      s.send(Cmd.del(['k'])),
      s.send(Cmd.get('k')),
    ]);
    expect(replies.map((r) => (Buffer.isBuffer(r) ? r.toString() : r))).toEqual(['OK', '1', 2, '2', 1, null]);
  });

  it('the same key twice in one write run sees the first write', async () => {
    const replies = await Promise.all([s.send(Cmd.incrBy('c', 1)), s.send(Cmd.incrBy('c', 1)), s.send(Cmd.del(['c', 'c']))]);
    expect(replies).toEqual([1, 2, 1]);
  });
});
