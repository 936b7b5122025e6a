// The count argument of HRANDFIELD, SRANDMEMBER and ZRANDMEMBER (Redis 7.0 rules), and
// kiwi's bound on negative counts.
import { RedisError, ReplyError, valueOutOfRange } from '../errors.js';
import { parseInt64 } from './args.js';

const LONG_MAX = 9223372036854775807n;

/**
 * A negative count asks for that many picks with repetition, whatever the container's
 * size. Redis streams such a reply; kiwi builds it in memory first, so it refuses more
 * than this many picks (README, known differences) rather than exhaust memory.
 */
export const MAX_REPEATED_PICKS = 1_000_000;

/**
 * Redis: getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX), and with WITHVALUES a count
 * below -LONG_MAX/2 is out of range (its reply would overflow). Positive counts are
 * capped at what a container can hold.
 */
export function randomCount(buf: Buffer, withValues: boolean): number | ReplyError {
  const n = parseInt64(buf);
  if (n === undefined) return new ReplyError(RedisError.notInteger);
  const big = BigInt(n);
  if (big < -LONG_MAX) return new ReplyError(valueOutOfRange(-LONG_MAX, LONG_MAX));
  if (withValues && big < -LONG_MAX / 2n) return new ReplyError('ERR value is out of range');
  if (big < -BigInt(MAX_REPEATED_PICKS)) {
    return new ReplyError(`ERR count is too large: a negative count may ask for at most ${MAX_REPEATED_PICKS} elements`);
  }
  return big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}
