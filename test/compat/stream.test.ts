// Differential tests of the stream commands against Debian's redis-server, RESP2 and
// RESP3. Auto-generated IDs (`*`) depend on the clock, so scripts first move the stream's
// last ID into the future (an explicit ID or XSETID): `*` then gives last+1 on both
// servers. Approximate trims use entries of a few bytes, which Redis packs 100 to a node.
import { differential } from './suite.js';
import type { Arg, Step } from './harness.js';

const FUTURE = '99999999999999';
const adds = (key: string, from: number, n: number, extra: Arg[] = []): Arg[][] =>
  Array.from({ length: n }, (_, i) => ['XADD', key, ...extra, `${from + i}-1`, 'f', `${i}`]);

differential('Stream differential', (same) => {
  same('XADD with explicit IDs, XLEN and XRANGE', [
    ['XADD', 's', '1-1', 'a', '1'], ['XADD', 's', '1-2', 'a', '2', 'b', '3'], ['XADD', 's', '2', 'c', '4'], ['XLEN', 's'], ['XRANGE', 's', '-', '+'],
    ['XREVRANGE', 's', '+', '-'], ['TYPE', 's'], ['OBJECT', 'ENCODING', 's'], ['XLEN', 'nokey'], ['XRANGE', 'nokey', '-', '+'],
  ]);
  same('XADD rejects IDs not above the top item', [
    ['XADD', 's', '5-5', 'a', '1'], ['XADD', 's', '5-5', 'a', '1'], ['XADD', 's', '5-4', 'a', '1'], ['XADD', 's', '4', 'a', '1'], ['XADD', 's', '5', 'a', '1'], ['XLEN', 's'],
  ]);
  same('XADD with ms-* and *', [
    ['XADD', 's', '0-*', 'a', '1'], ['XADD', 's', '0-*', 'a', '1'], ['XADD', 's', '7-*', 'a', '1'], ['XADD', 's', '7-*', 'a', '1'], ['XADD', 's', '6-*', 'a', '1'],
    ['XADD', 's', `${FUTURE}-3`, 'a', '1'], ['XADD', 's', '*', 'b', '2'], ['XADD', 's', '*', 'b', '2'], ['XRANGE', 's', '-', '+'],
  ]);
  same('XADD at the last possible ID', [
    ['XADD', 's', '18446744073709551615-18446744073709551614', 'a', '1'], ['XADD', 's', '18446744073709551615-*', 'a', '1'], ['XADD', 's', '*', 'a', '1'],
    ['XADD', 't', '5-18446744073709551615', 'a', '1'], ['XADD', 't', '5-*', 'a', '1'], ['XADD', 't', '6-*', 'a', '1'],
  ]);
  same('XADD errors', [
    ['XADD', 's', '0-0', 'a', '1'], ['XADD', 's', '0', 'a', '1'], ['XADD', 's', '1-1', 'a'], ['XADD', 's', '1-1', 'a', '1', 'b'], ['XADD', 's', 'abc', 'a', '1'],
    ['XADD', 's', '1-x', 'a', '1'], ['XADD', 's', '-', 'a', '1'], ['XADD', 's', '+', 'a', '1'], ['XADD', 's', '-1', 'a', '1'], ['XADD', 's', '1-', 'a', '1'],
    ['XADD', 's', 'MAXLEN', '-1', '*', 'a', '1'], ['XADD', 's', 'MAXLEN', 'x', '*', 'a', '1'], ['XADD', 's', 'MAXLEN', '1', 'LIMIT', '5', '*', 'a', '1'],
    ['XADD', 's', 'LIMIT', '5', '*', 'a', '1'], ['XADD', 's', 'MAXLEN', '1', 'MINID', '2', '*', 'a', '1'], ['XADD', 's', 'LIMIT', '-1', 'MAXLEN', '~', '1', '*', 'a', '1'],
    ['XADD', 's', 'MINID', '+', '*', 'a', '1'], ['XADD', 's', 'MINID', 'x', '*', 'a', '1'], ['XADD', 's', 'NOMKSTREAM'], ['XADD', 's', '*'], ['EXISTS', 's'],
  ]);
  same('XADD ID parsing edge cases', [
    ['XADD', 's', '00001-01', 'a', '1'], ['XADD', 's', '+2', 'a', '1'], ['XADD', 's', '-0-5', 'a', '1'], ['XADD', 's', ' 3', 'a', '1'], ['XADD', 's', '4- 1', 'a', '1'],
    ['XADD', 's', '18446744073709551616', 'a', '1'], ['XADD', 's', '5-18446744073709551616', 'a', '1'], ['XADD', 's', '-18446744073709551610-1', 'a', '1'], ['XRANGE', 's', '-', '+'],
  ]);
  same('XADD NOMKSTREAM', [
    ['XADD', 's', 'NOMKSTREAM', '1-1', 'a', '1'], ['EXISTS', 's'], ['XADD', 's', '1-1', 'a', '1'], ['XADD', 's', 'NOMKSTREAM', '2-1', 'a', '1'], ['XLEN', 's'],
  ]);
  same('XADD MAXLEN and MINID trim exactly', [
    ...adds('s', 1, 10), ['XADD', 's', 'MAXLEN', '5', '20-1', 'f', 'x'], ['XLEN', 's'], ['XRANGE', 's', '-', '+'], ['XADD', 's', 'MAXLEN', '=', '3', '21-1', 'f', 'x'],
    ['XRANGE', 's', '-', '+'], ['XADD', 's', 'MINID', '21', '22-1', 'f', 'x'], ['XRANGE', 's', '-', '+'], ['XADD', 's', 'MINID', '=', '22-1', '23-1', 'f', 'x'], ['XRANGE', 's', '-', '+'],
    ['XADD', 's', 'MAXLEN', '0', '24-1', 'f', 'x'], ['XLEN', 's'], ['EXISTS', 's'], ['XRANGE', 's', '-', '+'],
  ]);
  same('XADD MAXLEN ~ removes whole nodes of 100 entries', [
    ...adds('s', 1, 250), ['XADD', 's', 'MAXLEN', '~', '200', '300-1', 'f', 'x'], ['XLEN', 's'], ['XADD', 's', 'MAXLEN', '~', '100', '301-1', 'f', 'x'], ['XLEN', 's'],
    ['XRANGE', 's', '-', '+', 'COUNT', '1'], ['XADD', 's', 'MAXLEN', '~', '0', 'LIMIT', '50', '302-1', 'f', 'x'], ['XLEN', 's'],
    ['XADD', 's', 'MAXLEN', '~', '0', 'LIMIT', '0', '303-1', 'f', 'x'], ['XLEN', 's'], ['XRANGE', 's', '-', '+'],
  ]);
  same('XTRIM', [
    ...adds('s', 1, 20), ['XTRIM', 's', 'MAXLEN', '15'], ['XTRIM', 's', 'MAXLEN', '15'], ['XTRIM', 's', 'MINID', '10'], ['XRANGE', 's', '-', '+', 'COUNT', '2'],
    ['XTRIM', 's', 'MAXLEN', '~', '5'], ['XTRIM', 's', 'MINID', '~', '100'], ['XLEN', 's'], ['XTRIM', 's', 'MINID', '=', '19-1'], ['XRANGE', 's', '-', '+'],
    ['XTRIM', 'nokey', 'MAXLEN', '1'], ['XTRIM', 's', 'MAXLEN', '0'], ['EXISTS', 's'], ['XLEN', 's'],
  ]);
  same('XTRIM MINID ~ over nodes', [
    ...adds('s', 1, 300), ['XTRIM', 's', 'MINID', '~', '150'], ['XLEN', 's'], ['XTRIM', 's', 'MINID', '~', '250', 'LIMIT', '100'], ['XLEN', 's'], ['XTRIM', 's', 'MINID', '~', '1000'], ['XLEN', 's'],
  ]);
  same('XTRIM errors', [
    ['XADD', 's', '1-1', 'a', '1'], ['XTRIM', 's'], ['XTRIM', 's', 'foo'], ['XTRIM', 's', 'foo', 'bar'], ['XTRIM', 's', 'MAXLEN', '1', 'LIMIT', '1'], ['XTRIM', 's', 'LIMIT', '1', 'x'],
    ['XTRIM', 's', 'MAXLEN', '-1'], ['XTRIM', 's', 'MAXLEN', '1', 'MINID', '1'], ['XTRIM', 's', 'MINID', '-'], ['XTRIM', 's', 'MAXLEN', '~', '1', 'LIMIT', '-1'], ['XTRIM', 's', 'NOMKSTREAM', 'MAXLEN', '1'],
    ['XTRIM', 's', 'MAXLEN', '1', 'foo'],
  ]);
  same('XRANGE and XREVRANGE bounds and COUNT', [
    ...adds('s', 1, 5), ['XADD', 's', '3-2', 'g', 'h'], ['XRANGE', 's', '2', '3'], ['XRANGE', 's', '(2-1', '(3-2'], ['XRANGE', 's', '3', '3'], ['XRANGE', 's', '3-2', '+'],
    ['XRANGE', 's', '-', '+', 'COUNT', '2'], ['XRANGE', 's', '-', '+', 'COUNT', '0'], ['XRANGE', 's', '-', '+', 'COUNT', '-1'], ['XRANGE', 's', '-', '+', 'count', '2', 'COUNT', '3'],
    ['XREVRANGE', 's', '+', '-', 'COUNT', '2'], ['XREVRANGE', 's', '(5-1', '(1-1'], ['XREVRANGE', 's', '3', '3'], ['XREVRANGE', 's', '-', '+'], ['XRANGE', 's', '4', '2'],
    ['XREVRANGE', 's', '+', '-', 'COUNT', '0'], ['XRANGE', 'nokey', '-', '+', 'COUNT', '0'],
  ]);
  same('XRANGE errors', [
    ['XADD', 's', '1-1', 'a', '1'], ['XRANGE', 's', 'a', '+'], ['XRANGE', 's', '-', 'b'], ['XRANGE', 's', '(-', '+'], ['XRANGE', 's', '-', '(+'], ['XRANGE', 's', '(', '+'],
    ['XRANGE', 's', '(18446744073709551615-18446744073709551615', '+'], ['XRANGE', 's', '-', '(0-0'], ['XRANGE', 's', '(0-0', '(0-0'], ['XRANGE', 's', '-', '+', 'COUNT'],
    ['XRANGE', 's', '-', '+', 'COUNT', 'x'], ['XRANGE', 's', '-', '+', 'FOO', '1'], ['XREVRANGE', 's', '+', 'x'], ['XREVRANGE', 's', '(0', '-'], ['XRANGE', 's', '-'],
    ['XRANGE', 's', '-', '(18446744073709551615-18446744073709551615'],
  ]);
  same('XDEL', [
    ...adds('s', 1, 5), ['XDEL', 's', '2-1', '2-1', '9-9', '4'], ['XDEL', 's', '4-1'], ['XLEN', 's'], ['XRANGE', 's', '-', '+'], ['XDEL', 'nokey', '1-1'],
    ['XDEL', 's', '1-1', '3-1', '5-1'], ['XLEN', 's'], ['EXISTS', 's'], ['XRANGE', 's', '-', '+'], ['XADD', 's', '5-1', 'a', '1'], ['XADD', 's', '5-*', 'a', '1'],
  ]);
  same('XDEL errors', [['XADD', 's', '1-1', 'a', '1'], ['XDEL', 's', 'x'], ['XDEL', 's', '1-1', '-'], ['XDEL', 's', '+'], ['XLEN', 's'], ['XDEL', 'nokey', 'x'], ['SET', 'str', 'v'], ['XDEL', 'str', 'x'], ['XDEL', 'str', '1']]);
  same('XSETID', [
    ['XADD', 's', '5-5', 'a', '1'], ['XSETID', 's', '5-4'], ['XSETID', 's', '5-5'], ['XSETID', 's', '10-1'], ['XADD', 's', '10-*', 'a', '1'], ['XADD', 's', '10-1', 'a', '1'],
    ['XSETID', 's', '20', 'ENTRIESADDED', '1'], ['XSETID', 's', '20', 'ENTRIESADDED', '7', 'MAXDELETEDID', '3'], ['XDEL', 's', '5-5', '10-2'], ['XSETID', 's', '2'],
    ['XSETID', 's', `${FUTURE}-0`], ['XADD', 's', '*', 'b', '1'], ['XSETID', 'nokey', '1'], ['XSETID', 's', '1', 'ENTRIESADDED', '-1'], ['XSETID', 's', '5', 'MAXDELETEDID', '6'],
    ['XSETID', 's', 'x'], ['XSETID', 's', '-'], ['XSETID', 's', '1', 'FOO'], ['XSETID', 's', '1', 'ENTRIESADDED', 'x'], ['XSETID', 's', '1', 'MAXDELETEDID', 'x'],
  ]);
  same('XSETID on an empty stream', [['XADD', 's', '5-5', 'a', '1'], ['XDEL', 's', '5-5'], ['XSETID', 's', '3'], ['XSETID', 's', '6', 'ENTRIESADDED', '0'], ['XADD', 's', '6', 'a', '1'], ['XADD', 's', '6-*', 'a', '1']]);
  same('stream commands against a key of another type', [
    ['SET', 'str', 'v'], ['XADD', 'str', '1-1', 'a', '1'], ['XADD', 'str', 'NOMKSTREAM', '*', 'a', '1'], ['XLEN', 'str'], ['XRANGE', 'str', '-', '+'], ['XREVRANGE', 'str', '+', '-'],
    ['XRANGE', 'str', '-', '+', 'COUNT', '0'], ['XDEL', 'str', '1-1'], ['XTRIM', 'str', 'MAXLEN', '1'], ['XSETID', 'str', '1'],
  ]);
  same('keyspace commands on a stream', [
    ...adds('s', 1, 3), ['TYPE', 's'], ['RENAME', 's', 't'], ['XRANGE', 't', '-', '+'], ['COPY', 't', 'u'], ['XDEL', 't', '1-1'], ['XLEN', 'u'], ['XLEN', 't'],
    ['EXPIRE', 'u', '100'], ['TTL', 'u'], ['MOVE', 'u', '1'], ['SELECT', '1'], ['XRANGE', 'u', '-', '+'], ['SELECT', '0'], ['DEL', 't'], ['EXISTS', 't'], ['XADD', 't', '1-1', 'a', '1'],
    ['XRANGE', 't', '-', '+'], ['SCAN', '0', 'TYPE', 'stream'], ['SCAN', '0', 'TYPE', 'string'], ['GET', 't'], ['LPUSH', 't', 'x'],
  ]);
  same('binary and empty fields and values', [
    ['XADD', 's', '1-1', Buffer.from('a\0\r\nb'), Buffer.from('\xff\0v', 'latin1'), '', ''], ['XRANGE', 's', '-', '+'],
  ]);
  same('arity errors', [['XADD', 's', '1-1', 'a'], ['XLEN'], ['XLEN', 'a', 'b'], ['XRANGE', 's', '-'], ['XREVRANGE', 's'], ['XDEL', 's'], ['XTRIM', 's', 'MAXLEN'], ['XSETID', 's']]);
  same('XREAD', [
    ...adds('s', 1, 4), ...adds('t', 2, 2), ['XREAD', 'STREAMS', 's', '0'], ['XREAD', 'COUNT', '2', 'STREAMS', 's', 't', '1-1', '0-0'], ['XREAD', 'STREAMS', 's', 't', '4-1', '3-1'],
    ['XREAD', 'STREAMS', 's', 't', '$', '$'], ['XREAD', 'STREAMS', 'nokey', 's', '0', '3'], ['XREAD', 'COUNT', '0', 'STREAMS', 's', '-'], ['XREAD', 'COUNT', '-5', 'STREAMS', 's', '2'],
    ['XREAD', 'STREAMS', 's', '+'], ['XREAD', 'STREAMS', 's', 's', '3', '2'], ['XREAD', 'BLOCK', '10', 'STREAMS', 's', '$'], ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '2'],
    ['XREAD', 'BLOCK', '10', 'COUNT', '1', 'STREAMS', 'nokey', '$'], ['XREAD', 'STREAMS', 's', '18446744073709551615-18446744073709551615'],
  ]);
  same('XREAD errors', [
    ['SET', 'str', 'v'], ['XADD', 's', '1-1', 'a', '1'], ['XREAD', 'STREAMS', 's'], ['XREAD', 'STREAMS', 's', 't', '0'], ['XREAD', 'COUNT', 'x', 'STREAMS', 's', '0'], ['XREAD', 'FOO', 'STREAMS', 's', '0'],
    ['XREAD', 'GROUP', 'g', 'c', 'STREAMS', 's', '0'], ['XREAD', 'NOACK', 'STREAMS', 's', '0'], ['XREAD', 'STREAMS', 's', '>'], ['XREAD', 'STREAMS', 's', 'x'], ['XREAD', 'STREAMS', 'str', '0'],
    ['XREAD', 'STREAMS', 'str', 'x'], ['XREAD', 'STREAMS', 's', 'str', 'x', '0'], ['XREAD', 'STREAMS', 's', 'str', '0', 'x'], ['XREAD', 'BLOCK', '-1', 'STREAMS', 's', '0'],
    ['XREAD', 'BLOCK', 'x', 'STREAMS', 's', '0'], ['XREAD', 'COUNT', '1', 'BLOCK'], ['XREAD', 'COUNT', '1'], ['XREAD', 's', '0', 'STREAMS'], ['XREAD', 'BLOCK', '1.5', 'STREAMS', 's', '0'],
    ['XREAD', 'STREAMS', 'str', '$'], ['XREAD', 'BLOCK', '10', 'STREAMS', 'str', '$'],
  ]);
  same('XREAD from scripts, where BLOCK is refused', [
    ['XADD', 's', '1-1', 'a', '1'], ['EVAL', "return redis.call('XREAD', 'STREAMS', KEYS[1], '0')", '1', 's'], ['EVAL', "return redis.pcall('xread', 'block', '0', 'streams', KEYS[1], '0')", '1', 's'],
    ['EVAL', "return redis.pcall('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', KEYS[1], '>')", '1', 's'], ['EVAL', "return redis.call('XADD', KEYS[1], '2-1', 'b', '2')", '1', 's'],
  ]);
  same('XREAD inside MULTI does not block', [['XADD', 's', '1-1', 'a', '1'], ['MULTI'], ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'], ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '0'], ['EXEC']]);
  same('seeded random XADD/XDEL/XTRIM/XRANGE sequence', randomSequence(17, 400));
});

/** A reproducible mix of stream writes and reads (mulberry32 with `seed`). */
function randomSequence(seed: number, steps: number): Step[] {
  let a = seed;
  const rand = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (n: number) => Math.floor(rand() * n);
  const id = () => `${pick(60)}-${pick(4)}`;
  const out: Step[] = [];
  for (let i = 0; i < steps; i++) {
    const key = `s${pick(2)}`;
    const r = rand();
    if (r < 0.45) out.push(['XADD', key, ...(pick(5) === 0 ? ['MAXLEN', String(pick(30))] : []), pick(3) === 0 ? id() : `${pick(60)}-*`, 'f', String(i)]);
    else if (r < 0.6) out.push(['XDEL', key, id(), id()]);
    else if (r < 0.68) out.push(['XTRIM', key, pick(2) ? 'MAXLEN' : 'MINID', pick(2) ? String(pick(40)) : id()]);
    else if (r < 0.85) out.push(['XRANGE', key, pick(2) ? '-' : `(${id()}`, pick(2) ? '+' : id(), 'COUNT', String(pick(10))]);
    else if (r < 0.95) out.push(['XREVRANGE', key, '+', pick(2) ? '-' : id()]);
    else out.push(['XLEN', key]);
  }
  out.push(['XRANGE', 's0', '-', '+'], ['XRANGE', 's1', '-', '+']);
  return out;
}
