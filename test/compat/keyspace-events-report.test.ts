// Keyspace notifications that depend on what a write did to its keys, against Debian's
// redis-server byte for byte (RESP2 and RESP3, kiwi with one and three network
// runtimes): "del" when a removal empties a key or a *STORE / BITOP / SORT STORE deletes
// its destination, which of several DEL/UNLINK keys existed, GETEX PERSIST's "persist",
// BITFIELD's "setbit", the `n` class ("new"), and "expired" raised by a write that finds
// its key expired. Both servers run without their background expiry (DEBUG
// SET-ACTIVE-EXPIRE 0, storage.expire_cycle 0), so "expired" can only come from access.
// A RESP3 client subscribed to its own keys gets the events before its write's reply.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { RespConnection, startReferenceRedis, type ReferenceRedis } from './harness.js';
import { events, type EventStep } from './keyspace-harness.js';
import { HAVE_REDIS } from './suite.js';

const SCRIPTS: Record<string, EventStep[]> = {
  'removals that empty their key': [
    ['HSET', 'h', 'a', '1', 'b', '2'], ['HDEL', 'h', 'a'], ['HDEL', 'h', 'b', 'c'], ['HDEL', 'h', 'b'],
    ['SADD', 's', 'a'], ['SREM', 's', 'a', 'b'], ['SADD', 's', 'a', 'b'], ['SPOP', 's', '5'], ['SADD', 's', 'a'], ['SPOP', 's'],
    ['SADD', 's1', 'm'], ['SMOVE', 's1', 's2', 'm'], ['SMOVE', 's2', 's2', 'm'],
    ['LPUSH', 'l', 'a'], ['LPOP', 'l'], ['RPUSH', 'l', 'a', 'b'], ['RPOP', 'l', '5'], ['RPUSH', 'l', 'x'], ['LMPOP', '1', 'l', 'LEFT'],
    ['RPUSH', 'l', 'x', 'x'], ['LREM', 'l', '0', 'x'], ['RPUSH', 'l', 'x', 'y'], ['LTRIM', 'l', '5', '10'],
    ['RPUSH', 'l', 'a'], ['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT'], ['RPOPLPUSH', 'l2', 'l3'], ['LMOVE', 'l3', 'l3', 'LEFT', 'LEFT'],
    ['ZADD', 'z', '1', 'a'], ['ZREM', 'z', 'a', 'b'], ['ZADD', 'z', '1', 'a', '2', 'b'], ['ZPOPMIN', 'z', '5'], ['ZADD', 'z', '1', 'a'], ['ZPOPMAX', 'z'],
    ['ZADD', 'z', '1', 'a'], ['ZMPOP', '1', 'z', 'MIN'], ['ZADD', 'z', '1', 'a'], ['ZREMRANGEBYSCORE', 'z', '0', '5'],
    ['ZADD', 'z', '1', 'a'], ['ZREMRANGEBYRANK', 'z', '0', '-1'], ['ZADD', 'z', '0', 'a'], ['ZREMRANGEBYLEX', 'z', '-', '+'],
  ],
  'stores of an empty result delete the destination': [
    ['SET', 'd', 'x'], ['SINTERSTORE', 'd', 'no1', 'no2'], ['SINTERSTORE', 'd', 'no1'], ['SADD', 'd', 'q'], ['SUNIONSTORE', 'd', 'no1'],
    ['SADD', 'd', 'q'], ['SDIFFSTORE', 'd', 'no1'], ['ZADD', 'd', '1', 'q'], ['ZUNIONSTORE', 'd', '1', 'no1'], ['ZADD', 'd', '1', 'q'],
    ['ZINTERSTORE', 'd', '1', 'no1'], ['ZADD', 'd', '1', 'q'], ['ZDIFFSTORE', 'd', '1', 'no1'], ['ZADD', 'd', '1', 'q'],
    ['ZRANGESTORE', 'd', 'no1', '0', '-1'], ['SET', 'd', 'x'], ['BITOP', 'AND', 'd', 'no1'], ['SET', 'd', 'x'], ['SORT', 'no1', 'STORE', 'd'],
    ['SORT', 'no1', 'STORE', 'd'],
  ],
  'DEL and UNLINK of keys of which some exist, GETEX PERSIST, BITFIELD': [
    ['SET', 'a', '1'], ['SET', 'c', '1'], ['DEL', 'a', 'b', 'c', 'a'], ['SET', 'a', '1'], ['UNLINK', 'b', 'a', 'a'], ['DEL', 'b'],
    ['SET', 'g', 'v', 'EX', '100'], ['GETEX', 'g', 'PERSIST'], ['GETEX', 'g', 'PERSIST'], ['GETEX', 'nokey', 'PERSIST'],
    ['BITFIELD', 'bf', 'SET', 'u8', '0', '5'], ['BITFIELD', 'bf', 'GET', 'u8', '0'], ['BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '5'],
    ['BITFIELD', 'bf', 'GET', 'u8', '0', 'INCRBY', 'u8', '0', '1'], ['BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'SET', 'u2', '0', '9'],
  ],
  // "zadd" when a ZADD (or GEOADD) without CH changed scores only; none when nothing changed.
  'score-only ZADD and GEOADD': [
    ['ZADD', 'z', '1', 'a', '2', 'b'], ['ZADD', 'z', '1', 'a', '3', 'b'], ['ZADD', 'z', '1', 'a', '3', 'b'], ['ZADD', 'z', 'XX', '5', 'a'],
    ['ZADD', 'z', 'GT', '4', 'a'], ['GEOADD', 'g', '13.361389', '38.115556', 'p'], ['GEOADD', 'g', '15.087269', '37.502669', 'p'],
    ['GEOADD', 'g', '15.087269', '37.502669', 'p'],
  ],
  'new keys': [
    ['SET', 'a', '1'], ['SET', 'a', '2'], ['SET', 'b', '1', 'EX', '100'], ['SETNX', 'c', '1'], ['GETSET', 'd', '1'], ['MSET', 'e', '1', 'a', '2', 'f', '3'],
    ['APPEND', 'g', 'x'], ['SETRANGE', 'h', '1', 'x'], ['INCR', 'i'], ['INCRBYFLOAT', 'j', '1.5'], ['SETBIT', 'k', '7', '1'], ['PFADD', 'p', 'a'],
    ['HSET', 'H', 'f', 'v'], ['HINCRBY', 'H2', 'f', '1'], ['LPUSH', 'L', 'a'], ['LPUSHX', 'L2', 'a'], ['SADD', 'S', 'a'], ['ZADD', 'Z', '1', 'a'],
    ['ZINCRBY', 'Z2', '1', 'a'], ['SMOVE', 'S', 'S3', 'a'], ['LMOVE', 'L', 'L3', 'LEFT', 'LEFT'], ['SADD', 'S', 'a', 'b'], ['SINTERSTORE', 'S4', 'S'],
    ['ZUNIONSTORE', 'Z3', '1', 'Z'], ['BITOP', 'OR', 'B', 'k'], ['RPUSH', 'N', '2', '1'], ['SORT', 'N', 'STORE', 'N2'],
    ['RENAME', 'a', 'a2'], ['RENAME', 'c', 'a2'], ['COPY', 'd', 'd2'], ['COPY', 'd', 'd2', 'REPLACE'], ['MOVE', 'd2', '1'],
    ['BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '5'],
  ],
  'writes that find their key expired': [
    ['SET', 'a', '1', 'PX', '20'], ['SLEEP', '60'], ['SET', 'a', '2'],
    ['HSET', 'h', 'f', 'v'], ['PEXPIRE', 'h', '20'], ['SLEEP', '60'], ['HDEL', 'h', 'f'],
    ['RPUSH', 'l', 'a'], ['PEXPIRE', 'l', '20'], ['SLEEP', '60'], ['LPUSH', 'l', 'b'],
    ['SADD', 's', 'a'], ['PEXPIRE', 's', '20'], ['SLEEP', '60'], ['SADD', 's', 'a'],
    ['ZADD', 'z', '1', 'a'], ['PEXPIRE', 'z', '20'], ['SLEEP', '60'], ['ZREM', 'z', 'a'],
    ['SET', 'd', '1', 'PX', '20'], ['SET', 'e', '1'], ['SLEEP', '60'], ['DEL', 'd', 'e'],
    ['SET', 'i', '1', 'PX', '20'], ['SLEEP', '60'], ['INCR', 'i'],
    ['SET', 'w', 'x', 'PX', '20'], ['SLEEP', '60'], ['LPUSH', 'w', 'x'],
  ],
  'reads that find their key expired': [
    ['SET', 'a', '1', 'PX', '20'], ['HSET', 'h', 'f', 'v'], ['PEXPIRE', 'h', '20'], ['RPUSH', 'l', 'a'], ['PEXPIRE', 'l', '20'], ['SLEEP', '60'],
    ['GET', 'a'], ['GET', 'a'], ['HGET', 'h', 'f'], ['LRANGE', 'l', '0', '-1'], ['SET', 'a', '2'],
    ['SADD', 's', 'a'], ['PEXPIRE', 's', '20'], ['ZADD', 'z', '1', 'a'], ['PEXPIRE', 'z', '20'], ['SET', 'b', '1', 'PX', '20'], ['SLEEP', '60'],
    ['SMEMBERS', 's'], ['EXISTS', 'z'], ['TTL', 'b'], ['MGET', 'b', 'none'], ['TYPE', 'b'], ['SADD', 's', 'x'],
  ],
};

const FLAGS = 'KEAn';

describe.skipIf(!HAVE_REDIS)(HAVE_REDIS ? 'keyspace notifications from the key report: same events as redis-server' : 'keyspace notifications from the key report (skipped: redis-server is not on PATH)', () => {
  let redis: ReferenceRedis;
  beforeAll(async () => {
    redis = await startReferenceRedis(['--enable-debug-command', 'yes']);
    const c = await RespConnection.open(redis.port);
    await c.command(['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
    c.close();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  for (const threads of [1, 3]) {
    describe(`network_threads = ${threads}`, () => {
      let kiwi: TestServer;
      beforeAll(async () => {
        kiwi = await startTestServer({ settings: { 'runtime.network_threads': threads, 'runtime.accept_mode': 'acceptor', 'storage.expire_cycle': 0 } });
      });
      afterAll(async () => {
        await kiwi?.destroy();
      });

      for (const [name, script] of Object.entries(SCRIPTS)) {
        for (const resp3 of [false, true]) {
          it(`${name} (${resp3 ? 'RESP3' : 'RESP2'})`, async () => {
            const expected = await events(redis.port, resp3, script, FLAGS);
            const actual = await events(kiwi.port, resp3, script, FLAGS);
            expect(actual).toEqual(expected);
          });
        }
      }

      it('a RESP3 client subscribed to its own keys gets their events before the reply', async () => {
        // Redis raises some events before adding the reply and some after (HSET's "new"
        // before, its "hset" after). ZPOPMIN/ZMPOP are left out: Redis 7.0 writes their
        // events inside the popped array's bytes (README).
        const script = [
          ['SET', 'a', '1'], ['HSET', 'h', 'f', 'v'], ['HDEL', 'h', 'f'], ['DEL', 'a', 'b'], ['LPUSH', 'l', 'x'], ['RPOPLPUSH', 'l', 'l2'],
          ['GETSET', 'g', '1'], ['EXPIRE', 'g', '100'], ['GETEX', 'g', 'PERSIST'], ['SADD', 's', 'a'], ['SPOP', 's'], ['LMOVE', 'l2', 'l3', 'LEFT', 'RIGHT'],
          ['ZADD', 'z', '1', 'a'], ['ZREM', 'z', 'a'], ['BITFIELD', 'b', 'SET', 'u8', '0', '1'], ['GETDEL', 'b'], ['INCR', 'i'], ['PEXPIREAT', 'i', '1'],
        ];
        const run = async (port: number) => {
          const admin = await RespConnection.open(port);
          await admin.command(['FLUSHALL']);
          await admin.command(['CONFIG', 'SET', 'notify-keyspace-events', FLAGS]);
          const c = await RespConnection.open(port);
          const out: string[] = [];
          try {
            await c.command(['HELLO', '3']);
            out.push(await c.command(['PSUBSCRIBE', '__key*__:*']));
            for (const argv of script) {
              c.send(argv);
              // Everything up to and including the reply, in the order it arrives.
              for (;;) {
                const m = await c.next(2000);
                out.push(m);
                if (!m.startsWith('>') || m === '<timeout>') break;
              }
            }
          } finally {
            await admin.command(['CONFIG', 'SET', 'notify-keyspace-events', '']);
            admin.close();
            c.close();
          }
          return out;
        };
        expect(await run(kiwi.port)).toEqual(await run(redis.port));
      });
    });
  }
});
