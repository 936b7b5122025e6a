// Argument parsing of the sorted-set commands, in Redis' order (t_zset.c): ZADD's
// options, score and lex ranges, zrangeGenericCommand's options, and the numkeys forms
// (ZUNION..., ZMPOP). Pure functions; src/commands/zset.ts turns them into storage calls.
import { inputKeyNeeded, RedisError, ReplyError } from '../errors.js';
import { Flag } from '../storage/ops.js';
import { is, parseInt64, syntaxError } from './args.js';
import { parseDouble, parseScoreBound } from './float.js';

export type Int64 = number | bigint;

/** Scores travel as f64 LE, so the storage side never parses text. */
export function f64s(values: readonly number[]): Buffer {
  const b = Buffer.allocUnsafe(8 * values.length);
  for (let i = 0; i < values.length; i++) b.writeDoubleLE(values[i], 8 * i);
  return b;
}

/** getLongFromObjectOrReply: an int64, or `error` (default: not an integer). */
function long(buf: Buffer, error: string = RedisError.notInteger): Int64 | ReplyError {
  const n = parseInt64(buf);
  return n === undefined ? new ReplyError(error) : n;
}

export interface ZAddArgs {
  key: Buffer;
  flags: number;
  scores: Buffer;
  members: Buffer[];
}

const ZADD_OPTIONS: ReadonlyArray<[string, number]> = [
  ['nx', Flag.ZADD_NX], ['xx', Flag.ZADD_XX], ['ch', Flag.ZADD_CH], ['incr', Flag.ZADD_INCR], ['gt', Flag.ZADD_GT], ['lt', Flag.ZADD_LT],
];

/** ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...] (zaddGenericCommand). */
export function parseZAdd(argv: Buffer[], flags = 0): ZAddArgs | ReplyError {
  let i = 2;
  for (; i < argv.length; i++) {
    const option = ZADD_OPTIONS.find(([name]) => is(argv[i], name));
    if (!option) break;
    flags |= option[1];
  }
  const elements = argv.length - i;
  if (elements === 0 || elements % 2 !== 0) return syntaxError();
  const has = (f: number) => (flags & f) !== 0;
  if (has(Flag.ZADD_NX) && has(Flag.ZADD_XX)) return new ReplyError(RedisError.zaddNxXx);
  if ((has(Flag.ZADD_GT) && has(Flag.ZADD_NX)) || (has(Flag.ZADD_LT) && has(Flag.ZADD_NX)) || (has(Flag.ZADD_GT) && has(Flag.ZADD_LT))) {
    return new ReplyError(RedisError.zaddGtLtNx);
  }
  if (has(Flag.ZADD_INCR) && elements > 2) return new ReplyError(RedisError.zaddIncrPairs);
  const scores: number[] = [];
  const members: Buffer[] = [];
  for (let j = i; j < argv.length; j += 2) {
    const score = parseDouble(argv[j]);
    if (score === undefined) return new ReplyError(RedisError.notFloat);
    scores.push(score);
    members.push(argv[j + 1]);
  }
  return { key: argv[1], flags, scores: f64s(scores), members };
}

/** zslParseRange: the 18-byte range the storage side reads, or undefined. */
export function scoreRange(min: Buffer, max: Buffer): Buffer | undefined {
  const lo = parseScoreBound(min);
  const hi = parseScoreBound(max);
  if (!lo || !hi) return undefined;
  const b = Buffer.alloc(18);
  b.writeDoubleLE(lo.value, 0);
  b.writeDoubleLE(hi.value, 8);
  b[16] = lo.exclusive ? 1 : 0;
  b[17] = hi.exclusive ? 1 : 0;
  return b;
}

const PLUS = Buffer.from('+');
const MINUS = Buffer.from('-');

/**
 * zslParseLexRangeItem: "-" and "+" (read as C strings: anything after a NUL is ignored),
 * "(" or "[" then the member, which may hold any bytes. Canonical form, or undefined.
 */
export function lexItem(buf: Buffer): Buffer | undefined {
  if (buf.length === 0) return undefined;
  switch (buf[0]) {
    case 0x2b: return buf.length === 1 || buf[1] === 0 ? PLUS : undefined;
    case 0x2d: return buf.length === 1 || buf[1] === 0 ? MINUS : undefined;
    case 0x28: case 0x5b: return buf;
    default: return undefined;
  }
}

