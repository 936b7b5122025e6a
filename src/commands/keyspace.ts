// Keyspace commands (Redis db.c, expire.c): existence, expiry, type, iteration, rename,
// and the database-wide DBSIZE/FLUSHDB/FLUSHALL.
import { RedisError, ReplyError } from '../errors.js';
import type { StorageReply } from '../storage/codec.js';
import { Flag, Op } from '../storage/ops.js';
import { Cmd, storageCommand, TypeTag, type ExpireOptions, type TypeName } from '../storage/requests.js';
import { argText, int64Arg, intInRange, is, syntaxError } from './args.js';
import { OK, StatusReply, type Reply } from './reply.js';
import { cursorPosition, parseCursor, parseScanOptions, saveCursor } from './scan.js';
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

interface ScanArgs {
  cursor: string;
  count: number;
  match?: Buffer;
  type: number;
}

const NO_SUCH_TYPE = 0xfe;

function parseScan(argv: Buffer[]): ScanArgs | ReplyError {
  const cursor = parseCursor(argv[1]);
  if (cursor === undefined) return new ReplyError(RedisError.cursorInvalid);
  const o = parseScanOptions(argv, 2, true);
  if (o instanceof ReplyError) return o;
  // Redis 7.0 filters on the name as given: an unknown type matches nothing.
  const type = o.type === undefined ? 0 : TypeTag[o.type as TypeName] || NO_SUCH_TYPE;
  return { cursor, count: o.count, match: o.match, type };
}

/** Where a SCAN cursor resumes in database `db` (a cursor of another database starts over). */
function resumeKey(ctx: ExecContext, cursor: string, db: number): Buffer {
  const saved = cursorPosition(ctx, cursor);
  return saved !== undefined && saved[0] === db ? saved.subarray(1) : Buffer.alloc(0);
}

function scanReply(ctx: ExecContext, db: number): (r: StorageReply) => Reply {
  return (r) => {
    if (!Array.isArray(r)) return toReply(r, 'scan');
    const [next, keys] = r as [Buffer | null, Buffer[]];
    return [next === null ? '0' : saveCursor(ctx, Buffer.concat([Buffer.from([db]), next])), keys];
  };
}

function parseFlushMode(argv: Buffer[]): true | ReplyError {
  if (argv.length > 2) return syntaxError();
  if (argv.length === 2 && !is(argv[1], 'sync') && !is(argv[1], 'async')) return syntaxError();
  return true;
}

/** A database index argument (COPY ... DB, MOVE): an int, then within `databases`. */
function dbArg(buf: Buffer, ctx: ExecContext): number | ReplyError {
  const n = intInRange(buf, -2147483648, 2147483647);
  if (n instanceof ReplyError) return n;
  if (n < 0 || n >= ctx.server.config.values.server.databases) return new ReplyError(RedisError.dbIndexOutOfRange);
  return n;
}

interface CopyArgs {
  src: Buffer;
  dst: Buffer;
  db: number;
  replace: boolean;
}

/** Redis copyCommand's checks, in its order: options, the database, the same object. */
function parseCopy(argv: Buffer[], ctx: ExecContext): CopyArgs | ReplyError {
  let db = ctx.client.db;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    if (is(argv[j], 'replace')) {
      replace = true;
    } else if (is(argv[j], 'db') && j < argv.length - 1) {
      const n = intInRange(argv[++j], -2147483648, 2147483647);
      if (n instanceof ReplyError) return n;
      db = n;
    } else {
      return syntaxError();
    }
  }
  if (db < 0 || db >= ctx.server.config.values.server.databases) return new ReplyError(RedisError.dbIndexOutOfRange);
  if (db === ctx.client.db && argv[1].equals(argv[2])) return new ReplyError(RedisError.sameObject);
  return { src: argv[1], dst: argv[2], db, replace };
}

const LFU_NOT_SELECTED =
  'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';

