// Keyspace notifications against Debian's redis-server, byte for byte: the events each
// write command raises (__keyspace@<db>__ and __keyevent@<db>__ pmessages), in RESP2 and
// RESP3, and notify-keyspace-events under CONFIG SET/GET. The events that need the
// storage runtime's key report ("del" of an emptied key, "new", "expired" on access...)
// are in keyspace-events-report.test.ts.
import { describe, expect, it } from 'vitest';
import { RespConnection } from './harness.js';
import { events } from './keyspace-harness.js';
import { HAVE_REDIS, referenceAndKiwi } from './suite.js';

const SCRIPTS: Record<string, string[][]> = {
  strings: [
    ['SET', 'a', '1'], ['SET', 'a', '2', 'NX'], ['SET', 'a', '3', 'XX'], ['SET', 'b', '1', 'EX', '100'], ['SET', 'b', '2', 'KEEPTTL'],
    ['SET', 'a', '5', 'GET'], ['SET', 'c', '1', 'NX', 'GET'], ['SET', 'c', '2', 'NX', 'GET'], ['SET', 'z', '2', 'XX', 'GET'], ['SET', 'c', '3', 'XX', 'GET'],
    ['SETNX', 'a', 'x'], ['SETNX', 'd', 'x'], ['GETSET', 'a', '9'], ['SETEX', 'e', '100', 'v'], ['PSETEX', 'f', '100000', 'v'],
    ['MSET', 'g', '1', 'h', '2'], ['MSETNX', 'g', '1', 'i', '2'], ['MSETNX', 'i', '1', 'j', '2'], ['APPEND', 'a', 'x'], ['SETRANGE', 'a', '0', ''],
    ['SETRANGE', 'a', '1', 'zz'], ['INCR', 'n'], ['DECR', 'n'], ['INCRBY', 'n', '5'], ['DECRBY', 'n', '2'], ['INCRBYFLOAT', 'n', '1.5'], ['INCR', 'a'],
    ['GETDEL', 'a'], ['GETDEL', 'a'], ['GETEX', 'b', 'EX', '100'], ['GETEX', 'b'], ['GETEX', 'b', 'EXAT', '1'], ['GETEX', 'nokey', 'EX', '5'],
  ],
  generic: [
    ['SET', 'k', 'v'], ['EXPIRE', 'k', '100'], ['PEXPIRE', 'k', '100000'], ['EXPIREAT', 'k', '4102444800'], ['PEXPIREAT', 'k', '4102444800000'],
    ['EXPIRE', 'k', '100', 'NX'], ['PERSIST', 'k'], ['PERSIST', 'k'], ['EXPIRE', 'nokey', '10'], ['EXPIRE', 'k', '0'], ['SET', 'k', 'v'], ['PEXPIREAT', 'k', '1'],
    ['SET', 'k', 'v'], ['RENAME', 'k', 'k2'], ['RENAME', 'k2', 'k2'], ['RENAMENX', 'k2', 'x'], ['SET', 'y', '1'], ['RENAMENX', 'x', 'y'],
    ['MOVE', 'x', '1'], ['MOVE', 'y', '0'], ['COPY', 'y', 'z'], ['COPY', 'y', 'z'], ['COPY', 'y', 'z', 'DB', '2'], ['DEL', 'y', 'z'], ['UNLINK', 'nokey'],
    ['SET', 'u', '1'], ['UNLINK', 'u'], ['DEL', 'u'],
  ],
  hashes: [
    ['HSET', 'h', 'a', '1', 'b', '2'], ['HSET', 'h', 'a', '1'], ['HSETNX', 'h', 'a', '1'], ['HSETNX', 'h', 'c', '1'], ['HMSET', 'h', 'd', '1'],
    ['HDEL', 'h', 'a', 'nofield'], ['HDEL', 'h', 'nofield'], ['HINCRBY', 'h', 'n', '1'], ['HINCRBYFLOAT', 'h', 'f', '1.5'], ['HINCRBY', 'h', 'c', 'x'],
  ],
  // XADD with MAXLEN that trims (its xtrim) is a known difference: left out.
  streams: [
    ['XADD', 'x', '1-1', 'a', '1'], ['XADD', 'x', '2-1', 'a', '1'], ['XADD', 'x', '1-1', 'a', '1'], ['XADD', 'nox', 'NOMKSTREAM', '*', 'a', '1'], ['XADD', 'x', 'MAXLEN', '5', '3-1', 'a', '1'],
    ['XDEL', 'x', '1-1', '9-9'], ['XDEL', 'x', '9-9'], ['XTRIM', 'x', 'MAXLEN', '1'], ['XTRIM', 'x', 'MAXLEN', '1'], ['XSETID', 'x', '5-1'], ['XSETID', 'x', '1'],
  ],
  sets: [
    ['SADD', 's', 'a', 'b', 'y'], ['SADD', 's', 'a'], ['SREM', 's', 'a'], ['SREM', 's', 'zz'], ['SADD', 's2', 'q'], ['SMOVE', 's', 's2', 'b'],
    ['SMOVE', 's', 's2', 'nomember'], ['SMOVE', 's', 's', 'y'], ['SADD', 'p', '1', '2', '3'], ['SPOP', 'p', '1'], ['SPOP', 'nokey'],
    ['SINTERSTORE', 'dst', 's', 's2'], ['SUNIONSTORE', 'dst2', 's', 's2'], ['SDIFFSTORE', 'dst3', 's2', 's'],
  ],
  lists: [
    ['LPUSH', 'l', 'a', 'b'], ['RPUSH', 'l', 'c'], ['LPUSHX', 'nol', 'a'], ['RPUSHX', 'l', 'd'], ['LINSERT', 'l', 'BEFORE', 'c', 'x'],
    ['LINSERT', 'l', 'BEFORE', 'nopivot', 'x'], ['LSET', 'l', '0', 'z'], ['LREM', 'l', '1', 'x'], ['LREM', 'l', '1', 'nothere'], ['LTRIM', 'l', '0', '-1'],
    ['LPOP', 'l'], ['RPOP', 'l'], ['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT'], ['RPUSH', 'l', 'e', 'f'], ['RPOPLPUSH', 'l', 'l2'], ['LMPOP', '1', 'l2', 'LEFT'],
    ['LPOP', 'nol'], ['RPUSH', 'nums', '3', '1', '2'], ['SORT', 'nums', 'STORE', 'sorted'],
  ],
  'sorted sets': [
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e'], ['ZADD', 'z', '1', 'a'], ['ZADD', 'z', 'INCR', '1', 'a'], ['ZADD', 'z', 'NX', 'INCR', '1', 'a'],
    ['ZADD', 'z', 'CH', '9', 'a'], ['ZINCRBY', 'z', '1', 'b'], ['ZREM', 'z', 'nomember'], ['ZREM', 'z', 'a'], ['ZADD', 'z', '6', 'f', '7', 'g', '8', 'h'],
    ['ZREMRANGEBYSCORE', 'z', '100', '200'], ['ZREMRANGEBYSCORE', 'z', '5', '5'], ['ZREMRANGEBYRANK', 'z', '0', '0'], ['ZREMRANGEBYLEX', 'z', '[zz', '[zz'],
    ['ZPOPMIN', 'z'], ['ZPOPMAX', 'z'], ['ZPOPMIN', 'nokey'], ['ZMPOP', '1', 'z', 'MIN'], ['ZMPOP', '1', 'z', 'MAX', 'COUNT', '1'],
    ['ZADD', 'y', '1', 'f', '2', 'q'], ['ZUNIONSTORE', 'u', '2', 'z', 'y'], ['ZINTERSTORE', 'i', '2', 'z', 'y'], ['ZDIFFSTORE', 'd', '2', 'y', 'z'],
    ['ZRANGESTORE', 'r', 'y', '0', '-1'],
  ],
  // Commands run by EXEC raise their events as they run, before EXEC's reply.
  transactions: [
    ['SET', 'k', '0'], ['MULTI'], ['SET', 'a', '1'], ['HSET', 'h', 'f', 'v'], ['LPUSH', 'l', 'x'], ['INCR', 'k'], ['EXPIRE', 'a', '100'],
    ['SELECT', '2'], ['SET', 'b', '1'], ['SELECT', '0'], ['DEL', 'a', 'h'], ['EXEC'],
  ],
  // Served at once (the key holds elements; none is emptied): the non-blocking forms' events.
  'blocking pops': [
    ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f'], ['BLPOP', 'nol', 'l', '1'], ['BRPOP', 'l', '1'], ['BLMOVE', 'l', 'l2', 'LEFT', 'RIGHT', '1'],
    ['BRPOPLPUSH', 'l', 'l2', '1'], ['BLMPOP', '1', '2', 'nol', 'l', 'RIGHT'], ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
    ['BZPOPMIN', 'z', '1'], ['BZPOPMAX', 'noz', 'z', '1'], ['BZMPOP', '1', '1', 'z', 'MIN'],
  ],
  // Commands a script calls raise their events while it runs, before EVAL's reply.
  scripts: [
    ['EVAL', "redis.call('SET', KEYS[1], '1') redis.call('LPUSH', KEYS[2], 'a', 'b') redis.call('HSET', KEYS[3], 'f', 'v') redis.call('EXPIRE', KEYS[1], 100) redis.call('SET', KEYS[4], 'x', 'NX') return redis.call('INCR', KEYS[5])", '5', 'a', 'l', 'h', 'a', 'n'],
    ['EVAL', "redis.call('ZADD', KEYS[1], 1, 'm') redis.call('SADD', KEYS[2], 'm') return redis.pcall('LPUSH', KEYS[1], 'x')", '2', 'z', 's'],
  ],
  'bitmaps and HyperLogLog': [
    ['SETBIT', 'b', '7', '1'], ['SETBIT', 'b', '7', '1'], ['SETBIT', 'c', '100', '1'], ['BITOP', 'AND', 'dst', 'b', 'c'], ['BITOP', 'OR', 'dst2', 'b', 'c'],
    ['PFADD', 'h', 'a', 'b'], ['PFADD', 'h', 'a'], ['PFADD', 'h2', 'z'], ['PFMERGE', 'h3', 'h', 'h2'], ['PFCOUNT', 'h3'],
  ],
};

