// The batch wire format's constants, generated from native/src/ops.h (ops.generated.ts),
// plus helpers. test/storage/ops.test.ts compares every value with the constants the
// addon exports and checks the generated file is current.

export {
  BatchStatus, ErrorCode, Flag, Op, OpClass, Priority, ReplyKind, SubmitResult,
  type ErrorCodeValue, type OpCode, type PriorityValue,
} from './ops.generated.js';
import { ErrorCode } from './ops.generated.js';

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
