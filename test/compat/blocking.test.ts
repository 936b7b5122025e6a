// Differential tests of the blocking list pops against Debian's redis-server, RESP2 and
// RESP3: replies when a list has elements, the null reply at a (short) timeout, argument
// and timeout errors in Redis' order, WRONGTYPE, and the non-blocking form inside MULTI.
// Waking a blocked client needs a second connection: test/server/blocking.test.ts.
import { differential } from './suite.js';

differential('Blocking differential', (same) => {
  same('BLPOP and BRPOP pop from the first non-empty key', [
    ['FLUSHALL'], ['RPUSH', 'b', '1', '2', '3'], ['BLPOP', 'a', 'b', '0'], ['BRPOP', 'a', 'b', '0'], ['BLPOP', 'b', 'a', '1'], ['EXISTS', 'b'],
  ]);
  same('BLPOP, BRPOP, BLMOVE, BRPOPLPUSH and BLMPOP time out with a null reply', [
    ['FLUSHALL'], ['BLPOP', 'none', '0.01'], ['BRPOP', 'none', 'none2', '0.01'], ['BLMOVE', 'none', 'd', 'LEFT', 'RIGHT', '0.01'], ['BRPOPLPUSH', 'none', 'd', '0.01'],
    ['BLMPOP', '0.01', '2', 'none', 'none2', 'LEFT', 'COUNT', '3'], ['EXISTS', 'd'],
  ]);
  same('BLMOVE, BRPOPLPUSH and BLMPOP with elements', [
    ['FLUSHALL'], ['RPUSH', 's', 'a', 'b', 'c', 'd'], ['BLMOVE', 's', 'd', 'LEFT', 'RIGHT', '0'], ['BRPOPLPUSH', 's', 'd', '0'], ['LRANGE', 'd', '0', '-1'],
    ['BLMPOP', '0', '2', 'x', 's', 'RIGHT', 'COUNT', '5'], ['EXISTS', 's'], ['BLMOVE', 'd', 'd', 'LEFT', 'RIGHT', '0'], ['LRANGE', 'd', '0', '-1'],
  ]);
  same('timeouts: negative, not a float, out of range, infinite', [
    ['BLPOP', 'l', '-1'], ['BLPOP', 'l', 'abc'], ['BLPOP', 'l', ' 1'], ['BLPOP', 'l', 'nan'], ['BLPOP', 'l', 'inf'], ['BLPOP', 'l', '-inf'], ['BLPOP', 'l', '1e300'],
    ['BLPOP', 'l', '9223372036854776'], ['BRPOPLPUSH', 'l', 'd', '-0.5'], ['BLMOVE', 'l', 'd', 'LEFT', 'LEFT', 'x'], ['BLMPOP', 'x', '1', 'l', 'LEFT'],
  ]);
  same('argument errors come before the timeout', [
    ['BLMOVE', 'l', 'd', 'LEFT', 'UP', 'x'], ['BLMPOP', 'x', '0', 'l', 'LEFT'], ['BLMPOP', 'x', '1', 'l', 'UP'], ['BLMPOP', '0', '1', 'l', 'LEFT', 'COUNT', '0'],
    ['BLMPOP', '0', '1', 'l', 'LEFT', 'COUNT'], ['BLMPOP', '0', '1', 'l'], ['BLPOP', 'l'], ['BLMOVE', 'a', 'b', 'LEFT', 'LEFT'], ['BRPOPLPUSH', 'a', 'b'],
  ]);
  same('WRONGTYPE', [
    ['FLUSHALL'], ['SET', 's', 'x'], ['BLPOP', 's', '0.01'], ['BLPOP', 'none', 's', '0.01'], ['BLMOVE', 's', 'd', 'LEFT', 'LEFT', '0.01'], ['RPUSH', 'l', 'v'],
    ['BLMOVE', 'l', 's', 'LEFT', 'LEFT', '0.01'], ['BLMPOP', '0.01', '2', 's', 'l', 'LEFT'],
  ]);
  same('inside MULTI they do not block', [
    ['FLUSHALL'], ['MULTI'], ['BLPOP', 'none', '0'], ['BRPOP', 'none', '0'], ['BLMOVE', 'none', 'd', 'LEFT', 'LEFT', '0'], ['BRPOPLPUSH', 'none', 'd', '0'],
    ['BLMPOP', '0', '1', 'none', 'LEFT'], ['RPUSH', 'l', 'a', 'b'], ['BLPOP', 'l', '0'], ['BLMOVE', 'l', 'd', 'LEFT', 'LEFT', '0'], ['EXEC'],
  ]);
  same('BZPOPMIN, BZPOPMAX and BZMPOP with members, at a timeout, with bad arguments and inside MULTI', [
    ['FLUSHALL'], ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'], ['BZPOPMIN', 'nz', 'z', '0'], ['BZPOPMAX', 'z', '0'], ['BZMPOP', '0', '2', 'nz', 'z', 'MIN', 'COUNT', '5'],
    ['BZPOPMIN', 'z', '0.01'], ['BZMPOP', '0.01', '1', 'z', 'MAX'], ['BZMPOP', '0', '0', 'z', 'MIN'], ['BZMPOP', 'x', '1', 'z', 'MIN'], ['BZMPOP', '0', '1', 'z', 'FOO'],
    ['BZPOPMIN', 'z', '-1'], ['SET', 's', 'x'], ['BZPOPMIN', 's', '0.01'], ['MULTI'], ['BZPOPMIN', 'z', '0'], ['BZMPOP', '0', '1', 'z', 'MIN'], ['EXEC'],
  ]);
  same('CLIENT UNBLOCK of a client that is not blocked, and its errors', [
    ['CLIENT', 'UNBLOCK', '999999'], ['CLIENT', 'UNBLOCK', 'x'], ['CLIENT', 'UNBLOCK', '1', 'FOO'], ['CLIENT', 'UNBLOCK', '1', 'TIMEOUT', 'x'], ['CLIENT', 'UNBLOCK'],
  ]);
});
