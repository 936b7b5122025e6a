// Storage replies to client replies: OpError codes become Redis' exact error texts.
import { invalidExpireTime, RedisError, ReplyError, sanitize } from '../errors.js';
import { EncodedReply, KeysReport, OpError, type StorageReply } from '../storage/codec.js';
import { ErrorCode } from '../storage/ops.js';
import { OK, StatusReply, type Reply } from './reply.js';

export function storageErrorReply(e: OpError, command: string): ReplyError {
  switch (e.code) {
    case ErrorCode.WRONGTYPE: return new ReplyError(RedisError.wrongType);
    case ErrorCode.NOT_INTEGER: return new ReplyError(RedisError.notInteger);
    case ErrorCode.NOT_FLOAT: return new ReplyError(RedisError.notFloat);
    case ErrorCode.OVERFLOW: return new ReplyError(RedisError.overflow);
    case ErrorCode.NAN_OR_INFINITY: return new ReplyError(RedisError.nanOrInfinity);
    case ErrorCode.NO_SUCH_KEY: return new ReplyError(RedisError.noSuchKey);
    case ErrorCode.STRING_TOO_LONG: return new ReplyError(RedisError.stringTooLong);
    case ErrorCode.INVALID_EXPIRE: return new ReplyError(invalidExpireTime(command));
    case ErrorCode.HASH_NOT_INTEGER: return new ReplyError(RedisError.hashNotInteger);
    case ErrorCode.HASH_NOT_FLOAT: return new ReplyError(RedisError.hashNotFloat);
    case ErrorCode.VALUE_NAN_OR_INFINITY: return new ReplyError(RedisError.valueNanOrInfinity);
    case ErrorCode.INDEX_OUT_OF_RANGE: return new ReplyError(RedisError.indexOutOfRange);
    case ErrorCode.SORT_NOT_DOUBLE: return new ReplyError(RedisError.sortNotDouble);
    case ErrorCode.ZSET_NAN: return new ReplyError(RedisError.scoreNaN);
    case ErrorCode.NOT_HLL: return new ReplyError(RedisError.notHll);
    case ErrorCode.INVALID_HLL: return new ReplyError(RedisError.invalidHll);
    case ErrorCode.LCS_NOT_STRING: return new ReplyError(RedisError.lcsNotString);
    case ErrorCode.LCS_TOO_LONG: return new ReplyError(RedisError.lcsTooLong);
    case ErrorCode.LCS_MEMORY: return new ReplyError(e.message === 'failed' ? RedisError.lcsMemoryFailed : RedisError.lcsMemoryLimit);
    case ErrorCode.STREAM: return new ReplyError(e.message);
    case ErrorCode.BAD_REQUEST: return new ReplyError('ERR internal error: malformed storage request');
    default: return new ReplyError(sanitize(`ERR storage error: ${e.message || e.codeName}`));
  }
}

/** The generic mapping: nil, integers, bulk strings, arrays and statuses as they are. */
export function toReply(r: StorageReply, command: string): Reply {
  if (r === null || typeof r === 'number' || typeof r === 'bigint' || Buffer.isBuffer(r)) return r;
  if (r instanceof OpError) return storageErrorReply(r, command);
  if (r instanceof EncodedReply) return r;
  if (typeof r === 'string') return r === 'OK' ? OK : new StatusReply(r);
  // The dispatcher takes a KeysReport apart before mapping; elsewhere its reply counts.
  if (r instanceof KeysReport) return toReply(r.reply, command);
  return r.map((item) => toReply(item, command));
}

const mappers = new Map<string, (r: StorageReply) => Reply>();

/** Maps with toReply, for StorageCall; one shared function per command name. */
export function generic(command: string): (r: StorageReply) => Reply {
  let m = mappers.get(command);
  if (m === undefined) {
    m = (r) => toReply(r, command);
    mappers.set(command, m);
  }
  return m;
}
