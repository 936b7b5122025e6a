// Differential tests of stream consumer groups against Debian's redis-server, RESP2 and
// RESP3: XGROUP, XREADGROUP, XACK, XPENDING. Idle times depend on the clock: XPENDING's
// extended form is compared with them masked (and bounded by IDLE filters of 0 or hours).
import { differential, norm } from './suite.js';
import type { Arg, RespValue, Step } from './harness.js';

const adds = (key: string, from: number, n: number): Arg[][] => Array.from({ length: n }, (_, i) => ['XADD', key, `${from + i}-1`, 'f', `${i}`]);

/** XPENDING's extended reply with each entry's idle time masked. */
const maskIdle = (v: RespValue): unknown => (Array.isArray(v) ? v.map((e) => (Array.isArray(e) && e.length === 4 ? [e[0], e[1], '<idle>', e[3]] : e)) : v);
const pending = (argv: Arg[]): Step => norm(argv, maskIdle);

/** XINFO with times masked (idle, seen-time, delivery times) and Redis' radix tree sizes. */
const TIMES = new Set(['$idle', '$seen-time', '$radix-tree-keys', '$radix-tree-nodes']);
function maskInfo(v: RespValue): unknown {
  if (Array.isArray(v)) {
    // A pending entry: [id, consumer, delivery time, count] or [id, delivery time, count].
    if ((v.length === 4 || v.length === 3) && typeof v[0] === 'string' && /^\$\d+-\d+$/.test(v[0]) && typeof v[v.length - 2] === 'string' && /^:\d+$/.test(v[v.length - 2] as string)) {
      return v.map((x, i) => (i === v.length - 2 ? '<time>' : x));
    }
    return v.map((x, i) => (i > 0 && typeof v[i - 1] === 'string' && TIMES.has(v[i - 1] as string) ? '<masked>' : maskInfo(x)));
  }
  if (v !== null && typeof v === 'object' && 'map' in v) return { map: v.map.map(([k, x]) => [k, typeof k === 'string' && TIMES.has(k) ? '<masked>' : maskInfo(x)]) };
  return v;
}
const info = (argv: Arg[]): Step => norm(argv, maskInfo);

