// Keyspace commands (Redis db.c, expire.c): existence, expiry, type, iteration, rename,
// and the database-wide DBSIZE/FLUSHDB/FLUSHALL.
import { RedisError, ReplyError } from '../errors.js';
import type { StorageReply } from '../storage/codec.js';
import { Cmd, TypeTag, type ExpireOptions } from '../storage/requests.js';
import { argText, int64Arg, intInRange, is, lower, syntaxError } from './args.js';
import { OK, type Reply } from './reply.js';
import { generic, toReply } from './storage-reply.js';
import { defineCommand, StorageCall, type CommandFlag, type CommandRow, type ExecContext } from './types.js';

const row = <A>(r: Omit<CommandRow<A>, 'group'> & { group?: string }): CommandRow<A> => defineCommand({ group: 'generic', ...r });
const key1 = { firstKey: 1, lastKey: 1, step: 1 };
const noKeys = { firstKey: 0, lastKey: 0, step: 0 };
const RF: CommandFlag[] = ['readonly', 'fast'];

/** Redis parseExtendedExpireArgumentsOrReply: NX | XX | GT | LT, checked before the time. */
function parseExpireFlags(argv: Buffer[]): ExpireOptions | ReplyError {
  const o: ExpireOptions = {};
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j];
    if (is(opt, 'nx')) o.nx = true;
    else if (is(opt, 'xx')) o.xx = true;
    else if (is(opt, 'gt')) o.gt = true;
    else if (is(opt, 'lt')) o.lt = true;
    else return new ReplyError(`ERR Unsupported option ${argText(opt)}`);
  }
  if (o.nx && (o.xx || o.gt || o.lt)) return new ReplyError(RedisError.expireOptionsNxXx);
  if (o.gt && o.lt) return new ReplyError(RedisError.expireOptionsGtLt);
  return o;
}

const expireRow = (name: string, seconds: boolean, at: boolean, since: string) =>
  row({
    name, arity: -3, flags: ['write', 'fast'], ...key1, since,
    summary: `Sets the expiration time of a key ${at ? 'to a Unix timestamp' : ''} in ${seconds ? 'seconds' : 'milliseconds'}.`.replace('  ', ' '),
    complexity: 'O(1)',
    parse: (argv) => {
      const flags = parseExpireFlags(argv);
      if (flags instanceof ReplyError) return flags;
      const when = int64Arg(argv[2]);
      return when instanceof ReplyError ? when : { key: argv[1], when, options: { ...flags, seconds, at } };
    },
    exec: (a, ctx) => new StorageCall(Cmd.expire(a.key, a.when, a.options, ctx.client.db), generic(name)),
  });

const ttlRow = (name: string, ms: boolean, absolute: boolean, since: string, summary: string) =>
  row({
    name, arity: 2, flags: RF, ...key1, since, summary, complexity: 'O(1)',
    parse: (argv) => argv[1],
    exec: (key, ctx) => new StorageCall(Cmd.ttl(key, { ms, absolute }, ctx.client.db), generic(name)),
  });

const delRow = (name: string, since: string, summary: string, fast = false) =>
  row({
    name, arity: -2, flags: fast ? ['write', 'fast'] : ['write'], firstKey: 1, lastKey: -1, step: 1, since, summary,
    complexity: 'O(N) where N is the number of keys that will be removed.',
    parse: (argv) => argv.slice(1),
    exec: (keys, ctx) => new StorageCall(Cmd.del(keys, ctx.client.db), generic(name)),
  });

// SCAN cursors: RocksDB iterates by key, so a cursor names the key to resume from. The
// numbers clients see index a bounded table of those keys; an unknown cursor (evicted, or
// from before a restart) starts over, as Kvrocks does.
const MAX_CURSORS = 10_000;
interface Cursors {
  next: number;
  keys: Map<string, Buffer>;
}
const cursorTables = new WeakMap<object, Cursors>();

function cursorsOf(ctx: ExecContext): Cursors {
  let t = cursorTables.get(ctx.server);
  if (!t) {
    t = { next: 1, keys: new Map() };
    cursorTables.set(ctx.server, t);
  }
  return t;
}

function saveCursor(ctx: ExecContext, db: number, key: Buffer): string {
  const t = cursorsOf(ctx);
  const id = String(t.next++);
  t.keys.set(id, Buffer.concat([Buffer.from([db]), key]));
  if (t.keys.size > MAX_CURSORS) t.keys.delete(t.keys.keys().next().value!);
  return id;
}

