// Differential tests of stream consumer groups against Debian's redis-server, RESP2 and
// RESP3: XGROUP, XREADGROUP, XACK, XPENDING. Idle times depend on the clock: XPENDING's
// extended form is compared with them masked (and bounded by IDLE filters of 0 or hours).
import { differential, norm } from './suite.js';
import type { Arg, RespValue, Step } from './harness.js';

const adds = (key: string, from: number, n: number): Arg[][] => Array.from({ length: n }, (_, i) => ['XADD', key, `${from + i}-1`, 'f', `${i}`]);

/** XPENDING's extended reply with each entry's idle time masked. */
const maskIdle = (v: RespValue): unknown => (Array.isArray(v) ? v.map((e) => (Array.isArray(e) && e.length === 4 ? [e[0], e[1], '<idle>', e[3]] : e)) : v);
const pending = (argv: Arg[]): Step => norm(argv, maskIdle);

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
  same('a consumer group survives RENAME and COPY and goes with DEL', [
    ...adds('s', 1, 2), ['XGROUP', 'CREATE', 's', 'g', '0'], ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'], ['RENAME', 's', 't'], ['XPENDING', 't', 'g'], ['COPY', 't', 'u'],
    ['XACK', 'u', 'g', '1-1'], ['XPENDING', 'u', 'g'], ['XPENDING', 't', 'g'], ['DEL', 't'], ['XADD', 't', '1-1', 'a', '1'], ['XPENDING', 't', 'g'],
  ]);
});
