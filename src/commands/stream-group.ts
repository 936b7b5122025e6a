// Stream consumer groups (Redis 7.0 t_stream.c): XGROUP, XREADGROUP, XACK, XPENDING.
// Parsing here, in Redis' order; native/src/types/stream_group.cc keeps the groups, their
// consumers and pending entries, and answers the checks that need the key.
import { RedisError, ReplyError, subcommandSyntax, unknownSubcommand } from '../errors.js';
import type { StorageReply } from '../storage/codec.js';
import { Flag, Op } from '../storage/ops.js';
import { storageCommand } from '../storage/requests.js';
import { int64Arg, is } from './args.js';
import { MapReply, NULL_ARRAY, StatusReply, type Reply } from './reply.js';
import { generic } from './storage-reply.js';
import { BAD_ID, DOLLAR, encodeId, intervalId, invalidId, nextId, parseRead, parseStreamId, previousId, streamsAt, U64_MAX, type Read } from './stream.js';
import { defineCommand, StorageCall, type CommandFlag, type CommandRow, type ExecContext } from './types.js';

const row = <A>(r: Omit<CommandRow<A>, 'group'>): CommandRow<A> => defineCommand({ group: 'stream', ...r });
const KEY1 = { firstKey: 1, lastKey: 1, step: 1 };
const KEY2 = { firstKey: 2, lastKey: 2, step: 1 };

const enum Sub { create = 0, setid = 1, createconsumer = 2, delconsumer = 3, destroy = 4 }

interface GroupArgs {
  sub: Sub;
  args: Buffer[];
  mkstream: boolean;
  entriesRead: number | bigint;
}

/** XGROUP CREATE/SETID key group id|$ [MKSTREAM] [ENTRIESREAD n]: Redis' option loop first. */
function parseCreateSetId(argv: Buffer[], create: boolean): GroupArgs | ReplyError {
  let mkstream = false;
  let entriesRead: number | bigint = -1;
  for (let i = 5; i < argv.length;) {
    if (create && is(argv[i], 'mkstream')) {
      mkstream = true;
      i++;
    } else if (is(argv[i], 'entriesread') && i + 1 < argv.length) {
      const n = int64Arg(argv[i + 1]);
      if (n instanceof ReplyError) return n;
      if (n < 0 && n !== -1) return new ReplyError(RedisError.streamEntriesReadNegative);
      entriesRead = n;
      i += 2;
    } else {
      return new ReplyError(subcommandSyntax(argv));
    }
  }
  if (create ? argv.length > 8 : argv.length !== 5 && argv.length !== 7) return new ReplyError(subcommandSyntax(argv));
  let id: Buffer = DOLLAR;
  if (!argv[4].equals(DOLLAR)) {
    // CREATE takes a strict ID, SETID also `-` and `+`; a bad one is reported after the key.
    const parsed = parseStreamId(argv[4], 0n, create);
    id = parsed === undefined ? BAD_ID : encodeId(parsed);
  }
  return { sub: create ? Sub.create : Sub.setid, args: [argv[2], argv[3], id], mkstream, entriesRead };
}

const groupCall = (a: GroupArgs, ctx: ExecContext, name: string) =>
  new StorageCall(storageCommand(Op.XGROUP, ctx.client.db, a.args, a.mkstream ? Flag.XGROUP_MKSTREAM : 0, a.sub, a.entriesRead), generic(name));

const XGROUP_HELP = [
  'XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CREATE <key> <groupname> <id|$> [option]', '    Create a new consumer group. Options are:', '    * MKSTREAM', '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read', '      Set the group\'s entries_read counter (internal use).', 'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.', 'DELCONSUMER <key> <groupname> <consumer>', '    Remove the specified consumer.', 'DESTROY <key> <groupname>',
  '    Remove the specified group.', 'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]', '    Set the current group ID and entries_read counter.', 'HELP',
  '    Prints this help.',
];

const consumerRow = (sub: Sub, name: string, summary: string) =>
  row({
    name: `xgroup|${name}`, arity: 5, flags: sub === Sub.createconsumer ? ['write', 'denyoom'] : ['write'], ...KEY2, since: sub === Sub.createconsumer ? '6.2.0' : '5.0.0', summary, complexity: 'O(1)',
    parse: (argv): GroupArgs => ({ sub, args: [argv[2], argv[3], argv[4]], mkstream: false, entriesRead: -1 }),
    exec: (a, ctx) => groupCall(a, ctx, `xgroup|${name}`),
  });

