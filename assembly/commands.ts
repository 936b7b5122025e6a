// The command table: id = index + 1, 0 = not a command. Resolving the id here means the
// wrapper's hot path never makes a JS string for a command name.
//
// The names are every top-level command of Redis 7.0 (`COMMAND LIST` of redis-server
// 7.0.15, 240 names; test/protocol/redis-compat.test.ts compares against a live server).
// Ids are positions in this list: they are not persisted and may change when the list
// does, so the server maps them to handlers by name (commandNames) at start-up.

import { NAME_MAX } from './layout';

const NAMES: string[] = [
  'acl', 'append', 'asking', 'auth', 'bgrewriteaof', 'bgsave', 'bitcount', 'bitfield',
  'bitfield_ro', 'bitop', 'bitpos', 'blmove', 'blmpop', 'blpop', 'brpop', 'brpoplpush',
  'bzmpop', 'bzpopmax', 'bzpopmin', 'client', 'cluster', 'command', 'config', 'copy',
  'dbsize', 'debug', 'decr', 'decrby', 'del', 'discard', 'dump', 'echo', 'eval', 'eval_ro',
  'evalsha', 'evalsha_ro', 'exec', 'exists', 'expire', 'expireat', 'expiretime',
  'failover', 'fcall', 'fcall_ro', 'flushall', 'flushdb', 'function', 'geoadd', 'geodist',
  'geohash', 'geopos', 'georadius', 'georadius_ro', 'georadiusbymember',
  'georadiusbymember_ro', 'geosearch', 'geosearchstore', 'get', 'getbit', 'getdel',
  'getex', 'getrange', 'getset', 'hdel', 'hello', 'hexists', 'hget', 'hgetall', 'hincrby',
  'hincrbyfloat', 'hkeys', 'hlen', 'hmget', 'hmset', 'hrandfield', 'hscan', 'hset',
  'hsetnx', 'hstrlen', 'hvals', 'incr', 'incrby', 'incrbyfloat', 'info', 'keys',
  'lastsave', 'latency', 'lcs', 'lindex', 'linsert', 'llen', 'lmove', 'lmpop', 'lolwut',
  'lpop', 'lpos', 'lpush', 'lpushx', 'lrange', 'lrem', 'lset', 'ltrim', 'memory', 'mget',
  'migrate', 'module', 'monitor', 'move', 'mset', 'msetnx', 'multi', 'object', 'persist',
  'pexpire', 'pexpireat', 'pexpiretime', 'pfadd', 'pfcount', 'pfdebug', 'pfmerge',
  'pfselftest', 'ping', 'psetex', 'psubscribe', 'psync', 'pttl', 'publish', 'pubsub',
  'punsubscribe', 'quit', 'randomkey', 'readonly', 'readwrite', 'rename', 'renamenx',
  'replconf', 'replicaof', 'reset', 'restore', 'restore-asking', 'role', 'rpop',
  'rpoplpush', 'rpush', 'rpushx', 'sadd', 'save', 'scan', 'scard', 'script', 'sdiff',
  'sdiffstore', 'select', 'set', 'setbit', 'setex', 'setnx', 'setrange', 'shutdown',
  'sinter', 'sintercard', 'sinterstore', 'sismember', 'slaveof', 'slowlog', 'smembers',
  'smismember', 'smove', 'sort', 'sort_ro', 'spop', 'spublish', 'srandmember', 'srem',
  'sscan', 'ssubscribe', 'strlen', 'subscribe', 'substr', 'sunion', 'sunionstore',
  'sunsubscribe', 'swapdb', 'sync', 'time', 'touch', 'ttl', 'type', 'unlink',
  'unsubscribe', 'unwatch', 'wait', 'watch', 'xack', 'xadd', 'xautoclaim', 'xclaim',
  'xdel', 'xgroup', 'xinfo', 'xlen', 'xpending', 'xrange', 'xread', 'xreadgroup',
  'xrevrange', 'xsetid', 'xtrim', 'zadd', 'zcard', 'zcount', 'zdiff', 'zdiffstore',
  'zincrby', 'zinter', 'zintercard', 'zinterstore', 'zlexcount', 'zmpop', 'zmscore',
  'zpopmax', 'zpopmin', 'zrandmember', 'zrange', 'zrangebylex', 'zrangebyscore',
  'zrangestore', 'zrank', 'zrem', 'zremrangebylex', 'zremrangebyrank', 'zremrangebyscore',
  'zrevrange', 'zrevrangebylex', 'zrevrangebyscore', 'zrevrank', 'zscan', 'zscore',
  'zunion', 'zunionstore',
];

