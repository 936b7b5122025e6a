// A plain reference parser for the tests and the benchmark: Redis 7.0's
// processInputBuffer(), processInlineBuffer(), processMultibulkBuffer() and
// sdssplitargs() (networking.c, sds.c) transcribed over one growing query buffer, with no
// thought for speed. The WASM parser must produce exactly what this produces.
//
// Two choices are shared with the WASM parser, both documented in assembly/parser.ts:
// - A line longer than 64 KB is refused as Redis refuses it when bytes arrive one at a
//   time (Redis checks the limit only when a read ends without the line's end, so with
//   large reads it sometimes accepts up to about 80 KB).
// - Error offsets are stream offsets of the refused line's first byte (Redis' qb_pos).

import { Buffer } from 'node:buffer';

export interface ReferenceError {
  readonly kind: ReferenceErrorKind;
  readonly byte: number;
  readonly offset: number;
}

export type ReferenceErrorKind =
  | 'tooBigInline'
  | 'unbalancedQuotes'
  | 'tooBigMultibulkCount'
  | 'invalidMultibulkLength'
  | 'unauthenticatedMultibulkLength'
  | 'tooBigBulkCount'
  | 'expectedDollar'
  | 'invalidBulkLength'
  | 'unauthenticatedBulkLength';

export interface ReferenceOptions {
  maxBulkLength?: number;
  authenticated?: boolean;
  /** name → id; ids are 0 for names not in it. */
  commandIds?: ReadonlyMap<string, number>;
}

const PROTO_INLINE_MAX_SIZE = 64 * 1024;
const INT_MAX = 2147483647n;
const LLONG_MAX = 9223372036854775807n;

/** Incomplete input: wait for more bytes. */
const WAIT = 0;
const DONE = 1;
const FAILED = 2;
type Step = typeof WAIT | typeof DONE | typeof FAILED;

export class ReferenceParser {
  #querybuf = Buffer.alloc(0);
  #qbPos = 0;
  /** Stream offset of querybuf[0]. */
  #streamBase = 0;
  #reqtype: 'none' | 'inline' | 'multibulk' = 'none';
  #multibulklen = 0;
  #bulklen = -1;
  #argv: Buffer[] = [];
  #error: ReferenceError | null = null;
  readonly #maxBulkLength: number;
  readonly #ids: ReadonlyMap<string, number>;
  authenticated: boolean;

  constructor(options: ReferenceOptions = {}) {
    this.#maxBulkLength = options.maxBulkLength ?? 512 * 1024 * 1024;
    this.authenticated = options.authenticated ?? true;
    this.#ids = options.commandIds ?? new Map();
  }

  /** Bytes buffered for an incomplete command (the unparsed query buffer). */
  get pendingBytes(): number {
    return this.#querybuf.length - this.#qbPos;
  }

  feed(chunk: Buffer, onCommand: (id: number, argv: Buffer[]) => void): ReferenceError | null {
    if (this.#error !== null) return this.#error;
    this.#streamBase += this.#qbPos;
    this.#querybuf = Buffer.concat([this.#querybuf.subarray(this.#qbPos), chunk]);
    this.#qbPos = 0;
    while (this.#qbPos < this.#querybuf.length) {
      if (this.#reqtype === 'none') {
        this.#reqtype = this.#querybuf[this.#qbPos] === 0x2a ? 'multibulk' : 'inline';
      }
      const step = this.#reqtype === 'inline' ? this.#inline() : this.#multibulk();
      if (step === FAILED) return this.#error;
      if (step === WAIT) break;
      const argv = this.#argv;
      this.#resetClient();
      if (argv.length > 0) onCommand(this.#idOf(argv[0]), argv);
    }
    return null;
  }

  #resetClient(): void {
    this.#reqtype = 'none';
    this.#multibulklen = 0;
    this.#bulklen = -1;
    this.#argv = [];
  }

  #idOf(name: Buffer): number {
    return this.#ids.get(name.toString('latin1').toLowerCase()) ?? 0;
  }

