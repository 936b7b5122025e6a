// List commands (Redis t_list.c). Parsing here, with Redis' checks in its order; the
// storage runtime executes them atomically under their keys' locks
// (native/src/types/list.cc, which also documents the layout and what each costs).
import { RedisError, ReplyError, wrongArity } from '../errors.js';
import type { StorageReply } from '../storage/codec.js';
import { Flag, Op, type OpCode } from '../storage/ops.js';
import { storageCommand } from '../storage/requests.js';
import { int64Arg, is, parseInt64, syntaxError } from './args.js';
import { NULL_ARRAY, type Reply } from './reply.js';
import { generic } from './storage-reply.js';
import { defineCommand, StorageCall, type CommandFlag, type CommandRow, type ExecContext } from './types.js';

const row = <A>(r: Omit<CommandRow<A>, 'group' | 'firstKey' | 'lastKey' | 'step'> & Partial<Pick<CommandRow<A>, 'firstKey' | 'lastKey' | 'step'>>): CommandRow<A> =>
  defineCommand({ group: 'list', firstKey: 1, lastKey: 1, step: 1, ...r });
const WF: CommandFlag[] = ['write', 'denyoom', 'fast'];

type Int = number | bigint;

/** A reply that is nil for a missing key but an array otherwise: the null array. */
function nullArray(command: string): (r: StorageReply) => Reply {
  const plain = generic(command);
  return (r) => (r === null ? NULL_ARRAY : plain(r));
}

const call = (op: OpCode, command: string, map: (r: StorageReply, ctx: ExecContext) => Reply = generic(command)) =>
  (args: Buffer[], ctx: ExecContext) => new StorageCall(storageCommand(op, ctx.client.db, args), map);

/** Redis getListPositionFromObjectOrReply: LEFT or RIGHT, as LIST_RIGHT. */
function where(buf: Buffer): number | ReplyError {
  if (is(buf, 'left')) return 0;
  if (is(buf, 'right')) return Flag.LIST_RIGHT;
  return syntaxError();
}

/** Redis getPositiveLongFromObjectOrReply with a message: the count, or `error`. */
function positive(buf: Buffer, error: string): Int | ReplyError {
  const n = parseInt64(buf);
  return n === undefined || n < 0 ? new ReplyError(error) : n;
}

const pushRow = (name: string, flags: number, since: string, summary: string) =>
  row({
    name, arity: -3, flags: WF, since, summary,
    complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
    parse: (argv) => argv.slice(1),
    exec: (args, ctx) => {
      const map = generic(name);
      return new StorageCall(storageCommand(Op.LPUSH, ctx.client.db, args, flags), map);
    },
  });

const popRow = (name: string, flags: number, summary: string) => {
  const one = generic(name);
  const many = nullArray(name);
  return row({
    name, arity: -2, flags: ['write', 'fast'], since: '1.0.0', summary, complexity: 'O(N) where N is the number of elements returned',
    parse: (argv) => {
      if (argv.length > 3) return new ReplyError(wrongArity(name));
      if (argv.length === 2) return { key: argv[1], count: null };
      const count = positive(argv[2], RedisError.positiveOutOfRange);
      return count instanceof ReplyError ? count : { key: argv[1], count };
    },
    exec: (a: { key: Buffer; count: Int | null }, ctx) =>
      new StorageCall(storageCommand(Op.LPOP, ctx.client.db, [a.key], flags | (a.count === null ? 0 : Flag.COUNT_GIVEN), a.count ?? 0), a.count === null ? one : many),
  });
};

/** LINDEX/LSET: Redis checks the key before the index, so a bad index travels as a flag. */
function indexed(argv: Buffer[]): { index: Int; flags: number } {
  const n = parseInt64(argv[2]);
  return n === undefined ? { index: 0, flags: Flag.LIST_BAD_INDEX } : { index: n, flags: 0 };
}

function startEnd(argv: Buffer[]): { key: Buffer; start: Int; end: Int } | ReplyError {
  const start = int64Arg(argv[2]);
  if (start instanceof ReplyError) return start;
  const end = int64Arg(argv[3]);
  return end instanceof ReplyError ? end : { key: argv[1], start, end };
}

interface Pos {
  key: Buffer;
  element: Buffer;
  rank: Int;
  count: Int | null;
  maxlen: Int;
}

/** LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]. */
function parseLpos(argv: Buffer[]): Pos | ReplyError {
  const a: Pos = { key: argv[1], element: argv[2], rank: 1, count: null, maxlen: 0 };
  for (let j = 3; j < argv.length; j++) {
    const more = j + 1 < argv.length;
    if (is(argv[j], 'rank') && more) {
      const rank = int64Arg(argv[++j]);
      if (rank instanceof ReplyError) return rank;
      if (rank === 0) return new ReplyError(RedisError.rankZero);
      a.rank = rank;
    } else if (is(argv[j], 'count') && more) {
      const count = positive(argv[++j], RedisError.countNegative);
      if (count instanceof ReplyError) return count;
      a.count = count;
    } else if (is(argv[j], 'maxlen') && more) {
      const maxlen = positive(argv[++j], RedisError.maxlenNegative);
      if (maxlen instanceof ReplyError) return maxlen;
      a.maxlen = maxlen;
    } else {
      return syntaxError();
    }
  }
  return a;
}

interface MPop {
  keys: Buffer[];
  flags: number;
  count: Int;
}

/** LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]: Redis' checks, in its order. */
function parseLmpop(argv: Buffer[]): MPop | ReplyError {
  const n = parseInt64(argv[1]);
  if (n === undefined || n < 1) return new ReplyError(RedisError.numkeysZero);
  const whereAt = 2 + Number(n);
  if (whereAt >= argv.length) return syntaxError();
  const flags = where(argv[whereAt]);
  if (flags instanceof ReplyError) return flags;
  let count: Int | null = null;
  for (let j = whereAt + 1; j < argv.length; j++) {
    if (count === null && is(argv[j], 'count') && j + 1 < argv.length) {
      const c = parseInt64(argv[++j]);
      if (c === undefined || c < 1) return new ReplyError(RedisError.countNotPositive);
      count = c;
    } else {
      return syntaxError();
    }
  }
  return { keys: argv.slice(2, whereAt), flags, count: count ?? 1 };
}

const lmove = (ctx: ExecContext, src: Buffer, dst: Buffer, from: number, to: number, name: string) =>
  new StorageCall(storageCommand(Op.LMOVE, ctx.client.db, [src, dst], from | (to ? Flag.LIST_TO_RIGHT : 0)), generic(name));