export const COMMAND_COUNT: i32 = NAMES.length;

// Names as bytes: "name\n" each, read once by the wrapper for commandNames.
const BLOB: usize = memory.data(4096, 16);
let blobLength: i32 = 0;
// Per id: offset into BLOB and length.
const NAME_AT: usize = memory.data(512 * 4, 16);
const NAME_LEN: usize = memory.data(512, 16);
// Open addressing, linear probing; u16 ids, 0 = empty. Sized for a load under 1/4.
const TABLE_SIZE: i32 = 1024;
const TABLE: usize = memory.data(TABLE_SIZE * 2, 16);

export function namesPointer(): usize {
  return BLOB;
}

export function namesLength(): i32 {
  return blobLength;
}

/** The command id of the `length` bytes at `at`, ASCII case-insensitive; 0 if none. */
export function commandIdAt(at: usize, length: i32): i32 {
  if (length < 1 || length > NAME_MAX) return 0;
  let slot = hash(at, length);
  while (true) {
    const id = <i32>load<u16>(TABLE + (<usize>slot << 1));
    if (id == 0) return 0;
    if (<i32>load<u8>(NAME_LEN + <usize>id) == length) {
      if (sameName(at, BLOB + <usize>load<u32>(NAME_AT + (<usize>id << 2)), length)) return id;
    }
    slot = (slot + 1) & (TABLE_SIZE - 1);
  }
}

// Lowercasing with `| 0x20` maps only letters correctly, but the same mapping is applied
// to both sides, so a false hit only costs a comparison in sameName().
@inline function hash(at: usize, length: i32): i32 {
  const first = <u32>load<u8>(at) | 0x20;
  const second = <u32>load<u8>(at + <usize>(length > 1 ? 1 : 0)) | 0x20;
  const last = <u32>load<u8>(at + <usize>(length - 1)) | 0x20;
  const h = (first * 0x9e3779b1) ^ (second * 0x85ebca6b) ^ (last * 0xc2b2ae35) ^ (<u32>length * 0x27d4eb2f);
  return <i32>((h ^ (h >> 15)) & <u32>(TABLE_SIZE - 1));
}

/** `name` is lowercase; an input byte matches it exactly or as the uppercase letter. */
function sameName(at: usize, name: usize, length: i32): bool {
  for (let i = 0; i < length; i++) {
    const a = <u32>load<u8>(at + <usize>i);
    const b = <u32>load<u8>(name + <usize>i);
    if (a != b && (b - 0x61 > 25 || (a | 0x20) != b)) return false;
  }
  return true;
}

function addName(id: i32, name: string): void {
  const at = BLOB + <usize>blobLength;
  for (let i = 0; i < name.length; i++) store<u8>(at + <usize>i, <u8>name.charCodeAt(i));
  store<u8>(at + <usize>name.length, 10);
  store<u32>(NAME_AT + (<usize>id << 2), <u32>blobLength);
  store<u8>(NAME_LEN + <usize>id, <u8>name.length);
  blobLength += name.length + 1;
  let slot = hash(at, name.length);
  while (load<u16>(TABLE + (<usize>slot << 1)) != 0) slot = (slot + 1) & (TABLE_SIZE - 1);
  store<u16>(TABLE + (<usize>slot << 1), <u16>id);
}

// Runs once when the instance starts.
for (let i = 0; i < NAMES.length; i++) addName(i + 1, NAMES[i]);