  #fail(kind: ReferenceErrorKind, byte = 0): Step {
    this.#error = { kind, byte, offset: this.#streamBase + this.#qbPos };
    return FAILED;
  }

  /**
   * Redis' strchr() from qb_pos: the index of `byte`, or -1 if a NUL or the end comes
   * first. A find further than 64 KB away counts as not found (see the header).
   */
  #find(byte: number): number {
    const buf = this.#querybuf;
    for (let i = this.#qbPos; i < buf.length; i++) {
      if (buf[i] === byte) return i - this.#qbPos > PROTO_INLINE_MAX_SIZE ? -1 : i;
      if (buf[i] === 0) return -1;
    }
    return -1;
  }

  #tooBig(): boolean {
    return this.#querybuf.length - this.#qbPos > PROTO_INLINE_MAX_SIZE;
  }

  #inline(): Step {
    const newline = this.#find(0x0a);
    if (newline < 0) return this.#tooBig() ? this.#fail('tooBigInline') : WAIT;
    let end = newline;
    if (end !== this.#qbPos && this.#querybuf[end - 1] === 0x0d) end--;
    const argv = splitArgs(this.#querybuf.subarray(this.#qbPos, end));
    if (argv === null) return this.#fail('unbalancedQuotes');
    this.#qbPos = newline + 1;
    this.#argv = argv;
    return DONE;
  }

  #multibulk(): Step {
    const buf = this.#querybuf;
    if (this.#multibulklen === 0) {
      const newline = this.#find(0x0d);
      if (newline < 0) return this.#tooBig() ? this.#fail('tooBigMultibulkCount') : WAIT;
      if (newline - this.#qbPos > buf.length - this.#qbPos - 2) return WAIT;
      const ll = string2ll(buf.subarray(this.#qbPos + 1, newline));
      if (ll === null || ll > INT_MAX) return this.#fail('invalidMultibulkLength');
      if (ll > 10n && !this.authenticated) return this.#fail('unauthenticatedMultibulkLength');
      this.#qbPos = newline + 2;
      if (ll <= 0n) return DONE;
      this.#multibulklen = Number(ll);
    }
    while (this.#multibulklen > 0) {
      if (this.#bulklen === -1) {
        const newline = this.#find(0x0d);
        if (newline < 0) return this.#tooBig() ? this.#fail('tooBigBulkCount') : WAIT;
        if (newline - this.#qbPos > buf.length - this.#qbPos - 2) return WAIT;
        if (buf[this.#qbPos] !== 0x24) return this.#fail('expectedDollar', buf[this.#qbPos]);
        const ll = string2ll(buf.subarray(this.#qbPos + 1, newline));
        if (ll === null || ll < 0n || ll > BigInt(this.#maxBulkLength)) {
          return this.#fail('invalidBulkLength');
        }
        if (ll > 16384n && !this.authenticated) return this.#fail('unauthenticatedBulkLength');
        this.#qbPos = newline + 2;
        this.#bulklen = Number(ll);
      }
      if (buf.length - this.#qbPos < this.#bulklen + 2) return WAIT;
      this.#argv.push(Buffer.from(buf.subarray(this.#qbPos, this.#qbPos + this.#bulklen)));
      this.#qbPos += this.#bulklen + 2;
      this.#bulklen = -1;
      this.#multibulklen--;
    }
    return DONE;
  }
}

/** util.c string2ll(): null where Redis returns 0 (not a number). */
export function string2ll(s: Uint8Array): bigint | null {
  const slen = s.length;
  if (slen === 0 || slen >= 21) return null;
  if (slen === 1 && s[0] === 0x30) return 0n;
  let p = 0;
  let negative = false;
  if (s[0] === 0x2d) {
    negative = true;
    p++;
    if (p === slen) return null;
  }
  if (!(s[p] >= 0x31 && s[p] <= 0x39)) return null;
  let v = BigInt(s[p] - 0x30);
  p++;
  while (p < slen && s[p] >= 0x30 && s[p] <= 0x39) {
    v = v * 10n + BigInt(s[p] - 0x30);
    if (v > 18446744073709551615n) return null;
    p++;
  }
  if (p < slen) return null;
  if (negative) return v > LLONG_MAX + 1n ? null : -v;
  return v > LLONG_MAX ? null : v;
}

/** sds.c sdssplitargs() on a line without NUL bytes; null for unbalanced quotes. */
export function splitArgs(line: Uint8Array): Buffer[] | null {
  // C reads a NUL-terminated string: *p is 0 at the end.
  const at = (i: number): number => (i < line.length ? line[i] : 0);
  const vector: Buffer[] = [];
  let p = 0;
  for (;;) {
    while (at(p) !== 0 && isspace(at(p))) p++;
    if (at(p) === 0) return vector;
    let inq = false;
    let insq = false;
    let done = false;
    const current: number[] = [];
    while (!done) {
      if (inq) {
        if (at(p) === 0x5c && at(p + 1) === 0x78 && isHexDigit(at(p + 2)) && isHexDigit(at(p + 3))) {
          current.push(hexDigitToInt(at(p + 2)) * 16 + hexDigitToInt(at(p + 3)));
          p += 3;
        } else if (at(p) === 0x5c && at(p + 1) !== 0) {
          p++;
          current.push(ESCAPES.get(at(p)) ?? at(p));
        } else if (at(p) === 0x22) {
          if (at(p + 1) !== 0 && !isspace(at(p + 1))) return null;
          done = true;
        } else if (at(p) === 0) {
          return null;
        } else {
          current.push(at(p));
        }
      } else if (insq) {
        if (at(p) === 0x5c && at(p + 1) === 0x27) {
          p++;
          current.push(0x27);
        } else if (at(p) === 0x27) {
          if (at(p + 1) !== 0 && !isspace(at(p + 1))) return null;
          done = true;
        } else if (at(p) === 0) {
          return null;
        } else {
          current.push(at(p));
        }
      } else {
        switch (at(p)) {
          case 0x20:
          case 0x0a:
          case 0x0d:
          case 0x09:
          case 0:
            done = true;
            break;
          case 0x22:
            inq = true;
            break;
          case 0x27:
            insq = true;
            break;
          default:
            current.push(at(p));
        }
      }
      if (at(p) !== 0) p++;
    }
    vector.push(Buffer.from(current));
  }
}

const ESCAPES = new Map([
  [0x6e, 0x0a],
  [0x72, 0x0d],
  [0x74, 0x09],
  [0x62, 0x08],
  [0x61, 0x07],
]);

function isspace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function hexDigitToInt(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10;
}
