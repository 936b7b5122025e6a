// Differential tests of the hash commands against Debian's redis-server, RESP2 and RESP3.
// Small hashes are listpacks in Redis and keep insertion order, so scripts insert fields
// in byte order (kiwi's order) where a reply lists them; elsewhere replies are compared
// without regard to order, and random replies by their shape.
import { anyOrder, anyOrderPairs, differential, norm, sameShape, unordered } from './suite.js';
import type { RespValue } from './harness.js';

const INT64_MAX = '9223372036854775807';
const INT64_MIN = '-9223372036854775808';
const fields = (n: number, prefix = 'f'): string[] => Array.from({ length: n }, (_, i) => [`${prefix}${String(i).padStart(4, '0')}`, `v${i}`]).flat();

differential('Hash differential', (same) => {
  same('HSET and HGET', [['HSET', 'h', 'a', '1'], ['HGET', 'h', 'a'], ['HGET', 'h', 'nofield'], ['HGET', 'nokey', 'a'], ['HSET', 'h', 'a', '2'], ['HGET', 'h', 'a']]);
  same('HSET with several pairs counts only new fields', [['HSET', 'h', 'a', '1', 'b', '2'], ['HSET', 'h', 'b', '3', 'c', '4', 'a', '5'], ['HLEN', 'h'], ['HGETALL', 'h']]);
  same('HSET with the same field twice keeps the last value', [['HSET', 'h', 'x', '1', 'x', '2'], ['HGET', 'h', 'x'], ['HLEN', 'h']]);
  same('HSET with wrong number of arguments', [['HSET', 'h'], ['HSET', 'h', 'a'], ['HSET', 'h', 'a', '1', 'b'], ['EXISTS', 'h']]);
  same('HMSET replies OK', [['HMSET', 'h', 'a', '1', 'b', '2'], ['HMSET', 'h', 'a'], ['HMSET', 'h', 'a', '1', 'b'], ['HGETALL', 'h']]);
  same('HSETNX sets only new fields', [['HSETNX', 'h', 'a', '1'], ['HSETNX', 'h', 'a', '2'], ['HGET', 'h', 'a'], ['HSETNX', 'h', 'b'], ['HLEN', 'h']]);
  same('HSET binary fields and values', [['HSET', 'h', Buffer.from('a\0\r\nb'), Buffer.from('\xff\0v', 'latin1')], ['HGET', 'h', Buffer.from('a\0\r\nb')], ['HGETALL', 'h'], ['HSTRLEN', 'h', Buffer.from('a\0\r\nb')]]);
  same('HSET empty field and value', [['HSET', 'h', '', ''], ['HGET', 'h', ''], ['HEXISTS', 'h', ''], ['HLEN', 'h'], ['HGETALL', 'h']]);
  same('HMGET', [['HSET', 'h', 'a', '1', 'b', '2'], ['HMGET', 'h', 'a', 'x', 'b', 'a'], ['HMGET', 'nokey', 'a', 'b'], ['HMGET', 'h']]);
  same('HDEL counts deleted fields and deletes the empty hash', [
    ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'], ['HDEL', 'h', 'a', 'x', 'a'], ['HLEN', 'h'], ['HDEL', 'h', 'b', 'c'], ['EXISTS', 'h'], ['TYPE', 'h'], ['HDEL', 'h', 'a'], ['HDEL', 'nokey', 'a'], ['HDEL', 'h'],
  ]);
  same('HLEN, HSTRLEN and HEXISTS', [['HSET', 'h', 'a', 'hello', 'b', ''], ['HLEN', 'h'], ['HLEN', 'nokey'], ['HSTRLEN', 'h', 'a'], ['HSTRLEN', 'h', 'b'], ['HSTRLEN', 'h', 'x'], ['HSTRLEN', 'nokey', 'x'], ['HEXISTS', 'h', 'a'], ['HEXISTS', 'h', 'x'], ['HEXISTS', 'nokey', 'a']]);
  same('HGETALL, HKEYS and HVALS', [['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'], ['HGETALL', 'h'], ['HKEYS', 'h'], ['HVALS', 'h'], ['HGETALL', 'nokey'], ['HKEYS', 'nokey'], ['HVALS', 'nokey']]);
  same('HGETALL of a large hash (hashtable encoding in Redis)', [['HSET', 'big', ...fields(600)], ['HLEN', 'big'], anyOrderPairs(['HGETALL', 'big']), anyOrder(['HKEYS', 'big']), anyOrder(['HVALS', 'big'])]);
  same('HINCRBY', [
    ['HINCRBY', 'h', 'n', '5'], ['HINCRBY', 'h', 'n', '-7'], ['HGET', 'h', 'n'], ['HSET', 'h', 's', 'abc', 'sp', ' 1', 'big', INT64_MAX],
    ['HINCRBY', 'h', 's', '1'], ['HINCRBY', 'h', 'sp', '1'], ['HINCRBY', 'h', 'big', '1'], ['HINCRBY', 'h', 'big', '-1'], ['HINCRBY', 'h', 'n', 'x'], ['HINCRBY', 'h', 'n', '1.5'], ['HINCRBY', 'h', 'n', INT64_MIN], ['HINCRBY', 'h', 'n', '99999999999999999999'],
  ]);
  same('HINCRBY at the 64-bit limits', [['HSET', 'h', 'min', INT64_MIN], ['HINCRBY', 'h', 'min', '-1'], ['HINCRBY', 'h', 'min', '1'], ['HGET', 'h', 'min']]);
  same('HINCRBYFLOAT', [
    ['HINCRBYFLOAT', 'h', 'f', '10.5'], ['HINCRBYFLOAT', 'h', 'f', '0.1'], ['HINCRBYFLOAT', 'h', 'f', '-5.0e3'], ['HINCRBYFLOAT', 'h', 'f', '3.0e3'], ['HGET', 'h', 'f'],
    ['HSET', 'h', 'i', '5', 's', 'abc'], ['HINCRBYFLOAT', 'h', 'i', '1.25'], ['HINCRBYFLOAT', 'h', 's', '1'], ['HINCRBYFLOAT', 'h', 'f', 'abc'], ['HINCRBYFLOAT', 'h', 'f', 'inf'],
    ['HINCRBYFLOAT', 'h', 'f', '-inf'], ['HINCRBYFLOAT', 'h', 'f', 'nan'], ['HINCRBYFLOAT', 'h', 'f', ''], ['HINCRBYFLOAT', 'h', 'f', ' 1'],
  ]);
  same('HINCRBYFLOAT that overflows', [['HSET', 'h', 'x', '1e308'], ['HINCRBYFLOAT', 'h', 'x', '1e308'], ['HINCRBYFLOAT', 'h', 'y', '1e4933'], ['HGET', 'h', 'x']]);
  same('HRANDFIELD without a count', [['HRANDFIELD', 'nokey'], ['HSET', 'h', 'only', 'v'], ['HRANDFIELD', 'h']]);
  same('HRANDFIELD with a count', [
    ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'], ['HRANDFIELD', 'h', '0'], ['HRANDFIELD', 'nokey', '5'], ['HRANDFIELD', 'nokey', '5', 'WITHVALUES'],
    anyOrder(['HRANDFIELD', 'h', '3']), anyOrder(['HRANDFIELD', 'h', '10']), norm(['HRANDFIELD', 'h', '10', 'WITHVALUES'], unordered),
    sameShape(['HRANDFIELD', 'h', '2']), sameShape(['HRANDFIELD', 'h', '-5']), sameShape(['HRANDFIELD', 'h', '-5', 'WITHVALUES']), sameShape(['HRANDFIELD', 'h', '1', 'WITHVALUES']),
  ]);
  same('HRANDFIELD of one field repeats it with a negative count', [['HSET', 'h', 'a', '1'], ['HRANDFIELD', 'h', '-3'], ['HRANDFIELD', 'h', '-2', 'WITHVALUES']]);
  same('HRANDFIELD bad arguments', [
    ['HSET', 'h', 'a', '1'], ['HRANDFIELD', 'h', 'x'], ['HRANDFIELD', 'h', '1', 'WITHSCORES'], ['HRANDFIELD', 'h', '1', 'WITHVALUES', 'x'], ['HRANDFIELD', 'h', INT64_MIN],
    ['HRANDFIELD', 'h', '-9223372036854775807', 'WITHVALUES'], ['HRANDFIELD', 'h', '-4611686018427387904', 'WITHVALUES'], ['HRANDFIELD', 'nokey', 'x'],
  ]);
  same('HSCAN of a small hash returns it whole', [['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'], ['HSCAN', 'h', '0'], ['HSCAN', 'h', '0', 'MATCH', 'b*'], ['HSCAN', 'h', '0', 'COUNT', '1'], ['HSCAN', 'nokey', '0']]);
  same('HSCAN bad arguments', [
    ['HSET', 'h', 'a', '1'], ['SET', 's', 'v'], ['HSCAN', 'h', 'x'], ['HSCAN', 'h', '0', 'COUNT', '0'], ['HSCAN', 'h', '0', 'COUNT'], ['HSCAN', 'h', '0', 'TYPE', 'hash'],
    ['HSCAN', 'h', '0', 'FOO', 'bar'], ['HSCAN', 's', '0', 'COUNT', '0'], ['HSCAN', 'nokey', '0', 'COUNT', '0'], ['HSCAN', 's', 'x'],
  ]);
  same('hash commands against a key of another type', [
    ['SET', 's', 'v'], ['HSET', 's', 'a', '1'], ['HGET', 's', 'a'], ['HMGET', 's', 'a'], ['HDEL', 's', 'a'], ['HLEN', 's'], ['HSTRLEN', 's', 'a'], ['HEXISTS', 's', 'a'],
    ['HGETALL', 's'], ['HKEYS', 's'], ['HVALS', 's'], ['HINCRBY', 's', 'a', '1'], ['HINCRBYFLOAT', 's', 'a', '1'], ['HRANDFIELD', 's'], ['HRANDFIELD', 's', '2'], ['HSCAN', 's', '0'], ['HSETNX', 's', 'a', '1'], ['HMSET', 's', 'a', '1'],
  ]);
  same('string commands against a hash', [
    ['HSET', 'h', 'a', '1'], ['GET', 'h'], ['INCR', 'h'], ['APPEND', 'h', 'x'], ['STRLEN', 'h'], ['GETRANGE', 'h', '0', '1'], ['SETRANGE', 'h', '0', 'x'], ['GETDEL', 'h'], ['GETEX', 'h'],
    ['INCRBYFLOAT', 'h', '1'], ['MGET', 'h', 'nokey'], ['SET', 'h', 'v', 'GET'], ['TYPE', 'h'], ['SET', 'h', 'v'], ['TYPE', 'h'], ['HGET', 'h', 'a'],
  ]);
  same('a hash through the keyspace commands', [
    ['HSET', 'h', 'a', '1', 'b', '2'], ['TYPE', 'h'], ['EXISTS', 'h'], ['TOUCH', 'h', 'nokey', 'h'], ['EXPIRE', 'h', '100'], ['TTL', 'h'], ['PERSIST', 'h'], ['TTL', 'h'],
    ['RENAME', 'h', 'h2'], ['HGETALL', 'h2'], ['EXISTS', 'h'], ['RENAMENX', 'h2', 'h2'], ['SET', 'x', 'v'], ['RENAMENX', 'h2', 'x'], ['RENAME', 'h2', 'x'], ['TYPE', 'x'], ['HGETALL', 'x'],
    ['KEYS', '*'], ['DBSIZE'], ['SCAN', '0', 'TYPE', 'hash'], ['SCAN', '0', 'TYPE', 'string'], ['UNLINK', 'x'], ['EXISTS', 'x'], ['HGETALL', 'x'],
  ]);
  same('RENAME keeps the TTL of a hash', [['HSET', 'h', 'a', '1'], ['PEXPIRE', 'h', '100000'], ['RENAME', 'h', 'h2'], norm(['PTTL', 'h2'], (v) => (typeof v === 'string' && Number(v.slice(1)) > 99000 ? 'ok' : v))]);
  same('an expired hash is gone', [['HSET', 'h', 'a', '1'], ['PEXPIRE', 'h', '20'], { sleep: 60 }, ['HGET', 'h', 'a'], ['HLEN', 'h'], ['EXISTS', 'h'], ['HSET', 'h', 'b', '2'], ['HGETALL', 'h']]);
  same('overwriting a hash with SET, then HSET starts empty', [['HSET', 'h', 'a', '1', 'b', '2'], ['SET', 'h', 'v'], ['DEL', 'h'], ['HSET', 'h', 'c', '3'], ['HGETALL', 'h']]);
  same('COPY of a hash', [
    ['HSET', 'h', 'a', '1', 'b', '2'], ['EXPIRE', 'h', '1000'], ['COPY', 'h', 'c'], ['HGETALL', 'c'], ['TTL', 'c'], ['COPY', 'h', 'c'], ['HSET', 'c', 'z', '9'], ['COPY', 'h', 'c', 'REPLACE'], ['HGETALL', 'c'],
    ['COPY', 'h', 'c', 'DB', '1'], ['SELECT', '1'], ['HGETALL', 'c'], ['SELECT', '0'], ['HSET', 'h', 'a', 'changed'], ['HGET', 'c', 'a'], ['COPY', 'nokey', 'c'],
  ]);
  same('COPY bad arguments', [['SET', 'a', 'v'], ['COPY', 'a', 'a'], ['COPY', 'a', 'a', 'DB', '0'], ['COPY', 'a', 'a', 'DB', '1'], ['COPY', 'a', 'b', 'DB', '16'], ['COPY', 'a', 'b', 'DB', '-1'], ['COPY', 'a', 'b', 'DB', 'x'], ['COPY', 'a', 'b', 'DB'], ['COPY', 'a', 'b', 'FOO'], ['COPY', 'a']]);
  same('MOVE of a hash', [
    ['HSET', 'h', 'a', '1'], ['MOVE', 'h', '1'], ['EXISTS', 'h'], ['SELECT', '1'], ['HGETALL', 'h'], ['HSET', 'h2', 'x', '1'], ['SELECT', '0'], ['HSET', 'h2', 'y', '2'], ['MOVE', 'h2', '1'],
    ['MOVE', 'nokey', '1'], ['MOVE', 'h2', '0'], ['MOVE', 'h2', '16'], ['MOVE', 'h2', 'x'],
  ]);
  same('OBJECT on a hash', [['HSET', 'big', ...fields(600)], ['OBJECT', 'ENCODING', 'big'], ['OBJECT', 'REFCOUNT', 'big'], ['OBJECT', 'FREQ', 'big'], ['OBJECT', 'ENCODING', 'nokey'], ['OBJECT', 'FREQ', 'nokey'], ['OBJECT', 'NOSUCH', 'big'], ['OBJECT', 'ENCODING']]);
  same('OBJECT on strings', [['SET', 'i', '123'], ['SET', 'n', '-5'], ['SET', 'e', 'short'], ['SET', 'r', 'x'.repeat(60)], ['SET', 'b', '12345678901234567890123'], ['OBJECT', 'ENCODING', 'i'], ['OBJECT', 'ENCODING', 'n'], ['OBJECT', 'ENCODING', 'e'], ['OBJECT', 'ENCODING', 'r'], ['OBJECT', 'ENCODING', 'b'], ['OBJECT', 'REFCOUNT', 'i'], ['OBJECT', 'REFCOUNT', 'n'], ['OBJECT', 'REFCOUNT', 'e']]);
  const info7 = (v: RespValue) => (Array.isArray(v) ? v.map((c) => (Array.isArray(c) ? c.slice(0, 7) : c)) : v);
  same('COMMAND INFO and GETKEYS of hash commands', [
    norm(['COMMAND', 'INFO', 'hset', 'hsetnx', 'hmset', 'hget', 'hmget', 'hdel', 'hlen', 'hstrlen', 'hexists', 'hgetall', 'hkeys', 'hvals', 'hincrby', 'hincrbyfloat', 'hrandfield', 'hscan'], info7),
    ['COMMAND', 'GETKEYS', 'HSET', 'h', 'a', '1'],
  ]);
});