differential('Stream consumer group differential', (same) => {
  same('XGROUP CREATE, MKSTREAM, ENTRIESREAD and errors', [
    ['XGROUP', 'CREATE', 's', 'g', '$'], ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'], ['EXISTS', 's'], ['XLEN', 's'], ['TYPE', 's'], ['XGROUP', 'CREATE', 's', 'g', '$'],
    ...adds('s', 1, 3), ['XGROUP', 'CREATE', 's', 'g2', '0'], ['XGROUP', 'CREATE', 's', 'g3', '2-1', 'ENTRIESREAD', '2'], ['XGROUP', 'CREATE', 's', 'g4', '0', 'ENTRIESREAD', '-1'],
    ['XGROUP', 'CREATE', 's', 'g5', '0', 'ENTRIESREAD', '-2'], ['XGROUP', 'CREATE', 's', 'g5', '0', 'ENTRIESREAD', 'x'], ['XGROUP', 'CREATE', 's', 'g5', '0', 'FOO'],
    ['XGROUP', 'CREATE', 's', 'g5', 'x'], ['XGROUP', 'CREATE', 's', 'g5', '-'], ['XGROUP', 'CREATE', 'nokey', 'g', 'x'], ['XGROUP', 'CREATE', 'nokey', 'g', 'x', 'MKSTREAM'],
    ['EXISTS', 'nokey'], ['XGROUP', 'CREATE', 's'], ['XGROUP', 'CREATE', 's', 'g6'], ['XGROUP', 'FOO'], ['XGROUP', 'FOO', 's', 'g'], ['SET', 'str', 'v'], ['XGROUP', 'CREATE', 'str', 'g', '$'],
    ['XGROUP', 'CREATE', 's', 'g7', '0', 'MKSTREAM', 'ENTRIESREAD', '1'],
  ]);
  same('XGROUP SETID, CREATECONSUMER, DELCONSUMER and DESTROY', [
    ...adds('s', 1, 3), ['XGROUP', 'CREATE', 's', 'g', '0'], ['XGROUP', 'SETID', 's', 'g', '2-1'], ['XGROUP', 'SETID', 's', 'g', '$', 'ENTRIESREAD', '3'], ['XGROUP', 'SETID', 's', 'g', '-'],
    ['XGROUP', 'SETID', 's', 'g', 'x'], ['XGROUP', 'SETID', 's', 'nog', '0'], ['XGROUP', 'SETID', 'nokey', 'g', '0'], ['XGROUP', 'SETID', 's', 'g', '0', 'MKSTREAM'],
    ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c1'], ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c1'], ['XGROUP', 'CREATECONSUMER', 's', 'nog', 'c1'], ['XGROUP', 'CREATECONSUMER', 'nokey', 'g', 'c1'],
    ['XGROUP', 'SETID', 's', 'g', '0'], ['XREADGROUP', 'GROUP', 'g', 'c2', 'STREAMS', 's', '>'], ['XGROUP', 'DELCONSUMER', 's', 'g', 'c2'], ['XGROUP', 'DELCONSUMER', 's', 'g', 'c2'],
    ['XGROUP', 'DELCONSUMER', 's', 'g', 'c1'], ['XGROUP', 'DELCONSUMER', 's', 'nog', 'c1'], ['XPENDING', 's', 'g'], ['XGROUP', 'DESTROY', 's', 'g'], ['XGROUP', 'DESTROY', 's', 'g'],
    ['XGROUP', 'DESTROY', 'nokey', 'g'], ['XGROUP', 'CREATECONSUMER', 's', 'g'], ['XGROUP', 'DESTROY', 's'], ['XGROUP', 'HELP'], ['XGROUP', 'HELP', 'x'],
  ]);
  same('XREADGROUP > delivers each entry once and records it pending', [
    ...adds('s', 1, 5), ['XGROUP', 'CREATE', 's', 'g', '0'], ['XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', '2', 'STREAMS', 's', '>'], ['XREADGROUP', 'GROUP', 'g', 'c2', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'c1', 'STREAMS', 's', '>'], ['XPENDING', 's', 'g'], pending(['XPENDING', 's', 'g', '-', '+', '10']), pending(['XPENDING', 's', 'g', '-', '+', '10', 'c1']),
    pending(['XPENDING', 's', 'g', '(1-1', '(5-1', '2', 'c2']), pending(['XPENDING', 's', 'g', 'IDLE', '0', '-', '+', '10']), ['XPENDING', 's', 'g', 'IDLE', '3600000', '-', '+', '10'],
    ['XPENDING', 's', 'g', '-', '+', '10', 'nobody'], ['XPENDING', 's', 'g', '-', '+', '0'], ['XPENDING', 's', 'g', '-', '+', '-3'],
  ]);
  same('XREADGROUP history, deleted entries and XACK', [
    ...adds('s', 1, 4), ['XGROUP', 'CREATE', 's', 'g', '0'], ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'], ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '0'],
    ['XDEL', 's', '2-1'], ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '2', 'STREAMS', 's', '0'], ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '2-1'], ['XACK', 's', 'g', '1-1', '2-1', '9-9'],
    ['XACK', 's', 'g', '1-1'], ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '0'], ['XREADGROUP', 'GROUP', 'g', 'other', 'STREAMS', 's', '0'], ['XPENDING', 's', 'g'],
    pending(['XPENDING', 's', 'g', '-', '+', '10']), ['XACK', 's', 'nog', '1-1'], ['XACK', 'nokey', 'g', '1-1'], ['XACK', 's', 'g', 'x'], ['XACK', 's', 'nog', 'x'], ['SET', 'str', 'v'], ['XACK', 'str', 'g', '1-1'],
  ]);
  same('XREADGROUP NOACK, COUNT and several streams', [
    ...adds('s', 1, 3), ...adds('t', 5, 2), ['XGROUP', 'CREATE', 's', 'g', '0'], ['XGROUP', 'CREATE', 't', 'g', '$'], ['XREADGROUP', 'GROUP', 'g', 'c', 'NOACK', 'COUNT', '1', 'STREAMS', 's', 't', '>', '>'],
    ['XADD', 't', '9-1', 'x', 'y'], ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', 't', '>', '>'], ['XPENDING', 's', 'g'], ['XPENDING', 't', 'g'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', 't', '>', '>'], ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', 't', '0', '>'], ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '10', 'STREAMS', 's', '>'],
  ]);
  same('XREADGROUP errors', [
    ['XADD', 's', '1-1', 'a', '1'], ['XGROUP', 'CREATE', 's', 'g', '0'], ['SET', 'str', 'v'], ['XREADGROUP', 'STREAMS', 's', '>'], ['XREADGROUP', 'GROUP', 'g', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'nog', 'c', 'STREAMS', 's', '>'], ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'nokey', '>'], ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '$'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', 'x'], ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'str', '>'], ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', 'str', '>', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's'], ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', 'x', 'STREAMS', 's', '>'], ['XREADGROUP', 'GROUP', 'g', 'c', 'FOO', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '-1', 'STREAMS', 's', '>'], ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '+'],
  ]);
  same('XPENDING errors', [
    ['XADD', 's', '1-1', 'a', '1'], ['XGROUP', 'CREATE', 's', 'g', '0'], ['SET', 'str', 'v'], ['XPENDING', 's', 'nog'], ['XPENDING', 'nokey', 'g'], ['XPENDING', 'str', 'g'],
    ['XPENDING', 's', 'g', '-'], ['XPENDING', 's', 'g', '-', '+'], ['XPENDING', 's', 'g', '-', '+', 'x'], ['XPENDING', 's', 'g', 'x', '+', '1'], ['XPENDING', 's', 'g', '-', 'x', '1'],
    ['XPENDING', 's', 'g', 'IDLE', 'x', '-', '+', '1'], ['XPENDING', 's', 'g', 'IDLE', '10', '-', '+'], ['XPENDING', 's', 'g', '(18446744073709551615-18446744073709551615', '+', '1'],
    ['XPENDING', 's', 'g', '-', '(0-0', '1'], ['XPENDING', 'nokey', 'g', 'x', '+', '1'], ['XPENDING', 's', 'g', '-', '+', '1', 'c', 'extra', 'more', 'x'],
  ]);
  same('XCLAIM', [
    ...adds('s', 1, 4), ['XGROUP', 'CREATE', 's', 'g', '0'], ['XREADGROUP', 'GROUP', 'g', 'c1', 'STREAMS', 's', '>'], ['XCLAIM', 's', 'g', 'c2', '0', '1-1'], ['XCLAIM', 's', 'g', 'c2', '0', '1-1', 'JUSTID'],
    ['XCLAIM', 's', 'g', 'c3', '0', '9-9', '2-1', 'FORCE', 'JUSTID'], ['XCLAIM', 's', 'g', 'c3', '3600000', '3-1'], ['XDEL', 's', '4-1'], ['XCLAIM', 's', 'g', 'c2', '0', '4-1'],
    pending(['XPENDING', 's', 'g', '-', '+', '10']), ['XCLAIM', 's', 'g', 'c2', '0', '1-1', 'IDLE', '5000', 'RETRYCOUNT', '7', 'JUSTID'], ['XPENDING', 's', 'g', 'IDLE', '4000', '-', '+', '10', 'c9'],
    pending(['XPENDING', 's', 'g', 'IDLE', '4000', '-', '+', '10']), ['XCLAIM', 's', 'g', 'c4', '0', '3-1', 'TIME', '1000', 'RETRYCOUNT', '-1'], pending(['XPENDING', 's', 'g', '-', '+', '10', 'c4']),
    ['XCLAIM', 's', 'g', 'c4', '0', '2-1', 'LASTID', '50-1'], ['XREADGROUP', 'GROUP', 'g', 'c1', 'STREAMS', 's', '>'], ['XADD', 's', '51-1', 'a', '1'], ['XREADGROUP', 'GROUP', 'g', 'c1', 'STREAMS', 's', '>'],
    ['XCLAIM', 's', 'g', 'c5', '0', '3-1', 'FORCE'], ['XPENDING', 's', 'g'],
  ]);
  same('XCLAIM errors', [
    ['XADD', 's', '1-1', 'a', '1'], ['XGROUP', 'CREATE', 's', 'g', '0'], ['SET', 'str', 'v'], ['XCLAIM', 's', 'g', 'c', '0', 'x'], ['XCLAIM', 's', 'g', 'c', 'x', '1-1'],
    ['XCLAIM', 's', 'nog', 'c', 'x', '1-1'], ['XCLAIM', 'nokey', 'g', 'c', '0', '1-1'], ['XCLAIM', 'str', 'g', 'c', '0', '1-1'], ['XCLAIM', 's', 'g', 'c', '0', '1-1', 'IDLE', 'x'],
    ['XCLAIM', 's', 'g', 'c', '0', '1-1', 'TIME', 'x'], ['XCLAIM', 's', 'g', 'c', '0', '1-1', 'RETRYCOUNT', 'x'], ['XCLAIM', 's', 'g', 'c', '0', '1-1', 'LASTID', 'x'],
    ['XCLAIM', 's', 'g', 'c', '0', '1-1', 'IDLE'], ['XCLAIM', 's', 'g', 'c', '-5', '1-1'], ['XCLAIM', 's', 'g', 'c', '0'], ['XPENDING', 's', 'g'],
  ]);
  same('XAUTOCLAIM with the deleted-IDs reply of 7.0', [
    ...adds('s', 1, 6), ['XGROUP', 'CREATE', 's', 'g', '0'], ['XREADGROUP', 'GROUP', 'g', 'c1', 'STREAMS', 's', '>'], ['XDEL', 's', '2-1', '5-1'], ['XAUTOCLAIM', 's', 'g', 'c2', '0', '0', 'COUNT', '2'],
    ['XAUTOCLAIM', 's', 'g', 'c2', '0', '3-1', 'COUNT', '2', 'JUSTID'], ['XAUTOCLAIM', 's', 'g', 'c2', '3600000', '0'], ['XAUTOCLAIM', 's', 'g', 'c3', '0', '(3-1'], ['XPENDING', 's', 'g'],
    pending(['XPENDING', 's', 'g', '-', '+', '10']), ['XAUTOCLAIM', 's', 'g', 'c3', '0', '-', 'COUNT', '1'], ['XAUTOCLAIM', 's', 'g', 'c3', '0', '+'],
  ]);
  same('XAUTOCLAIM errors', [
    ['XADD', 's', '1-1', 'a', '1'], ['XGROUP', 'CREATE', 's', 'g', '0'], ['SET', 'str', 'v'], ['XAUTOCLAIM', 's', 'g', 'c', 'x', '0'], ['XAUTOCLAIM', 's', 'g', 'c', '0', 'x'],
    ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', '0'], ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', 'x'], ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'COUNT', '1152921504606846976'],
    ['XAUTOCLAIM', 's', 'g', 'c', '0', '0', 'FOO'], ['XAUTOCLAIM', 's', 'nog', 'c', '0', '0'], ['XAUTOCLAIM', 'nokey', 'g', 'c', '0', '0'], ['XAUTOCLAIM', 'str', 'g', 'c', '0', '0'],
    ['XAUTOCLAIM', 'nokey', 'g', 'c', 'x', '0'], ['XAUTOCLAIM', 's', 'g', 'c', '0', '(18446744073709551615-18446744073709551615'], ['XAUTOCLAIM', 's', 'g', 'c', '0'],
  ]);
  same('XINFO STREAM, GROUPS and CONSUMERS', [
    ['XADD', 's', '1-1', 'a', '1', 'b', '2'], ['XADD', 's', '2-1', 'a', '1'], ['XADD', 's', '3-1', 'c', '3'], ['XGROUP', 'CREATE', 's', 'g', '0'], ['XGROUP', 'CREATE', 's', 'a', '$'],
    ['XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', '2', 'STREAMS', 's', '>'], ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c0'], info(['XINFO', 'STREAM', 's']), info(['XINFO', 'STREAM', 's', 'FULL']),
    info(['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '1']), info(['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '0']), info(['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '-1']), info(['XINFO', 'GROUPS', 's']),
    info(['XINFO', 'CONSUMERS', 's', 'g']), info(['XINFO', 'CONSUMERS', 's', 'a']), ['XDEL', 's', '3-1'], info(['XINFO', 'GROUPS', 's']), ['XDEL', 's', '1-1', '2-1'], info(['XINFO', 'STREAM', 's']),
    info(['XINFO', 'GROUPS', 's']),
  ]);
  same('XINFO lag and entries-read as Redis 7.0 computes them', [
    ...adds('s', 1, 5), ['XGROUP', 'CREATE', 's', 'g1', '0'], ['XGROUP', 'CREATE', 's', 'g2', '$'], ['XGROUP', 'CREATE', 's', 'g3', '2-1', 'ENTRIESREAD', '2'], ['XGROUP', 'CREATE', 's', 'g4', '3-1'],
    info(['XINFO', 'GROUPS', 's']), ['XREADGROUP', 'GROUP', 'g1', 'c', 'COUNT', '2', 'STREAMS', 's', '>'], ['XREADGROUP', 'GROUP', 'g4', 'c', 'COUNT', '1', 'STREAMS', 's', '>'], info(['XINFO', 'GROUPS', 's']),
    ['XDEL', 's', '4-1'], info(['XINFO', 'GROUPS', 's']), ['XREADGROUP', 'GROUP', 'g1', 'c', 'STREAMS', 's', '>'], info(['XINFO', 'GROUPS', 's']), ['XTRIM', 's', 'MAXLEN', '0'], info(['XINFO', 'GROUPS', 's']),
    ['XADD', 's', '9-1', 'a', '1'], ['XSETID', 's', '9-1', 'ENTRIESADDED', '20', 'MAXDELETEDID', '8-1'], info(['XINFO', 'GROUPS', 's']), info(['XINFO', 'STREAM', 's']),
  ]);
  same('XINFO errors', [
    ['XADD', 's', '1-1', 'a', '1'], ['SET', 'str', 'v'], ['XINFO', 'STREAM', 'nokey'], ['XINFO', 'GROUPS', 'nokey'], ['XINFO', 'CONSUMERS', 's', 'nog'], ['XINFO', 'CONSUMERS', 'nokey', 'g'],
    ['XINFO', 'STREAM', 's', 'foo'], ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', 'x'], ['XINFO', 'STREAM', 's', 'FULL', 'FOO', '1'], ['XINFO'], ['XINFO', 'FOO'], ['XINFO', 'HELP'], ['XINFO', 'STREAM', 'str'],
    ['XINFO', 'GROUPS', 'str'], ['XINFO', 'GROUPS', 's', 'x'], ['XINFO', 'STREAM'],
  ]);
  same('a consumer group survives RENAME and COPY and goes with DEL', [
    ...adds('s', 1, 2), ['XGROUP', 'CREATE', 's', 'g', '0'], ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'], ['RENAME', 's', 't'], ['XPENDING', 't', 'g'], ['COPY', 't', 'u'],
    ['XACK', 'u', 'g', '1-1'], ['XPENDING', 'u', 'g'], ['XPENDING', 't', 'g'], ['DEL', 't'], ['XADD', 't', '1-1', 'a', '1'], ['XPENDING', 't', 'g'],
  ]);
});
