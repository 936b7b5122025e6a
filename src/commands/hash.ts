// Hash commands (Redis t_hash.c). Parsing here; the storage runtime executes them
// atomically under the key's lock (native/src/types/hash.cc).
import { ReplyError, wrongArity } from '../errors.js';
import { OpError, type StorageReply } from '../storage/codec.js';
import { Flag, Op } from '../storage/ops.js';
import { storageCommand } from '../storage/requests.js';
import { int64Arg, is, syntaxError } from './args.js';
import { randomCount } from './random.js';
import { MapReply, OK, type Reply } from './reply.js';
import { memberScanCall, parseMemberScan } from './scan.js';
import { generic, storageErrorReply } from './storage-reply.js';
import { defineCommand, StorageCall, type CommandFlag, type CommandRow, type ExecContext } from './types.js';

const row = <A>(r: Omit<CommandRow<A>, 'group' | 'firstKey' | 'lastKey' | 'step'>): CommandRow<A> =>
  defineCommand({ group: 'hash', firstKey: 1, lastKey: 1, step: 1, ...r });
const RF: CommandFlag[] = ['readonly', 'fast'];
const WF: CommandFlag[] = ['write', 'denyoom', 'fast'];

/** [field, value, ...] as a map (RESP3) or the flat array (RESP2). */
function pairs(items: StorageReply[]): MapReply {
  const entries: Array<[Reply, Reply]> = [];
  for (let i = 0; i + 1 < items.length; i += 2) entries.push([items[i] as Buffer, items[i + 1] as Buffer]);
  return new MapReply(entries);
}

const mapGetAll = (r: StorageReply): Reply => (Array.isArray(r) ? pairs(r) : generic('hgetall')(r));
const mapHmset = (r: StorageReply): Reply => (r instanceof OpError ? storageErrorReply(r, 'hmset') : OK);
const mapHsetnx = generic('hsetnx');

/** HRANDFIELD with WITHVALUES: nested [field, value] arrays in RESP3, flat in RESP2. */
const mapRandWithValues = (r: StorageReply, ctx: ExecContext): Reply => {
  if (!Array.isArray(r) || ctx.client.resp === 2) return generic('hrandfield')(r);
  const out: Reply[] = [];
  for (let i = 0; i + 1 < r.length; i += 2) out.push([r[i] as Buffer, r[i + 1] as Buffer]);
  return out;
};

const hset = (ctx: ExecContext, argv: Buffer[], flags: number, name: string, map = generic(name)) =>
  new StorageCall(storageCommand(Op.HSET, ctx.client.db, argv.slice(1), flags), map);

const getAllRow = (name: string, mode: number, summary: string) =>
  row({
    name, arity: 2, flags: ['readonly'], since: '2.0.0', summary, complexity: 'O(N) where N is the size of the hash.',
    parse: (argv) => argv[1],
    exec: (key, ctx) => new StorageCall(storageCommand(Op.HGETALL, ctx.client.db, [key], 0, mode), mode === 0 ? mapGetAll : generic(name)),
  });

