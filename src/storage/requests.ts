// Builders for storage commands: the only place that knows how each op lays out its
// flags, numbers and arguments. The command layer and tests build requests through these.
import type { StorageCommand } from './codec.js';
import { Flag, Op, type OpCode } from './ops.js';

export type Bytes = Buffer | string;

/** The type tags of format.h, for SCAN ... TYPE. */
export const TypeTag = { none: 0, string: 1, hash: 2, list: 3, set: 4, zset: 5, stream: 6 } as const;
export type TypeName = keyof typeof TypeTag;

function buf(b: Bytes): Buffer {
  return typeof b === 'string' ? Buffer.from(b) : b;
}

function command(op: OpCode, db: number, args: Buffer[], flags = 0, a: number | bigint = 0, b: number | bigint = 0): StorageCommand {
  return { op, db, flags, a, b, args };
}

/**
 * Any storage command, as its op's handler reads it (native/src/types/<family>.cc):
 * arguments in order, the op's flag bits, and two 64-bit numbers. Family files build
 * their commands with this; the builders below are the older, named forms.
 */
export const storageCommand = command;

export interface SetOptions {
  nx?: boolean;
  xx?: boolean;
  get?: boolean;
  keepTtl?: boolean;
  /** Relative expiry in ms (EX/PX); resolved against the storage clock at execution. */
  ttlMs?: number | bigint;
  /** Absolute expiry, ms since the epoch (EXAT/PXAT). */
  expireAtMs?: number | bigint;
}

export interface ExpireOptions {
  seconds?: boolean;
  /** `when` is a Unix time (EXPIREAT/PEXPIREAT) rather than relative. */
  at?: boolean;
  nx?: boolean;
  xx?: boolean;
  gt?: boolean;
  lt?: boolean;
}

export interface GetExOptions {
  ttlMs?: number | bigint;
  expireAtMs?: number | bigint;
  persist?: boolean;
}

export interface ScanOptions {
  match?: Bytes;
  count?: number;
  /** A TypeTag value; 0 = any. */
  type?: number;
}

function expiryFlags(o: { ttlMs?: number | bigint; expireAtMs?: number | bigint }): [number, number | bigint] {
  if (o.ttlMs !== undefined) return [Flag.EXPIRE_RELATIVE, o.ttlMs];
  if (o.expireAtMs !== undefined) return [Flag.EXPIRE_ABSOLUTE, o.expireAtMs];
  return [0, 0];
}

