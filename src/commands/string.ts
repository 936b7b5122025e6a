// String commands (Redis t_string.c). Parsing and validation happen here; the storage
// runtime executes them atomically (native/src/strings.cc).
import { RedisError, ReplyError, wrongArity } from '../errors.js';
import { OpError, type StorageReply } from '../storage/codec.js';
import { Flag, Op } from '../storage/ops.js';
import { Cmd, storageCommand, type GetExOptions, type SetOptions } from '../storage/requests.js';
import { expireArg, int64Arg, is, syntaxError } from './args.js';
import { MapReply, OK, type Reply } from './reply.js';
import { generic, storageErrorReply, toReply } from './storage-reply.js';
import { defineCommand, StorageCall, type CommandFlag, type CommandRow, type ExecContext } from './types.js';

const INT64_MIN = -9223372036854775808n;

interface ExpiryOptions {
  nx: boolean;
  xx: boolean;
  get: boolean;
  keepTtl: boolean;
  persist: boolean;
  /** Which of EX/PX/EXAT/PXAT was given, and its argument. */
  unit: 'ex' | 'px' | 'exat' | 'pxat' | null;
  when: Buffer | null;
}

/**
 * Redis parseExtendedStringArgumentsOrReply for SET (mode 'set') and GETEX ('get'): the
 * same option may repeat, conflicting ones are a syntax error.
 */
function parseExpiryOptions(argv: Buffer[], start: number, mode: 'set' | 'get'): ExpiryOptions | ReplyError {
  const o: ExpiryOptions = { nx: false, xx: false, get: false, keepTtl: false, persist: false, unit: null, when: null };
  const set = mode === 'set';
  for (let j = start; j < argv.length; j++) {
    const opt = argv[j];
    const hasNext = j + 1 < argv.length;
    const noExpiry = !o.keepTtl && !o.persist;
    if (set && is(opt, 'nx') && !o.xx) o.nx = true;
    else if (set && is(opt, 'xx') && !o.nx) o.xx = true;
    else if (set && is(opt, 'get')) o.get = true;
    else if (set && is(opt, 'keepttl') && !o.persist && o.unit === null) o.keepTtl = true;
    else if (!set && is(opt, 'persist') && o.unit === null) o.persist = true;
    else if (hasNext && noExpiry && expiryUnit(opt, o.unit) !== null) {
      o.unit = expiryUnit(opt, o.unit);
      o.when = argv[++j];
    } else return syntaxError();
  }
  return o;
}

// EX may repeat EX but not follow PX, EXAT or PXAT (and so on), as in Redis.
function expiryUnit(opt: Buffer, current: ExpiryOptions['unit']): ExpiryOptions['unit'] {
  for (const unit of ['ex', 'px', 'exat', 'pxat'] as const) {
    if (is(opt, unit) && (current === null || current === unit)) return unit;
  }
  return null;
}

/** The resolved expiry for the storage request, or the Redis error. */
function resolveExpiry(o: ExpiryOptions, command: string): Pick<SetOptions, 'ttlMs' | 'expireAtMs'> | ReplyError {
  if (o.unit === null || o.when === null) return {};
  const ms = expireArg(o.when, o.unit === 'ex' || o.unit === 'exat', command);
  if (ms instanceof ReplyError) return ms;
  return o.unit === 'ex' || o.unit === 'px' ? { ttlMs: ms } : { expireAtMs: ms };
}

/** GETEX arguments, or (for a bad time, reported after the lookup) the error to report. */
type GetExArgs = { key: Buffer; options: GetExOptions } | { key: Buffer; invalidTime: ReplyError };

const countHit = (ctx: ExecContext, r: StorageReply): void => {
  if (r instanceof OpError) return;
  if (r === null) ctx.server.stats.keyspaceMisses++;
  else ctx.server.stats.keyspaceHits++;
};

// The ways the SET family answers; one shared function per command, no closure per call.
const setReplies = {
  set: (command: string) => (r: StorageReply): Reply => toReply(r, command),
  setnx: (command: string) => (r: StorageReply): Reply => (r instanceof OpError ? storageErrorReply(r, command) : r === 'OK' ? 1 : 0),
  ok: (command: string) => (r: StorageReply): Reply => (r instanceof OpError ? storageErrorReply(r, command) : OK),
};
const setMappers = new Map<string, (r: StorageReply) => Reply>();
const NO_OPTIONS: SetOptions = Object.freeze({});