// OBJECT's answers from the storage runtime's [encoding, refcount] (nil: no such key).
const objectReplies = {
  encoding: (r: StorageReply): Reply => (Array.isArray(r) ? Buffer.from(r[0] as string) : toReply(r, 'object|encoding')),
  refcount: (r: StorageReply): Reply => (Array.isArray(r) ? (r[1] as number) : toReply(r, 'object|refcount')),
  // Access times are not tracked: every key reads as just used (README, known differences).
  idletime: (r: StorageReply): Reply => (Array.isArray(r) ? 0 : toReply(r, 'object|idletime')),
  freq: (r: StorageReply): Reply => (Array.isArray(r) ? new ReplyError(LFU_NOT_SELECTED) : toReply(r, 'object|freq')),
};

const objectRow = (sub: keyof typeof objectReplies, summary: string) =>
  row({
    name: `object|${sub}`, arity: 3, flags: ['readonly'], firstKey: 2, lastKey: 2, step: 1, since: '2.2.3', summary, complexity: 'O(1)',
    parse: (argv) => argv[2],
    exec: (key, ctx) => new StorageCall(storageCommand(Op.OBJECT, ctx.client.db, [key]), objectReplies[sub]),
  });

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Print this help.',
];

const objectSubcommands: readonly CommandRow<any>[] = [
  objectRow('encoding', 'Returns the internal encoding of a Redis object.'),
  objectRow('freq', 'Returns the logarithmic access frequency counter of a Redis object.'),
  objectRow('idletime', 'Returns the time since the last access to a Redis object.'),
  objectRow('refcount', 'Returns the reference count of a value of a key.'),
  row({
    name: 'object|help', arity: 2, flags: ['loading', 'stale'], ...noKeys, since: '6.2.0', summary: 'Returns helpful text about the different subcommands.', complexity: 'O(1)',
    parse: () => null,
    exec: () => OBJECT_HELP.map((l) => new StatusReply(l)),
  }),
];

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
      complexity: 'O(1) for strings; O(N) for collections here, where N is the number of members (they are rewritten under the new name)',
      parse: (argv) => ({ src: argv[1], dst: argv[2] }),
      exec: (a, ctx) => new StorageCall(Cmd.rename(a.src, a.dst, name === 'renamenx', ctx.client.db), generic(name)),
    }),
  ),
  row({
    name: 'copy', arity: -3, flags: ['write', 'denyoom'], firstKey: 1, lastKey: 2, step: 1, since: '6.2.0', summary: 'Copies the value of a key to a new key.',
    complexity: 'O(N) worst case for collections, where N is the number of nested items. O(1) for string values.',
    parse: parseCopy,
    exec: (a, ctx) =>
      new StorageCall(storageCommand(Op.COPY, ctx.client.db, [a.src, a.dst], a.replace ? Flag.COPY_REPLACE : 0, 0, a.db), generic('copy')),
  }),
  row({
    name: 'move', arity: 3, flags: ['write', 'fast'], ...key1, since: '1.0.0', summary: 'Moves a key to another database.',
    complexity: 'O(1) for strings; O(N) for collections here, where N is the number of members (they are rewritten under the new database)',
    parse: (argv, ctx) => {
      const db = dbArg(argv[2], ctx);
      if (db instanceof ReplyError) return db;
      if (db === ctx.client.db) return new ReplyError(RedisError.sameObject);
      return { key: argv[1], db };
    },
    exec: (a, ctx) => new StorageCall(storageCommand(Op.MOVE, ctx.client.db, [a.key], 0, 0, a.db), generic('move')),
  }),
  row({
    name: 'touch', arity: -2, flags: ['readonly', 'fast'], firstKey: 1, lastKey: -1, step: 1, since: '3.2.1',
    summary: 'Returns the number of existing keys out of those specified after updating the time they were last accessed.',
    complexity: 'O(N) where N is the number of keys that will be touched.',
    parse: (argv) => argv.slice(1),
    // Access times are not tracked, so touching is counting.
    exec: (keys, ctx) => new StorageCall(Cmd.exists(keys, ctx.client.db), generic('touch')),
  }),
  row({
    name: 'object', arity: -2, flags: [], ...noKeys, since: '2.2.3', summary: 'A container for object introspection commands.', complexity: 'Depends on subcommand.',
    parse: (argv) => new ReplyError(`ERR unknown subcommand '${argText(argv[1]).slice(0, 128)}'. Try OBJECT HELP.`),
    exec: () => null,
    subcommands: objectSubcommands,
  }),
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