const xgroupSubcommands: readonly CommandRow<any>[] = [
  row({
    name: 'xgroup|create', arity: -5, flags: ['write', 'denyoom'], ...KEY2, since: '5.0.0', summary: 'Creates a consumer group.', complexity: 'O(1)',
    parse: (argv) => parseCreateSetId(argv, true),
    exec: (a, ctx) => groupCall(a, ctx, 'xgroup|create'),
  }),
  row({
    name: 'xgroup|setid', arity: -5, flags: ['write'], ...KEY2, since: '5.0.0', summary: 'Sets the last-delivered ID of a consumer group.', complexity: 'O(1)',
    parse: (argv) => parseCreateSetId(argv, false),
    exec: (a, ctx) => groupCall(a, ctx, 'xgroup|setid'),
  }),
  consumerRow(Sub.createconsumer, 'createconsumer', 'Creates a consumer in a consumer group.'),
  consumerRow(Sub.delconsumer, 'delconsumer', 'Deletes a consumer from a consumer group.'),
  row({
    name: 'xgroup|destroy', arity: 4, flags: ['write'], ...KEY2, since: '5.0.0', summary: 'Destroys a consumer group.',
    complexity: 'O(N) where N is the number of entries in the group\'s pending entries list (PEL).',
    parse: (argv): GroupArgs => ({ sub: Sub.destroy, args: [argv[2], argv[3]], mkstream: false, entriesRead: -1 }),
    exec: (a, ctx) => groupCall(a, ctx, 'xgroup|destroy'),
  }),
  row({
    name: 'xgroup|help', arity: 2, flags: ['loading', 'stale'], firstKey: 0, lastKey: 0, step: 0, since: '5.0.0', summary: 'Returns helpful text about the different subcommands.', complexity: 'O(1)',
    parse: () => null,
    exec: () => XGROUP_HELP.map((l) => new StatusReply(l)),
  }),
];

/** Entries of a consumer's history whose entry was deleted come as [id, null array]. */
const fixEntries = (entries: Reply): Reply =>
  Array.isArray(entries) ? entries.map((e: Reply) => (Array.isArray(e) && e.length === 2 && e[1] === null ? [e[0], NULL_ARRAY] : e)) : entries;

/** [[key, entries], ...] as a map in RESP3; nil as the null array. */
const mapReadGroup = (r: StorageReply, ctx: ExecContext): Reply => {
  if (r === null) return NULL_ARRAY;
  if (!Array.isArray(r)) return generic('xreadgroup')(r);
  const pairs = r.map((pair) => {
    const [key, entries] = pair as StorageReply[];
    return [key as Buffer, fixEntries(generic('xreadgroup')(entries))] as [Reply, Reply];
  });
  return ctx.client.resp === 2 ? pairs : new MapReply(pairs);
};

const readGroupCall = (ctx: ExecContext, a: Read) =>
  new StorageCall(storageCommand(Op.XREADGROUP, ctx.client.db, [...a.keys, ...a.ids, a.group!, a.consumer!], a.noack ? Flag.XREADGROUP_NOACK : 0, a.count, a.keys.length), mapReadGroup);

interface Pending {
  key: Buffer;
  group: Buffer;
  /** -1: the summary form. */
  count: number | bigint;
  minIdle: number | bigint;
  spec: Buffer | null;
  consumer: Buffer | null;
}

/** Redis xpendingCommand's parsing: count, then start and end, before the key. */
function parsePending(argv: Buffer[]): Pending | ReplyError {
  const a: Pending = { key: argv[1], group: argv[2], count: -1, minIdle: 0, spec: null, consumer: null };
  if (argv.length === 3) return a;
  if (argv.length < 6 || argv.length > 9) return new ReplyError(RedisError.syntax);
  let at = 3;
  if (is(argv[3], 'idle')) {
    const idle = int64Arg(argv[4]);
    if (idle instanceof ReplyError) return idle;
    if (argv.length < 8) return new ReplyError(RedisError.syntax);
    a.minIdle = idle;
    at += 2;
  }
  const count = int64Arg(argv[at + 2]);
  if (count instanceof ReplyError) return count;
  a.count = count < 0 ? 0 : count;
  const s = intervalId(argv[at], 0n);
  if (s === undefined) return invalidId();
  const start = s.exclusive ? nextId(s.id) : s.id;
  if (start === undefined) return new ReplyError(RedisError.streamInvalidStart);
  const e = intervalId(argv[at + 1], U64_MAX);
  if (e === undefined) return invalidId();
  const end = e.exclusive ? previousId(e.id) : e.id;
  if (end === undefined) return new ReplyError(RedisError.streamInvalidEnd);
  a.spec = Buffer.concat([encodeId(start), encodeId(end)]);
  if (at + 3 < argv.length) a.consumer = argv[at + 3];
  // More arguments after the consumer: Redis ignores them only up to its argc limit.
  return a;
}

