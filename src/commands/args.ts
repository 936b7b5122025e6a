// Argument parsing with Redis' rules. Pure functions: no storage, no clock.
import { invalidExpireTime, RedisError, ReplyError, valueOutOfRange } from '../errors.js';
import type { CommandFlag } from './types.js';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const DIGITS = /^-?[1-9][0-9]*$|^0$/;

/**
 * Redis string2ll: optional '-', no '+', no leading zeros, no spaces, fits in 64 bits.
 * Returns a number when exact, a bigint beyond 2^53, or undefined when invalid.
 */
export function parseInt64(buf: Buffer): number | bigint | undefined {
  const len = buf.length;
  if (len === 0 || len > 20) return undefined;
  // Fast path: up to 15 digits always fits a double exactly.
  if (len <= 15) {
    let i = 0;
    let neg = false;
    if (buf[0] === 0x2d) {
      neg = true;
      i = 1;
      if (len === 1) return undefined;
    }
    if (buf[i] === 0x30) return len === 1 ? 0 : undefined;
    let n = 0;
    for (; i < len; i++) {
      const d = buf[i] - 0x30;
      if (d < 0 || d > 9) return undefined;
      n = n * 10 + d;
    }
    return neg ? -n : n;
  }
  const s = buf.toString('latin1');
  if (!DIGITS.test(s)) return undefined;
  const big = BigInt(s);
  if (big > INT64_MAX || big < INT64_MIN) return undefined;
  return Number.isSafeInteger(Number(big)) ? Number(big) : big;
}

/** As Redis' getLongLongFromObjectOrReply: the number, or "value is not an integer". */
export function int64Arg(buf: Buffer): number | bigint | ReplyError {
  const n = parseInt64(buf);
  return n === undefined ? new ReplyError(RedisError.notInteger) : n;
}

/** A 64-bit integer argument within [min, max], else `error` (default: not an integer). */
export function intInRange(buf: Buffer, min: number, max: number, error = RedisError.notInteger as string): number | ReplyError {
  const n = parseInt64(buf);
  if (typeof n !== 'number' || n < min || n > max) return new ReplyError(error);
  return n;
}

/**
 * Redis getRangeLongFromObjectOrReply with no message of its own: "not an integer" when
 * it does not parse as a 64-bit integer, "out of range" (naming the bounds) outside them.
 */
export function rangeArg(buf: Buffer, min: number, max: number): number | ReplyError {
  const n = parseInt64(buf);
  if (n === undefined) return new ReplyError(RedisError.notInteger);
  if (n < min || n > max) return new ReplyError(valueOutOfRange(min, max));
  return Number(n);
}

/**
 * An argument as Redis prints it into an error with %s: the bytes up to the first NUL,
 * one character per byte (the dispatcher's latin1 convention for client bytes).
 */
export function argText(buf: Buffer): string {
  const nul = buf.indexOf(0);
  return buf.toString('latin1', 0, nul < 0 ? buf.length : nul);
}

export function lower(buf: Buffer): string {
  return buf.toString('latin1').toLowerCase();
}

/** Case-insensitive comparison with an ASCII keyword, without making a string. */
export function is(buf: Buffer, keyword: string): boolean {
  if (buf.length !== keyword.length) return false;
  for (let i = 0; i < buf.length; i++) {
    if ((buf[i] | 0x20) !== (keyword.charCodeAt(i) | 0x20)) return false;
  }
  return true;
}

export const syntaxError = (): ReplyError => new ReplyError(RedisError.syntax);

export function isInt64(n: number | bigint): boolean {
  return typeof n === 'number' || (n >= INT64_MIN && n <= INT64_MAX);
}

/**
 * Redis getExpireMillisecondsOrReply for EX/PX/EXAT/PXAT values: positive, and seconds
 * must survive the conversion to milliseconds. Returns milliseconds.
 */
export function expireArg(buf: Buffer, seconds: boolean, command: string): number | bigint | ReplyError {
  const n = int64Arg(buf);
  if (n instanceof ReplyError) return n;
  if (n <= 0) return new ReplyError(invalidExpireTime(command));
  if (!seconds) return n;
  const ms = BigInt(n) * 1000n;
  if (ms > INT64_MAX) return new ReplyError(invalidExpireTime(command));
  return Number.isSafeInteger(Number(ms)) ? Number(ms) : ms;
}

const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const HEX = /^[+-]?0[xX][0-9a-fA-F]+$/;
const INFINITE = /^[+-]?inf(inity)?$/i;

/**
 * Redis getTimeoutFromObjectOrReply for blocking commands: seconds as a long double,
 * truncated to milliseconds (so 0.0001 is 0: block forever). A value whose milliseconds
 * do not fit in 64 bits wraps negative in Redis, hence its "negative" error for +inf.
 * Returns milliseconds (0: no timeout).
 */
export function timeoutArg(buf: Buffer): number | ReplyError {
  const text = buf.toString('latin1');
  let seconds: number;
  if (FLOAT.test(text)) seconds = Number(text);
  else if (HEX.test(text)) seconds = (text.startsWith('-') ? -1 : 1) * Number.parseInt(text.replace(/^[+-]?0[xX]/, ''), 16);
  else if (INFINITE.test(text)) seconds = text.startsWith('-') ? -Infinity : Infinity;
  else return new ReplyError(RedisError.timeoutNotFloat);
  const ms = Math.trunc(seconds * 1000);
  if (!(ms >= 0) || ms >= 2 ** 63) return new ReplyError(RedisError.timeoutNegative);
  return ms;
}

/** A blocking command's arguments: its pop's, and the timeout in milliseconds. */
export interface Blocking<A> {
  args: A;
  timeoutMs: number;
}

/** Checks a blocking command's pop arguments first, then its timeout (Redis' order). */
export function withTimeout<A>(args: A | ReplyError, timeout: Buffer): Blocking<A> | ReplyError {
  if (args instanceof ReplyError) return args;
  const timeoutMs = timeoutArg(timeout);
  return timeoutMs instanceof ReplyError ? timeoutMs : { args, timeoutMs };
}

/**
 * BLMPOP and BZMPOP (`timeout numkeys key ... `): the row's keys and parse from the
 * non-blocking form's parser, which checks its arguments before the timeout (Redis' order).
 */
export function blockingMPop<A extends { keys: Buffer[] }>(parseMPop: (argv: Buffer[]) => A | ReplyError) {
  return {
    arity: -5, flags: ['write', 'blocking', 'movablekeys'] as CommandFlag[], firstKey: 0, lastKey: 0, step: 0, since: '7.0.0',
    keys: (argv: Buffer[]): Buffer[] => {
      const a = parseMPop(argv.slice(1));
      return a instanceof ReplyError ? [] : a.keys;
    },
    parse: (argv: Buffer[]): Blocking<A> | ReplyError => withTimeout(parseMPop(argv.slice(1)), argv[1]),
  };
}
