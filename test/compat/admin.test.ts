// Differential tests for the server commands of issue 12: SLOWLOG entries' shape, LATENCY,
// CONFIG GET/SET with several parameters, SWAPDB, SAVE/BGSAVE/LASTSAVE and DEBUG OBJECT,
// against Debian's redis-server, in RESP2 and RESP3. Times, ids, durations and addresses
// are normalised; everything else is compared as bytes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { between, isMap, type Arg, type RespValue, type Step } from './harness.js';
import { anyOrder, differential, hello, norm } from './suite.js';

/** A SLOWLOG GET reply with ids, times, durations and client addresses blanked. */
const slowlogShape = (v: RespValue): unknown =>
  Array.isArray(v) ? v.map((e) => (Array.isArray(e) && e.length === 6 ? ['<id>', '<time>', '<usec>', e[3], '<addr>', e[5]] : e)) : v;
const slowlogGet = (...args: Arg[]): Step => norm(['SLOWLOG', 'GET', ...args], slowlogShape);
/** Integers, and digits in text, as <n>: times and latencies differ between runs. */
const digits = (v: RespValue): unknown => (typeof v === 'string' ? v.replace(/\d+(\.\d+)?/g, '<n>') : Array.isArray(v) ? v.map(digits) : v);
/** A RESP3 map or RESP2 flat array of CONFIG GET, as sorted pairs (Redis answers in hash order). */
const configPairs = (v: RespValue): unknown => {
  const flat = isMap(v) ? v.map.flat() : Array.isArray(v) ? v : null;
  if (flat === null) return v;
  const pairs: string[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push(`${String(flat[i])}=${String(flat[i + 1])}`);
  return pairs.sort();
};
const configGet = (...patterns: string[]): Step => norm(['CONFIG', 'GET', ...patterns], configPairs);

// SAVE writes into the reference server's directory: a temporary one.
const redisDir = mkdtempSync(join(tmpdir(), 'kiwi-ref-redis-'));
afterAll(() => rmSync(redisDir, { recursive: true, force: true }));

differential('Redis differential: server commands', (test) => {
  const logAll: Step[] = [['CONFIG', 'SET', 'slowlog-log-slower-than', '0'], ['SLOWLOG', 'RESET']];
  const logDefault: Step = ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'];

  describe('SLOWLOG', () => {
    test('SLOWLOG entries: arguments, client name, newest first', [
      ...logAll, ['SET', 'k', 'v'], ['CLIENT', 'SETNAME', 'me'], ['GET', 'k'], ['INCR', 'k'], ['NOSUCH'], ['GET'], slowlogGet(), logDefault,
    ]);
    test('SLOWLOG trims to 32 arguments of 128 bytes and redacts passwords', [
      ...logAll, ['MSET', ...Array.from({ length: 40 }, (_, i) => `a${i}`)], ['SET', 'long', 'x'.repeat(300)], ['AUTH', 'secret'], ['AUTH', 'user', 'secret'],
      hello(['HELLO', '2', 'AUTH', 'default', 'pw']), ['CONFIG', 'SET', 'requirepass', ''], slowlogGet('6'), logDefault,
    ]);
    test('SLOWLOG GET counts, LEN and RESET', [
      ...logAll, ['PING'], ['PING'], ['PING'], slowlogGet('1'), slowlogGet('0'), slowlogGet('-1'), ['SLOWLOG', 'LEN'], ['SLOWLOG', 'RESET'], ['SLOWLOG', 'LEN'], logDefault,
    ]);
    test('SLOWLOG max length and a negative threshold', [
      ['CONFIG', 'SET', 'slowlog-max-len', '2'], ...logAll, ['PING'], ['PING'], ['PING'], ['SLOWLOG', 'LEN'], ['CONFIG', 'SET', 'slowlog-log-slower-than', '-1'],
      ['SLOWLOG', 'RESET'], ['PING'], ['SLOWLOG', 'LEN'], ['CONFIG', 'SET', 'slowlog-max-len', '128'], logDefault, configGet('slowlog-*'),
    ]);
    test('SLOWLOG errors and HELP', [
      ['SLOWLOG', 'GET', '-2'], ['SLOWLOG', 'GET', 'x'], ['SLOWLOG', 'GET', '1', '2'], ['SLOWLOG', 'LEN', 'x'], ['SLOWLOG', 'FOO'], ['SLOWLOG'], ['SLOWLOG', 'HELP'],
      ['CONFIG', 'SET', 'slowlog-max-len', '-1'], ['CONFIG', 'SET', 'slowlog-log-slower-than', '-2'], ['CONFIG', 'SET', 'slowlog-log-slower-than', 'x'],
    ]);
  });

  describe('LATENCY', () => {
    test('LATENCY with the monitor off', [['LATENCY', 'LATEST'], ['LATENCY', 'DOCTOR'], ['LATENCY', 'HISTORY', 'command'], ['LATENCY', 'RESET'], ['LATENCY', 'RESET', 'command']]);
    test('LATENCY records slow commands once the threshold is set', [
      ['CONFIG', 'SET', 'latency-monitor-threshold', '5'], ['DEBUG', 'SLEEP', '0.02'], norm(['LATENCY', 'LATEST'], digits), norm(['LATENCY', 'HISTORY', 'command'], digits),
      norm(['LATENCY', 'DOCTOR'], digits), ['LATENCY', 'HISTORY', 'nosuch'], ['LATENCY', 'RESET', 'nosuch', 'command'], ['LATENCY', 'LATEST'],
      ['CONFIG', 'SET', 'latency-monitor-threshold', '0'], configGet('latency-monitor-threshold'),
    ]);
    test('LATENCY DOCTOR with the slow log off', [
      ['CONFIG', 'SET', 'latency-monitor-threshold', '5'], ['CONFIG', 'SET', 'slowlog-log-slower-than', '-1'], ['DEBUG', 'SLEEP', '0.02'], norm(['LATENCY', 'DOCTOR'], digits),
      ['LATENCY', 'RESET'], ['CONFIG', 'SET', 'latency-monitor-threshold', '0'], logDefault,
    ]);
    test('LATENCY errors', [['LATENCY'], ['LATENCY', 'FOO'], ['LATENCY', 'HISTORY'], ['LATENCY', 'LATEST', 'x'], ['LATENCY', 'DOCTOR', 'x']]);
  });

  describe('CONFIG GET and SET with several parameters', () => {
    test('CONFIG GET with several patterns, aliases included', [
      configGet('hash-max-*'), configGet('zset-max-*', 'list-*'), configGet('set-max-intset-entries', 'hll-sparse-max-bytes', 'slowlog-max-len'), configGet('nosuch', 'hash-max-ziplist-value'),
      configGet('HASH-MAX-LISTPACK-ENTRIES'), configGet('list-max-listpack-size', 'list-max-*'),
    ]);
    test('CONFIG SET several parameters, names and their aliases', [
      ['CONFIG', 'SET', 'hash-max-listpack-entries', '7', 'hash-max-ziplist-value', '9', 'zset-max-ziplist-entries', '3', 'list-max-listpack-size', '-5', 'list-compress-depth', '2', 'set-max-intset-entries', '1000'],
      configGet('hash-max-*', 'zset-max-*', 'list-*', 'set-max-intset-entries'),
      ['CONFIG', 'SET', 'hash-max-listpack-entries', '512', 'hash-max-listpack-value', '64', 'zset-max-listpack-entries', '128', 'list-max-ziplist-size', '-2', 'list-compress-depth', '0', 'set-max-intset-entries', '512'],
      configGet('hash-max-*', 'zset-max-*', 'list-*', 'set-max-intset-entries'),
    ]);
    test('CONFIG SET is all or nothing: a bad value rolls back the others', [
      ['CONFIG', 'SET', 'hash-max-listpack-entries', '10', 'list-compress-depth', '-1'], ['CONFIG', 'SET', 'slowlog-max-len', '5', 'hash-max-listpack-value', 'x'],
      ['CONFIG', 'SET', 'hll-sparse-max-bytes', '1kb', 'list-max-listpack-size', '3000000000'], ['CONFIG', 'SET', 'hll-sparse-max-bytes', 'lots'],
      configGet('hash-max-listpack-entries', 'list-compress-depth', 'slowlog-max-len', 'hash-max-listpack-value', 'hll-sparse-max-bytes', 'list-max-listpack-size'),
      ['CONFIG', 'SET', 'hll-sparse-max-bytes', '1kb'], configGet('hll-sparse-max-bytes'), ['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000'],
    ]);
    test('CONFIG SET refuses unknown names, immutable ones and duplicates, in argument order', [
      ['CONFIG', 'SET', 'slowlog-max-len', '5', 'nosuch', '1'], ['CONFIG', 'SET', 'slowlog-max-len', '5', 'slowlog-max-len', '6'], ['CONFIG', 'SET', 'databases', '4', 'nosuch', '1'],
      ['CONFIG', 'SET', 'nosuch', '1', 'databases', '4'], ['CONFIG', 'SET', 'list-compress-depth', '-1', 'databases', '1'], ['CONFIG', 'SET', 'slowlog-max-len'], configGet('slowlog-max-len'),
    ]);
  });

  describe('SWAPDB', () => {
    test('SWAPDB swaps strings, expiry and composite keys', [
      ['SET', 'a', 'in0'], ['HSET', 'h', 'f', 'in0'], ['SADD', 's', 'x', 'y'], ['SELECT', '1'], ['SET', 'b', 'in1', 'EX', '1000'], ['HSET', 'h', 'f', 'in1', 'g', '2'],
      ['SWAPDB', '0', '1'], ['GET', 'b'], between(['TTL', 'b'], 990, 1000), ['HGET', 'h', 'f'], ['SCARD', 's'], ['DBSIZE'], anyOrder(['KEYS', '*']), { scan: [] },
      ['SELECT', '0'], ['GET', 'b'], ['HGETALL', 'h'], ['DBSIZE'], anyOrder(['KEYS', '*']), ['EXISTS', 'a', 's'], ['HSET', 'h', 'new', 'v'], ['SELECT', '1'], ['HLEN', 'h'],
      ['SWAPDB', '1', '0'], ['HLEN', 'h'], ['GET', 'a'], anyOrder(['SMEMBERS', 's']),
    ]);
    test('SWAPDB then FLUSHDB, MOVE and COPY use the swapped numbers', [
      ['SET', 'a', '0'], ['SELECT', '2'], ['SET', 'b', '2'], ['SWAPDB', '0', '2'], ['FLUSHDB'], ['SELECT', '0'], ['GET', 'b'], ['MOVE', 'b', '5'], ['SELECT', '5'], ['GET', 'b'],
      ['COPY', 'b', 'c', 'DB', '2'], ['SELECT', '2'], ['GET', 'c'], ['SWAPDB', '2', '2'], ['GET', 'c'], ['SWAPDB', '0', '2'], ['SELECT', '0'], ['GET', 'c'],
    ]);
    test('SWAPDB errors', [['SWAPDB', '0', '16'], ['SWAPDB', '-1', '0'], ['SWAPDB', 'x', '0'], ['SWAPDB', '0', 'y'], ['SWAPDB', '0', '99999999999'], ['SWAPDB', '0'], ['SWAPDB', '1.5', '0']]);
  });

  describe('SAVE, BGSAVE, LASTSAVE, DEBUG', () => {
    test('SAVE and LASTSAVE', [['SET', 'k', 'v'], ['SAVE'], norm(['LASTSAVE'], digits), ['SAVE', 'x'], ['LASTSAVE', 'x'], ['BGSAVE', 'foo'], ['BGSAVE', 'SCHEDULE', 'x']]);
    // After the previous test's save has finished on both servers.
    test('BGSAVE starts a background save', [['SET', 'k', 'v'], { sleep: 500 }, ['BGSAVE']]);
    // Strings only: kiwi's composite types have one encoding each (README, known differences).
    test('DEBUG OBJECT in Redis\' line format (address, LRU and length normalised)', [
      ['SET', 'int', '12'], ['SET', 'big', '123456789012'], ['SET', 'emb', 'hello'], ['SET', 'raw', 'x'.repeat(50)],
      ...['int', 'big', 'emb', 'raw'].map((k) => norm(['DEBUG', 'OBJECT', k], (v) => (typeof v === 'string' ? v.replace(/at:0x[0-9a-f]+/, 'at:<addr>').replace(/(serializedlength|lru|lru_seconds_idle):\d+/g, '$1:<n>') : v))),
      ['DEBUG', 'OBJECT', 'missing'], ['DEBUG', 'OBJECT'],
    ]);
    test('DEBUG SET-ACTIVE-EXPIRE', [['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'], ['DEBUG', 'SET-ACTIVE-EXPIRE', 'x'], ['DEBUG', 'SET-ACTIVE-EXPIRE', '1']]);
  });
}, { redisArgs: ['--dir', redisDir, '--enable-debug-command', 'yes'] });