/** The summary's consumers are the null array when nothing is pending. */
const mapPending = (r: StorageReply, ctx: ExecContext): Reply => {
  if (Array.isArray(r) && r.length === 4 && r[0] === 0 && r[3] === null) return [0, null, null, NULL_ARRAY];
  void ctx;
  return generic('xpending')(r);
};

interface ClaimArgs {
  args: Buffer[];
  /** An argument error Redis reports after finding the key and group. */
  error: string | null;
}

/** Redis xclaimCommand's parsing: min idle, the IDs while they parse, then options. */
function parseClaim(argv: Buffer[]): ClaimArgs {
  const spec = Buffer.alloc(43);
  const done = (ids: Buffer[], error: string | null): ClaimArgs => ({ args: [argv[1], argv[2], argv[3], spec, ...ids, ...(error === null ? [] : [Buffer.from(error)])], error });
  const minIdle = int64Arg(argv[4]);
  if (minIdle instanceof ReplyError) return done([], RedisError.streamClaimMinIdle);
  spec.writeBigInt64BE(BigInt(minIdle < 0 ? 0 : minIdle), 0);
  spec.writeBigInt64BE(-1n, 17);
  const ids: Buffer[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    const id = parseStreamId(argv[j], 0n, true);
    if (id === undefined) break;
    ids.push(encodeId(id));
  }
  for (; j < argv.length; j++) {
    const more = j + 1 < argv.length;
    if (is(argv[j], 'force')) {
      spec[25] = 1;
    } else if (is(argv[j], 'justid')) {
      spec[26] = 1;
    } else if ((is(argv[j], 'idle') || is(argv[j], 'time')) && more) {
      const idle = is(argv[j], 'idle');
      const n = int64Arg(argv[++j]);
      if (n instanceof ReplyError) return done(ids, idle ? RedisError.streamClaimIdle : RedisError.streamClaimTime);
      spec.writeBigInt64BE(BigInt(n), 8);
      spec[16] = idle ? 1 : 2;
    } else if (is(argv[j], 'retrycount') && more) {
      const n = int64Arg(argv[++j]);
      if (n instanceof ReplyError) return done(ids, RedisError.streamClaimRetryCount);
      spec.writeBigInt64BE(BigInt(n), 17);
    } else if (is(argv[j], 'lastid') && more) {
      const id = parseStreamId(argv[++j], 0n, true);
      if (id === undefined) return done(ids, RedisError.streamInvalidId);
      encodeId(id).copy(spec, 27);
    } else {
      return done(ids, `ERR Unrecognized XCLAIM option '${argv[j].toString('latin1')}'`);
    }
  }
  return done(ids, null);
}

interface AutoClaim {
  args: Buffer[];
  minIdle: number | bigint;
  count: number | bigint;
  justid: boolean;
}

/** Redis xautoclaimCommand's parsing, all before the key is looked at. */
function parseAutoClaim(argv: Buffer[]): AutoClaim | ReplyError {
  const minIdle = int64Arg(argv[4]);
  if (minIdle instanceof ReplyError) return new ReplyError(RedisError.streamAutoClaimMinIdle);
  const s = intervalId(argv[5], 0n);
  if (s === undefined) return invalidId();
  const start = s.exclusive ? nextId(s.id) : s.id;
  if (start === undefined) return new ReplyError(RedisError.streamInvalidStart);
  const a: AutoClaim = { args: [argv[1], argv[2], argv[3], encodeId(start)], minIdle: minIdle < 0 ? 0 : minIdle, count: 100, justid: false };
  for (let j = 6; j < argv.length; j++) {
    if (is(argv[j], 'count') && j + 1 < argv.length) {
      const n = int64Arg(argv[++j]);
      // Redis: 1 .. LONG_MAX / 16 (the attempts factor times the count must fit).
      if (n instanceof ReplyError || n < 1 || BigInt(n) > (2n ** 63n - 1n) / 16n) return new ReplyError(RedisError.streamCountPositive);
      a.count = n;
    } else if (is(argv[j], 'justid')) {
      a.justid = true;
    } else {
      return new ReplyError(RedisError.syntax);
    }
  }
  return a;
}