function resumeKey(ctx: ExecContext, cursor: string, db: number): Buffer {
  if (cursor === '0') return Buffer.alloc(0);
  const saved = cursorsOf(ctx).keys.get(cursor);
  // A cursor from another database resumes nothing there: start over.
  return saved !== undefined && saved[0] === db ? saved.subarray(1) : Buffer.alloc(0);
}

interface ScanArgs {
  cursor: string;
  count: number;
  match?: Buffer;
  type: number;
}

const STRTOUL = /^([+-]?)(\d+)$/;
const ULONG_MAX = 18446744073709551615n;
const NO_SUCH_TYPE = 0xfe;

/**
 * Redis parseScanCursorOrReply: strtoul() on the argument as a C string, refusing a
 * leading space, trailing bytes and overflow. So "" is 0, "+5" is 5 and "-1" wraps to
 * ULONG_MAX. Returns the cursor in canonical decimal.
 */
export function parseCursor(buf: Buffer): string | undefined {
  const nul = buf.indexOf(0);
  const text = buf.toString('latin1', 0, nul < 0 ? buf.length : nul);
  if (text === '') return '0';
  const m = STRTOUL.exec(text);
  if (m === null) return undefined;
  const n = BigInt(m[2]);
  if (n > ULONG_MAX) return undefined;
  return String(m[1] === '-' && n !== 0n ? ULONG_MAX + 1n - n : n);
}

function parseScan(argv: Buffer[]): ScanArgs | ReplyError {
  const cursor = parseCursor(argv[1]);
  if (cursor === undefined) return new ReplyError(RedisError.cursorInvalid);
  const a: ScanArgs = { cursor, count: 10, type: 0 };
  for (let i = 2; i < argv.length; i += 2) {
    if (i + 1 >= argv.length) return syntaxError();
    if (is(argv[i], 'count')) {
      const n = intInRange(argv[i + 1], -Infinity, Number.MAX_SAFE_INTEGER);
      if (n instanceof ReplyError) return n;
      if (n < 1) return syntaxError();
      a.count = n;
    } else if (is(argv[i], 'match')) {
      a.match = argv[i + 1];
    } else if (is(argv[i], 'type')) {
      // Redis 7.0 filters on the name as given: an unknown type matches nothing.
      a.type = TypeTag[lower(argv[i + 1]) as keyof typeof TypeTag] || NO_SUCH_TYPE;
    } else {
      return syntaxError();
    }
  }
  return a;
}

function scanReply(ctx: ExecContext, db: number): (r: StorageReply) => Reply {
  return (r) => {
    if (!Array.isArray(r)) return toReply(r, 'scan');
    const [next, keys] = r as [Buffer | null, Buffer[]];
    return [next === null ? '0' : saveCursor(ctx, db, next), keys];
  };
}

function parseFlushMode(argv: Buffer[]): true | ReplyError {
  if (argv.length > 2) return syntaxError();
  if (argv.length === 2 && !is(argv[1], 'sync') && !is(argv[1], 'async')) return syntaxError();
  return true;
}

