// Differential tests of the list commands and SORT: the same scripts against Debian's
// redis-server and kiwi-server, reply bytes compared (RESP2, and RESP3 after HELLO 3),
// and a seeded random walk of list writes compared after every step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { RespConnection, startReferenceRedis, type Arg, type ReferenceRedis, type Step } from './harness.js';
import { random } from '../protocol/helpers.js';
import { differential, HAVE_REDIS, norm } from './suite.js';

const SKIP_REASON = 'redis-server is not on PATH: the differential tests need it as the reference (apt install redis-server)';
const title = (name: string): string => (HAVE_REDIS ? name : `${name} (skipped: ${SKIP_REASON})`);

/** An array reply in the server's own order (a set's hash table order): compared sorted. */
const sorted = (argv: Arg[]): Step => norm(argv, (v) => (Array.isArray(v) ? [...v].map(String).sort() : v));

const INT64_MAX = '9223372036854775807';
const INT64_MIN = '-9223372036854775808';
const BIN = Buffer.from('a\0b\r\n\xff', 'latin1');
const list = (key: string, ...items: Arg[]): Arg[] => ['RPUSH', key, ...items];

differential('Redis differential: lists and SORT', (same) => {
  describe('LPUSH, RPUSH, LPUSHX, RPUSHX, LLEN', () => {
    same('LPUSH and RPUSH return the new length and keep the order', [
      ['LPUSH', 'l', 'a'], ['LPUSH', 'l', 'b', 'c'], ['RPUSH', 'l', 'd', 'e'], ['LRANGE', 'l', '0', '-1'], ['LLEN', 'l'], ['TYPE', 'l'],
    ]);
    same('Pushes of empty, binary and large elements', [['RPUSH', 'l', '', BIN, 'x'.repeat(100_000)], ['LPUSH', 'l', BIN], ['LRANGE', 'l', '0', '-1'], ['LINDEX', 'l', '2']]);
    same('LPUSHX and RPUSHX only push onto an existing list', [
      ['LPUSHX', 'l', 'a'], ['RPUSHX', 'l', 'a', 'b'], ['EXISTS', 'l'], ['RPUSH', 'l', 'x'], ['LPUSHX', 'l', 'a', 'b'], ['RPUSHX', 'l', 'c', 'd'], ['LRANGE', 'l', '0', '-1'],
    ]);
    same('Pushes and LLEN against a key of another type', [['SET', 's', 'v'], ['LPUSH', 's', 'a'], ['RPUSH', 's', 'a'], ['LPUSHX', 's', 'a'], ['RPUSHX', 's', 'a'], ['LLEN', 's'], ['HSET', 'h', 'f', 'v'], ['LLEN', 'h'], ['LLEN', 'none']]);
    same('Pushes with wrong number of arguments', [['LPUSH', 'l'], ['RPUSH'], ['LPUSHX', 'l'], ['RPUSHX', 'l'], ['LLEN'], ['LLEN', 'a', 'b']]);
  });

  describe('LPOP, RPOP', () => {
    same('LPOP and RPOP without a count', [list('l', 'a', 'b', 'c'), ['LPOP', 'l'], ['RPOP', 'l'], ['LLEN', 'l'], ['RPOP', 'l'], ['EXISTS', 'l'], ['LPOP', 'l'], ['RPOP', 'l']]);
    same('LPOP and RPOP with a count', [
      list('l', 'a', 'b', 'c', 'd', 'e'), ['LPOP', 'l', '2'], ['RPOP', 'l', '2'], ['LPOP', 'l', '0'], ['RPOP', 'l', '0'], ['RPOP', 'l', '10'], ['EXISTS', 'l'],
      ['LPOP', 'l', '1'], ['RPOP', 'l', '0'], ['LPOP', 'none', '3'], list('m', 'x'), ['LPOP', 'm', INT64_MAX], ['RPOP', 'none'],
    ]);
    same('LPOP and RPOP with a bad count', [list('l', 'a'), ['LPOP', 'l', '-1'], ['RPOP', 'l', 'abc'], ['LPOP', 'l', '1.5'], ['LPOP', 'none', '-1'], ['RPOP', 'l', '9223372036854775808'], ['LLEN', 'l']]);
    same('LPOP and RPOP against a key of another type, and their arity', [['SET', 's', 'v'], ['LPOP', 's'], ['RPOP', 's', '2'], ['RPOP', 's', '-1'], ['LPOP'], ['LPOP', 'l', '1', '2'], ['RPOP', 'l', '1', '2']]);
  });

  describe('LINDEX, LSET, LRANGE', () => {
    same('LINDEX with positive, negative and out-of-range indices', [
      list('l', 'a', 'b', 'c'), ['LINDEX', 'l', '0'], ['LINDEX', 'l', '2'], ['LINDEX', 'l', '-1'], ['LINDEX', 'l', '-3'], ['LINDEX', 'l', '3'], ['LINDEX', 'l', '-4'],
      ['LINDEX', 'l', INT64_MAX], ['LINDEX', 'l', INT64_MIN], ['LINDEX', 'none', '0'],
    ]);
    same('LINDEX checks the key before the index', [list('l', 'a'), ['SET', 's', 'v'], ['LINDEX', 'l', 'abc'], ['LINDEX', 'none', 'abc'], ['LINDEX', 's', 'abc'], ['LINDEX', 's', '0'], ['LINDEX', 'l', ' 1']]);
    same('LSET replaces an element', [list('l', 'a', 'b', 'c'), ['LSET', 'l', '0', 'x'], ['LSET', 'l', '-1', 'z'], ['LSET', 'l', '1', BIN], ['LRANGE', 'l', '0', '-1']]);
    same('LSET errors, in Redis order', [
      list('l', 'a', 'b'), ['SET', 's', 'v'], ['LSET', 'l', '2', 'x'], ['LSET', 'l', '-3', 'x'], ['LSET', 'none', '0', 'x'], ['LSET', 'none', 'abc', 'x'],
      ['LSET', 's', 'abc', 'x'], ['LSET', 'l', 'abc', 'x'], ['LSET', 'l', INT64_MIN, 'x'], ['LSET', 'l'], ['LINDEX', 'l'],
    ]);
    same('LRANGE with every kind of range', [
      list('l', '0', '1', '2', '3', '4', '5'), ...[['0', '-1'], ['1', '3'], ['-3', '-1'], ['-100', '2'], ['4', '100'], ['3', '2'], ['6', '10'], ['-1', '-2'], ['0', '0'],
        ['-7', '-7'], [INT64_MIN, INT64_MAX], [INT64_MAX, INT64_MAX], ['-6', '-6']].map(([a, b]): Step => ['LRANGE', 'l', a, b]),
    ]);
    same('LRANGE errors: the range is parsed before the key is read', [
      ['SET', 's', 'v'], ['LRANGE', 's', '0', '-1'], ['LRANGE', 's', 'a', '1'], ['LRANGE', 'none', '0', 'b'], ['LRANGE', 'none', '0', '-1'], ['LRANGE', 'l', '0', '9223372036854775808'], ['LRANGE', 'l', '0'],
    ]);
  });

  describe('LINSERT', () => {
    same('LINSERT before and after the first pivot', [
      list('l', 'a', 'b', 'c', 'b'), ['LINSERT', 'l', 'BEFORE', 'b', 'x'], ['LINSERT', 'l', 'after', 'b', 'y'], ['LINSERT', 'l', 'before', 'a', 'first'],
      ['LINSERT', 'l', 'AFTER', 'b', 'z'], ['LINSERT', 'l', 'after', 'c', 'w'], ['LRANGE', 'l', '0', '-1'], ['LINSERT', 'l', 'after', 'nope', 'q'],
    ]);
    // Long lists with pivots near either end exercise both ways of making room.
    same('LINSERT in long lists near the head, the middle and the tail', [
      list('l', ...Array.from({ length: 200 }, (_, i) => `e${i}`)), ['LINSERT', 'l', 'BEFORE', 'e3', 'h'], ['LINSERT', 'l', 'AFTER', 'e196', 't'],
      ['LINSERT', 'l', 'AFTER', 'e100', 'm'], ['LINSERT', 'l', 'BEFORE', 'e0', 'h0'], ['LINSERT', 'l', 'AFTER', 'e199', 't0'], ['LRANGE', 'l', '0', '-1'], ['LLEN', 'l'],
    ]);
    same('LINSERT errors', [
      ['SET', 's', 'v'], ['LINSERT', 'none', 'BEFORE', 'a', 'x'], ['EXISTS', 'none'], ['LINSERT', 's', 'BEFORE', 'a', 'x'], ['LINSERT', 's', 'MIDDLE', 'a', 'x'],
      ['LINSERT', 'none', 'MIDDLE', 'a', 'x'], ['LINSERT', 'l', 'BEFORE', 'a'],
    ]);
  });

  describe('LREM, LTRIM', () => {
    same('LREM from the head, the tail and everywhere', [
      list('l', 'a', 'b', 'a', 'c', 'a', 'b', 'a'), ['LREM', 'l', '2', 'a'], ['LRANGE', 'l', '0', '-1'], ['LREM', 'l', '-1', 'b'], ['LRANGE', 'l', '0', '-1'],
      ['LREM', 'l', '0', 'a'], ['LRANGE', 'l', '0', '-1'], ['LREM', 'l', '0', 'zz'], ['LREM', 'l', '1', 'b'], ['LREM', 'l', '0', 'c'], ['EXISTS', 'l'],
    ]);
    same('LREM with extreme counts in long lists', [
      list('l', ...Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? 'x' : `e${i}`))), ['LREM', 'l', INT64_MIN, 'x'], ['LLEN', 'l'],
      list('m', ...Array.from({ length: 300 }, (_, i) => (i % 5 === 0 ? 'x' : `e${i}`))), ['LREM', 'm', INT64_MAX, 'x'], ['LRANGE', 'm', '0', '-1'],
      list('n', ...Array.from({ length: 300 }, (_, i) => (i > 280 || i === 3 ? 'x' : `e${i}`))), ['LREM', 'n', '-5', 'x'], ['LRANGE', 'n', '0', '-1'], ['LREM', 'n', '0', 'x'], ['LRANGE', 'n', '0', '-1'],
      list('o', ...Array.from({ length: 300 }, (_, i) => (i < 250 ? 'x' : `e${i}`))), ['LREM', 'o', '0', 'x'], ['LRANGE', 'o', '0', '-1'], ['LPUSH', 'o', 'new'], ['RPUSH', 'o', 'end'], ['LRANGE', 'o', '0', '-1'],
    ]);
    same('LREM errors', [['SET', 's', 'v'], ['LREM', 's', '0', 'a'], ['LREM', 's', 'abc', 'a'], ['LREM', 'none', 'abc', 'a'], ['LREM', 'none', '0', 'a'], ['LREM', 'l', '0']]);
    same('LTRIM keeps a range and deletes an emptied list', [
      list('l', '0', '1', '2', '3', '4', '5', '6'), ['LTRIM', 'l', '1', '-2'], ['LRANGE', 'l', '0', '-1'], ['LTRIM', 'l', '-2', '100'], ['LRANGE', 'l', '0', '-1'],
      ['LTRIM', 'l', '0', '-1'], ['LRANGE', 'l', '0', '-1'], ['LTRIM', 'l', '5', '10'], ['EXISTS', 'l'], list('m', 'a', 'b'), ['LTRIM', 'm', '1', '0'], ['EXISTS', 'm'],
      list('n', ...Array.from({ length: 100 }, (_, i) => `e${i}`)), ['LTRIM', 'n', '40', '41'], ['LRANGE', 'n', '0', '-1'], ['RPUSH', 'n', 'x'], ['LPUSH', 'n', 'y'], ['LRANGE', 'n', '0', '-1'],
      list('o', 'a', 'b'), ['LTRIM', 'o', INT64_MIN, INT64_MAX], ['LRANGE', 'o', '0', '-1'],
    ]);
    same('LTRIM keeps the TTL', [list('l', 'a', 'b', 'c'), ['EXPIRE', 'l', '100'], ['LTRIM', 'l', '1', '1'], ['TTL', 'l'], list('m', ...Array.from({ length: 50 }, (_, i) => `${i}`)), ['PEXPIREAT', 'm', '4102444800000'], ['LTRIM', 'm', '3', '4'], ['PEXPIRETIME', 'm'], ['LRANGE', 'm', '0', '-1']]);
    same('LTRIM errors', [['SET', 's', 'v'], ['LTRIM', 's', '0', '1'], ['LTRIM', 's', 'a', '1'], ['LTRIM', 'none', '0', 'x'], ['LTRIM', 'none', '0', '1'], ['LTRIM', 'l', '0']]);
  });

  describe('LPOS', () => {
    const l = list('l', 'a', 'b', 'c', '1', '2', '3', 'c', 'c');
    same('LPOS basic usage, RANK, COUNT and MAXLEN', [
      l, ['LPOS', 'l', 'a'], ['LPOS', 'l', 'c'], ['LPOS', 'l', 'x'], ['LPOS', 'l', 'c', 'RANK', '2'], ['LPOS', 'l', 'c', 'RANK', '-1'], ['LPOS', 'l', 'c', 'RANK', '-3'],
      ['LPOS', 'l', 'c', 'RANK', '4'], ['LPOS', 'l', 'c', 'COUNT', '0'], ['LPOS', 'l', 'c', 'COUNT', '2'], ['LPOS', 'l', 'c', 'COUNT', '2', 'RANK', '-1'],
      ['LPOS', 'l', 'c', 'COUNT', '0', 'RANK', '2'], ['LPOS', 'l', 'c', 'MAXLEN', '3'], ['LPOS', 'l', 'c', 'MAXLEN', '2'], ['LPOS', 'l', 'c', 'COUNT', '0', 'MAXLEN', '7'],
      ['LPOS', 'l', 'c', 'RANK', '-1', 'MAXLEN', '1'], ['LPOS', 'l', 'c', 'rank', '-2', 'count', '5', 'maxlen', '0'], ['LPOS', 'l', 'x', 'COUNT', '3'],
      ['LPOS', 'l', 'c', 'RANK', INT64_MAX], ['LPOS', 'l', 'c', 'RANK', INT64_MIN], ['LPOS', 'l', 'c', 'RANK', '1', 'RANK', '3'],
    ]);
    same('LPOS against a missing key', [['LPOS', 'none', 'a'], ['LPOS', 'none', 'a', 'COUNT', '0'], ['LPOS', 'none', 'a', 'RANK', '-1', 'COUNT', '1']]);
    same('LPOS errors: RANK 0, negative COUNT and MAXLEN, syntax, then the key', [
      l, ['SET', 's', 'v'], ['LPOS', 'l', 'c', 'RANK', '0'], ['LPOS', 'l', 'c', 'RANK', 'abc'], ['LPOS', 'l', 'c', 'COUNT', '-1'], ['LPOS', 'l', 'c', 'COUNT', 'abc'],
      ['LPOS', 'l', 'c', 'MAXLEN', '-1'], ['LPOS', 'l', 'c', 'MAXLEN', '1.5'], ['LPOS', 'l', 'c', 'FOO', '1'], ['LPOS', 'l', 'c', 'RANK'], ['LPOS', 'l', 'c', 'COUNT', '1', 'MAXLEN'],
      ['LPOS', 's', 'c'], ['LPOS', 's', 'c', 'RANK', '0'], ['LPOS', 'none', 'c', 'RANK', '0'], ['LPOS', 'l'], ['LPOS', 'l', 'c', 'RANK', '9223372036854775808'],
    ]);
  });

  describe('LMOVE, RPOPLPUSH, LMPOP', () => {
    same('LMOVE in every direction', [
      list('a', '1', '2', '3'), list('b', 'x'), ['LMOVE', 'a', 'b', 'LEFT', 'LEFT'], ['LMOVE', 'a', 'b', 'left', 'right'], ['LMOVE', 'b', 'a', 'RIGHT', 'LEFT'],
      ['LMOVE', 'b', 'a', 'RIGHT', 'RIGHT'], ['LRANGE', 'a', '0', '-1'], ['LRANGE', 'b', '0', '-1'], ['LMOVE', 'a', 'new', 'LEFT', 'RIGHT'], ['LRANGE', 'new', '0', '-1'],
    ]);
    same('LMOVE and RPOPLPUSH onto the same list rotate it', [
      list('l', '1', '2', '3'), ['LMOVE', 'l', 'l', 'LEFT', 'RIGHT'], ['LRANGE', 'l', '0', '-1'], ['LMOVE', 'l', 'l', 'RIGHT', 'LEFT'], ['RPOPLPUSH', 'l', 'l'], ['LRANGE', 'l', '0', '-1'],
      ['LMOVE', 'l', 'l', 'LEFT', 'LEFT'], ['LRANGE', 'l', '0', '-1'], list('one', 'x'), ['EXPIRE', 'one', '100'], ['RPOPLPUSH', 'one', 'one'], ['LMOVE', 'one', 'one', 'LEFT', 'RIGHT'],
      ['LRANGE', 'one', '0', '-1'], ['TTL', 'one'], ['RPUSH', 'one', 'y'], ['LPUSH', 'one', 'z'], ['LRANGE', 'one', '0', '-1'],
    ]);
    same('LMOVE moves the last element and deletes the source', [list('a', 'only'), ['EXPIRE', 'a', '100'], ['LMOVE', 'a', 'b', 'RIGHT', 'LEFT'], ['EXISTS', 'a'], ['LRANGE', 'b', '0', '-1'], ['TTL', 'b']]);
    same('LMOVE and RPOPLPUSH errors and missing keys', [
      list('l', 'a'), ['SET', 's', 'v'], ['LMOVE', 'none', 'l', 'LEFT', 'LEFT'], ['LMOVE', 'none', 's', 'LEFT', 'LEFT'], ['LMOVE', 'l', 's', 'LEFT', 'LEFT'], ['LRANGE', 'l', '0', '-1'],
      ['LMOVE', 's', 'l', 'LEFT', 'LEFT'], ['LMOVE', 'l', 'x', 'UP', 'LEFT'], ['LMOVE', 'l', 'x', 'LEFT', 'DOWN'], ['LMOVE', 's', 'x', 'UP', 'LEFT'], ['RPOPLPUSH', 'none', 's'],
      ['RPOPLPUSH', 'l', 's'], ['RPOPLPUSH', 's', 'l'], ['RPOPLPUSH', 'l'], ['LMOVE', 'l', 'x', 'LEFT'], ['LRANGE', 'l', '0', '-1'],
    ]);
    same('LMPOP pops from the first non-empty list', [
      list('b', '1', '2', '3'), list('c', 'x'), ['LMPOP', '3', 'a', 'b', 'c', 'LEFT'], ['LMPOP', '3', 'a', 'b', 'c', 'RIGHT', 'COUNT', '10'], ['EXISTS', 'b'],
      ['LMPOP', '2', 'b', 'c', 'left', 'count', '1'], ['LMPOP', '2', 'b', 'c', 'LEFT'], ['LMPOP', '1', 'none', 'LEFT', 'COUNT', INT64_MAX], ['LMPOP', '1', 'a', 'a', 'a'],
    ]);
    same('LMPOP errors: numkeys 0 or too large, bad COUNT, syntax, then the types', [
      list('l', 'a', 'b'), ['SET', 's', 'v'], ['LMPOP', '0', 'l', 'LEFT'], ['LMPOP', '-1', 'l', 'LEFT'], ['LMPOP', 'abc', 'l', 'LEFT'], ['LMPOP', '2', 'l', 'LEFT'],
      ['LMPOP', '3', 'l', 'LEFT'], ['LMPOP', '10', 'l', 'LEFT', 'COUNT'], ['LMPOP', '1', 'l', 'UP'], ['LMPOP', '1', 'l', 'LEFT', 'COUNT', '0'], ['LMPOP', '1', 'l', 'LEFT', 'COUNT', '-1'],
      ['LMPOP', '1', 'l', 'LEFT', 'COUNT', 'x'], ['LMPOP', '1', 'l', 'LEFT', 'COUNT', '1', 'COUNT', '1'], ['LMPOP', '1', 'l', 'LEFT', 'FOO'], ['LMPOP', '1', 'l', 'LEFT', 'COUNT'],
      ['LMPOP', '2', 's', 'l', 'LEFT'], ['LMPOP', '2', 'l', 's', 'RIGHT'], ['LMPOP', '2', 'none', 's', 'RIGHT'], ['LMPOP', '1', 'l'], ['LRANGE', 'l', '0', '-1'],
    ]);
  });

  describe('keyspace commands on lists', () => {
    same('TYPE, EXISTS, DEL, OBJECT ENCODING and SCAN TYPE of lists', [
      list('l', 'a'), list('m', 'b'), ['SET', 's', 'v'], ['TYPE', 'l'], ['OBJECT', 'ENCODING', 'l'], ['EXISTS', 'l', 'm', 's'], { scan: ['TYPE', 'list'] },
      { scan: ['TYPE', 'string'] }, ['DEL', 'l', 's'], ['EXISTS', 'l'], ['LLEN', 'l'], { scan: ['TYPE', 'list'] },
    ]);
    same('RENAME, COPY and MOVE of lists', [
      list('l', 'a', 'b', 'c'), ['RENAME', 'l', 'm'], ['LRANGE', 'm', '0', '-1'], ['EXISTS', 'l'], ['COPY', 'm', 'c'], ['LPUSH', 'c', 'z'], ['LRANGE', 'm', '0', '-1'],
      ['LRANGE', 'c', '0', '-1'], ['MOVE', 'c', '1'], ['SELECT', '1'], ['LRANGE', 'c', '0', '-1'], ['RPOP', 'c'], ['SELECT', '0'], ['EXISTS', 'c'], ['SET', 'str', 'v'],
      ['RENAME', 'm', 'str'], ['TYPE', 'str'], ['LRANGE', 'str', '0', '-1'], ['COPY', 'str', 'x', 'DB', '2'], ['RENAMENX', 'str', 'x'],
    ]);
    same('EXPIRE, TTL and PERSIST of lists; an expired list is missing', [
      list('l', 'a', 'b'), ['EXPIRE', 'l', '100'], ['TTL', 'l'], ['RPUSH', 'l', 'c'], ['TTL', 'l'], ['LPOP', 'l'], ['TTL', 'l'], ['PERSIST', 'l'], ['TTL', 'l'],
      list('e', 'x', 'y'), ['PEXPIRE', 'e', '20'], { sleep: 60 }, ['LLEN', 'e'], ['LRANGE', 'e', '0', '-1'], ['LPUSHX', 'e', 'z'], ['RPUSH', 'e', 'n'], ['LRANGE', 'e', '0', '-1'], ['TTL', 'e'],
      list('p', 'x'), ['EXPIRE', 'p', '-1'], ['EXISTS', 'p'],
    ]);
    same('SET, GETSET and string commands over a list', [list('l', 'a'), ['GET', 'l'], ['APPEND', 'l', 'x'], ['SET', 'l', 'v'], ['TYPE', 'l'], ['GET', 'l'], ['RPUSH', 'l', 'x'], list('m', 'a'), ['GETSET', 'm', 'v']]);
    // Summaries and complexities are documentation text (kiwi's state its own costs): compared are since, group and deprecation.
    same('COMMAND DOCS since, group and deprecation of the list commands and SORT', [norm(['COMMAND', 'DOCS', 'lpush', 'rpush', 'lpushx', 'rpushx', 'lpop', 'rpop', 'llen', 'lindex',
      'lset', 'lrange', 'linsert', 'lrem', 'ltrim', 'lpos', 'lmove', 'rpoplpush', 'lmpop', 'sort', 'sort_ro'], (v) => {
      const flat = Array.isArray(v) ? v : v !== null && typeof v === 'object' && 'map' in v ? v.map.flat() : [];
      const out: unknown[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const doc = flat[i + 1];
        const fields = Array.isArray(doc) ? doc : doc !== null && typeof doc === 'object' && 'map' in doc ? doc.map.flat() : [];
        const kept: unknown[] = [];
        for (let j = 0; j + 1 < fields.length; j += 2) if (['$since', '$group', '$doc_flags', '$deprecated_since', '$replaced_by'].includes(fields[j] as string)) kept.push(fields[j], fields[j + 1]);
        out.push(flat[i], kept);
      }
      return out;
    })]);
    same('COMMAND GETKEYS of list commands and SORT', [
      ['COMMAND', 'GETKEYS', 'LMOVE', 'a', 'b', 'LEFT', 'RIGHT'], ['COMMAND', 'GETKEYS', 'LMPOP', '2', 'a', 'b', 'LEFT'], ['COMMAND', 'GETKEYS', 'LMPOP', '0', 'a', 'LEFT'],
      ['COMMAND', 'GETKEYS', 'SORT', 'k', 'GET', 'store', 'BY', 'x', 'STORE', 'd', 'LIMIT', '0', '1'], ['COMMAND', 'GETKEYS', 'SORT', 'k', 'STORE', 'a', 'STORE', 'b'],
      ['COMMAND', 'GETKEYS', 'SORT_RO', 'k', 'BY', 'w_*'], ['COMMAND', 'GETKEYS', 'RPOPLPUSH', 'a', 'b'], ['COMMAND', 'GETKEYS', 'LPOS', 'a', 'x'],
    ]);
  });

  describe('SORT, SORT_RO', () => {
    const nums = list('n', '3', '10', '-1.5', '2', '2', '1e2', ' 7', '0x10', '');
    same('SORT numbers and ALPHA, ascending and descending', [
      nums, ['SORT', 'n'], ['SORT', 'n', 'DESC'], ['SORT', 'n', 'ALPHA'], ['SORT', 'n', 'alpha', 'desc'], ['SORT', 'n', 'DESC', 'ASC'], ['SORT_RO', 'n'], ['SORT_RO', 'n', 'ALPHA', 'DESC'],
      ['SORT', 'none'], ['SORT_RO', 'none', 'ALPHA'],
    ]);
    same('SORT with LIMIT', [
      nums, ...[['0', '3'], ['2', '2'], ['-5', '2'], ['1', '-1'], ['1', '0'], ['8', '5'], ['9', '1'], ['100', '1'], ['0', INT64_MAX], [INT64_MIN, INT64_MIN]].map(([o, c]): Step => ['SORT', 'n', 'LIMIT', o, c]),
      ['SORT', 'n', 'LIMIT', '1', '3', 'DESC', 'ALPHA'], ['SORT', 'none', 'LIMIT', '0', '1'],
    ]);
    // Before any ERANGE below: Redis 7.0 never clears errno before its strtod(), so after
    // one out-of-range score it refuses even "inf" until something else clears errno.
    same('SORT takes infinities and reads a score up to a NUL byte', [
      list('q', 'inf', '-inf', '1', '-Infinity'), ['SORT', 'q'], ['SORT', 'q', 'DESC'], list('t', Buffer.from('5\0x'), '4'), ['SORT', 't'], ['SORT', 't', 'STORE', 'dst'], ['LRANGE', 'dst', '0', '-1'],
    ]);
    same('SORT of values that are not numbers fails unless ALPHA', [
      list('l', '1', 'x', '2'), ['SORT', 'l'], ['SORT', 'l', 'ALPHA'], list('m', '1', 'nan'), ['SORT', 'm'], list('o', '1e500'), ['SORT', 'o'], list('p', '1e-400', '1'), ['SORT', 'p'],
      list('r', '1 ', '2'), ['SORT', 'r'],
    ]);
    same('SORT BY a pattern of string keys and hash fields', [
      list('l', '1', '2', '3', '4'), ['MSET', 'w_1', '30', 'w_2', '10', 'w_3', '20', 'w_4', '5'], ['HSET', 'h_1', 'f', 'b'], ['HSET', 'h_2', 'f', 'a'], ['HSET', 'h_3', 'f', 'c'],
      ['SORT', 'l', 'BY', 'w_*'], ['SORT', 'l', 'BY', 'w_*', 'DESC'], ['SORT', 'l', 'BY', 'h_*->f', 'ALPHA'], ['SORT', 'l', 'BY', 'h_*->f', 'ALPHA', 'DESC'], ['SORT', 'l', 'BY', 'h_*->f'],
      ['SORT', 'l', 'BY', 'w_*', 'LIMIT', '1', '2'], ['SORT', 'l', 'BY', 'missing_*'], ['SORT', 'l', 'BY', 'h_*->missing', 'ALPHA'], ['SORT', 'l', 'BY', 'h_*'],
      ['SORT', 'l', 'BY', 'w_*->f'], ['SORT', 'l', 'BY', 'h_*->'], ['SORT', 'l', 'BY', '*'], ['SET', 'bad_2', 'x'], ['SORT', 'l', 'BY', 'bad_*'], ['SORT', 'l', 'BY', 'bad_*', 'ALPHA'],
    ]);
    same('SORT GET patterns, # and missing values', [
      list('l', '2', '1', '3'), ['MSET', 'o_1', 'one', 'o_2', 'two'], ['HSET', 'h_3', 'name', 'three'], ['HSET', 'h_1', 'name', 'uno'],
      ['SORT', 'l', 'GET', 'o_*'], ['SORT', 'l', 'GET', '#', 'GET', 'o_*', 'GET', 'h_*->name'], ['SORT', 'l', 'GET', 'nostar'], ['SORT', 'l', 'GET', '#x'], ['SORT', 'l', 'GET', Buffer.from('#\0y')],
      ['SORT', 'l', 'DESC', 'LIMIT', '0', '2', 'GET', 'o_*', 'GET', '#'], ['SORT_RO', 'l', 'GET', 'h_*->name', 'ALPHA'], ['SORT', 'l', 'GET', 'l'], ['SORT', 'l', 'GET', '*->name'],
      ['SORT', 'l', 'GET', 'o_**'], ['SORT', 'l', 'GET', Buffer.from('o_\0*')],
    ]);
    same('SORT BY nosort keeps a list\'s order (with DESC and LIMIT)', [
      list('l', 'c', 'a', 'b', 'd'), ['SORT', 'l', 'BY', 'nosort'], ['SORT', 'l', 'BY', 'nosort', 'DESC'], ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '1', '2'],
      ['SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '2'], ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '3', '10', 'GET', '#', 'GET', 'x_*'], ['SORT', 'l', 'BY', 'nosort', 'BY', 'w_*'],
      ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '4', '1'], ['SORT', 'l', 'BY', 'nosort', 'STORE', 'dst'], ['LRANGE', 'dst', '0', '-1'],
    ]);
    same('SORT of sets (numeric, ALPHA, BY nosort with STORE sorts)', [
      ['SADD', 's', '5', '3', '40', '1'], ['SORT', 's'], ['SORT', 's', 'DESC', 'LIMIT', '1', '2'], ['SORT', 's', 'ALPHA'], ['SORT', 's', 'BY', 'nosort', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'], sorted(['SORT', 's', 'BY', 'nosort']), ['SADD', 'a', 'x', 'y', 'b'], ['SORT', 'a'], ['SORT', 'a', 'ALPHA', 'STORE', 'dst'], ['LRANGE', 'dst', '0', '-1'],
    ]);
    same('SORT STORE writes a list, replaces the destination and deletes it when empty', [
      list('l', '3', '1', '2'), ['SET', 'dst', 'string'], ['EXPIRE', 'dst', '100'], ['SORT', 'l', 'STORE', 'dst'], ['TYPE', 'dst'], ['TTL', 'dst'], ['LRANGE', 'dst', '0', '-1'],
      ['SORT', 'l', 'DESC', 'STORE', 'dst', 'GET', '#', 'GET', 'nope_*'], ['LRANGE', 'dst', '0', '-1'], ['SORT', 'l', 'STORE', 'l'], ['LRANGE', 'l', '0', '-1'],
      ['SORT', 'none', 'STORE', 'dst'], ['EXISTS', 'dst'], ['SORT', 'l', 'LIMIT', '0', '0', 'STORE', 'l'], ['EXISTS', 'l'], ['SORT', 'none', 'STORE', 'none2'], ['EXISTS', 'none2'],
      list('m', 'b', 'a'), ['SORT', 'm', 'ALPHA', 'STORE', 'dst', 'STORE', 'dst2'], ['EXISTS', 'dst'], ['LRANGE', 'dst2', '0', '-1'],
    ]);
    same('SORT errors: syntax, SORT_RO STORE, LIMIT, wrong type', [
      list('l', '1'), ['SET', 's', 'v'], ['SORT', 'l', 'BY'], ['SORT', 'l', 'GET'], ['SORT', 'l', 'LIMIT', '0'], ['SORT', 'l', 'LIMIT', 'a', '1'], ['SORT', 'l', 'LIMIT', '0', 'b'],
      ['SORT', 'l', 'STORE'], ['SORT_RO', 'l', 'STORE', 'x'], ['SORT', 'l', 'FOO'], ['SORT', 's'], ['SORT', 's', 'FOO'], ['SORT_RO', 's'], ['HSET', 'h', 'f', 'v'], ['SORT', 'h'],
      ['SORT', 's', 'STORE', 'x'], ['EXISTS', 'x'], ['SORT'], ['SORT_RO'],
    ]);
  });

  describe('RESP3', () => {
    same('Null arrays and nils of list commands', [
      ['LPOP', 'none', '2'], ['RPOP', 'none', '1'], ['LPOP', 'none'], ['LMPOP', '1', 'none', 'LEFT'], ['LPOS', 'none', 'a'], ['LINDEX', 'none', '0'], ['LMOVE', 'none', 'x', 'LEFT', 'LEFT'],
      list('l', 'a', 'b'), ['LPOS', 'l', 'z'], ['LPOS', 'l', 'z', 'COUNT', '0'], ['LMPOP', '1', 'l', 'LEFT', 'COUNT', '5'], ['SORT', 'none', 'GET', 'x_*'],
    ]);
  });
});

