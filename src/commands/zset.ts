// Sorted-set commands (Redis t_zset.c). Parsing in zset-args.ts; the storage runtime
// executes them atomically under their keys' locks (native/src/types/zset*.cc) and
// formats scores as Redis does ("%.17g"); here they become RESP3 doubles.
import { RedisError, ReplyError } from '../errors.js';
import { OpError, type StorageReply } from '../storage/codec.js';
import { Flag, Op, type OpCode } from '../storage/ops.js';
import { storageCommand } from '../storage/requests.js';
import { is, parseInt64, syntaxError } from './args.js';
import { randomCount } from './random.js';
import { DoubleReply, NULL_ARRAY, type Reply } from './reply.js';
import { memberScanCall, parseMemberScan } from './scan.js';
import { generic, storageErrorReply } from './storage-reply.js';
import { defineCommand, StorageCall, type CommandFlag, type CommandRow, type ExecContext } from './types.js';
import {
  AlgebraKind, Direction, f64s, parseAlgebra, parseRangeOnly, parseZAdd, parseZMPop, parseZRange, RangeBy,
  type AlgebraArgs, type RangeArgs,
} from './zset-args.js';

type RowSpec<A> = Omit<CommandRow<A>, 'group' | 'firstKey' | 'lastKey' | 'step' | 'since'> & Partial<Pick<CommandRow<A>, 'firstKey' | 'lastKey' | 'step' | 'since'>>;
const row = <A>(r: RowSpec<A>): CommandRow<A> => defineCommand({ group: 'sorted-set', firstKey: 1, lastKey: 1, step: 1, since: '1.2.0', ...r });
const RF: CommandFlag[] = ['readonly', 'fast'];
const RANGE_COMPLEXITY = 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned (kiwi: O(M) from the nearer end for ranks, O(M) for scores and lex).';
const WALK = '(kiwi: O(N), a walk of the score index from the nearer end)';

// ---------------------------------------------------------------------------------------
// Reply mappers: the storage side replies scores as bulk strings.

const asDouble = (r: StorageReply): Reply => (Buffer.isBuffer(r) ? new DoubleReply(r.toString('latin1')) : (r as Reply));

function mapper(command: string, shape: (r: StorageReply[], ctx: ExecContext) => Reply) {
  const plain = generic(command);
  return (r: StorageReply, ctx: ExecContext): Reply => {
    if (r instanceof OpError) return storageErrorReply(r, command);
    return Array.isArray(r) ? shape(r, ctx) : plain(r);
  };
}

/** [member, score, ...]: flat in RESP2, [member, score] pairs in RESP3. */
function pairs(items: StorageReply[], resp: 2 | 3): Reply[] {
  const out: Reply[] = [];
  for (let i = 0; i + 1 < items.length; i += 2) {
    const score = asDouble(items[i + 1]);
    if (resp === 3) out.push([items[i] as Buffer, score]);
    else out.push(items[i] as Buffer, score);
  }
  return out;
}

const scoreMappers = new Map<string, (r: StorageReply) => Reply>();
/** A score or nil (ZSCORE, ZINCRBY, ZADD INCR). */
function scoreReply(command: string): (r: StorageReply) => Reply {
  let m = scoreMappers.get(command);
  if (!m) {
    m = (r) => (r instanceof OpError ? storageErrorReply(r, command) : asDouble(r));
    scoreMappers.set(command, m);
  }
  return m;
}

const withScores = (command: string) => mapper(command, (r, ctx) => pairs(r, ctx.client.resp));
const mapZMScore = mapper('zmscore', (r) => r.map(asDouble));
/** ZPOPMIN/ZPOPMAX without a count: one flat [member, score] in both protocols. */
const popOne = (command: string) => mapper(command, (r) => pairs(r, 2));
const mapZMPop = (r: StorageReply): Reply => {
  if (r === null) return NULL_ARRAY;
  if (r instanceof OpError || !Array.isArray(r)) return generic('zmpop')(r);
  return [r[0] as Buffer, pairs(r[1] as StorageReply[], 3)];
};

// ---------------------------------------------------------------------------------------
// Storage calls

const call = (op: OpCode, command: string, map: (r: StorageReply, ctx: ExecContext) => Reply = generic(command)) =>
  (args: Buffer[], ctx: ExecContext) => new StorageCall(storageCommand(op, ctx.client.db, args), map);

const zadd = (name: string, map: (r: StorageReply) => Reply) =>
  (a: Exclude<ReturnType<typeof parseZAdd>, ReplyError>, ctx: ExecContext) =>
    new StorageCall(storageCommand(Op.ZADD, ctx.client.db, [a.key, a.scores, ...a.members], a.flags), (a.flags & Flag.ZADD_INCR) !== 0 ? scoreReply(name) : map);

