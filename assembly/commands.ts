// The command table: id = index + 1, 0 = not a command. Resolving the id here means the
// wrapper's hot path never makes a JS string for a command name.
//
// The names are every top-level command of Redis 7.0 (`COMMAND LIST` of redis-server
// 7.0.15, 240 names; test/protocol/redis-compat.test.ts compares against a live server).
// Ids are positions in this list: they are not persisted and may change when the list
// does, so the server maps them to handlers by name (commandNames) at start-up.

import { SPELLED_LOWER, SPELLED_UPPER } from './layout';

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

/** Longest name the table compares (three 64-bit words). */
const WORDS_MAX: i32 = 24;
const LOWER: u64 = 0x2020202020202020;

// Names as bytes: "name\n" each, read once by the wrapper for commandNames.
const BLOB: usize = memory.data(4096, 16);
let blobLength: i32 = 0;
// Per id: the lowercase name as three zero-padded u64 words, a mask with 0x20 on the
// letters (where either case matches), and the length.
const WORDS: usize = memory.data(512 * 24, 16);
const MASKS: usize = memory.data(512 * 24, 16);
const LENGTHS: usize = memory.data(512, 16);
// Open addressing, linear probing; u16 ids, 0 = empty. Sized for a load under 1/4.
const TABLE_BITS: u64 = 10;
const TABLE_SIZE: i32 = 1 << <i32>TABLE_BITS;
const TABLE: usize = memory.data(TABLE_SIZE * 2, 16);

export function namesPointer(): usize {
  return BLOB;
}

export function namesLength(): i32 {
  return blobLength;
}

// The last name looked up (up to 8 bytes), as pipelines repeat their commands.
let lastWord: u64 = 0;
let lastLength: i32 = 0;
let lastResult: i32 = 0;

/**
 * The command id of the `length` bytes at `at`, ASCII case-insensitive; 0 if none. For
 * names of up to 8 bytes, SPELLED_LOWER or SPELLED_UPPER is added when every letter was
 * sent in that case, so the wrapper can hand out a shared Buffer of those bytes.
 * Reads up to 24 bytes from `at` whatever the length: callers point into INPUT or the
 * name scratch, both followed by more of the fixed memory, so this never traps.
 */
export function commandIdAt(at: usize, length: i32): i32 {
  if (length < 1 || length > WORDS_MAX) return 0;
  const w0 = load<u64>(at) & validBytes(length);
  if (length == lastLength && w0 == lastWord) return lastResult;
  let slot = hash(w0, length);
  while (true) {
    const id = <i32>load<u16>(TABLE + (<usize>slot << 1));
    if (id == 0) return 0;
    const entry = <usize>id * 24;
    if (<i32>load<u8>(LENGTHS + <usize>id) == length && sameName(at, w0, length, entry)) {
      if (length > 8) return id;
      const lower = load<u64>(WORDS + entry);
      const result = w0 == lower ? id | SPELLED_LOWER
        : w0 == (lower ^ load<u64>(MASKS + entry)) ? id | SPELLED_UPPER : id;
      lastWord = w0;
      lastLength = length;
      lastResult = result;
      return result;
    }
    slot = (slot + 1) & (TABLE_SIZE - 1);
  }
}

/** Mask of the bytes of word 0 that belong to a name of `length` bytes. */
@inline function validBytes(length: i32): u64 {
  return length >= 8 ? 0xffffffffffffffff : (<u64>1 << (<u64>length << 3)) - 1;
}

// `| 0x20` lowercases letters and changes some other bytes, but identically for the
// table and the input, so a false hit only costs a comparison in sameName().
@inline function hash(w0: u64, length: i32): i32 {
  const h = ((w0 | LOWER) * 0x9e3779b97f4a7c15) ^ (<u64>length * 0xc2b2ae3d27d4eb4f);
  return <i32>(h >> (64 - TABLE_BITS));
}

@inline function sameName(at: usize, w0: u64, length: i32, entry: usize): bool {
  if ((w0 | load<u64>(MASKS + entry)) != load<u64>(WORDS + entry)) return false;
  if (length <= 8) return true;
  const w1 = load<u64>(at + 8) & (length >= 16 ? 0xffffffffffffffff : (<u64>1 << (<u64>(length - 8) << 3)) - 1);
  if ((w1 | load<u64>(MASKS + entry + 8)) != load<u64>(WORDS + entry + 8)) return false;
  if (length <= 16) return true;
  const w2 = load<u64>(at + 16) & ((<u64>1 << (<u64>(length - 16) << 3)) - 1);
  return (w2 | load<u64>(MASKS + entry + 16)) == load<u64>(WORDS + entry + 16);
}

function addName(id: i32, name: string): void {
  const at = BLOB + <usize>blobLength;
  const entry = <usize>id * 24;
  for (let i = 0; i < name.length; i++) {
    const c = <u8>name.charCodeAt(i);
    store<u8>(at + <usize>i, c);
    store<u8>(WORDS + entry + <usize>i, c);
    if (c >= 0x61 && c <= 0x7a) store<u8>(MASKS + entry + <usize>i, 0x20);
  }
  store<u8>(at + <usize>name.length, 10);
  store<u8>(LENGTHS + <usize>id, <u8>name.length);
  blobLength += name.length + 1;
  let slot = hash(load<u64>(WORDS + entry), name.length);
  while (load<u16>(TABLE + (<usize>slot << 1)) != 0) slot = (slot + 1) & (TABLE_SIZE - 1);
  store<u16>(TABLE + (<usize>slot << 1), <u16>id);
}

// Runs once when the instance starts. Every name fits WORDS_MAX (the longest is 20).
for (let i = 0; i < NAMES.length; i++) addName(i + 1, NAMES[i]);
