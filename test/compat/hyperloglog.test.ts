// Differential tests for HyperLogLog (issue 12): counts, the stored bytes (GET) and the
// errors must equal Debian's redis-server's for the same inputs, in RESP2 and RESP3, and a
// value copied from one server to the other with GET/SET counts the same on both.
// Cases follow Redis' tests/unit/hyperloglog.tcl.
import { expect, it } from 'vitest';
import { RespConnection, type Arg, type Step } from './harness.js';
import { differential } from './suite.js';

/** PFADD of `n` elements named prefix0.., `per` per command. */
const adds = (key: string, n: number, prefix = 'e', per = 500): Step[] => {
  const steps: Step[] = [];
  for (let i = 0; i < n; i += per) {
    steps.push(['PFADD', key, ...Array.from({ length: Math.min(per, n - i) }, (_, j) => `${prefix}${i + j}`)]);
  }
  return steps;
};

differential('Redis differential: HyperLogLog', (test, targets) => {

  test('PFADD without arguments creates an HLL value', [['PFADD', 'h'], ['EXISTS', 'h'], ['GET', 'h'], ['PFADD', 'h'], ['PFCOUNT', 'h']]);
  test('PFADD returns 1 when at least one register was modified, 0 otherwise', [
    ['PFADD', 'h', 'a', 'b', 'c'], ['PFADD', 'h', 'b', 'c'], ['PFADD', 'h', 'd'], ['PFADD', 'h', ''], ['PFADD', 'h', ''], ['GET', 'h'],
  ]);
  test('PFCOUNT caches the cardinality in the value, PFADD invalidates it', [
    ['PFADD', 'h', 'a', 'b', 'c'], ['GETRANGE', 'h', '15', '15'], ['PFCOUNT', 'h'], ['GETRANGE', 'h', '8', '15'], ['PFADD', 'h', 'a', 'b', 'c'], ['GETRANGE', 'h', '15', '15'],
    ['PFADD', 'h', 'x', 'y'], ['GETRANGE', 'h', '15', '15'], ['PFCOUNT', 'h'], ['GET', 'h'],
  ]);
  test('PFCOUNT of a missing key and of several keys', [['PFCOUNT', 'missing'], ['PFADD', 'a', 'x', 'y'], ['PFADD', 'b', 'y', 'z'], ['PFCOUNT', 'a', 'b', 'missing'], ['PFCOUNT', 'missing', 'missing2'], ['GET', 'a']]);
  test('PFADD keeps the TTL', [['PFADD', 'h', 'a'], ['EXPIRE', 'h', '1000'], ['PFADD', 'h', 'b'], ['TTL', 'h'], ['PFCOUNT', 'h'], ['TTL', 'h']]);
  test('Counts and bytes at growing cardinalities (sparse, then dense)', [
    ...[10, 100, 250, 500, 1000, 2000, 5000, 20_000].flatMap((n): Step[] => [...adds(`h${n}`, n), ['PFCOUNT', `h${n}`], ['GET', `h${n}`], ['STRLEN', `h${n}`]]),
  ]);
  test('PFCOUNT of several keys is the count of their union', [
    ...adds('a', 3000, 'x'), ...adds('b', 3000, 'y'), ...adds('c', 100, 'x'), ['PFCOUNT', 'a', 'b'], ['PFCOUNT', 'a', 'c'], ['PFCOUNT', 'c', 'b', 'a'], ['PFCOUNT', 'c'],
  ]);
  test('PFMERGE of sparse and dense values', [
    ...adds('s1', 50, 'p'), ...adds('s2', 70, 'q'), ...adds('d', 4000, 'r'),
    ['PFMERGE', 'm1', 's1', 's2'], ['GET', 'm1'], ['PFCOUNT', 'm1'], ['PFMERGE', 'm2', 's1', 'd'], ['GET', 'm2'], ['PFCOUNT', 'm2'],
    ['PFMERGE', 's1', 's2'], ['GET', 's1'], ['PFMERGE', 'empty'], ['GET', 'empty'], ['PFMERGE', 'e2', 'missing'], ['PFCOUNT', 'e2'], ['PFMERGE', 'm2'], ['GET', 'm2'],
  ]);
  test('PFMERGE keeps the destination TTL', [['PFADD', 'd', 'a'], ['EXPIRE', 'd', '1000'], ['PFADD', 's', 'b'], ['PFMERGE', 'd', 's'], ['TTL', 'd'], ['PFCOUNT', 'd']]);
  test('hll-sparse-max-bytes decides when a value turns dense', [
    ['CONFIG', 'SET', 'hll-sparse-max-bytes', '30'], ...adds('h', 20), ['STRLEN', 'h'], ['GET', 'h'], ['PFCOUNT', 'h'],
    ['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000'], ['CONFIG', 'GET', 'hll-sparse-max-bytes'], ...adds('g', 20), ['STRLEN', 'g'],
  ]);
  test('Keys that are not HyperLogLogs', [
    { hash: 'h' }, ['SET', 's', 'not an hll'], ['PFADD', 'h', 'a'], ['PFADD', 's', 'a'], ['PFCOUNT', 'h'], ['PFCOUNT', 's'], ['PFCOUNT', 'missing', 's'], ['PFCOUNT', 'missing', 'h'],
    ['PFMERGE', 'd', 's'], ['PFMERGE', 'd', 'h'], ['PFMERGE', 's', 'missing'], ['PFMERGE', 'h'], ['EXISTS', 'd'], ['PFADD'], ['PFCOUNT'], ['PFMERGE'],
  ]);
  test('Corrupted HyperLogLogs are detected', [
    // Additional bytes at the tail of a sparse value.
    ['PFADD', 'tail', 'a', 'b', 'c'], ['APPEND', 'tail', 'hello'], ['PFCOUNT', 'tail'], ['PFCOUNT', 'tail', 'missing'], ['PFMERGE', 'm', 'tail'], ['PFADD', 'tail', 'zz'],
    // Broken magic, an unknown encoding, a dense value of the wrong length.
    ['PFADD', 'magic', 'a'], ['SETRANGE', 'magic', '0', '0123'], ['PFCOUNT', 'magic'], ['PFADD', 'magic', 'b'],
    ['PFADD', 'enc', 'a'], ['SETRANGE', 'enc', '4', 'x'], ['PFCOUNT', 'enc'],
    ['PFADD', 'dense', 'a'], ['SETRANGE', 'dense', '4', '\x00'], ['PFCOUNT', 'dense'], ['PFADD', 'dense', 'b'],
    // A sparse value whose opcodes cover fewer registers than 16384.
    ['SET', 'short', Buffer.concat([Buffer.from('HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80', 'latin1'), Buffer.from([0x7f, 0xf0])])], ['PFCOUNT', 'short'], ['PFADD', 'short', 'x'],
    ['PFCOUNT', 'short', 'missing'], ['PFMERGE', 'm2', 'short'], ['EXISTS', 'm2'],
  ]);

  // A value built by one server, SET into the other: both count it the same, and adding
  // to it gives the same bytes on both.
  async function crossCopy(from: 'redis' | 'kiwi', to: 'redis' | 'kiwi', n: number): Promise<void> {
    const src = await RespConnection.open(targets()[from].port);
    const dst = await RespConnection.open(targets()[to].port);
    try {
      await src.command(['DEL', 'x']);
      for (const step of adds('x', n, 'c')) await src.command(step as Arg[]);
      const value = await src.command(['GET', 'x']);
      const raw = Buffer.from(value.slice(value.indexOf('\r\n') + 2, -2), 'latin1');
      expect(await dst.command(['SET', 'copy', raw])).toBe('+OK\r\n');
      expect(await dst.command(['PFCOUNT', 'copy'])).toBe(await src.command(['PFCOUNT', 'x']));
      await dst.command(['PFADD', 'copy', 'one', 'more']);
      await src.command(['PFADD', 'x', 'one', 'more']);
      expect(await dst.command(['GET', 'copy'])).toBe(await src.command(['GET', 'x']));
    } finally {
      src.close();
      dst.close();
    }
  }
  for (const n of [5, 300, 3000]) {
    it(`A Redis HLL of ${n} elements SET into kiwi counts the same`, () => crossCopy('redis', 'kiwi', n));
    it(`A kiwi HLL of ${n} elements SET into Redis counts the same`, () => crossCopy('kiwi', 'redis', n));
  }
});