/** [name, value, ...] as a RESP3 map (a flat array in RESP2). */
const asMap = (flat: Reply): Reply => {
  if (!Array.isArray(flat)) return flat;
  const entries: Array<[Reply, Reply]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) entries.push([flat[i], flat[i + 1]]);
  return new MapReply(entries);
};

/**
 * XINFO's replies are maps in Redis: the stream (and, with FULL, each group and each of
 * its consumers), every group of GROUPS, every consumer of CONSUMERS.
 */
const mapInfo = (sub: 'stream' | 'full' | 'list') => (r: StorageReply, ctx: ExecContext): Reply => {
  const plain = generic('xinfo')(r);
  if (ctx.client.resp === 2 || !Array.isArray(plain)) return plain;
  if (sub === 'list') return plain.map(asMap);
  if (sub === 'stream') return asMap(plain);
  const top = [...plain];
  const at = top.findIndex((v, i) => i % 2 === 0 && Buffer.isBuffer(v) && v.toString() === 'groups');
  if (at >= 0 && Array.isArray(top[at + 1])) {
    top[at + 1] = (top[at + 1] as Reply[]).map((g) => {
      if (!Array.isArray(g)) return g;
      const group = [...g];
      const c = group.findIndex((v, i) => i % 2 === 0 && Buffer.isBuffer(v) && v.toString() === 'consumers');
      if (c >= 0 && Array.isArray(group[c + 1])) group[c + 1] = (group[c + 1] as Reply[]).map(asMap);
      return asMap(group);
    });
  }
  return asMap(top);
};

const XINFO_HELP = [
  'XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:', 'CONSUMERS <key> <groupname>', '    Show consumers of <groupname>.', 'GROUPS <key>',
  '    Show the stream consumer groups.', 'STREAM <key> [FULL [COUNT <count>]', '    Show information about the stream.', 'HELP', '    Prints this help.',
];

const xinfoSubcommands: readonly CommandRow<any>[] = [
  row({
    name: 'xinfo|stream', arity: -3, flags: ['readonly'], ...KEY2, since: '5.0.0', summary: 'Returns information about a stream.', complexity: 'O(1)',
    parse: (argv) => {
      // Redis: STREAM key [FULL [COUNT n]]; COUNT 0 means all, the default is 10.
      if (argv.length === 3) return { key: argv[2], full: false, count: 0 };
      // As Redis: FULL with one more argument ignores it.
      if (!is(argv[3], 'full') || argv.length > 6 || (argv.length === 6 && !is(argv[4], 'count'))) return new ReplyError(subcommandSyntax(argv));
      if (argv.length < 6) return { key: argv[2], full: true, count: 10 };
      const n = int64Arg(argv[5]);
      if (n instanceof ReplyError) return n;
      return { key: argv[2], full: true, count: n < 0 ? 0 : n };
    },
    exec: (a: { key: Buffer; full: boolean; count: number | bigint }, ctx) =>
      new StorageCall(storageCommand(Op.XINFO, ctx.client.db, [a.key], 0, a.full ? 3 : 0, a.count), mapInfo(a.full ? 'full' : 'stream')),
  }),
  row({
    name: 'xinfo|groups', arity: 3, flags: ['readonly'], ...KEY2, since: '5.0.0', summary: 'Returns a list of the consumer groups of a stream.', complexity: 'O(1)',
    parse: (argv) => argv[2],
    exec: (key: Buffer, ctx) => new StorageCall(storageCommand(Op.XINFO, ctx.client.db, [key], 0, 1), mapInfo('list')),
  }),
  row({
    name: 'xinfo|consumers', arity: 4, flags: ['readonly'], ...KEY2, since: '5.0.0', summary: 'Returns a list of the consumers in a consumer group.', complexity: 'O(1)',
    parse: (argv) => [argv[2], argv[3]],
    exec: (args: Buffer[], ctx) => new StorageCall(storageCommand(Op.XINFO, ctx.client.db, args, 0, 2), mapInfo('list')),
  }),
  row({
    name: 'xinfo|help', arity: 2, flags: ['loading', 'stale'], firstKey: 0, lastKey: 0, step: 0, since: '5.0.0', summary: 'Returns helpful text about the different subcommands.', complexity: 'O(1)',
    parse: () => null,
    exec: () => XINFO_HELP.map((l) => new StatusReply(l)),
  }),
];

