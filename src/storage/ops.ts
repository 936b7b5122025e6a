// Mirror of native/src/ops.h: op codes, flags, reply kinds, error codes and statuses of
// the batch wire format. test/storage/ops.test.ts compares every value with the
// constants the addon exports, so the two cannot drift apart silently.

export const Op = {
  GET: 1,
  SET: 2,
  DEL: 3,
  EXISTS: 4,
  EXPIRE: 5,
  PERSIST: 6,
  TTL: 7,
  INCRBY: 8,
  INCRBYFLOAT: 9,
  MSET: 10,
  MSETNX: 11,
  MGET: 12,
  APPEND: 13,
  STRLEN: 14,
  GETRANGE: 15,
  SETRANGE: 16,
  GETDEL: 17,
  GETEX: 18,
  BATCH: 19,
  TYPE: 20,
  KEYS: 21,
  SCAN: 22,
  DBSIZE: 23,
  FLUSHDB: 24,
  FLUSHALL: 25,
  RANDOMKEY: 26,
  RENAME: 27,
  PING: 28,
  COMPACT: 29,
  FLUSH_MEMTABLE: 30,
  /** Stores bytes as they are, header included (tests plant other types/formats). */
  RAW_SET: 31,
  /** Fails its write group's commit without writing (tests): a = 1 busy, 2 try again, 3 I/O error, 4 no space. */
  FAIL_WRITE: 32,
} as const;
export type OpCode = (typeof Op)[keyof typeof Op];

export const Flag = {
  SET_NX: 1,
  SET_XX: 2,
  SET_GET: 4,
  SET_KEEPTTL: 8,
  EXPIRE_RELATIVE: 16,
  EXPIRE_ABSOLUTE: 32,
  GETEX_PERSIST: 64,
  EXPIRE_SECONDS: 1,
  EXPIRE_AT: 2,
  EXPIRE_NX: 4,
  EXPIRE_XX: 8,
  EXPIRE_GT: 16,
  EXPIRE_LT: 32,
  TTL_MS: 1,
  TTL_ABSOLUTE: 2,
  RENAME_NX: 1,
  SCAN_MATCH: 1,
  DBSIZE_EXPIRES: 1,
} as const;

export const ReplyKind = {
  NIL: 0,
  OK: 1,
  INT: 2,
  BULK: 3,
  ERROR: 4,
  ARRAY: 5,
  STATUS: 6,
} as const;

/** Error codes of ERROR replies: 1-19 the command's own, 20+ storage failures. */
export const ErrorCode = {
  WRONGTYPE: 1,
  NOT_INTEGER: 2,
  NOT_FLOAT: 3,
  OVERFLOW: 4,
  NAN_OR_INFINITY: 5,
  NO_SUCH_KEY: 6,
  STRING_TOO_LONG: 7,
  INVALID_EXPIRE: 8,
  BAD_REQUEST: 9,
  IO_ERROR: 20,
  CORRUPTION: 21,
  NOT_SUPPORTED: 22,
  INVALID_ARGUMENT: 23,
  BUSY: 24,
  TRY_AGAIN: 25,
  TIMED_OUT: 26,
  INCOMPLETE: 27,
  SHUTDOWN_IN_PROGRESS: 28,
  NO_SPACE: 29,
  ABORTED: 30,
  MERGE_IN_PROGRESS: 31,
  UNKNOWN: 32,
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

export const BatchStatus = {
  OK: 0,
  DEADLINE_EXCEEDED: 1,
  CLOSED: 2,
  BAD_REQUEST: 3,
  CANCELLED: 4,
} as const;

export const SubmitResult = {
  ACCEPTED: 0,
  BACKPRESSURE: 1,
  CLOSED: 2,
} as const;

export const Priority = {
  HIGH: 0,
  NORMAL: 1,
  LOW: 2,
} as const;
export type PriorityValue = (typeof Priority)[keyof typeof Priority];

export const COMMAND_HEADER_SIZE = 24;
export const BLOB_MARKER = 0xffffffff;

const errorNames = new Map<number, string>(Object.entries(ErrorCode).map(([k, v]) => [v, k]));

export function errorCodeName(code: number): string {
  return errorNames.get(code) ?? 'UNKNOWN';
}

/** Storage failures that may succeed if simply tried again. */
export function isTransientCode(code: number): boolean {
  return (
    code === ErrorCode.BUSY ||
    code === ErrorCode.TRY_AGAIN ||
    code === ErrorCode.TIMED_OUT ||
    code === ErrorCode.INCOMPLETE
  );
}