describe.skipIf(!HAVE_REDIS)(HAVE_REDIS ? 'keyspace notifications: same events as redis-server' : 'keyspace notifications (skipped: redis-server is not on PATH)', () => {
  const servers = referenceAndKiwi();

  for (const [family, script] of Object.entries(SCRIPTS)) {
    for (const resp3 of [false, true]) {
      it(`${family} commands raise Redis' events (${resp3 ? 'RESP3' : 'RESP2'})`, async () => {
        const expected = await events(servers.redis().port, resp3, script);
        const actual = await events(servers.kiwi().port, resp3, script);
        expect(actual).toEqual(expected);
      });
    }
  }

  it('only the classes and targets asked for are published', async () => {
    const script = [['SET', 'a', '1'], ['EXPIRE', 'a', '100'], ['HSET', 'h', 'f', 'v'], ['SADD', 's', 'm'], ['DEL', 'a']];
    for (const flags of ['K$', 'Eg', 'Kh', 'Es', 'g$lshzxetd', 'A', '$']) {
      expect(await events(servers.kiwi().port, false, script, flags)).toEqual(await events(servers.redis().port, false, script, flags));
    }
  });

  it('CONFIG SET notify-keyspace-events validates the letters and CONFIG GET shows them as Redis does', async () => {
    const run = async (port: number) => {
      const c = await RespConnection.open(port);
      const out: string[] = [];
      for (const v of ['KEA', 'Eg$nm', 'g$', 'AKE', 'KEQ', 'x', 'lshzxetd$gKE', '']) {
        out.push(await c.command(['CONFIG', 'SET', 'notify-keyspace-events', v]));
        out.push(await c.command(['CONFIG', 'GET', 'notify-keyspace-events']));
      }
      c.close();
      return out;
    };
    expect(await run(servers.kiwi().port)).toEqual(await run(servers.redis().port));
  });
});
