// Set commands (Redis t_set.c). Parsing here; the storage runtime executes them
// atomically under their keys' locks (native/src/types/set.cc).
import { RedisError, ReplyError } from '../errors.js';
import { OpError, type StorageReply } from '../storage/codec.js';
import { Flag, Op, type OpCode } from '../storage/ops.js';
import { storageCommand } from '../storage/requests.js';
import { is, parseInt64, syntaxError } from './args.js';
import { randomCount } from './random.js';
import { SetReply, type Reply } from './reply.js';
import { memberScanCall, parseMemberScan } from './scan.js';
import { generic, storageErrorReply } from './storage-reply.js';
import { defineCommand, StorageCall, type CommandFlag, type CommandRow } from './types.js';

const row = <A>(r: Omit<CommandRow<A>, 'group' | 'firstKey' | 'lastKey' | 'step'> & Partial<Pick<CommandRow<A>, 'firstKey' | 'lastKey' | 'step'>>): CommandRow<A> =>
  defineCommand({ group: 'set', firstKey: 1, lastKey: 1, step: 1, ...r });
const RF: CommandFlag[] = ['readonly', 'fast'];
const allKeys = { firstKey: 1, lastKey: -1, step: 1 };

const setMappers = new Map<string, (r: StorageReply) => Reply>();
/** Redis answers these with a set (RESP3 `~`). */
function asSet(command: string): (r: StorageReply) => Reply {
  let m = setMappers.get(command);
  if (m === undefined) {
    const plain = generic(command);
    m = (r) => (r instanceof OpError ? storageErrorReply(r, command) : Array.isArray(r) ? new SetReply(r as Buffer[]) : plain(r));
    setMappers.set(command, m);
  }
  return m;
}

const call = (op: OpCode, command: string, map = generic(command)) =>
  (args: Buffer[], ctx: { client: { db: number } }) => new StorageCall(storageCommand(op, ctx.client.db, args), map);

const algebraRow = (name: string, op: OpCode, summary: string, complexity: string) =>
  row({
    name, arity: -2, flags: ['readonly'], ...allKeys, since: '1.0.0', summary, complexity,
    parse: (argv) => argv.slice(1),
    exec: call(op, name, asSet(name)),
  });

const storeRow = (name: string, op: OpCode, summary: string, complexity: string) =>
  row({
    name, arity: -3, flags: ['write', 'denyoom'], ...allKeys, since: '1.0.0', summary, complexity,
    parse: (argv) => argv.slice(1),
    exec: call(op, name),
  });

interface InterCard {
  keys: Buffer[];
  limit: number;
}

/** SINTERCARD numkeys key [key ...] [LIMIT limit]: Redis' checks, in its order. */
function parseInterCard(argv: Buffer[]): InterCard | ReplyError {
  const n = parseInt64(argv[1]);
  if (n === undefined || n < 1) return new ReplyError(RedisError.numkeysZero);
  if (n > argv.length - 2) return new ReplyError(RedisError.numkeysTooMany);
  const numkeys = Number(n);
  let limit = 0;
  for (let j = 2 + numkeys; j < argv.length; j++) {
    if (is(argv[j], 'limit') && j + 1 < argv.length) {
      const l = parseInt64(argv[++j]);
      if (l === undefined || l < 0) return new ReplyError(RedisError.limitNegative);
      limit = Math.min(Number(l), Number.MAX_SAFE_INTEGER);
    } else {
      return syntaxError();
    }
  }
  return { keys: argv.slice(2, 2 + numkeys), limit };
}