export const Cmd = {
  ping: (): StorageCommand => command(Op.PING, 0, []),
  get: (key: Bytes, db = 0) => command(Op.GET, db, [buf(key)]),
  set(key: Bytes, value: Bytes, options: SetOptions = {}, db = 0): StorageCommand {
    // The hot path: no tuple from expiryFlags() here.
    let expiry = 0;
    let when: number | bigint = 0;
    if (options.ttlMs !== undefined) {
      expiry = Flag.EXPIRE_RELATIVE;
      when = options.ttlMs;
    } else if (options.expireAtMs !== undefined) {
      expiry = Flag.EXPIRE_ABSOLUTE;
      when = options.expireAtMs;
    }
    const flags =
      expiry |
      (options.nx ? Flag.SET_NX : 0) |
      (options.xx ? Flag.SET_XX : 0) |
      (options.get ? Flag.SET_GET : 0) |
      (options.keepTtl ? Flag.SET_KEEPTTL : 0);
    return command(Op.SET, db, [buf(key), buf(value)], flags, when);
  },
  del: (keys: Bytes[], db = 0) => command(Op.DEL, db, keys.map(buf)),
  exists: (keys: Bytes[], db = 0) => command(Op.EXISTS, db, keys.map(buf)),
  expire(key: Bytes, when: number | bigint, options: ExpireOptions = {}, db = 0): StorageCommand {
    const flags =
      (options.seconds ? Flag.EXPIRE_SECONDS : 0) |
      (options.at ? Flag.EXPIRE_AT : 0) |
      (options.nx ? Flag.EXPIRE_NX : 0) |
      (options.xx ? Flag.EXPIRE_XX : 0) |
      (options.gt ? Flag.EXPIRE_GT : 0) |
      (options.lt ? Flag.EXPIRE_LT : 0);
    return command(Op.EXPIRE, db, [buf(key)], flags, when);
  },
  persist: (key: Bytes, db = 0) => command(Op.PERSIST, db, [buf(key)]),
  ttl: (key: Bytes, options: { ms?: boolean; absolute?: boolean } = {}, db = 0) =>
    command(Op.TTL, db, [buf(key)], (options.ms ? Flag.TTL_MS : 0) | (options.absolute ? Flag.TTL_ABSOLUTE : 0)),
  incrBy: (key: Bytes, delta: number | bigint, db = 0) => command(Op.INCRBY, db, [buf(key)], 0, delta),
  /** The increment travels as text: Redis parses it as a long double, JS cannot. */
  incrByFloat: (key: Bytes, increment: Bytes, db = 0) => command(Op.INCRBYFLOAT, db, [buf(key), buf(increment)]),
  mset: (pairs: Bytes[], db = 0) => command(Op.MSET, db, pairs.map(buf)),
  msetnx: (pairs: Bytes[], db = 0) => command(Op.MSETNX, db, pairs.map(buf)),
  mget: (keys: Bytes[], db = 0) => command(Op.MGET, db, keys.map(buf)),
  append: (key: Bytes, value: Bytes, maxLength: number, db = 0) =>
    command(Op.APPEND, db, [buf(key), buf(value)], 0, 0, maxLength),
  strlen: (key: Bytes, db = 0) => command(Op.STRLEN, db, [buf(key)]),
  getRange: (key: Bytes, start: number | bigint, end: number | bigint, db = 0) =>
    command(Op.GETRANGE, db, [buf(key)], 0, start, end),
  setRange: (key: Bytes, offset: number, value: Bytes, maxLength: number, db = 0) =>
    command(Op.SETRANGE, db, [buf(key), buf(value)], 0, offset, maxLength),
  getDel: (key: Bytes, db = 0) => command(Op.GETDEL, db, [buf(key)]),
  getEx(key: Bytes, options: GetExOptions = {}, db = 0): StorageCommand {
    const [expiry, when] = expiryFlags(options);
    return command(Op.GETEX, db, [buf(key)], expiry | (options.persist ? Flag.GETEX_PERSIST : 0), when);
  },
  type: (key: Bytes, db = 0) => command(Op.TYPE, db, [buf(key)]),
  keys: (pattern: Bytes, db = 0) => command(Op.KEYS, db, [buf(pattern)]),
  scan(startKey: Bytes, options: ScanOptions = {}, db = 0): StorageCommand {
    const args = [buf(startKey)];
    if (options.match !== undefined) args.push(buf(options.match));
    return command(Op.SCAN, db, args, options.match !== undefined ? Flag.SCAN_MATCH : 0, options.count ?? 10, options.type ?? 0);
  },
  dbsize: (db = 0) => command(Op.DBSIZE, db, []),
  /** [keys, keys with an expiry] in one pass, for INFO keyspace. */
  dbsizeWithExpires: (db = 0) => command(Op.DBSIZE, db, [], Flag.DBSIZE_EXPIRES),
  flushdb: (db = 0) => command(Op.FLUSHDB, db, []),
  flushall: () => command(Op.FLUSHALL, 0, []),
  randomKey: (db = 0) => command(Op.RANDOMKEY, db, []),
  rename: (src: Bytes, dst: Bytes, nx = false, db = 0) => command(Op.RENAME, db, [buf(src), buf(dst)], nx ? Flag.RENAME_NX : 0),
  compact: () => command(Op.COMPACT, 0, []),
  rawSet: (key: Bytes, raw: Bytes, db = 0) => command(Op.RAW_SET, db, [buf(key), buf(raw)]),
  /** A member record as it is: `memberKey` whole (MemberPrefix and suffix), `family` a MemberFamily of format.h. */
  rawMember: (family: number, memberKey: Bytes, value: Bytes) => command(Op.RAW_MEMBER, 0, [buf(memberKey), buf(value)], 0, family),
  failWrite: (status: 'busy' | 'tryagain' | 'io' | 'nospace') =>
    command(Op.FAIL_WRITE, 0, [], 0, { busy: 1, tryagain: 2, io: 3, nospace: 4 }[status]),
  flushMemtable: () => command(Op.FLUSH_MEMTABLE, 0, []),
  /** Header of an atomic group: the next `count` commands execute as one. */
  batchHeader: (count: number) => command(Op.BATCH, 0, [], 0, count),
};

/** Commands of an atomic group, ready to send as one request with one (array) reply. */
export function atomic(commands: StorageCommand[]): StorageCommand[] {
  return [Cmd.batchHeader(commands.length), ...commands];
}