describe.skipIf(!HAVE_REDIS)(title('Redis differential: a random walk of list writes'), () => {
  let r: ReferenceRedis;
  let k: TestServer;
  beforeAll(async () => {
    [r, k] = await Promise.all([startReferenceRedis(), startTestServer()]);
  });
  afterAll(async () => {
    await Promise.all([r?.stop(), k?.destroy()]);
  });

  // Few keys and values, so pivots, matches, moves between lists and emptied lists are common.
  const KEYS = ['k0', 'k1', 'k2'];
  const VALUES = ['a', 'b', 'c', 'd', 'e', ''];
  function randomOp(next: () => number): Arg[] {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
    const int = (lo: number, hi: number) => String(lo + Math.floor(next() * (hi - lo + 1)));
    const key = pick(KEYS);
    const many = () => Array.from({ length: 1 + Math.floor(next() * 4) }, () => pick(VALUES));
    switch (pick(['LPUSH', 'RPUSH', 'LPUSH', 'RPUSH', 'LPOP', 'RPOP', 'LINSERT', 'LREM', 'LTRIM', 'LSET', 'LMOVE', 'RPOPLPUSH', 'LPOPC', 'LMPOP'])) {
      case 'LPUSH': return ['LPUSH', key, ...many()];
      case 'RPUSH': return ['RPUSH', key, ...many()];
      case 'LPOP': return ['LPOP', key];
      case 'RPOP': return ['RPOP', key];
      case 'LPOPC': return [pick(['LPOP', 'RPOP']), key, int(0, 4)];
      case 'LINSERT': return ['LINSERT', key, pick(['BEFORE', 'AFTER']), pick(VALUES), pick(VALUES)];
      case 'LREM': return ['LREM', key, int(-3, 3), pick(VALUES)];
      case 'LTRIM': return ['LTRIM', key, int(-8, 8), int(-8, 12)];
      case 'LSET': return ['LSET', key, int(-10, 10), pick(VALUES)];
      case 'LMOVE': return ['LMOVE', key, pick(KEYS), pick(['LEFT', 'RIGHT']), pick(['LEFT', 'RIGHT'])];
      case 'RPOPLPUSH': return ['RPOPLPUSH', key, pick(KEYS)];
      default: return ['LMPOP', '2', key, pick(KEYS), pick(['LEFT', 'RIGHT']), 'COUNT', int(1, 3)];
    }
  }

  it('thousands of random list writes leave the same lists (LRANGE compared after every step)', async () => {
    const seed = Number(process.env.KIWI_LIST_SEED ?? 20261130);
    const next = random(seed);
    const [a, b] = await Promise.all([RespConnection.open(r.port), RespConnection.open(k.port)]);
    try {
      await Promise.all([a.command(['FLUSHALL']), b.command(['FLUSHALL'])]);
      const deadline = Date.now() + 60_000;
      let steps = 0;
      // Pipelines of 50 steps, each a write and the LRANGE of every key, until 5,000 steps or the time limit.
      while (steps < 5000 && Date.now() < deadline) {
        const batch: Arg[][] = [];
        for (let i = 0; i < 50; i++) batch.push(randomOp(next), ...KEYS.map((key): Arg[] => ['LRANGE', key, '0', '-1']));
        const [expected, actual] = await Promise.all([a.pipeline(batch, 10_000), b.pipeline(batch, 10_000)]);
        for (let i = 0; i < batch.length; i++) {
          if (actual[i] !== expected[i]) {
            const stepIndex = steps + Math.floor(i / (KEYS.length + 1));
            expect.fail(`seed ${seed}, step ${stepIndex}: ${batch[i].join(' ')} -> kiwi ${JSON.stringify(actual[i])}, redis ${JSON.stringify(expected[i])}`);
          }
        }
        steps += 50;
      }
      expect(steps).toBeGreaterThanOrEqual(1000);
    } finally {
      a.close();
      b.close();
    }
  }, 90_000);
});