export const enum RangeBy { Auto, Rank, Score, Lex }
export const enum Direction { Auto, Forward, Reverse }

/** A parsed ZRANGE-like request: what the ZRANGE, ZRANGESTORE and ZREMRANGE ops read. */
export interface RangeArgs {
  /** The range arguments after the key(s): [] for ranks, [range] for scores, [min, max] for lex. */
  range: Buffer[];
  flags: number;
  a: Int64;
  b: Int64;
}

/** Ranks, scores or lex ends as the storage op wants them, with Redis' error texts. */
function parseRangeEnds(by: RangeBy, min: Buffer, max: Buffer): Pick<RangeArgs, 'range'> & { start?: Int64; end?: Int64 } | ReplyError {
  if (by === RangeBy.Rank) {
    const start = long(min);
    if (start instanceof ReplyError) return start;
    const end = long(max);
    return end instanceof ReplyError ? end : { range: [], start, end };
  }
  if (by === RangeBy.Score) {
    const r = scoreRange(min, max);
    return r ? { range: [r] } : new ReplyError(RedisError.minMaxNotFloat);
  }
  const lo = lexItem(min);
  const hi = lexItem(max);
  return lo && hi ? { range: [lo, hi] } : new ReplyError(RedisError.minMaxNotLex);
}

/**
 * zrangeGenericCommand's parsing: argv[start] is the source key, then min, max and the
 * options (WITHSCORES unless storing, LIMIT offset count, REV and BYSCORE/BYLEX where the
 * command leaves them open). Option errors come first, then conflicts, then the range.
 */
export function parseZRange(argv: Buffer[], start: number, store: boolean, by: RangeBy, direction: Direction): RangeArgs | ReplyError {
  let withScores = false;
  let offset: Int64 = 0;
  let limit: Int64 = -1;
  for (let j = start + 3; j < argv.length; j++) {
    const left = argv.length - j - 1;
    if (!store && is(argv[j], 'withscores')) {
      withScores = true;
    } else if (is(argv[j], 'limit') && left >= 2) {
      const o = long(argv[j + 1]);
      if (o instanceof ReplyError) return o;
      const l = long(argv[j + 2]);
      if (l instanceof ReplyError) return l;
      offset = o;
      limit = l;
      j += 2;
    } else if (direction === Direction.Auto && is(argv[j], 'rev')) {
      direction = Direction.Reverse;
    } else if (by === RangeBy.Auto && is(argv[j], 'bylex')) {
      by = RangeBy.Lex;
    } else if (by === RangeBy.Auto && is(argv[j], 'byscore')) {
      by = RangeBy.Score;
    } else {
      return syntaxError();
    }
  }
  if (direction === Direction.Auto) direction = Direction.Forward;
  if (by === RangeBy.Auto) by = RangeBy.Rank;
  // Redis tests `limit != -1`: LIMIT x -1 passes with a rank range.
  if (limit !== -1 && by === RangeBy.Rank) return new ReplyError(RedisError.zrangeLimit);
  if (withScores && by === RangeBy.Lex) return new ReplyError(RedisError.zrangeLexScores);
  const reverse = direction === Direction.Reverse;
  let [min, max] = [argv[start + 1], argv[start + 2]];
  if (reverse && by !== RangeBy.Rank) [min, max] = [max, min];
  const ends = parseRangeEnds(by, min, max);
  if (ends instanceof ReplyError) return ends;
  const flags = (by === RangeBy.Score ? Flag.ZRANGE_BYSCORE : by === RangeBy.Lex ? Flag.ZRANGE_BYLEX : 0) |
    (reverse ? Flag.ZRANGE_REV : 0) | (withScores || store ? Flag.ZRANGE_WITHSCORES : 0);
  return by === RangeBy.Rank
    ? { range: [], flags, a: ends.start!, b: ends.end! }
    : { range: ends.range, flags, a: offset, b: limit };
}

/** ZREMRANGEBYRANK/BYSCORE/BYLEX key min max, ZCOUNT and ZLEXCOUNT: just the range. */
export function parseRangeOnly(argv: Buffer[], by: RangeBy): RangeArgs | ReplyError {
  const ends = parseRangeEnds(by, argv[2], argv[3]);
  if (ends instanceof ReplyError) return ends;
  if (by === RangeBy.Rank) return { range: [], flags: 0, a: ends.start!, b: ends.end! };
  return { range: ends.range, flags: by === RangeBy.Score ? Flag.ZRANGE_BYSCORE : Flag.ZRANGE_BYLEX, a: 0, b: -1 };
}