export const listCommands: readonly CommandRow<any>[] = [
  pushRow('lpush', 0, '1.0.0', 'Prepends one or more elements to a list. Creates the key if it doesn\'t exist.'),
  pushRow('rpush', Flag.LIST_RIGHT, '1.0.0', 'Appends one or more elements to a list. Creates the key if it doesn\'t exist.'),
  pushRow('lpushx', Flag.LIST_PUSHX, '2.2.0', 'Prepends one or more elements to a list only when the list exists.'),
  pushRow('rpushx', Flag.LIST_RIGHT | Flag.LIST_PUSHX, '2.2.0', 'Appends an element to a list only when the list exists.'),
  popRow('lpop', 0, 'Returns the first elements in a list after removing it. Deletes the list if the last element was popped.'),
  popRow('rpop', Flag.LIST_RIGHT, 'Returns and removes the last elements of a list. Deletes the list if the last element was popped.'),
  row({
    name: 'llen', arity: 2, flags: ['readonly', 'fast'], since: '1.0.0', summary: 'Returns the length of a list.', complexity: 'O(1)',
    parse: (argv) => argv.slice(1),
    exec: call(Op.LLEN, 'llen'),
  }),
  row({
    name: 'lindex', arity: 3, flags: ['readonly'], since: '1.0.0', summary: 'Returns an element from a list by its index.',
    complexity: 'O(1) (elements are keyed by position: one point lookup)',
    parse: (argv) => ({ key: argv[1], ...indexed(argv) }),
    exec: (a, ctx) => new StorageCall(storageCommand(Op.LINDEX, ctx.client.db, [a.key], a.flags, a.index), generic('lindex')),
  }),
  row({
    name: 'lset', arity: 4, flags: ['write', 'denyoom'], since: '1.0.0', summary: 'Sets the value of an element in a list by its index.',
    complexity: 'O(1) (elements are keyed by position: one point write)',
    parse: (argv) => ({ key: argv[1], element: argv[3], ...indexed(argv) }),
    exec: (a, ctx) => new StorageCall(storageCommand(Op.LSET, ctx.client.db, [a.key, a.element], a.flags, a.index), generic('lset')),
  }),
  row({
    name: 'lrange', arity: 4, flags: ['readonly'], since: '1.0.0', summary: 'Returns a range of elements from a list.',
    complexity: 'O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range. (kiwi: O(log M + N), one seek to the start position)',
    parse: startEnd,
    // The elements come pre-encoded as RESP: one view per reply instead of a Buffer each.
    exec: (a, ctx) => new StorageCall(storageCommand(Op.LRANGE, ctx.client.db, [a.key], Flag.RESP_REPLY, a.start, a.end), generic('lrange')),
  }),
  row({
    name: 'linsert', arity: 5, flags: ['write', 'denyoom'], since: '2.2.0', summary: 'Inserts an element before or after another element in a list.',
    complexity: 'O(N) where N is the number of elements to traverse before seeing the value pivot (kiwi: plus rewriting the shorter side of the list, at most N/2 elements).',
    parse: (argv) => {
      const after = is(argv[2], 'after');
      if (!after && !is(argv[2], 'before')) return syntaxError();
      return { args: [argv[1], argv[3], argv[4]], flags: after ? Flag.LIST_RIGHT : 0 };
    },
    exec: (a, ctx) => new StorageCall(storageCommand(Op.LINSERT, ctx.client.db, a.args, a.flags), generic('linsert')),
  }),
  row({
    name: 'lrem', arity: 4, flags: ['write'], since: '1.0.0', summary: 'Removes elements from a list. Deletes the list if the last element was removed.',
    complexity: 'O(N+M) where N is the length of the list and M is the number of elements removed (kiwi: N elements read at most, plus the shorter side of the list past the first removed element rewritten, or what is kept moved to a new version when that is less).',
    parse: (argv) => {
      const count = int64Arg(argv[2]);
      return count instanceof ReplyError ? count : { args: [argv[1], argv[3]], count };
    },
    exec: (a, ctx) => new StorageCall(storageCommand(Op.LREM, ctx.client.db, a.args, 0, a.count), generic('lrem')),
  }),
  row({
    name: 'ltrim', arity: 4, flags: ['write'], since: '1.0.0', summary: 'Removes elements from both ends a list. Deletes the list if all elements were trimmed.',
    complexity: 'O(N) where N is the number of elements to be removed by the operation (kiwi: O(min(removed, kept)): what is kept moves to a new version when it is less).',
    parse: startEnd,
    exec: (a, ctx) => new StorageCall(storageCommand(Op.LTRIM, ctx.client.db, [a.key], 0, a.start, a.end), generic('ltrim')),
  }),
  row({
    name: 'lpos', arity: -3, flags: ['readonly'], since: '6.0.6', summary: 'Returns the index of matching elements in a list.',
    complexity: 'O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.',
    parse: parseLpos,
    exec: (a, ctx) => {
      const args = a.count === null ? [a.key, a.element] : [a.key, a.element, Buffer.from(String(a.count))];
      return new StorageCall(storageCommand(Op.LPOS, ctx.client.db, args, a.count === null ? 0 : Flag.COUNT_GIVEN, a.rank, a.maxlen), generic('lpos'));
    },
  }),
  row({
    name: 'lmove', arity: 5, flags: ['write', 'denyoom'], firstKey: 1, lastKey: 2, step: 1, since: '6.2.0',
    summary: 'Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.', complexity: 'O(1)',
    parse: (argv) => {
      const from = where(argv[3]);
      if (from instanceof ReplyError) return from;
      const to = where(argv[4]);
      return to instanceof ReplyError ? to : { src: argv[1], dst: argv[2], from, to };
    },
    exec: (a, ctx) => lmove(ctx, a.src, a.dst, a.from, a.to, 'lmove'),
  }),
  row({
    name: 'rpoplpush', arity: 3, flags: ['write', 'denyoom'], firstKey: 1, lastKey: 2, step: 1, since: '1.2.0',
    summary: 'Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.', complexity: 'O(1)',
    deprecated: { since: '6.2.0', replacedBy: '`LMOVE` with the `RIGHT` and `LEFT` arguments' },
    parse: (argv) => argv,
    exec: (argv, ctx) => lmove(ctx, argv[1], argv[2], Flag.LIST_RIGHT, 0, 'rpoplpush'),
  }),
  row({
    name: 'lmpop', arity: -4, flags: ['write', 'movablekeys'], firstKey: 0, lastKey: 0, step: 0, since: '7.0.0',
    summary: 'Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.',
    complexity: 'O(N+M) where N is the number of provided keys and M is the number of elements returned.',
    keys: (argv) => {
      const a = parseLmpop(argv);
      return a instanceof ReplyError ? [] : a.keys;
    },
    parse: parseLmpop,
    exec: (a, ctx) => new StorageCall(storageCommand(Op.LMPOP, ctx.client.db, a.keys, a.flags, a.count), nullArray('lmpop')),
  }),
];