interface RangeCall extends RangeArgs {
  keys: Buffer[];
}

function rangeCall(op: OpCode, name: string, a: RangeCall, ctx: ExecContext): StorageCall {
  const scores = op === Op.ZRANGE && (a.flags & Flag.ZRANGE_WITHSCORES) !== 0;
  return new StorageCall(storageCommand(op, ctx.client.db, [...a.keys, ...a.range], a.flags, a.a, a.b), scores ? withScores(name) : generic(name));
}

/** ZRANGE and its older forms: argv[1] is the key. */
const rangeRow = (name: string, by: RangeBy, direction: Direction, extra: Partial<RowSpec<RangeCall>> & Pick<RowSpec<RangeCall>, 'summary'>) =>
  row<RangeCall>({
    name, arity: -4, flags: ['readonly'], complexity: RANGE_COMPLEXITY, ...extra,
    parse: (argv) => {
      const r = parseZRange(argv, 1, false, by, direction);
      return r instanceof ReplyError ? r : { ...r, keys: [argv[1]] };
    },
    exec: (a, ctx) => rangeCall(Op.ZRANGE, name, a, ctx),
  });

const removeRangeRow = (name: string, by: RangeBy, since: string, summary: string) =>
  row<RangeCall>({
    name, arity: 4, flags: ['write'], since, summary, complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.',
    parse: (argv) => {
      const r = parseRangeOnly(argv, by);
      return r instanceof ReplyError ? r : { ...r, keys: [argv[1]] };
    },
    exec: (a, ctx) => rangeCall(Op.ZREMRANGE, name, a, ctx),
  });

const countRow = (name: string, by: RangeBy, since: string, summary: string) =>
  row<RangeCall>({
    name, arity: 4, flags: RF, since, summary, complexity: 'O(log(N)) with N being the number of elements in the sorted set (kiwi: O(M), M the members counted).',
    parse: (argv) => {
      const r = parseRangeOnly(argv, by);
      return r instanceof ReplyError ? r : { ...r, keys: [argv[1]] };
    },
    exec: (a, ctx) => rangeCall(Op.ZCOUNT, name, a, ctx),
  });

const popRow = (name: string, max: boolean, summary: string) =>
  row({
    name, arity: -2, flags: ['write', 'fast'], since: '5.0.0', summary,
    complexity: 'O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.',
    parse: (argv) => {
      if (argv.length > 3) return syntaxError();
      if (argv.length === 2) return { key: argv[1], count: null };
      const n = parseInt64(argv[2]);
      if (n === undefined || n < 0) return new ReplyError(RedisError.positiveOutOfRange);
      return { key: argv[1], count: n };
    },
    exec: (a, ctx) => {
      const flags = (max ? Flag.ZPOP_MAX : 0) | (a.count !== null ? Flag.COUNT_GIVEN : 0);
      return new StorageCall(storageCommand(Op.ZPOP, ctx.client.db, [a.key], flags, a.count ?? 0), a.count === null ? popOne(name) : withScores(name));
    },
  });

const ALGEBRA_OPS: Record<string, OpCode> = {
  zunion: Op.ZUNION, zinter: Op.ZINTER, zdiff: Op.ZDIFF, zintercard: Op.ZINTERCARD,
  zunionstore: Op.ZUNIONSTORE, zinterstore: Op.ZINTERSTORE, zdiffstore: Op.ZDIFFSTORE,
};

interface AlgebraCall extends AlgebraArgs {
  dst: Buffer | null;
}

function algebraCall(name: string, a: AlgebraCall, ctx: ExecContext): StorageCall {
  const keys = a.dst ? [a.dst, ...a.keys] : a.keys;
  const args = [...keys, a.weights && !a.optionError ? f64s(a.weights) : Buffer.alloc(0)];
  const flags = (a.withScores ? Flag.ZRANGE_WITHSCORES : 0) | (a.optionError ? Flag.ZSET_CHECK_ONLY : 0);
  const cmd = storageCommand(ALGEBRA_OPS[name], ctx.client.db, args, flags, name === 'zintercard' ? a.limit : a.aggregate, keys.length);
  const error = a.optionError;
  if (error) return new StorageCall(cmd, (r) => (r instanceof OpError ? storageErrorReply(r, name) : error));
  return new StorageCall(cmd, a.withScores ? withScores(name) : generic(name));
}

const algebraRow = (name: string, kind: AlgebraKind, store: boolean, since: string, summary: string, complexity: string) =>
  row<AlgebraCall>({
    name, arity: store ? -4 : -3, flags: store ? ['write', 'denyoom', 'movablekeys'] : ['readonly', 'movablekeys'],
    ...(store ? {} : { firstKey: 0, lastKey: 0, step: 0 }), since, summary, complexity,
    keys: (argv) => {
      const a = parseAlgebra(argv, store ? 2 : 1, kind, store, name);
      return a instanceof ReplyError ? [] : store ? [argv[1], ...a.keys] : a.keys;
    },
    parse: (argv) => {
      const a = parseAlgebra(argv, store ? 2 : 1, kind, store, name);
      return a instanceof ReplyError ? a : { ...a, dst: store ? argv[1] : null };
    },
    exec: (a, ctx) => algebraCall(name, a, ctx),
  });