export const setCommands: readonly CommandRow<any>[] = [
  row({
    name: 'sadd', arity: -3, flags: ['write', 'denyoom', 'fast'], since: '1.0.0', summary: 'Adds one or more members to a set. Creates the key if it doesn\'t exist.',
    complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
    parse: (argv) => argv.slice(1),
    exec: call(Op.SADD, 'sadd'),
  }),
  row({
    name: 'srem', arity: -3, flags: ['write', 'fast'], since: '1.0.0', summary: 'Removes one or more members from a set. Deletes the set if the last member was removed.',
    complexity: 'O(N) where N is the number of members to be removed.',
    parse: (argv) => argv.slice(1),
    exec: call(Op.SREM, 'srem'),
  }),
  row({
    name: 'scard', arity: 2, flags: RF, since: '1.0.0', summary: 'Returns the number of members in a set.', complexity: 'O(1)',
    parse: (argv) => argv.slice(1),
    exec: call(Op.SCARD, 'scard'),
  }),
  row({
    name: 'sismember', arity: 3, flags: RF, since: '1.0.0', summary: 'Determines whether a member belongs to a set.', complexity: 'O(1)',
    parse: (argv) => argv.slice(1),
    exec: call(Op.SISMEMBER, 'sismember'),
  }),
  row({
    name: 'smismember', arity: -3, flags: RF, since: '6.2.0', summary: 'Determines whether multiple members belong to a set.',
    complexity: 'O(N) where N is the number of elements being checked for membership',
    parse: (argv) => argv.slice(1),
    exec: call(Op.SMISMEMBER, 'smismember'),
  }),
  row({
    name: 'smembers', arity: 2, flags: ['readonly'], since: '1.0.0', summary: 'Returns all members of a set.', complexity: 'O(N) where N is the set cardinality.',
    parse: (argv) => argv.slice(1),
    exec: call(Op.SMEMBERS, 'smembers', asSet('smembers')),
  }),
  row({
    name: 'spop', arity: -2, flags: ['write', 'fast'], since: '1.0.0', summary: 'Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.',
    complexity: 'Without the count argument O(1), otherwise O(N) where N is the size of the set (kiwi walks the members once to pick them).',
    parse: (argv) => {
      if (argv.length === 2) return { key: argv[1], count: null };
      if (argv.length > 3) return syntaxError();
      const n = parseInt64(argv[2]);
      if (n === undefined || n < 0) return new ReplyError(RedisError.positiveOutOfRange);
      return { key: argv[1], count: Math.min(Number(n), Number.MAX_SAFE_INTEGER) };
    },
    exec: (a, ctx) =>
      new StorageCall(
        storageCommand(Op.SPOP, ctx.client.db, [a.key], a.count === null ? 0 : Flag.COUNT_GIVEN, a.count ?? 0),
        a.count === null ? generic('spop') : asSet('spop'),
      ),
  }),
  row({
    name: 'srandmember', arity: -2, flags: ['readonly'], since: '1.0.0', summary: 'Get one or multiple random members from a set',
    complexity: 'Without the count argument O(1), otherwise O(N) where N is the size of the set (kiwi walks the members once to pick them).',
    parse: (argv) => {
      if (argv.length === 2) return { key: argv[1], count: null };
      if (argv.length > 3) return syntaxError();
      const count = randomCount(argv[2], false);
      return count instanceof ReplyError ? count : { key: argv[1], count };
    },
    exec: (a, ctx) =>
      new StorageCall(storageCommand(Op.SRANDMEMBER, ctx.client.db, [a.key], a.count === null ? 0 : Flag.COUNT_GIVEN, a.count ?? 0), generic('srandmember')),
  }),
  row({
    name: 'smove', arity: 4, flags: ['write', 'fast'], firstKey: 1, lastKey: 2, step: 1, since: '1.0.0', summary: 'Moves a member from one set to another.', complexity: 'O(1)',
    parse: (argv) => argv.slice(1),
    exec: call(Op.SMOVE, 'smove'),
  }),
  algebraRow('sinter', Op.SINTER, 'Returns the intersect of multiple sets.', 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.'),
  algebraRow('sunion', Op.SUNION, 'Returns the union of multiple sets.', 'O(N) where N is the total number of elements in all given sets.'),
  algebraRow('sdiff', Op.SDIFF, 'Returns the difference of multiple sets.', 'O(N) where N is the total number of elements in all given sets.'),
  storeRow('sinterstore', Op.SINTERSTORE, 'Stores the intersect of multiple sets in a key.', 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.'),
  storeRow('sunionstore', Op.SUNIONSTORE, 'Stores the union of multiple sets in a key.', 'O(N) where N is the total number of elements in all given sets.'),
  storeRow('sdiffstore', Op.SDIFFSTORE, 'Stores the difference of multiple sets in a key.', 'O(N) where N is the total number of elements in all given sets.'),
  row({
    name: 'sintercard', arity: -3, flags: ['readonly', 'movablekeys'], firstKey: 0, lastKey: 0, step: 0, since: '7.0.0',
    summary: 'Returns the number of members of the intersect of multiple sets.', complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.',
    keys: (argv) => {
      const a = parseInterCard(argv);
      return a instanceof ReplyError ? [] : a.keys;
    },
    parse: parseInterCard,
    exec: (a, ctx) => new StorageCall(storageCommand(Op.SINTERCARD, ctx.client.db, a.keys, 0, a.limit), generic('sintercard')),
  }),
  row({
    name: 'sscan', arity: -3, flags: ['readonly'], since: '2.8.0', summary: 'Iterates over members of a set.',
    complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.',
    parse: parseMemberScan,
    exec: (a, ctx) => memberScanCall(ctx, Op.SSCAN, a, 'set', 'sscan'),
  }),
];