/** SET, SETNX, SETEX, PSETEX and GETSET share this (Redis' setGenericCommand). */
function setGeneric(ctx: ExecContext, key: Buffer, value: Buffer, options: SetOptions, reply: 'set' | 'setnx' | 'ok', command: string): StorageCall {
  let map = setMappers.get(command);
  if (map === undefined) {
    map = setReplies[reply](command);
    setMappers.set(command, map);
  }
  return new StorageCall(Cmd.set(key, value, options, ctx.client.db), map);
}

// GET-like commands count keyspace hits and misses for INFO stats.
const hitCounting = (command: string) => (r: StorageReply, ctx: ExecContext): Reply => {
  countHit(ctx, r);
  return toReply(r, command);
};
const mapGet = hitCounting('get');
const mapGetDel = hitCounting('getdel');
const mapGetEx = hitCounting('getex');
const mapMGet = (r: StorageReply, ctx: ExecContext): Reply => {
  if (Array.isArray(r)) for (const v of r) countHit(ctx, v);
  return toReply(r, 'mget');
};

const row = <A>(r: Omit<CommandRow<A>, 'group'>): CommandRow<A> => defineCommand({ group: 'string', ...r });
const key1 = { firstKey: 1, lastKey: 1, step: 1 };
const W: CommandFlag[] = ['write', 'denyoom'];
const WF: CommandFlag[] = ['write', 'denyoom', 'fast'];
const RF: CommandFlag[] = ['readonly', 'fast'];

const incrRow = (name: string, delta: (argv: Buffer[]) => number | bigint | ReplyError, arity: number, summary: string) =>
  row({
    name, arity, flags: WF, ...key1, since: '1.0.0', summary, complexity: 'O(1)',
    parse: (argv) => {
      const d = delta(argv);
      return d instanceof ReplyError ? d : { key: argv[1], delta: d };
    },
    exec: (a, ctx) => new StorageCall(Cmd.incrBy(a.key, a.delta, ctx.client.db), generic(name)),
  });

function negate(argv: Buffer[]): number | bigint | ReplyError {
  const n = int64Arg(argv[2]);
  if (n instanceof ReplyError) return n;
  // -LLONG_MIN does not fit: Redis refuses it up front.
  if (n === INT64_MIN) return new ReplyError('ERR decrement would overflow');
  return typeof n === 'bigint' ? -n : -n;
}

/** LCS options, checked (as Redis does) only once both keys are known to be strings. */
function lcsOptions(argv: Buffer[]): { flags: number; minLen: number | bigint } | ReplyError {
  let flags = 0;
  let minLen: number | bigint = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j];
    if (is(opt, 'idx')) flags |= Flag.LCS_IDX;
    else if (is(opt, 'len')) flags |= Flag.LCS_LEN;
    else if (is(opt, 'withmatchlen')) flags |= Flag.LCS_MATCHLEN;
    else if (is(opt, 'minmatchlen') && j + 1 < argv.length) {
      const n = int64Arg(argv[++j]);
      if (n instanceof ReplyError) return n;
      minLen = n < 0 ? 0 : n;
    } else return syntaxError();
  }
  if (flags & Flag.LCS_IDX && flags & Flag.LCS_LEN) return new ReplyError(RedisError.lcsLenAndIdx);
  return { flags, minLen };
}

/** LCS IDX: ["matches", [...], "len", n] as a map (RESP3) or that flat array (RESP2). */
const mapLcsIdx = (r: StorageReply): Reply => {
  if (!Array.isArray(r) || r.length !== 4) return toReply(r, 'lcs');
  return new MapReply([[r[0] as Buffer, toReply(r[1], 'lcs')], [r[2] as Buffer, r[3] as number]]);
};

const lcsRow = row({
  name: 'lcs', arity: -3, flags: ['readonly'], firstKey: 1, lastKey: 2, step: 1, since: '7.0.0', summary: 'Finds the longest common substring.',
  complexity: 'O(N*M) where N and M are the lengths of s1 and s2, respectively',
  parse: (argv) => ({ keys: [argv[1], argv[2]], options: lcsOptions(argv) }),
  exec: (a, ctx) => {
    const o = a.options;
    const db = ctx.client.db;
    if (o instanceof ReplyError) {
      return new StorageCall(storageCommand(Op.LCS, db, a.keys, Flag.CHECK_ONLY), (r) => (r === null ? o : toReply(r, 'lcs')));
    }
    return new StorageCall(storageCommand(Op.LCS, db, a.keys, o.flags, o.minLen, ctx.server.config.values.server.protoMaxBulkLen), o.flags & Flag.LCS_IDX ? mapLcsIdx : generic('lcs'));
  },
});

