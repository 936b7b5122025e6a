// A request the parser refused. Redis answers it with `-<text>` and closes the
// connection once the reply is written; the commands before it in the stream still run.

import { RedisError, protocolExpectedDollar, sanitize } from '../errors.js';
import { ParseStatus } from './wasm.js';

export interface ProtocolError {
  /** Redis' exact reply text, "ERR Protocol error: ..." (send as `-text\r\n`, latin1). */
  readonly text: string;
  /** Stream offset (bytes since the parser was created or reset) of the refused line. */
  readonly offset: number;
  /** The parser's status code (ParseStatus), stable within a build. */
  readonly status: number;
}

/** Redis' reply text for a parse() error status. */
export function protocolErrorText(status: number, byte: number): string {
  switch (status) {
    case ParseStatus.tooBigInline:
      return RedisError.protocolTooBigInline;
    case ParseStatus.unbalancedQuotes:
      return RedisError.protocolUnbalancedQuotes;
    case ParseStatus.tooBigMultibulkCount:
      return RedisError.protocolTooBigMultibulkCount;
    case ParseStatus.invalidMultibulkLength:
      return RedisError.protocolInvalidMultibulkLength;
    case ParseStatus.unauthenticatedMultibulkLength:
      return RedisError.protocolUnauthenticatedMultibulk;
    case ParseStatus.tooBigBulkCount:
      return RedisError.protocolTooBigBulkCount;
    case ParseStatus.expectedDollar:
      // Redis' addReplyErrorFormat() turns a '\r' or '\n' into a space.
      return sanitize(protocolExpectedDollar(byte));
    case ParseStatus.invalidBulkLength:
      return RedisError.protocolInvalidBulkLength;
    case ParseStatus.unauthenticatedBulkLength:
      return RedisError.protocolUnauthenticatedBulk;
    default:
      throw new Error(`kiwi_resp.wasm returned an unknown status ${status}`);
  }
}