export const zsetCommands: readonly CommandRow<any>[] = [
  row({
    name: 'zadd', arity: -4, flags: ['write', 'denyoom', 'fast'], summary: 'Add one or more members to a sorted set, or update its score if it already exists',
    complexity: 'O(log(N)) for each item added, where N is the number of elements in the sorted set.',
    parse: (argv) => parseZAdd(argv),
    exec: zadd('zadd', generic('zadd')),
  }),
  row({
    name: 'zincrby', arity: 4, flags: ['write', 'denyoom', 'fast'], summary: 'Increment the score of a member in a sorted set',
    complexity: 'O(log(N)) where N is the number of elements in the sorted set.',
    // zincrbyCommand is zaddGenericCommand with INCR: same checks, same order.
    parse: (argv) => parseZAdd([argv[0], argv[1], argv[2], argv[3]], Flag.ZADD_INCR),
    exec: zadd('zincrby', scoreReply('zincrby')),
  }),
  row({
    name: 'zscore', arity: 3, flags: RF, summary: 'Get the score associated with the given member in a sorted set', complexity: 'O(1)',
    parse: (argv) => argv.slice(1),
    exec: call(Op.ZSCORE, 'zscore', scoreReply('zscore')),
  }),
  row({
    name: 'zmscore', arity: -3, flags: RF, since: '6.2.0', summary: 'Get the score associated with the given members in a sorted set',
    complexity: 'O(N) where N is the number of members being requested.',
    parse: (argv) => argv.slice(1),
    exec: call(Op.ZMSCORE, 'zmscore', mapZMScore),
  }),
  row({
    name: 'zcard', arity: 2, flags: RF, summary: 'Get the number of members in a sorted set', complexity: 'O(1)',
    parse: (argv) => argv.slice(1),
    exec: call(Op.ZCARD, 'zcard'),
  }),
  countRow('zcount', RangeBy.Score, '2.0.0', 'Count the members in a sorted set with scores within the given values'),
  countRow('zlexcount', RangeBy.Lex, '2.8.9', 'Count the number of members in a sorted set between a given lexicographical range'),
  ...(['zrank', 'zrevrank'] as const).map((name) =>
    row({
      name, arity: 3, flags: RF, since: '2.0.0', complexity: `O(log(N)) ${WALK}`,
      summary: name === 'zrank' ? 'Determine the index of a member in a sorted set' : 'Determine the index of a member in a sorted set, with scores ordered from high to low',
      parse: (argv) => argv.slice(1),
      exec: (args, ctx) => new StorageCall(storageCommand(Op.ZRANK, ctx.client.db, args, name === 'zrevrank' ? Flag.ZRANGE_REV : 0), generic(name)),
    })),
  rangeRow('zrange', RangeBy.Auto, Direction.Auto, { summary: 'Return a range of members in a sorted set' }),
  rangeRow('zrevrange', RangeBy.Rank, Direction.Reverse, {
    summary: 'Return a range of members in a sorted set, by index, with scores ordered from high to low',
    deprecated: { since: '6.2.0', replacedBy: '`ZRANGE` with the `REV` argument' },
  }),
  rangeRow('zrangebyscore', RangeBy.Score, Direction.Forward, {
    since: '1.0.5', summary: 'Return a range of members in a sorted set, by score',
    deprecated: { since: '6.2.0', replacedBy: '`ZRANGE` with the `BYSCORE` argument' },
  }),
  rangeRow('zrevrangebyscore', RangeBy.Score, Direction.Reverse, {
    since: '2.2.0', summary: 'Return a range of members in a sorted set, by score, with scores ordered from high to low',
    deprecated: { since: '6.2.0', replacedBy: '`ZRANGE` with the `REV` and `BYSCORE` arguments' },
  }),
  rangeRow('zrangebylex', RangeBy.Lex, Direction.Forward, {
    since: '2.8.9', summary: 'Return a range of members in a sorted set, by lexicographical range',
    deprecated: { since: '6.2.0', replacedBy: '`ZRANGE` with the `BYLEX` argument' },
  }),
  rangeRow('zrevrangebylex', RangeBy.Lex, Direction.Reverse, {
    since: '2.8.9', summary: 'Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.',
    deprecated: { since: '6.2.0', replacedBy: '`ZRANGE` with the `REV` and `BYLEX` arguments' },
  }),
  row<RangeCall>({
    name: 'zrangestore', arity: -5, flags: ['write', 'denyoom'], firstKey: 1, lastKey: 2, since: '6.2.0', summary: 'Store a range of members from sorted set into another key',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.',
    parse: (argv) => {
      const r = parseZRange(argv, 2, true, RangeBy.Auto, Direction.Auto);
      return r instanceof ReplyError ? r : { ...r, keys: [argv[1], argv[2]] };
    },
    exec: (a, ctx) => rangeCall(Op.ZRANGESTORE, 'zrangestore', a, ctx),
  }),
  row({
    name: 'zrem', arity: -3, flags: ['write', 'fast'], summary: 'Remove one or more members from a sorted set',
    complexity: 'O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.',
    parse: (argv) => argv.slice(1),
    exec: call(Op.ZREM, 'zrem'),
  }),
  removeRangeRow('zremrangebyrank', RangeBy.Rank, '2.0.0', 'Remove all members in a sorted set within the given indexes'),
  removeRangeRow('zremrangebyscore', RangeBy.Score, '1.2.0', 'Remove all members in a sorted set within the given scores'),
  removeRangeRow('zremrangebylex', RangeBy.Lex, '2.8.9', 'Remove all members in a sorted set between the given lexicographical range'),
  popRow('zpopmin', false, 'Remove and return members with the lowest scores in a sorted set'),
  popRow('zpopmax', true, 'Remove and return members with the highest scores in a sorted set'),
  row({
    name: 'zmpop', arity: -4, flags: ['write', 'movablekeys'], firstKey: 0, lastKey: 0, step: 0, since: '7.0.0', summary: 'Remove and return members with scores in a sorted set',
    complexity: 'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.',
    keys: (argv) => {
      const a = parseZMPop(argv);
      return a instanceof ReplyError ? [] : a.keys;
    },
    parse: parseZMPop,
    exec: (a, ctx) =>
      new StorageCall(storageCommand(Op.ZPOP, ctx.client.db, a.keys, Flag.COUNT_GIVEN | Flag.ZPOP_EMIT_KEY | (a.max ? Flag.ZPOP_MAX : 0), a.count), mapZMPop),
  }),
  row({
    name: 'zrandmember', arity: -2, flags: ['readonly'], since: '6.2.0', summary: 'Get one or multiple random elements from a sorted set',
    complexity: 'O(N) where N is the number of elements returned (kiwi: O(N) in the size of the set, whose members it walks once to pick them)',
    parse: (argv) => {
      if (argv.length === 2) return { key: argv[1], count: null, withScores: false };
      // Redis reads the count before it checks the WITHSCORES keyword.
      const withScores = argv.length === 4;
      const count = randomCount(argv[2], withScores);
      if (count instanceof ReplyError) return count;
      if (argv.length > 4 || (withScores && !is(argv[3], 'withscores'))) return syntaxError();
      return { key: argv[1], count, withScores };
    },
    exec: (a, ctx) => {
      const flags = (a.count !== null ? Flag.COUNT_GIVEN : 0) | (a.withScores ? Flag.WITHVALUES : 0);
      return new StorageCall(storageCommand(Op.ZRANDMEMBER, ctx.client.db, [a.key], flags, a.count ?? 0), a.withScores ? withScores('zrandmember') : generic('zrandmember'));
    },
  }),
  algebraRow('zunion', AlgebraKind.Union, false, '6.2.0', 'Add multiple sorted sets',
    'O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.'),
  algebraRow('zinter', AlgebraKind.Inter, false, '6.2.0', 'Intersect multiple sorted sets',
    'O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.'),
  algebraRow('zdiff', AlgebraKind.Diff, false, '6.2.0', 'Subtract multiple sorted sets',
    'O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.'),
  algebraRow('zintercard', AlgebraKind.InterCard, false, '7.0.0', 'Intersect multiple sorted sets and return the cardinality of the result',
    'O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.'),
  algebraRow('zunionstore', AlgebraKind.Union, true, '2.0.0', 'Add multiple sorted sets and store the resulting sorted set in a new key',
    'O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.'),
  algebraRow('zinterstore', AlgebraKind.Inter, true, '2.0.0', 'Intersect multiple sorted sets and store the resulting sorted set in a new key',
    'O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.'),
  algebraRow('zdiffstore', AlgebraKind.Diff, true, '6.2.0', 'Subtract multiple sorted sets and store the resulting sorted set in a new key',
    'O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.'),
  row({
    name: 'zscan', arity: -3, flags: ['readonly'], since: '2.8.0', summary: 'Incrementally iterate sorted sets elements and associated scores',
    complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..',
    parse: parseMemberScan,
    exec: (a, ctx) => memberScanCall(ctx, Op.ZSCAN, a, 'zset', 'zscan'),
  }),
];
