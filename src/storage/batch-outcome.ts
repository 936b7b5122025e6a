// How a finished batch is read: which replies are storage failures, which of those are
// transient (the command did not run and may be retried), and the error a whole failed
// batch gives its requests.
import { BreakerOpenError, ClosedError, StorageError, TimeoutError } from '../errors.js';
import { OpError, type StorageCommand, type StorageReply } from './codec.js';
import { BatchStatus, ErrorCode } from './ops.js';

// Outcomes decided on the JS side, next to the native BatchStatus values.
export const INJECTED_ERROR = 100;
export const BREAKER_OPEN = 101;
export const DROPPED = 102;

/** The commands of a batch's requests, in order (an atomic group is several). */
export function flatten(requests: ReadonlyArray<StorageCommand | StorageCommand[]>): StorageCommand[] {
  const out: StorageCommand[] = [];
  for (const r of requests) {
    if (Array.isArray(r)) {
      for (const c of r) out.push(c);
    } else {
      out.push(r);
    }
  }
  return out;
}

/**
 * A storage failure's code in a reply (0 for success or a command error like WRONGTYPE).
 * Failures are the codes StatusCode() gives (IO_ERROR..UNKNOWN); the codes after them
 * are command errors of later families (HLL, LCS, streams, GEO...), which must not
 * count against the circuit breaker.
 */
export function failureCode(r: StorageReply): number {
  if (r instanceof OpError) return r.code >= ErrorCode.IO_ERROR && r.code <= ErrorCode.UNKNOWN ? r.code : 0;
  // An atomic group fails as a whole: any storage failure inside is the group's.
  if (Array.isArray(r)) {
    for (const item of r) {
      const code = failureCode(item);
      if (code !== 0) return code;
    }
  }
  return 0;
}

/** The reply a request got in its last attempt (for requests out of retries). */
export function lastReply(index: number, replies: StorageReply[] | null): StorageReply {
  return replies !== null && index >= 0 ? replies[index] : new OpError(ErrorCode.UNKNOWN, 'storage failure');
}

export function batchError(status: number): Error {
  switch (status) {
    case BatchStatus.DEADLINE_EXCEEDED:
    case BatchStatus.CANCELLED:
      return new TimeoutError('storage request timed out before it ran');
    case DROPPED:
      return new TimeoutError('storage request timed out: dropped by fault injection, it did not run');
    case BatchStatus.CLOSED:
      return new ClosedError();
    case BREAKER_OPEN:
      return new BreakerOpenError();
    default:
      return new StorageError('BAD_REQUEST', 'storage rejected a malformed batch');
  }
}
