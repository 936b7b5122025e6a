// Differential tests of the set commands against Debian's redis-server, RESP2 and RESP3.
// Redis lists set members in hash-table (or intset) order and kiwi in byte order, so
// member lists are compared without regard to order, and random replies by their shape.
import { anyOrder, differential, norm, sameShape } from './suite.js';
import type { RespValue } from './harness.js';

const members = (n: number, prefix = 'm'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

differential('Set differential', (same) => {
  same('SADD, SCARD and SISMEMBER', [['SADD', 's', 'a', 'b', 'a'], ['SADD', 's', 'b', 'c'], ['SCARD', 's'], ['SCARD', 'nokey'], ['SISMEMBER', 's', 'a'], ['SISMEMBER', 's', 'z'], ['SISMEMBER', 'nokey', 'a'], ['SADD', 's']]);
  same('SADD binary and empty members', [['SADD', 's', '', Buffer.from('a\0\r\n'), Buffer.from('\xff', 'latin1')], ['SCARD', 's'], ['SISMEMBER', 's', ''], anyOrder(['SMEMBERS', 's'])]);
  same('SMISMEMBER', [['SADD', 's', 'a', 'b'], ['SMISMEMBER', 's', 'a', 'x', 'b'], ['SMISMEMBER', 'nokey', 'a'], ['SMISMEMBER', 's']]);
  same('SMEMBERS', [['SADD', 's', 'c', 'a', 'b'], anyOrder(['SMEMBERS', 's']), ['SMEMBERS', 'nokey'], ['SADD', 'ints', '3', '1', '2'], anyOrder(['SMEMBERS', 'ints'])]);
  same('SREM counts removed members and deletes the empty set', [['SADD', 's', 'a', 'b', 'c'], ['SREM', 's', 'a', 'x', 'a'], ['SCARD', 's'], ['SREM', 's', 'b', 'c'], ['EXISTS', 's'], ['SREM', 's', 'a'], ['SREM', 'nokey', 'a']]);
  same('SPOP without a count', [['SPOP', 'nokey'], ['SADD', 's', 'only'], ['SPOP', 's'], ['EXISTS', 's'], ['SADD', 's', 'a', 'b'], sameShape(['SPOP', 's']), ['SCARD', 's']]);
  same('SPOP with a count', [
    ['SADD', 's', 'a', 'b', 'c', 'd'], ['SPOP', 's', '0'], ['SPOP', 'nokey', '3'], sameShape(['SPOP', 's', '2']), ['SCARD', 's'], sameShape(['SPOP', 's', '10']), ['EXISTS', 's'],
    ['SPOP', 's', '-1'], ['SPOP', 's', 'x'], ['SPOP', 's', '1', '2'], ['SET', 'str', 'v'], ['SPOP', 'str', '0'], ['SPOP', 'str'],
  ]);
  same('SRANDMEMBER', [
    ['SRANDMEMBER', 'nokey'], ['SRANDMEMBER', 'nokey', '3'], ['SADD', 's', 'a', 'b', 'c'], ['SRANDMEMBER', 's', '0'], anyOrder(['SRANDMEMBER', 's', '3']), anyOrder(['SRANDMEMBER', 's', '10']),
    sameShape(['SRANDMEMBER', 's']), sameShape(['SRANDMEMBER', 's', '2']), sameShape(['SRANDMEMBER', 's', '-7']), ['SCARD', 's'],
    ['SRANDMEMBER', 's', 'x'], ['SRANDMEMBER', 's', '-9223372036854775808'], ['SRANDMEMBER', 's', '1', '2'],
  ]);
  same('SRANDMEMBER of one member repeats it', [['SADD', 's', 'a'], ['SRANDMEMBER', 's', '-3'], ['SRANDMEMBER', 's', '3']]);
  same('SMOVE', [
    ['SADD', 'a', 'x', 'y'], ['SADD', 'b', 'z'], ['SMOVE', 'a', 'b', 'x'], anyOrder(['SMEMBERS', 'b']), ['SMOVE', 'a', 'b', 'nothere'], ['SMOVE', 'a', 'b', 'y'], ['EXISTS', 'a'],
    ['SMOVE', 'b', 'b', 'z'], ['SMOVE', 'b', 'b', 'nothere'], ['SMOVE', 'nokey', 'b', 'z'], ['SMOVE', 'b', 'new', 'z'], anyOrder(['SMEMBERS', 'new']), ['SMOVE', 'b', 'new', 'y'], ['SCARD', 'new'],
  ]);
  same('SMOVE with keys of another type', [['SET', 'str', 'v'], ['SADD', 's', 'a'], ['SMOVE', 's', 'str', 'a'], ['SMOVE', 'str', 's', 'a'], ['SMOVE', 'nokey', 'str', 'a'], ['SMOVE', 's', 's', 'x'], ['SCARD', 's']]);
  same('SINTER, SUNION and SDIFF', [
    ['SADD', 'a', '1', '2', '3', 'x'], ['SADD', 'b', '2', '3', '4'], ['SADD', 'c', '3', '5'],
    anyOrder(['SINTER', 'a', 'b']), anyOrder(['SINTER', 'a', 'b', 'c']), anyOrder(['SINTER', 'a', 'nokey']), anyOrder(['SINTER', 'a']), anyOrder(['SINTER', 'a', 'a']),
    anyOrder(['SUNION', 'a', 'b', 'c']), anyOrder(['SUNION', 'nokey']), anyOrder(['SUNION', 'a', 'nokey']),
    anyOrder(['SDIFF', 'a', 'b']), anyOrder(['SDIFF', 'a', 'b', 'c']), anyOrder(['SDIFF', 'nokey', 'a']), anyOrder(['SDIFF', 'a', 'nokey']), anyOrder(['SDIFF', 'a', 'a']),
  ]);
  same('set algebra against keys of another type', [['SET', 'str', 'v'], ['SADD', 's', 'a'], ['SINTER', 's', 'str'], ['SINTER', 'str', 'nokey'], ['SINTER', 'nokey', 'str'], ['SUNION', 's', 'str'], ['SDIFF', 'nokey', 'str'], ['SDIFF', 's', 'str'], ['SINTERCARD', '2', 'nokey', 'str']]);
  same('SINTERSTORE, SUNIONSTORE and SDIFFSTORE', [
    ['SADD', 'a', '1', '2', '3'], ['SADD', 'b', '2', '3', '4'], ['SINTERSTORE', 'd', 'a', 'b'], anyOrder(['SMEMBERS', 'd']), ['SUNIONSTORE', 'd', 'a', 'b'], ['SCARD', 'd'],
    ['SDIFFSTORE', 'd', 'a', 'b'], anyOrder(['SMEMBERS', 'd']), ['SINTERSTORE', 'd', 'a', 'nokey'], ['EXISTS', 'd'], ['SET', 'str', 'v'], ['SUNIONSTORE', 'str', 'a'], ['TYPE', 'str'],
    ['EXPIRE', 'str', '100'], ['SUNIONSTORE', 'str', 'b'], ['TTL', 'str'], ['SINTERSTORE', 'a', 'a', 'b'], anyOrder(['SMEMBERS', 'a']), ['SDIFFSTORE', 'x', 'str', 'nokey'], ['SINTERSTORE', 'x', 'nokey', 'str'], ['SINTERSTORE', 'x'],
  ]);
  same('SINTERCARD', [
    ['SADD', 'a', '1', '2', '3', '4'], ['SADD', 'b', '2', '3', '4', '5'], ['SINTERCARD', '2', 'a', 'b'], ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '2'], ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '0'],
    ['SINTERCARD', '1', 'a'], ['SINTERCARD', '2', 'a', 'nokey'], ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '10'], ['SINTERCARD', '0', 'a'], ['SINTERCARD', '3', 'a', 'b'], ['SINTERCARD', 'x', 'a'],
    ['SINTERCARD', '-1', 'a'], ['SINTERCARD', '1', 'a', 'LIMIT', '-1'], ['SINTERCARD', '1', 'a', 'LIMIT', 'x'], ['SINTERCARD', '1', 'a', 'LIMIT'], ['SINTERCARD', '1', 'a', 'FOO', '1'], ['SINTERCARD', '1'],
  ]);
  same('SSCAN of a small set returns it whole', [['SADD', 's', 'a', 'b', 'c'], norm(['SSCAN', 's', '0'], (v: RespValue) => (Array.isArray(v) ? [v[0], Array.isArray(v[1]) ? [...v[1]].sort() : v[1]] : v)), ['SSCAN', 'nokey', '0'], ['SSCAN', 's', '0', 'MATCH', 'b*'], ['SSCAN', 's', 'x'], ['SSCAN', 's', '0', 'COUNT', '0']]);
  same('set commands against a key of another type', [
    ['SET', 'str', 'v'], ['SADD', 'str', 'a'], ['SREM', 'str', 'a'], ['SCARD', 'str'], ['SISMEMBER', 'str', 'a'], ['SMISMEMBER', 'str', 'a'], ['SMEMBERS', 'str'], ['SRANDMEMBER', 'str'], ['SRANDMEMBER', 'str', '2'], ['SSCAN', 'str', '0'],
    ['HSET', 'h', 'f', 'v'], ['SADD', 'h', 'a'], ['HSET', 's2', 'f', 'v'], ['SADD', 'set', 'a'], ['HGET', 'set', 'f'], ['GET', 'set'], ['INCR', 'set'],
  ]);
  same('a set through the keyspace commands', [
    ['SADD', 's', 'a', 'b'], ['TYPE', 's'], ['EXPIRE', 's', '100'], ['TTL', 's'], ['RENAME', 's', 't'], anyOrder(['SMEMBERS', 't']), ['TTL', 't'], ['COPY', 't', 'u'], anyOrder(['SMEMBERS', 'u']),
    ['MOVE', 'u', '3'], ['SELECT', '3'], ['SCARD', 'u'], ['SELECT', '0'], ['SCAN', '0', 'TYPE', 'set'], ['DEL', 't'], ['SCARD', 't'], ['FLUSHDB'], ['SELECT', '3'], ['SCARD', 'u'], ['FLUSHALL'], ['SCARD', 'u'],
  ]);
  same('OBJECT ENCODING of a large set', [['SADD', 's', ...members(600)], ['OBJECT', 'ENCODING', 's'], ['SCARD', 's']]);
  same('COMMAND INFO of set commands', [
    norm(['COMMAND', 'INFO', 'sadd', 'srem', 'scard', 'sismember', 'smismember', 'smembers', 'spop', 'srandmember', 'smove', 'sinter', 'sintercard', 'sinterstore', 'sunion', 'sunionstore', 'sdiff', 'sdiffstore', 'sscan'],
      (v) => (Array.isArray(v) ? v.map((c) => (Array.isArray(c) ? c.slice(0, 7) : c)) : v)),
    ['COMMAND', 'GETKEYS', 'SINTERCARD', '2', 'a', 'b', 'LIMIT', '1'], ['COMMAND', 'GETKEYS', 'SMOVE', 'a', 'b', 'm'], ['COMMAND', 'GETKEYS', 'SDIFFSTORE', 'd', 'a', 'b'],
  ]);
});