export const hashCommands: readonly CommandRow<any>[] = [
  row({
    name: 'hset', arity: -4, flags: WF, since: '2.0.0', summary: 'Creates or modifies the value of a field in a hash.',
    complexity: 'O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.',
    parse: (argv) => (argv.length % 2 === 1 ? new ReplyError(wrongArity('hset')) : argv),
    exec: (argv, ctx) => hset(ctx, argv, 0, 'hset'),
  }),
  row({
    name: 'hmset', arity: -4, flags: WF, since: '2.0.0', summary: 'Sets the values of multiple fields.', complexity: 'O(N) where N is the number of fields being set.',
    deprecated: { since: '4.0.0', replacedBy: '`HSET` with multiple field-value pairs' },
    parse: (argv) => (argv.length % 2 === 1 ? new ReplyError(wrongArity('hmset')) : argv),
    exec: (argv, ctx) => hset(ctx, argv, 0, 'hmset', mapHmset),
  }),
  row({
    name: 'hsetnx', arity: 4, flags: WF, since: '2.0.0', summary: 'Sets the value of a field in a hash only when the field doesn\'t exist.', complexity: 'O(1)',
    parse: (argv) => argv,
    exec: (argv, ctx) => hset(ctx, argv, Flag.HSET_NX, 'hsetnx', mapHsetnx),
  }),
  row({
    name: 'hget', arity: 3, flags: RF, since: '2.0.0', summary: 'Returns the value of a field in a hash.', complexity: 'O(1)',
    parse: (argv) => argv,
    exec: (argv, ctx) => new StorageCall(storageCommand(Op.HGET, ctx.client.db, [argv[1], argv[2]]), generic('hget')),
  }),
  row({
    name: 'hmget', arity: -3, flags: RF, since: '2.0.0', summary: 'Returns the values of all fields in a hash.', complexity: 'O(N) where N is the number of fields being requested.',
    parse: (argv) => argv.slice(1),
    exec: (args, ctx) => new StorageCall(storageCommand(Op.HMGET, ctx.client.db, args), generic('hmget')),
  }),
  row({
    name: 'hdel', arity: -3, flags: ['write', 'fast'], since: '2.0.0', summary: 'Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.',
    complexity: 'O(N) where N is the number of fields to be removed.',
    parse: (argv) => argv.slice(1),
    exec: (args, ctx) => new StorageCall(storageCommand(Op.HDEL, ctx.client.db, args), generic('hdel')),
  }),
  row({
    name: 'hlen', arity: 2, flags: RF, since: '2.0.0', summary: 'Returns the number of fields in a hash.', complexity: 'O(1)',
    parse: (argv) => argv[1],
    exec: (key, ctx) => new StorageCall(storageCommand(Op.HLEN, ctx.client.db, [key]), generic('hlen')),
  }),
  row({
    name: 'hstrlen', arity: 3, flags: RF, since: '3.2.0', summary: 'Returns the length of the value of a field.', complexity: 'O(1)',
    parse: (argv) => argv,
    exec: (argv, ctx) => new StorageCall(storageCommand(Op.HSTRLEN, ctx.client.db, [argv[1], argv[2]]), generic('hstrlen')),
  }),
  row({
    name: 'hexists', arity: 3, flags: RF, since: '2.0.0', summary: 'Determines whether a field exists in a hash.', complexity: 'O(1)',
    parse: (argv) => argv,
    exec: (argv, ctx) => new StorageCall(storageCommand(Op.HEXISTS, ctx.client.db, [argv[1], argv[2]]), generic('hexists')),
  }),
  getAllRow('hgetall', 0, 'Returns all fields and values in a hash.'),
  getAllRow('hkeys', 1, 'Returns all fields in a hash.'),
  getAllRow('hvals', 2, 'Returns all values in a hash.'),
  row({
    name: 'hincrby', arity: 4, flags: WF, since: '2.0.0', summary: 'Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn\'t exist.',
    complexity: 'O(1)',
    parse: (argv) => {
      const delta = int64Arg(argv[3]);
      return delta instanceof ReplyError ? delta : { key: argv[1], field: argv[2], delta };
    },
    exec: (a, ctx) => new StorageCall(storageCommand(Op.HINCRBY, ctx.client.db, [a.key, a.field], 0, a.delta), generic('hincrby')),
  }),
  row({
    name: 'hincrbyfloat', arity: 4, flags: WF, since: '2.6.0', summary: 'Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn\'t exist.',
    complexity: 'O(1)',
    // The increment is checked natively as a long double, exactly as Redis parses it.
    parse: (argv) => argv.slice(1),
    exec: (args, ctx) => new StorageCall(storageCommand(Op.HINCRBYFLOAT, ctx.client.db, args), generic('hincrbyfloat')),
  }),
  row({
    name: 'hrandfield', arity: -2, flags: ['readonly'], since: '6.2.0', summary: 'Returns one or more random fields from a hash.',
    complexity: 'O(N) where N is the number of fields in the hash (kiwi walks the fields once to pick them)',
    parse: (argv) => {
      if (argv.length === 2) return { key: argv[1], count: null, withValues: false };
      if (argv.length > 4) return syntaxError();
      const withValues = argv.length === 4;
      // Redis checks the count before the WITHVALUES keyword.
      const count = randomCount(argv[2], withValues);
      if (count instanceof ReplyError) return count;
      if (withValues && !is(argv[3], 'withvalues')) return syntaxError();
      return { key: argv[1], count, withValues };
    },
    exec: (a, ctx) => {
      const flags = (a.count !== null ? Flag.COUNT_GIVEN : 0) | (a.withValues ? Flag.WITHVALUES : 0);
      return new StorageCall(storageCommand(Op.HRANDFIELD, ctx.client.db, [a.key], flags, a.count ?? 0), a.withValues ? mapRandWithValues : generic('hrandfield'));
    },
  }),
  row({
    name: 'hscan', arity: -3, flags: ['readonly'], since: '2.8.0', summary: 'Iterates over fields and values of a hash.',
    complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.',
    parse: parseMemberScan,
    exec: (a, ctx) => memberScanCall(ctx, Op.HSCAN, a, 'hash', 'hscan'),
  }),
];