export const enum Aggregate { Sum = 0, Min = 1, Max = 2 }

export interface AlgebraArgs {
  keys: Buffer[];
  weights: number[] | null;
  aggregate: Aggregate;
  withScores: boolean;
  limit: number;
  /** An option error: Redis reports it only once the keys' types checked out. */
  optionError?: ReplyError;
}

export const enum AlgebraKind { Union, Inter, Diff, InterCard }

/**
 * zunionInterDiffGenericCommand: numkeys at argv[at], its keys, then WEIGHTS and
 * AGGREGATE (not for ZDIFF or ZINTERCARD), WITHSCORES (not when storing), LIMIT
 * (ZINTERCARD only).
 */
export function parseAlgebra(argv: Buffer[], at: number, kind: AlgebraKind, store: boolean, name: string): AlgebraArgs | ReplyError {
  const n = parseInt64(argv[at]);
  if (n === undefined) return new ReplyError(RedisError.notInteger);
  if (n < 1) return new ReplyError(inputKeyNeeded(name));
  if (n > argv.length - (at + 1)) return syntaxError();
  const count = Number(n);
  const out: AlgebraArgs = { keys: argv.slice(at + 1, at + 1 + count), weights: null, aggregate: Aggregate.Sum, withScores: false, limit: 0 };
  const combines = kind !== AlgebraKind.Diff && kind !== AlgebraKind.InterCard;
  const fail = (e: ReplyError): AlgebraArgs => ({ ...out, optionError: e });
  for (let j = at + 1 + count; j < argv.length;) {
    const remaining = argv.length - j;
    if (combines && remaining >= count + 1 && is(argv[j], 'weights')) {
      out.weights = [];
      for (j++; out.weights.length < count; j++) {
        const w = parseDouble(argv[j]);
        if (w === undefined) return fail(new ReplyError(RedisError.weightNotFloat));
        out.weights.push(w);
      }
    } else if (combines && remaining >= 2 && is(argv[j], 'aggregate')) {
      const mode = argv[j + 1];
      if (is(mode, 'sum')) out.aggregate = Aggregate.Sum;
      else if (is(mode, 'min')) out.aggregate = Aggregate.Min;
      else if (is(mode, 'max')) out.aggregate = Aggregate.Max;
      else return fail(syntaxError());
      j += 2;
    } else if (remaining >= 1 && !store && kind !== AlgebraKind.InterCard && is(argv[j], 'withscores')) {
      out.withScores = true;
      j++;
    } else if (kind === AlgebraKind.InterCard && remaining >= 2 && is(argv[j], 'limit')) {
      const l = parseInt64(argv[j + 1]);
      if (l === undefined || l < 0) return fail(new ReplyError(RedisError.limitNegative));
      out.limit = Math.min(Number(l), Number.MAX_SAFE_INTEGER);
      j += 2;
    } else {
      return fail(syntaxError());
    }
  }
  return out;
}

export interface MPopArgs {
  keys: Buffer[];
  max: boolean;
  count: Int64;
}

/** ZMPOP numkeys key [key ...] MIN|MAX [COUNT count] (zmpopGenericCommand). */
export function parseZMPop(argv: Buffer[]): MPopArgs | ReplyError {
  const n = parseInt64(argv[1]);
  if (n === undefined || n < 1) return new ReplyError(RedisError.numkeysZero);
  const where = 2 + Number(n);
  if (where >= argv.length) return syntaxError();
  let max: boolean;
  if (is(argv[where], 'min')) max = false;
  else if (is(argv[where], 'max')) max = true;
  else return syntaxError();
  let count: Int64 = -1;
  for (let j = where + 1; j < argv.length; j++) {
    if (count === -1 && is(argv[j], 'count') && j + 1 < argv.length) {
      const c = parseInt64(argv[++j]);
      if (c === undefined || c < 1) return new ReplyError(RedisError.countNotPositive);
      count = c;
    } else {
      return syntaxError();
    }
  }
  return { keys: argv.slice(2, where), max, count: count === -1 ? 1 : count };
}