export const streamGroupCommands: readonly CommandRow<any>[] = [
  row({
    name: 'xgroup', arity: -2, flags: [], firstKey: 0, lastKey: 0, step: 0, since: '5.0.0', summary: 'A container for consumer groups commands.', complexity: 'Depends on subcommand.',
    parse: (argv) => new ReplyError(unknownSubcommand(argv[1].toString(), 'xgroup')),
    exec: () => null,
    subcommands: xgroupSubcommands,
  }),
  row({
    name: 'xinfo', arity: -2, flags: [], firstKey: 0, lastKey: 0, step: 0, since: '5.0.0', summary: 'A container for stream introspection commands.', complexity: 'Depends on subcommand.',
    parse: (argv) => new ReplyError(unknownSubcommand(argv[1].toString(), 'xinfo')),
    exec: () => null,
    subcommands: xinfoSubcommands,
  }),
  row({
    name: 'xreadgroup', arity: -7, flags: ['write', 'blocking', 'movablekeys'], firstKey: 0, lastKey: 0, step: 0, since: '5.0.0',
    summary: 'Returns new or historical messages from a stream for a consumer in a group. Blocks until a message is available otherwise.',
    complexity: 'For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.',
    keys: (argv) => {
      const w = streamsAt(argv, true);
      return w instanceof ReplyError ? [] : argv.slice(w.at, w.at + w.n);
    },
    parse: (argv) => parseRead(argv, true),
    exec: (a, ctx) => (a.blockMs === undefined ? readGroupCall(ctx, a) : ctx.blocking.block(readGroupCall(ctx, a), a.keys, Number(a.blockMs), NULL_ARRAY)),
  }),
  row({
    name: 'xack', arity: -4, flags: ['write', 'fast'], ...KEY1, since: '5.0.0', summary: 'Returns the number of messages that were successfully acknowledged by the consumer group member of a stream.',
    complexity: 'O(1) for each message ID processed.',
    parse: (argv) => {
      const ids: Buffer[] = [];
      for (let i = 3; i < argv.length; i++) {
        const id = parseStreamId(argv[i], 0n, true);
        ids.push(id === undefined ? BAD_ID : encodeId(id));
      }
      return [argv[1], argv[2], ...ids];
    },
    exec: (args: Buffer[], ctx) => new StorageCall(storageCommand(Op.XACK, ctx.client.db, args), generic('xack')),
  }),
  row({
    name: 'xpending', arity: -3, flags: ['readonly'], ...KEY1, since: '5.0.0', summary: 'Returns the information and entries from a stream consumer group\'s pending entries list.',
    complexity: 'O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.',
    parse: parsePending,
    exec: (a, ctx) => {
      const args = a.spec === null ? [a.key, a.group] : a.consumer === null ? [a.key, a.group, a.spec] : [a.key, a.group, a.spec, a.consumer];
      return new StorageCall(storageCommand(Op.XPENDING, ctx.client.db, args, a.consumer === null ? 0 : Flag.XPENDING_CONSUMER, a.count, a.minIdle), mapPending);
    },
  }),
  row({
    name: 'xclaim', arity: -6, flags: ['write', 'fast'], ...KEY1, since: '5.0.0', summary: 'Changes, or acquires, ownership of a message in a consumer group, as if the message was delivered a consumer group member.',
    complexity: 'O(log N) with N being the number of messages in the PEL of the consumer group.',
    parse: parseClaim,
    exec: (a, ctx) => new StorageCall(storageCommand(Op.XCLAIM, ctx.client.db, a.args, a.error === null ? 0 : Flag.XCLAIM_ERROR), generic('xclaim')),
  }),
  row({
    name: 'xautoclaim', arity: -6, flags: ['write', 'fast'], ...KEY1, since: '6.2.0', summary: 'Changes, or acquires, ownership of messages in a consumer group, as if the messages were delivered to as consumer group member.',
    complexity: 'O(1) if COUNT is small.',
    parse: parseAutoClaim,
    exec: (a, ctx) => new StorageCall(storageCommand(Op.XAUTOCLAIM, ctx.client.db, a.args, a.justid ? Flag.XAUTOCLAIM_JUSTID : 0, a.minIdle, a.count), generic('xautoclaim')),
  }),
];