export const stringCommands: readonly CommandRow<any>[] = [
  lcsRow,
  row({
    name: 'get', arity: 2, flags: RF, ...key1, since: '1.0.0', summary: 'Returns the string value of a key.', complexity: 'O(1)',
    parse: (argv) => argv[1],
    exec: (key, ctx) => new StorageCall(Cmd.get(key, ctx.client.db), mapGet),
  }),
  row({
    name: 'set', arity: -3, flags: W, ...key1, since: '1.0.0', summary: 'Sets the string value of a key, ignoring its type. The key is created if it doesn\'t exist.', complexity: 'O(1)',
    // Plain SET KEY VALUE, by far the most common, passes argv through untouched.
    parse: (argv): Buffer[] | { key: Buffer; value: Buffer; options: SetOptions } | ReplyError => {
      if (argv.length === 3) return argv;
      const o = parseExpiryOptions(argv, 3, 'set');
      if (o instanceof ReplyError) return o;
      const expiry = resolveExpiry(o, 'set');
      if (expiry instanceof ReplyError) return expiry;
      return { key: argv[1], value: argv[2], options: { nx: o.nx, xx: o.xx, get: o.get, keepTtl: o.keepTtl, ...expiry } };
    },
    exec: (a, ctx) =>
      Array.isArray(a) ? setGeneric(ctx, a[1], a[2], NO_OPTIONS, 'set', 'set') : setGeneric(ctx, a.key, a.value, a.options, 'set', 'set'),
  }),
  row({
    name: 'setnx', arity: 3, flags: WF, ...key1, since: '1.0.0', summary: 'Set the string value of a key only when the key doesn\'t exist.', complexity: 'O(1)',
    parse: (argv) => ({ key: argv[1], value: argv[2] }),
    exec: (a, ctx) => setGeneric(ctx, a.key, a.value, { nx: true }, 'setnx', 'setnx'),
  }),
  ...(['setex', 'psetex'] as const).map((name) =>
    row({
      name, arity: 4, flags: W, ...key1, since: name === 'setex' ? '2.0.0' : '2.6.0',
      summary: `Sets the string value and expiration time (in ${name === 'setex' ? 'seconds' : 'milliseconds'}) of a key.`, complexity: 'O(1)',
      parse: (argv) => {
        const ms = expireArg(argv[2], name === 'setex', name);
        return ms instanceof ReplyError ? ms : { key: argv[1], value: argv[3], ms };
      },
      exec: (a, ctx) => setGeneric(ctx, a.key, a.value, { ttlMs: a.ms }, 'ok', name),
    }),
  ),
  row({
    name: 'getset', arity: 3, flags: WF, ...key1, since: '1.0.0', deprecated: { since: '6.2.0', replacedBy: '`SET` with the `!GET` argument' }, summary: 'Returns the previous string value of a key after setting it to a new value.', complexity: 'O(1)',
    parse: (argv) => ({ key: argv[1], value: argv[2] }),
    exec: (a, ctx) => setGeneric(ctx, a.key, a.value, { get: true }, 'set', 'getset'),
  }),
  ...(['mset', 'msetnx'] as const).map((name) =>
    row({
      name, arity: -3, flags: W, firstKey: 1, lastKey: -1, step: 2, since: '1.0.1',
      summary: name === 'mset' ? 'Atomically creates or modifies the string values of one or more keys.' : 'Atomically modifies the string values of one or more keys only when all keys don\'t exist.',
      complexity: 'O(N) where N is the number of keys to set.',
      parse: (argv) => (argv.length % 2 === 0 ? new ReplyError(wrongArity(name)) : argv.slice(1)),
      exec: (pairs, ctx) => new StorageCall(name === 'mset' ? Cmd.mset(pairs, ctx.client.db) : Cmd.msetnx(pairs, ctx.client.db), generic(name)),
    }),
  ),
  row({
    name: 'mget', arity: -2, flags: RF, firstKey: 1, lastKey: -1, step: 1, since: '1.0.0', summary: 'Atomically returns the string values of one or more keys.', complexity: 'O(N) where N is the number of keys to retrieve.',
    parse: (argv) => argv.slice(1),
    exec: (keys, ctx) => new StorageCall(Cmd.mget(keys, ctx.client.db), mapMGet),
  }),
  row({
    name: 'getdel', arity: 2, flags: ['write', 'fast'], ...key1, since: '6.2.0', summary: 'Returns the string value of a key after deleting the key.', complexity: 'O(1)',
    parse: (argv) => argv[1],
    exec: (key, ctx) => new StorageCall(Cmd.getDel(key, ctx.client.db), mapGetDel),
  }),
  row({
    name: 'getex', arity: -2, flags: ['write', 'fast'], ...key1, since: '6.2.0', summary: 'Returns the string value of a key after setting its expiration time.', complexity: 'O(1)',
    parse: (argv): GetExArgs | ReplyError => {
      const o = parseExpiryOptions(argv, 2, 'get');
      if (o instanceof ReplyError) return o;
      const expiry = resolveExpiry(o, 'getex');
      // Redis' getexCommand checks the time only after the lookup: a missing key answers
      // nil and another type WRONGTYPE even when the time is invalid.
      if (expiry instanceof ReplyError) return { key: argv[1], invalidTime: expiry };
      return { key: argv[1], options: { ...expiry, persist: o.persist } };
    },
    exec: (a, ctx) => {
      if ('invalidTime' in a) {
        const invalid = a.invalidTime;
        return new StorageCall(Cmd.get(a.key, ctx.client.db), (r) => (r === null || r instanceof OpError ? toReply(r, 'getex') : invalid));
      }
      return new StorageCall(Cmd.getEx(a.key, a.options, ctx.client.db), mapGetEx);
    },
  }),
  row({
    name: 'append', arity: 3, flags: WF, ...key1, since: '2.0.0', summary: 'Appends a string to the value of a key. Creates the key if it doesn\'t exist.', complexity: 'O(1).',
    parse: (argv) => ({ key: argv[1], value: argv[2] }),
    exec: (a, ctx) => new StorageCall(Cmd.append(a.key, a.value, ctx.server.config.values.server.protoMaxBulkLen, ctx.client.db), generic('append')),
  }),
  row({
    name: 'strlen', arity: 2, flags: RF, ...key1, since: '2.2.0', summary: 'Returns the length of a string value.', complexity: 'O(1)',
    parse: (argv) => argv[1],
    exec: (key, ctx) => new StorageCall(Cmd.strlen(key, ctx.client.db), generic('strlen')),
  }),
  ...(['getrange', 'substr'] as const).map((name) =>
    row({
      name, arity: 4, flags: ['readonly'], ...key1, since: name === 'getrange' ? '2.4.0' : '1.0.0', summary: 'Returns a substring of the string stored at a key.',
      ...(name === 'substr' ? { deprecated: { since: '2.0.0', replacedBy: '`GETRANGE`' } } : {}),
      complexity: 'O(N) where N is the length of the returned string.',
      parse: (argv) => {
        const start = int64Arg(argv[2]);
        if (start instanceof ReplyError) return start;
        const end = int64Arg(argv[3]);
        return end instanceof ReplyError ? end : { key: argv[1], start, end };
      },
      exec: (a, ctx) => new StorageCall(Cmd.getRange(a.key, a.start, a.end, ctx.client.db), generic(name)),
    }),
  ),
  row({
    name: 'setrange', arity: 4, flags: W, ...key1, since: '2.2.0', summary: 'Overwrites a part of a string value with another by an offset. Creates the key if it doesn\'t exist.', complexity: 'O(1)',
    parse: (argv) => {
      const offset = int64Arg(argv[2]);
      if (offset instanceof ReplyError) return offset;
      if (offset < 0) return new ReplyError(RedisError.offsetOutOfRange);
      return { key: argv[1], offset, value: argv[3] };
    },
    exec: (a, ctx) => {
      const max = ctx.server.config.values.server.protoMaxBulkLen;
      // Any offset past the maximum fails the same way; clamping keeps it a safe number.
      const offset = Math.min(Number(a.offset), max + 1);
      return new StorageCall(Cmd.setRange(a.key, offset, a.value, max, ctx.client.db), generic('setrange'));
    },
  }),
  incrRow('incr', () => 1, 2, 'Increments the integer value of a key by one. Uses 0 as initial value if the key doesn\'t exist.'),
  incrRow('decr', () => -1, 2, 'Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn\'t exist.'),
  incrRow('incrby', (argv) => int64Arg(argv[2]), 3, 'Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn\'t exist.'),
  incrRow('decrby', negate, 3, 'Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn\'t exist.'),
  row({
    name: 'incrbyfloat', arity: 3, flags: WF, ...key1, since: '2.6.0', summary: 'Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn\'t exist.', complexity: 'O(1)',
    // The increment is checked natively with strtold, exactly as Redis parses it.
    parse: (argv) => ({ key: argv[1], increment: argv[2] }),
    exec: (a, ctx) => new StorageCall(Cmd.incrByFloat(a.key, a.increment, ctx.client.db), generic('incrbyfloat')),
  }),
];
