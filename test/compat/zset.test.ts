// Differential tests of the sorted-set commands (test/compat/suite.ts): each script runs
// on Debian's redis-server and on kiwi-server, over raw RESP, in RESP2 and again in RESP3
// (after HELLO 3), and the reply bytes must be equal. Random replies (ZRANDMEMBER) and hash-table
// orders (ZSCAN of big sets) are normalised; everything else is compared as it is.
// Ends with a seeded randomized run of thousands of writes compared after every step.
import { describe, expect, it } from 'vitest';
import { random } from '../protocol/helpers.js';
import { decode, isMap, RespConnection, type Arg, type RespValue, type Step } from './harness.js';
import { differential, norm } from './suite.js';

const INT64_MAX = '9223372036854775807';
const INT64_MIN = '-9223372036854775808';
const members = (n: number, prefix = 'm'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);
/** ZADD key with score i for member i (n members). */
const ramp = (key: string, n: number, prefix = 'm'): Arg[] => ['ZADD', key, ...members(n, prefix).flatMap((m, i) => [String(i), m])];

differential('Sorted sets: Redis differential', (same, targets) => {
  describe('ZADD, ZINCRBY, ZSCORE, ZMSCORE, ZCARD', () => {
    same('ZADD adds, updates and counts', [
      ['ZADD', 'z', '1', 'a', '2', 'b'], ['ZADD', 'z', '3', 'a', '4', 'c'], ['ZCARD', 'z'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZADD', 'z', '1', 'x', '2', 'x'], ['ZSCORE', 'z', 'x'], ['ZCARD', 'nokey'], ['ZSCORE', 'nokey', 'a'], ['ZSCORE', 'z', 'nomember'],
    ]);
    same('ZADD options NX XX GT LT CH', [
      ['ZADD', 'z', '10', 'a', '20', 'b'], ['ZADD', 'z', 'NX', '1', 'a', '5', 'c'], ['ZADD', 'z', 'XX', '2', 'a', '6', 'd'], ['ZADD', 'z', 'XX', 'CH', '3', 'a', '20', 'b'],
      ['ZADD', 'z', 'GT', 'CH', '1', 'a', '30', 'b', '7', 'e'], ['ZADD', 'z', 'LT', 'CH', '100', 'a', '2', 'b'], ['ZADD', 'z', 'XX', 'GT', '50', 'c', '1', 'zz'],
      ['ZADD', 'z', 'ch', 'nx', 'xx', '1', 'a'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZADD', 'nokey', 'XX', '1', 'a'], ['EXISTS', 'nokey'],
    ]);
    same('ZADD with incompatible options fails', [
      ['ZADD', 'z', 'NX', 'XX', '1', 'a'], ['ZADD', 'z', 'GT', 'LT', '1', 'a'], ['ZADD', 'z', 'GT', 'NX', '1', 'a'], ['ZADD', 'z', 'LT', 'NX', '1', 'a'],
      ['ZADD', 'z', 'NX', 'GT', 'LT', 'XX', '1', 'a'], ['ZADD', 'z', 'INCR', '1', 'a', '2', 'b'], ['ZADD', 'z', 'NX', 'XX', 'INCR', '1', 'a', '2', 'b'], ['EXISTS', 'z'],
    ]);
    same('ZADD syntax and float errors come in Redis order', [
      ['ZADD', 'z', '1'], ['ZADD', 'z', 'NX'], ['ZADD', 'z', '1', 'a', '2'], ['ZADD', 'z', 'NX', 'XX', '1'], ['ZADD', 'z', 'x', 'a'], ['ZADD', 'z', '1', 'a', 'nan', 'b'],
      ['ZADD', 'z', 'INCR', 'GT', 'LT', 'x', 'a'], ['ZADD', 'z', 'INCR', 'x', 'a', '1', 'b'], ['SET', 's', 'v'], ['ZADD', 's', 'x', 'a'], ['ZADD', 's', '1', 'a'], ['EXISTS', 'z'],
    ]);
    same('ZADD score formats', [
      ['ZADD', 'z', '1.5', 'a', '-2.25', 'b', '1e3', 'c', '0x10', 'd', '-0', 'e', '+inf', 'f', '-inf', 'g', '.5', 'h', '5.', 'i', '1E-3', 'j', 'Infinity', 'k', '-INF', 'l'],
      ['ZADD', 'z', '0.1', 'm', '3.141592653589793', 'n', '1e308', 'o', '4.9e-324', 'p', '123456789012345678', 'q', '0x1p-3', 'r', '2.5e-5', 's', '100000000000000000000', 't'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZSCORE', 'z', 'e'], ['ZMSCORE', 'z', 'a', 'nomember', 'f', 'g', 'e'],
    ]);
    same('ZADD refuses what is not a valid float', [
      ['ZADD', 'z', 'nan', 'a'], ['ZADD', 'z', '-nan', 'a'], ['ZADD', 'z', 'NaN', 'a'], ['ZADD', 'z', '', 'a'], ['ZADD', 'z', ' 1', 'a'], ['ZADD', 'z', '1 ', 'a'],
      ['ZADD', 'z', '1e400', 'a'], ['ZADD', 'z', '1e-400', 'a'], ['ZADD', 'z', '0x', 'a'], ['ZADD', 'z', '1e', 'a'], ['ZADD', 'z', 'infinit', 'a'], ['ZADD', 'z', Buffer.from('1\0'), 'a'],
      ['ZADD', 'z', '1,5', 'a'], ['ZADD', 'z', '--1', 'a'], ['ZADD', 'z', '(1', 'a'], ['EXISTS', 'z'],
    ]);
    same('ZADD INCR and ZINCRBY', [
      ['ZADD', 'z', 'INCR', '1.5', 'a'], ['ZADD', 'z', 'INCR', '2', 'a'], ['ZINCRBY', 'z', '-10', 'a'], ['ZINCRBY', 'z', '5', 'new'], ['ZADD', 'z', 'NX', 'INCR', '1', 'a'],
      ['ZADD', 'z', 'XX', 'INCR', '1', 'missing'], ['ZADD', 'z', 'GT', 'INCR', '-1', 'a'], ['ZADD', 'z', 'LT', 'INCR', '-1', 'a'], ['ZADD', 'z', 'INCR', 'CH', '0', 'a'],
      ['ZINCRBY', 'z', 'abc', 'a'], ['ZINCRBY', 'z', '1'], ['ZINCRBY', 'z', 'nx', 'a'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZADD', 'nokey', 'XX', 'INCR', '1', 'a'],
    ]);
    same('ZINCRBY to NaN fails and leaves the score', [
      ['ZADD', 'z', 'inf', 'a'], ['ZINCRBY', 'z', '-inf', 'a'], ['ZADD', 'z', 'INCR', '-inf', 'a'], ['ZSCORE', 'z', 'a'], ['ZINCRBY', 'z', 'inf', 'a'], ['ZINCRBY', 'z', '1', 'a'],
      ['ZADD', 'z', '-inf', 'b'], ['ZINCRBY', 'z', '+inf', 'b'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
    ]);
    same('-0 and 0 are one score, and -0 is kept', [
      ['ZADD', 'z', '-0', 'b', '0', 'a', '0', 'c', '-0', 'd'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZADD', 'z', 'CH', '0', 'b', '-0', 'a'], ['ZSCORE', 'z', 'b'], ['ZSCORE', 'z', 'a'],
      ['ZINCRBY', 'z', '-0', 'new'], ['ZINCRBY', 'z', '0', 'b'], ['ZRANGEBYSCORE', 'z', '0', '0', 'WITHSCORES'], ['ZRANGEBYSCORE', 'z', '(0', '+inf'], ['ZRANGEBYSCORE', 'z', '-inf', '(-0'],
      ['ZRANK', 'z', 'd'], ['ZCOUNT', 'z', '-0', '0'], ['ZREM', 'z', 'a'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
    ]);
    same('Scores print with 17 significant digits', [
      ['ZADD', 'z', '0.1', 'a', '0.2', 'b', '1.0000076293945312', 'c', '1.00000762939453125', 'd', '2.2250738585072014e-308', 'e', '9007199254740993', 'f', '1e21', 'g', '123e-20', 'h'],
      ['ZINCRBY', 'z', '0.2', 'a'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZSCAN', 'z', '0'],
    ]);
    same('ZMSCORE', [['ZADD', 'z', '1', 'a', '2', 'b'], ['ZMSCORE', 'z', 'a', 'x', 'b', 'a'], ['ZMSCORE', 'nokey', 'a', 'b'], ['ZMSCORE', 'z'], ['SET', 's', 'v'], ['ZMSCORE', 's', 'a']]);
    same('Sorted-set commands against a key of another type fail', [
      ['SET', 's', 'v'], ['HSET', 'h', 'f', 'v'], ['SADD', 'st', 'a'], ['ZADD', 's', '1', 'a'], ['ZINCRBY', 'h', '1', 'a'], ['ZSCORE', 's', 'a'], ['ZCARD', 'h'], ['ZCOUNT', 's', '0', '1'],
      ['ZLEXCOUNT', 's', '-', '+'], ['ZRANK', 's', 'a'], ['ZREVRANK', 'h', 'a'], ['ZRANGE', 's', '0', '-1'], ['ZRANGEBYSCORE', 's', '0', '1'], ['ZRANGEBYLEX', 'st', '-', '+'],
      ['ZREVRANGE', 's', '0', '1'], ['ZREM', 's', 'a'], ['ZREMRANGEBYRANK', 's', '0', '1'], ['ZREMRANGEBYSCORE', 'h', '0', '1'], ['ZREMRANGEBYLEX', 'st', '-', '+'],
      ['ZPOPMIN', 's'], ['ZPOPMAX', 'h', '2'], ['ZMPOP', '2', 'nokey', 's', 'MIN'], ['ZRANDMEMBER', 's'], ['ZRANDMEMBER', 's', '2'], ['ZSCAN', 's', '0'], ['ZRANGESTORE', 'd', 's', '0', '-1'],
      ['ZUNION', '1', 's'], ['ZINTER', '2', 'st', 'h'], ['ZDIFF', '1', 's'], ['ZUNIONSTORE', 'd', '2', 'st', 's'], ['ZINTERCARD', '1', 'h'], ['TYPE', 'd'],
    ]);
    same('Wrong number of arguments', [
      ['ZADD', 'z', '1'], ['ZADD', 'z'], ['ZINCRBY', 'z', '1'], ['ZSCORE', 'z'], ['ZMSCORE', 'z'], ['ZCARD'], ['ZCOUNT', 'z', '1'], ['ZRANK', 'z'], ['ZRANGE', 'z', '0'],
      ['ZRANGESTORE', 'd', 's', '0'], ['ZREM', 'z'], ['ZREMRANGEBYRANK', 'z', '0'], ['ZPOPMIN'], ['ZMPOP', '1', 'z'], ['ZRANDMEMBER'], ['ZUNION', '1'], ['ZUNIONSTORE', 'd', '1'],
      ['ZINTERCARD', '1'], ['ZSCAN', 'z'],
    ]);
    same('Binary-safe members', [
      ['ZADD', 'z', '1', Buffer.from('a\0b'), '1', Buffer.from('\xff\r\n', 'latin1'), '1', '', '0', 'x'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZSCORE', 'z', ''],
      ['ZRANK', 'z', Buffer.from('a\0b')], ['ZRANGEBYLEX', 'z', '[', '+'], ['ZREM', 'z', '', Buffer.from('a\0b')], ['ZCARD', 'z'],
    ]);
  });

  describe('ZRANGE and its older forms', () => {
    same('ZRANGE by rank, forward and reverse', [
      ramp('z', 10), ['ZRANGE', 'z', '0', '-1'], ['ZRANGE', 'z', '2', '4', 'WITHSCORES'], ['ZRANGE', 'z', '-3', '-1'], ['ZRANGE', 'z', '5', '100'], ['ZRANGE', 'z', '100', '200'],
      ['ZRANGE', 'z', '-100', '1'], ['ZRANGE', 'z', '3', '1'], ['ZRANGE', 'z', '0', '-1', 'REV'], ['ZRANGE', 'z', '1', '3', 'REV', 'WITHSCORES'], ['ZREVRANGE', 'z', '0', '2'],
      ['ZREVRANGE', 'z', '-2', '-1', 'WITHSCORES'], ['ZRANGE', 'z', INT64_MIN, INT64_MAX], ['ZRANGE', 'nokey', '0', '-1'], ['ZRANGE', 'z', 'a', '1'], ['ZRANGE', 'z', '0', '1.5'],
    ]);
    same('ZRANGE by rank of a big set from either end', [
      ramp('z', 1000), ['ZRANGE', 'z', '990', '995', 'WITHSCORES'], ['ZRANGE', 'z', '-3', '-1'], ['ZRANGE', 'z', '0', '2', 'REV'], ['ZRANGE', 'z', '995', '999', 'REV'],
      ['ZREVRANGE', 'z', '500', '502'], ['ZRANK', 'z', 'm0999'], ['ZRANK', 'z', 'm0500'], ['ZREVRANK', 'z', 'm0001'], ['ZRANK', 'z', 'm0000'], ['ZREVRANK', 'z', 'm0999'],
    ]);
    same('ZRANGE BYSCORE with exclusive ends, infinities, LIMIT and REV', [
      ['ZADD', 'z', '1', 'a', '2', 'b', '2', 'c', '3', 'd', '4', 'e', '-inf', 'n', 'inf', 'p'], ['ZRANGE', 'z', '2', '3', 'BYSCORE'], ['ZRANGE', 'z', '(2', '3', 'BYSCORE', 'WITHSCORES'],
      ['ZRANGE', 'z', '2', '(3', 'BYSCORE'], ['ZRANGE', 'z', '(1', '(4', 'BYSCORE'], ['ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '1', '3'], ['ZRANGE', 'z', '-inf', 'inf', 'BYSCORE', 'LIMIT', '2', '-1'],
      ['ZRANGE', 'z', '-inf', 'inf', 'BYSCORE', 'LIMIT', '-1', '2'], ['ZRANGE', 'z', '-inf', 'inf', 'BYSCORE', 'LIMIT', '100', '2'], ['ZRANGE', 'z', '-inf', 'inf', 'BYSCORE', 'LIMIT', '0', '0'],
      ['ZRANGE', 'z', '3', '2', 'BYSCORE', 'REV'], ['ZRANGE', 'z', '(3', '-inf', 'BYSCORE', 'REV', 'WITHSCORES', 'LIMIT', '1', '2'], ['ZRANGE', 'z', '2', '3', 'BYSCORE', 'REV'],
      ['ZRANGE', 'z', '(2', '(2', 'BYSCORE'], ['ZRANGE', 'z', '2', '2', 'BYSCORE'], ['ZRANGE', 'z', '5', '1', 'BYSCORE'], ['ZRANGE', 'z', '(-inf', '(inf', 'BYSCORE'],
      ['ZRANGEBYSCORE', 'z', '1', '3', 'WITHSCORES', 'LIMIT', '1', '2'], ['ZREVRANGEBYSCORE', 'z', '3', '1', 'LIMIT', '0', '2', 'WITHSCORES'], ['ZREVRANGEBYSCORE', 'z', '+inf', '-inf'],
      ['ZRANGEBYSCORE', 'z', '', '(', 'WITHSCORES'], ['ZRANGEBYSCORE', 'z', ' 1', '( 3'], ['ZRANGEBYSCORE', 'z', '1e400', '1e500'], ['ZRANGEBYSCORE', 'z', Buffer.from('1\0x'), '2'],
    ]);
    same('ZRANGE BYLEX', [
      ['ZADD', 'z', '0', 'a', '0', 'b', '0', 'c', '0', 'cc', '0', 'd', '0', 'e'], ['ZRANGE', 'z', '-', '+', 'BYLEX'], ['ZRANGE', 'z', '[b', '(d', 'BYLEX'], ['ZRANGE', 'z', '(b', '[cc', 'BYLEX', 'LIMIT', '1', '5'],
      ['ZRANGE', 'z', '+', '-', 'BYLEX', 'REV'], ['ZRANGE', 'z', '[d', '(b', 'BYLEX', 'REV'], ['ZRANGE', 'z', '[c', '-', 'BYLEX', 'REV', 'LIMIT', '1', '1'], ['ZRANGEBYLEX', 'z', '[c', '[c'],
      ['ZRANGEBYLEX', 'z', '(c', '[c'], ['ZRANGEBYLEX', 'z', '+', '+'], ['ZRANGEBYLEX', 'z', '-', '-'], ['ZRANGEBYLEX', 'z', '[', '(c'], ['ZRANGEBYLEX', 'z', '[e', '[a'], ['ZREVRANGEBYLEX', 'z', '[cc', '[b'],
      ['ZREVRANGEBYLEX', 'z', '+', '(c', 'LIMIT', '0', '2'], ['ZRANGEBYLEX', 'z', Buffer.from('+\0x'), '+'], ['ZRANGEBYLEX', 'z', '-', Buffer.from('[c\0')], ['ZRANGEBYLEX', 'nokey', '-', '+'],
    ]);
    same('ZRANGE option errors in Redis order', [
      ['ZADD', 'z', '1', 'a'], ['ZRANGE', 'z', '0', '1', 'LIMIT', '0', '1'], ['ZRANGE', 'z', '0', '1', 'LIMIT', '0', '-1'], ['ZRANGE', 'z', '-', '+', 'BYLEX', 'WITHSCORES'],
      ['ZRANGE', 'z', '0', '1', 'BYSCORE', 'BYLEX'], ['ZRANGE', 'z', '0', '1', 'REV', 'REV'], ['ZRANGE', 'z', '0', '1', 'LIMIT', '0'], ['ZRANGE', 'z', '0', '1', 'LIMIT', 'x', '1', 'FOO'],
      ['ZRANGE', 'z', '0', '1', 'FOO', 'LIMIT', 'x', '1'], ['ZRANGE', 'z', 'x', '1', 'BYSCORE'], ['ZRANGE', 'z', '(x', '1', 'BYSCORE'], ['ZRANGE', 'z', 'nan', '1', 'BYSCORE'],
      ['ZRANGE', 'z', 'a', 'b', 'BYLEX'], ['ZRANGE', 'z', '[a', 'b', 'BYLEX'], ['ZRANGE', 'z', '', '+', 'BYLEX'], ['ZRANGE', 'z', '-x', '+', 'BYLEX'], ['ZRANGE', 'z', 'x', 'y', 'WITHSCORES', 'WITHSCORES'],
      ['ZRANGEBYSCORE', 'z', '0', '1', 'REV'], ['ZRANGEBYSCORE', 'z', '0', '1', 'BYLEX'], ['ZREVRANGE', 'z', '0', '1', 'LIMIT', '0', '1'], ['ZRANGEBYLEX', 'z', '-', '+', 'WITHSCORES'],
      ['ZRANGEBYSCORE', 'z', 'a', 'b', 'LIMIT', '0', '1'], ['ZRANGEBYSCORE', 'z', '0', '1', 'LIMIT', '0', 'b'], ['ZRANGE', 's', 'x', '1'], ['SET', 's', 'v'], ['ZRANGE', 's', 'x', '1'],
    ]);
    same('ZRANGESTORE', [
      ramp('src', 10), ['ZRANGESTORE', 'dst', 'src', '2', '5'], ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'], ['ZRANGESTORE', 'dst', 'src', '(3', '7', 'BYSCORE', 'REV'],
      ['ZRANGESTORE', 'dst', 'src', '7', '(3', 'BYSCORE', 'REV', 'LIMIT', '1', '2'], ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'], ['ZRANGESTORE', 'dst', 'src', '[m0003', '[m0005', 'BYLEX'],
      ['ZRANGESTORE', 'dst', 'src', '0', '1', 'WITHSCORES'], ['ZRANGESTORE', 'dst', 'src', '5', '1'], ['EXISTS', 'dst'], ['ZRANGESTORE', 'src', 'src', '0', '2'], ['ZRANGE', 'src', '0', '-1'],
      ['SET', 'str', 'v'], ['ZRANGESTORE', 'str', 'src', '0', '0'], ['TYPE', 'str'], ['ZRANGESTORE', 'src', 'str', '0', '1'], ['ZRANGESTORE', 'src', 'nokey', '0', '1'], ['EXISTS', 'src'],
    ]);
  });

  describe('ZCOUNT, ZLEXCOUNT, ZRANK, ZREVRANK', () => {
    same('ZCOUNT and ZLEXCOUNT', [
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'], ['ZCOUNT', 'z', '-inf', '+inf'], ['ZCOUNT', 'z', '(1', '3'], ['ZCOUNT', 'z', '3', '1'], ['ZCOUNT', 'z', '2', '2'],
      ['ZCOUNT', 'z', 'x', '1'], ['ZCOUNT', 'nokey', '0', '1'], ['ZCOUNT', 'nokey', 'x', '1'], ['ZADD', 'l', '0', 'a', '0', 'b', '0', 'c'], ['ZLEXCOUNT', 'l', '-', '+'],
      ['ZLEXCOUNT', 'l', '(a', '[c'], ['ZLEXCOUNT', 'l', '[c', '(a'], ['ZLEXCOUNT', 'l', 'a', 'c'], ['ZLEXCOUNT', 'nokey', '-', '+'], ['ZLEXCOUNT', 'nokey', 'x', '+'],
    ]);
    same('ZRANK and ZREVRANK', [
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'], ['ZRANK', 'z', 'a'], ['ZRANK', 'z', 'c'], ['ZREVRANK', 'z', 'a'], ['ZREVRANK', 'z', 'b'], ['ZRANK', 'z', 'x'], ['ZRANK', 'nokey', 'a'],
      ['ZRANK', 'z', 'a', 'WITHSCORE'],
    ]);
  });

  describe('ZREM and ZREMRANGEBY*', () => {
    same('ZREM removes members and deletes an emptied set', [
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'], ['ZREM', 'z', 'a', 'x', 'a'], ['ZCARD', 'z'], ['ZREM', 'z', 'b', 'c', 'd'], ['EXISTS', 'z'], ['ZREM', 'nokey', 'a'],
    ]);
    same('ZREMRANGEBYRANK', [
      ramp('z', 10), ['ZREMRANGEBYRANK', 'z', '0', '1'], ['ZREMRANGEBYRANK', 'z', '-2', '-1'], ['ZRANGE', 'z', '0', '-1'], ['ZREMRANGEBYRANK', 'z', '5', '1'], ['ZREMRANGEBYRANK', 'z', '100', '200'],
      ['ZREMRANGEBYRANK', 'z', 'a', '1'], ['ZREMRANGEBYRANK', 'nokey', '0', '1'], ['ZREMRANGEBYRANK', 'z', '0', '-1'], ['EXISTS', 'z'],
    ]);
    same('ZREMRANGEBYSCORE', [
      ramp('z', 10), ['ZREMRANGEBYSCORE', 'z', '(1', '3'], ['ZREMRANGEBYSCORE', 'z', '8', '+inf'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZREMRANGEBYSCORE', 'z', 'x', '1'],
      ['ZREMRANGEBYSCORE', 'z', '5', '1'], ['ZREMRANGEBYSCORE', 'z', '-inf', '+inf'], ['EXISTS', 'z'], ['ZREMRANGEBYSCORE', 'nokey', '(x', '1'],
    ]);
    same('ZREMRANGEBYLEX', [
      ['ZADD', 'z', '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', 'e'], ['ZREMRANGEBYLEX', 'z', '[b', '(d'], ['ZRANGE', 'z', '0', '-1'], ['ZREMRANGEBYLEX', 'z', 'b', 'd'],
      ['ZREMRANGEBYLEX', 'z', '(d', '+'], ['ZREMRANGEBYLEX', 'z', '-', '+'], ['EXISTS', 'z'],
    ]);
  });

  describe('ZPOPMIN, ZPOPMAX, ZMPOP', () => {
    same('ZPOPMIN and ZPOPMAX with and without count', [
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '-0', 'e'], ['ZPOPMIN', 'z'], ['ZPOPMAX', 'z'], ['ZPOPMIN', 'z', '2'], ['ZPOPMAX', 'z', '0'], ['ZPOPMAX', 'z', '10'],
      ['EXISTS', 'z'], ['ZPOPMIN', 'z'], ['ZPOPMIN', 'z', '2'], ['ZPOPMIN', 'z', '-1'], ['ZPOPMIN', 'z', 'x'], ['ZPOPMIN', 'z', '1', '2'], ['ZPOPMAX', 'nokey', '0'],
    ]);
    same('ZMPOP', [
      ['ZADD', 'a', '1', 'x', '2', 'y', '3', 'z'], ['ZADD', 'b', '5', 'p'], ['ZMPOP', '2', 'nokey', 'a', 'MIN'], ['ZMPOP', '2', 'a', 'b', 'max', 'COUNT', '10'], ['ZMPOP', '2', 'a', 'b', 'MIN'],
      ['ZMPOP', '2', 'a', 'b', 'MIN'], ['ZMPOP', '1', 'a', 'MIN', 'COUNT', '1'],
    ]);
    same('ZMPOP bad input', [
      ['ZADD', 'a', '1', 'x'], ['ZMPOP', '0', 'a', 'MIN'], ['ZMPOP', '-1', 'a', 'MIN'], ['ZMPOP', 'x', 'a', 'MIN'], ['ZMPOP', '3', 'a', 'MIN'], ['ZMPOP', INT64_MAX, 'a', 'MIN'],
      ['ZMPOP', '1', 'a', 'MID'], ['ZMPOP', '1', 'a', 'MIN', 'COUNT'], ['ZMPOP', '1', 'a', 'MIN', 'COUNT', '0'], ['ZMPOP', '1', 'a', 'MIN', 'COUNT', '-1'], ['ZMPOP', '1', 'a', 'MIN', 'COUNT', 'x'],
      ['ZMPOP', '1', 'a', 'MIN', 'COUNT', '1', 'COUNT', '1'], ['ZMPOP', '1', 'a', 'MIN', 'FOO'], ['ZCARD', 'a'],
    ]);
  });

  describe('ZRANDMEMBER', () => {
    /** Random picks: how many, whether distinct, and whether all are members. */
    const picks = (v: RespValue): unknown => (Array.isArray(v) ? [v.length, new Set(v.map(String)).size, v.every((x) => ['$a', '$b', '$c'].includes(x as string))] : v);
    same('ZRANDMEMBER of a missing key, count 0 and a count covering the set', [
      ['ZRANDMEMBER', 'nokey'], ['ZRANDMEMBER', 'nokey', '5'], ['ZRANDMEMBER', 'nokey', '-5', 'WITHSCORES'], ['ZADD', 'z', '3', 'a', '1', 'b', '2', 'c'], ['ZRANDMEMBER', 'z', '0'],
      ['ZRANDMEMBER', 'z', '3'], ['ZRANDMEMBER', 'z', '100', 'WITHSCORES'], norm(['ZRANDMEMBER', 'z', '2', 'WITHSCORES'], (v) => (Array.isArray(v) ? v.length : v)),
      norm(['ZRANDMEMBER', 'z', '-7'], (v) => (Array.isArray(v) ? v.length : v)), norm(['ZRANDMEMBER', 'z', '-5', 'WITHSCORES'], (v) => (Array.isArray(v) ? v.length : v)),
      norm(['ZRANDMEMBER', 'z'], (v) => (['$a', '$b', '$c'].includes(v as string) ? 'a member' : v)), norm(['ZRANDMEMBER', 'z', '2'], picks),
    ]);
    same('ZRANDMEMBER bad input', [
      ['ZADD', 'z', '1', 'a'], ['ZRANDMEMBER', 'z', 'x'], ['ZRANDMEMBER', 'z', '1', 'FOO'], ['ZRANDMEMBER', 'z', '1', 'WITHSCORES', 'x'], ['ZRANDMEMBER', 'z', INT64_MIN],
      ['ZRANDMEMBER', 'z', '-9223372036854775807', 'WITHSCORES'], ['ZRANDMEMBER', 'z', '-4611686018427387904', 'WITHSCORES'], ['ZRANDMEMBER', 'z', 'x', 'FOO'],
    ]);
  });

  describe('ZUNION, ZINTER, ZDIFF, their STORE forms, ZINTERCARD', () => {
    const setup: Step[] = [['ZADD', 'a', '1', 'x', '2', 'y', '3', 'z'], ['ZADD', 'b', '10', 'y', '20', 'z', '30', 'w'], ['SADD', 's', 'x', 'w', 'v'], ['ZADD', 'inf', 'inf', 'x', '-inf', 'y']];
    same('ZUNION with weights and aggregates, over sorted sets and sets', [
      ...setup, ['ZUNION', '2', 'a', 'b'], ['ZUNION', '2', 'a', 'b', 'WITHSCORES'], ['ZUNION', '3', 'a', 'b', 's', 'WEIGHTS', '1', '2', '0.5', 'WITHSCORES'],
      ['ZUNION', '2', 'a', 'b', 'AGGREGATE', 'MIN', 'WITHSCORES'], ['ZUNION', '2', 'a', 'b', 'AGGREGATE', 'max', 'WEIGHTS', '-1', '1', 'WITHSCORES'], ['ZUNION', '2', 'a', 'nokey', 'WITHSCORES'],
      ['ZUNION', '2', 'inf', 'inf', 'WEIGHTS', '1', '-1', 'WITHSCORES'], ['ZUNION', '1', 'inf', 'WEIGHTS', '0', 'WITHSCORES'], ['ZUNION', '2', 'a', 'a', 'WITHSCORES'],
    ]);
    same('ZINTER with weights and aggregates', [
      ...setup, ['ZINTER', '2', 'a', 'b', 'WITHSCORES'], ['ZINTER', '2', 'a', 's', 'WITHSCORES'], ['ZINTER', '2', 'a', 'b', 'WEIGHTS', '2', '3', 'AGGREGATE', 'MAX', 'WITHSCORES'],
      ['ZINTER', '3', 'a', 'b', 's'], ['ZINTER', '2', 'a', 'nokey'], ['ZINTER', '2', 'a', 'a', 'WEIGHTS', '1', '2', 'WITHSCORES'], ['ZINTER', '2', 'inf', 'a', 'WEIGHTS', '0', '1', 'WITHSCORES'],
      ['ZINTER', '2', 'inf', 'inf', 'WEIGHTS', '1', '-1', 'AGGREGATE', 'SUM', 'WITHSCORES'],
    ]);
    same('ZDIFF', [
      ...setup, ['ZDIFF', '2', 'a', 'b'], ['ZDIFF', '2', 'a', 'b', 'WITHSCORES'], ['ZDIFF', '3', 'b', 'a', 's', 'WITHSCORES'], ['ZDIFF', '1', 'a', 'WITHSCORES'], ['ZDIFF', '2', 'a', 'a'],
      ['ZDIFF', '2', 'nokey', 'a'], ['ZDIFF', '2', 's', 'a', 'WITHSCORES'], ['ZDIFF', '2', 'a', 'b', 'WEIGHTS', '1', '1'], ['ZDIFF', '2', 'a', 'b', 'AGGREGATE', 'MIN'],
    ]);
    same('ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE', [
      ...setup, ['ZUNIONSTORE', 'd', '2', 'a', 'b', 'WEIGHTS', '2', '1'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'], ['ZINTERSTORE', 'd', '2', 'a', 'b', 'AGGREGATE', 'MIN'],
      ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'], ['ZDIFFSTORE', 'd', '2', 'a', 'b'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'], ['ZINTERSTORE', 'd', '2', 'a', 'nokey'], ['EXISTS', 'd'],
      ['ZUNIONSTORE', 'a', '2', 'a', 'b'], ['ZRANGE', 'a', '0', '-1', 'WITHSCORES'], ['SET', 'str', 'v'], ['ZUNIONSTORE', 'str', '1', 'b'], ['TYPE', 'str'], ['ZUNIONSTORE', 'd', '1', 'b', 'WITHSCORES'],
      ['ZDIFFSTORE', 'd', '2', 's', 'b'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'], ['ZINTERSTORE', 'd', '1', 's'], ['TYPE', 'd'],
    ]);
    same('ZINTERCARD', [
      ...setup, ['ZINTERCARD', '2', 'a', 'b'], ['ZINTERCARD', '2', 'a', 'b', 'LIMIT', '1'], ['ZINTERCARD', '2', 'a', 'b', 'LIMIT', '0'], ['ZINTERCARD', '3', 'a', 'b', 's'], ['ZINTERCARD', '1', 'nokey'],
      ['ZINTERCARD', '2', 'a', 'b', 'LIMIT', '-1'], ['ZINTERCARD', '2', 'a', 'b', 'LIMIT', 'x'], ['ZINTERCARD', '2', 'a', 'b', 'WITHSCORES'], ['ZINTERCARD', '0', 'a'], ['ZINTERCARD', '3', 'a', 'b'],
    ]);
    same('numkeys, WEIGHTS and AGGREGATE errors in Redis order', [
      ...setup, ['ZUNION', '0', 'a'], ['ZUNION', '-1', 'a'], ['ZUNION', 'x', 'a'], ['ZUNION', '3', 'a', 'b'], ['ZUNIONSTORE', 'd', '0', 'a'], ['ZINTERSTORE', 'd', '5', 'a'],
      ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '1'], ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '1', 'x'], ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '1', 'nan'], ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '1', '2', '3'],
      ['ZUNION', '2', 'a', 'b', 'AGGREGATE', 'AVG'], ['ZUNION', '2', 'a', 'b', 'AGGREGATE'], ['ZUNION', '2', 'a', 'b', 'FOO'], ['ZUNION', '2', 'a', 'str', 'FOO'], ['SET', 'str', 'v'],
      ['ZUNION', '2', 'a', 'str', 'FOO'], ['ZUNION', '2', 'a', 'str', 'WEIGHTS', 'x', 'y'], ['ZINTERSTORE', 'd', '2', 'str', 'a', 'AGGREGATE', 'x'], ['ZINTERCARD', '2', 'a', 'str', 'LIMIT', '-1'],
      ['ZINTER', '1', 'a', 'WEIGHTS', '1', 'WEIGHTS', '2', 'WITHSCORES'], ['ZUNION', '1', 'a', 'WITHSCORES', 'WITHSCORES'],
    ]);
  });

  describe('ZSCAN', () => {
    same('ZSCAN of a small set returns it whole in score order', [
      ['ZADD', 'z', '3', 'a', '1', 'b', '2', 'c', '1.5', 'd'], ['ZSCAN', 'z', '0'], ['ZSCAN', 'z', '0', 'MATCH', '[ab]'], ['ZSCAN', 'z', '0', 'COUNT', '1'], ['ZSCAN', 'nokey', '0'],
      ['ZSCAN', 'z', 'x'], ['ZSCAN', 'z', '0', 'COUNT', '0'], ['ZSCAN', 'z', '0', 'FOO', 'bar'], ['ZSCAN', 'nokey', '0', 'FOO'], ['ZSCAN', 'z', '0', 'MATCH'],
    ]);
    it('ZSCAN of a big set visits every member once with its score', async () => {
      const scanAll = async (port: number): Promise<string[]> => {
        const c = await RespConnection.open(port);
        try {
          await c.command(['FLUSHALL']);
          await c.command(ramp('big', 500));
          await c.command(['ZADD', 'big', '0.5', 'half']);
          const seen: string[] = [];
          let cursor = '0';
          for (let calls = 0; calls < 1000; calls++) {
            const [next, items] = decode(await c.command(['ZSCAN', 'big', cursor, 'COUNT', '37'])) as [string, string[]];
            for (let i = 0; i < items.length; i += 2) seen.push(`${items[i]}=${items[i + 1]}`);
            cursor = next.slice(1);
            if (cursor === '0') break;
          }
          return seen.sort();
        } finally {
          c.close();
        }
      };
      const [expected, actual] = await Promise.all([scanAll(targets().redis.port), scanAll(targets().kiwi.port)]);
      expect(actual).toEqual(expected);
      expect(actual.length).toBe(501);
    });
  });

  describe('keyspace commands on sorted sets', () => {
    same('TYPE, EXISTS, DEL, RENAME, COPY, MOVE, OBJECT ENCODING of a big set', [
      ramp('z', 200), ['TYPE', 'z'], ['OBJECT', 'ENCODING', 'z'], ['RENAME', 'z', 'y'], ['ZCARD', 'y'], ['ZRANGE', 'y', '0', '2', 'WITHSCORES'], ['COPY', 'y', 'c'], ['ZADD', 'c', '-1', 'new'],
      ['ZCARD', 'y'], ['ZRANGE', 'c', '0', '1'], ['MOVE', 'c', '3'], ['SELECT', '3'], ['ZRANGE', 'c', '0', '1', 'WITHSCORES'], ['ZPOPMIN', 'c'], ['SELECT', '0'], ['DEL', 'y'], ['EXISTS', 'y', 'c'],
      ['ZCARD', 'y'],
    ]);
    same('EXPIRE, TTL, PERSIST on a sorted set', [
      ['ZADD', 'z', '1', 'a'], ['EXPIRE', 'z', '100'], ['TTL', 'z'], ['ZADD', 'z', '2', 'b'], ['TTL', 'z'], ['PERSIST', 'z'], ['TTL', 'z'], ['PEXPIRE', 'z', '20'], { sleep: 60 },
      ['EXISTS', 'z'], ['ZCARD', 'z'], ['ZADD', 'z', '5', 'c'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
    ]);
    same('SCAN TYPE zset and KEYS see sorted sets', [
      ['ZADD', 'z1', '1', 'a'], ['ZADD', 'z2', '1', 'a'], ['SET', 's', 'v'], ['SADD', 'st', 'a'], { scan: ['TYPE', 'zset'] }, { scan: ['TYPE', 'set'] }, norm(['KEYS', '*'], (v) => (Array.isArray(v) ? [...v].sort() : v)),
    ]);
    same('SET, ZUNIONSTORE and RENAME overwrite a sorted set', [
      ramp('z', 20), ['SET', 'z', 'v'], ['TYPE', 'z'], ['ZADD', 'z2', '1', 'a'], ['ZUNIONSTORE', 'z', '1', 'z2'], ['ZRANGE', 'z', '0', '-1'], ['ZADD', 'z3', '5', 'q'], ['RENAME', 'z3', 'z'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
    ]);
  });

  describe('COMMAND', () => {
    const names = ['zadd', 'zincrby', 'zscore', 'zmscore', 'zcard', 'zcount', 'zlexcount', 'zrank', 'zrevrank', 'zrange', 'zrangestore', 'zrangebyscore', 'zrevrangebyscore', 'zrangebylex',
      'zrevrangebylex', 'zrevrange', 'zrem', 'zremrangebyrank', 'zremrangebyscore', 'zremrangebylex', 'zpopmin', 'zpopmax', 'zmpop', 'zrandmember', 'zunion', 'zinter', 'zdiff',
      'zunionstore', 'zinterstore', 'zdiffstore', 'zintercard', 'zscan'];
    same('COMMAND INFO of the sorted-set commands (name, arity, flags, key positions, ACL categories)', [
      norm(['COMMAND', 'INFO', ...names], (v) => (Array.isArray(v) ? v.map((c) => (Array.isArray(c) ? c.slice(0, 7) : c)) : v)),
    ]);
    same('COMMAND DOCS since, group and deprecation of the sorted-set commands', [norm(['COMMAND', 'DOCS', ...names], (v) => {
      const doc = (d: RespValue) => (isMap(d) ? d.map.filter(([f]) => ['$since', '$group', '$doc_flags', '$deprecated_since', '$replaced_by'].includes(f as string)) : d);
      if (isMap(v)) return v.map.map(([k, d]) => [k, doc(d)]);
      if (!Array.isArray(v)) return v;
      const out: unknown[] = [];
      for (let i = 0; i < v.length; i += 2) {
        const d = v[i + 1] as RespValue[];
        const fields: unknown[] = [];
        for (let j = 0; j < d.length; j += 2) if (['$since', '$group', '$doc_flags', '$deprecated_since', '$replaced_by'].includes(d[j] as string)) fields.push(d[j], d[j + 1]);
        out.push(v[i], fields);
      }
      return out;
    })]);
    same('COMMAND GETKEYS of the numkeys forms', [
      ['COMMAND', 'GETKEYS', 'ZUNIONSTORE', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2'], ['COMMAND', 'GETKEYS', 'ZINTER', '2', 'a', 'b'], ['COMMAND', 'GETKEYS', 'ZMPOP', '2', 'a', 'b', 'MIN'],
      ['COMMAND', 'GETKEYS', 'ZINTERCARD', '1', 'a', 'LIMIT', '1'], ['COMMAND', 'GETKEYS', 'ZRANGESTORE', 'd', 's', '0', '1'], ['COMMAND', 'GETKEYS', 'ZDIFF', '0', 'a'],
    ]);
  });

  describe('randomized', () => {
    const SEED = Number(process.env.KIWI_ZSET_SEED ?? 20261201);
    const STEPS = 3000;
    const SCORES = ['0', '-0', '1', '-1', '1.5', '2', '2.5', '3', '10', '-10', '1e-5', '123456.789', '0.1', '1e20', 'inf', '-inf', '7', '(3', 'x'];

    it(`ZADD/ZINCRBY/ZREM/ZREMRANGEBY*/ZPOP*/ZMPOP against redis-server, compared after every step (seed ${SEED}, ${STEPS} steps)`, async () => {
      const rnd = random(SEED);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
      const member = (): Arg => (rnd() < 0.05 ? Buffer.from([0, Math.floor(rnd() * 256)]) : `m${Math.floor(rnd() * 60)}`);
      const lexMember = (): string => String.fromCharCode(97 + Math.floor(rnd() * 20)) + (rnd() < 0.5 ? String.fromCharCode(97 + Math.floor(rnd() * 5)) : '');
      const score = (): string => (rnd() < 0.7 ? String(Math.floor(rnd() * 40) - 20) : pick(SCORES));
      const bound = (): string => (rnd() < 0.2 ? pick(['-inf', '+inf', '(0', '(-5']) : `${rnd() < 0.3 ? '(' : ''}${Math.floor(rnd() * 40) - 20}`);
      const lexBound = (): string => (rnd() < 0.15 ? pick(['-', '+']) : `${pick(['[', '('])}${lexMember()}`);
      const flags = (): string[] => ['NX', 'XX', 'GT', 'LT', 'CH'].filter(() => rnd() < 0.15);
      const op = (): Arg[] => {
        const r = rnd();
        if (r < 0.3) return ['ZADD', 'z', ...flags(), ...Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => [score(), member()]).flat()];
        if (r < 0.36) return ['ZADD', 'z', ...flags(), 'INCR', score(), member()];
        if (r < 0.45) return ['ZINCRBY', 'z', score(), member()];
        if (r < 0.55) return ['ZREM', 'z', member(), member()];
        if (r < 0.6) return ['ZREMRANGEBYSCORE', 'z', bound(), bound()];
        if (r < 0.64) return ['ZREMRANGEBYRANK', 'z', String(Math.floor(rnd() * 30) - 15), String(Math.floor(rnd() * 30) - 15)];
        if (r < 0.7) return [pick(['ZPOPMIN', 'ZPOPMAX']), 'z', ...(rnd() < 0.5 ? [String(Math.floor(rnd() * 4))] : [])];
        if (r < 0.72) return ['ZMPOP', '2', 'l', 'z', pick(['MIN', 'MAX']), 'COUNT', String(1 + Math.floor(rnd() * 3))];
        if (r < 0.8) return ['ZADD', 'l', '0', lexMember(), '0', lexMember()];
        if (r < 0.84) return ['ZREMRANGEBYLEX', 'l', lexBound(), lexBound()];
        if (r < 0.88) return ['ZRANGEBYLEX', 'l', lexBound(), lexBound(), 'LIMIT', String(Math.floor(rnd() * 3)), String(Math.floor(rnd() * 5) - 1)];
        if (r < 0.92) return ['ZRANGEBYSCORE', 'z', bound(), bound(), 'WITHSCORES', 'LIMIT', String(Math.floor(rnd() * 3)), String(Math.floor(rnd() * 5) - 1)];
        if (r < 0.95) return [pick(['ZRANK', 'ZREVRANK', 'ZSCORE']), 'z', member()];
        if (r < 0.97) return ['ZCOUNT', 'z', bound(), bound()];
        return ['ZRANGE', 'z', String(Math.floor(rnd() * 30) - 15), String(Math.floor(rnd() * 30) - 15), ...(rnd() < 0.5 ? ['REV'] : [])];
      };
      const [a, b] = await Promise.all([RespConnection.open(targets().redis.port), RespConnection.open(targets().kiwi.port)]);
      try {
        await Promise.all([a.command(['FLUSHALL']), b.command(['FLUSHALL'])]);
        const deadline = Date.now() + 120_000;
        let steps = 0;
        for (; steps < STEPS && Date.now() < deadline; steps++) {
          const argv = op();
          const check: Arg[][] = [argv, ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZRANGE', 'l', '0', '-1', 'WITHSCORES']];
          const [expected, actual] = await Promise.all([a.pipeline(check), b.pipeline(check)]);
          const shown = argv.map((x) => (Buffer.isBuffer(x) ? JSON.stringify(x.toString('latin1')) : x)).join(' ');
          expect(actual, `step ${steps}: ${shown}`).toEqual(expected);
        }
        expect(steps).toBeGreaterThan(500);
      } finally {
        a.close();
        b.close();
      }
    }, 180_000);
  });
});
