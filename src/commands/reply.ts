// Reply values that commands return; src/server/resp-writer.ts turns them into RESP2 or
// RESP3 bytes. Plain JS values cover the common cases:
//   null -> nil, number/bigint -> integer, Buffer or string -> bulk string,
//   array -> array, ReplyError -> error.
import { ReplyError } from '../errors.js';
import { EncodedReply } from '../storage/codec.js';

export { EncodedReply, ReplyError };

/** A simple string (+OK). */
export class StatusReply {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** RESP3 map; a flat array of key, value, ... in RESP2. */
export class MapReply {
  readonly entries: ReadonlyArray<readonly [Reply, Reply]>;
  constructor(entries: ReadonlyArray<readonly [Reply, Reply]>) {
    this.entries = entries;
  }
}

/** RESP3 verbatim string (INFO, CLIENT LIST); a bulk string in RESP2. */
export class VerbatimReply {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** RESP3 set; an array in RESP2. */
export class SetReply {
  readonly items: readonly Reply[];
  constructor(items: readonly Reply[]) {
    this.items = items;
  }
}

/**
 * A double, as the text Redis prints for it ("%.17g", "inf", "-inf"): RESP3 `,`, a bulk
 * string in RESP2. The storage runtime formats it, so the digits are C's.
 */
export class DoubleReply {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** A null array (*-1 in RESP2, _ in RESP3). */
export const NULL_ARRAY = Symbol('null-array');

/** No reply at all (a second MONITOR, CLIENT REPLY OFF/SKIP): the connection sends nothing. */
export const NO_REPLY = Symbol('no-reply');

export type Reply =
  | null
  | number
  | bigint
  | string
  | Buffer
  | StatusReply
  | ReplyError
  | MapReply
  | VerbatimReply
  | SetReply
  | DoubleReply
  | typeof NULL_ARRAY
  | typeof NO_REPLY
  | EncodedReply
  | readonly Reply[];

export const OK = new StatusReply('OK');
export const PONG = new StatusReply('PONG');
export const QUEUED = new StatusReply('QUEUED');