export const keyspaceCommands: readonly CommandRow<any>[] = [
  delRow('del', '1.0.0', 'Deletes one or more keys.'),
  // Deleting a big key is one metadata write here, so UNLINK and DEL cost the same.
  delRow('unlink', '4.0.0', 'Asynchronously deletes one or more keys.', true),
  row({
    name: 'exists', arity: -2, flags: RF, firstKey: 1, lastKey: -1, step: 1, since: '1.0.0', summary: 'Determines whether one or more keys exist.',
    complexity: 'O(N) where N is the number of keys to check.',
    parse: (argv) => argv.slice(1),
    exec: (keys, ctx) => new StorageCall(Cmd.exists(keys, ctx.client.db), generic('exists')),
  }),
  expireRow('expire', true, false, '1.0.0'),
  expireRow('pexpire', false, false, '2.6.0'),
  expireRow('expireat', true, true, '1.2.0'),
  expireRow('pexpireat', false, true, '2.6.0'),
  ttlRow('ttl', false, false, '1.0.0', 'Returns the expiration time in seconds of a key.'),
  ttlRow('pttl', true, false, '2.6.0', 'Returns the expiration time in milliseconds of a key.'),
  ttlRow('expiretime', false, true, '7.0.0', 'Returns the expiration time of a key as a Unix timestamp.'),
  ttlRow('pexpiretime', true, true, '7.0.0', 'Returns the expiration time of a key as a Unix milliseconds timestamp.'),
  row({
    name: 'persist', arity: 2, flags: ['write', 'fast'], ...key1, since: '2.2.0', summary: 'Removes the expiration time of a key.', complexity: 'O(1)',
    parse: (argv) => argv[1],
    exec: (key, ctx) => new StorageCall(Cmd.persist(key, ctx.client.db), generic('persist')),
  }),
  row({
    name: 'type', arity: 2, flags: RF, ...key1, since: '1.0.0', summary: 'Determines the type of value stored at a key.', complexity: 'O(1)',
    parse: (argv) => argv[1],
    exec: (key, ctx) => new StorageCall(Cmd.type(key, ctx.client.db), generic('type')),
  }),
  row({
    name: 'keys', arity: 2, flags: ['readonly'], acl: ['@keyspace', '@dangerous'], ...noKeys, since: '1.0.0', priority: 'low', summary: 'Returns all key names that match a pattern.',
    complexity: 'O(N) with N being the number of keys in the database',
    parse: (argv) => argv[1],
    exec: (pattern, ctx) => new StorageCall(Cmd.keys(pattern, ctx.client.db), generic('keys')),
  }),
  row({
    name: 'scan', arity: -2, flags: ['readonly'], ...noKeys, since: '2.8.0', priority: 'low', summary: 'Iterates over the key names in the database.',
    complexity: 'O(1) for every call. O(N) for a complete iteration.',
    parse: parseScan,
    exec: (a, ctx) => {
      const db = ctx.client.db;
      const start = resumeKey(ctx, a.cursor, db);
      return new StorageCall(Cmd.scan(start, { count: a.count, match: a.match, type: a.type }, db), scanReply(ctx, db));
    },
  }),
  row({
    name: 'randomkey', arity: 1, flags: ['readonly'], ...noKeys, since: '1.0.0', summary: 'Returns a random key name from the database.', complexity: 'O(1)',
    parse: () => null,
    exec: (_a, ctx) => new StorageCall(Cmd.randomKey(ctx.client.db), generic('randomkey')),
  }),
  ...(['rename', 'renamenx'] as const).map((name) =>
    row({
      name, arity: 3, flags: name === 'rename' ? ['write'] : ['write', 'fast'], firstKey: 1, lastKey: 2, step: 1, since: '1.0.0',
      summary: name === 'rename' ? 'Renames a key and overwrites the destination.' : 'Renames a key only when the target key name doesn\'t exist.',
      complexity: 'O(1)',
      parse: (argv) => ({ src: argv[1], dst: argv[2] }),
      exec: (a, ctx) => new StorageCall(Cmd.rename(a.src, a.dst, name === 'renamenx', ctx.client.db), generic(name)),
    }),
  ),
  row({
    // Not @fast as in Redis: an exact count scans the database.
    name: 'dbsize', arity: 1, flags: ['readonly'], acl: ['@keyspace'], ...noKeys, group: 'server', since: '1.0.0', priority: 'low',
    summary: 'Returns the number of keys in the database.', complexity: 'O(N): an exact count by scanning the database',
    parse: () => null,
    exec: (_a, ctx) => new StorageCall(Cmd.dbsize(ctx.client.db), generic('dbsize')),
  }),
  row({
    name: 'flushdb', arity: -1, flags: ['write'], acl: ['@keyspace', '@dangerous'], ...noKeys, group: 'server', since: '1.0.0', priority: 'low',
    summary: 'Remove all keys from the current database.', complexity: 'O(1): one range deletion',
    parse: parseFlushMode,
    exec: (_a, ctx) => new StorageCall(Cmd.flushdb(ctx.client.db), generic('flushdb')),
  }),
  row({
    name: 'flushall', arity: -1, flags: ['write'], acl: ['@keyspace', '@dangerous'], ...noKeys, group: 'server', since: '1.0.0', priority: 'low',
    summary: 'Removes all keys from all databases.', complexity: 'O(1): one range deletion',
    parse: parseFlushMode,
    exec: () => new StorageCall(Cmd.flushall(), generic('flushall')),
  }),
];
