// The RESP request parser: Redis 7.0's processMultibulkBuffer() and processInlineBuffer()
// (networking.c) as one resumable state machine, fed windows of a TCP chunk.
//
// This is the speed-only file. What it gives up for speed:
// - Connection state sits in module globals for the length of one call (loaded from and
//   stored to STATE), not in an object.
// - Memory is read with raw load<u8>() and every bound is kept by hand: a wrong index
//   reads the wrong bytes instead of throwing. Client bytes never trap: each read is
//   guarded by `p < e` within INPUT, and output writes by the OUTPUT bound.
// - Complete "*N" and "$N" lines of up to 15 digits take a fast path; everything else
//   (split lines, odd numbers, NUL bytes, too-long lines) goes byte by byte.
//
// What it keeps from Redis, byte for byte: a request starting with '*' is multibulk,
// anything else inline; a header line ends at the first '\r' and the next byte, whatever
// it is, and so do a payload's 2 trailing bytes (Redis skips them unchecked); a NUL
// before the line end hides it, as strchr() does; numbers follow string2ll(). Lines
// longer than 64 KB are refused as Redis does when bytes arrive one at a time, so a
// result never depends on how the input was split.

import {
  INPUT, OUTPUT, OUTPUT_CAPACITY, STATE, RESULT, INLINE_MAX, UNAUTH_MAX_ARGS, UNAUTH_MAX_BULK,
  S_MODE, S_ARGC, S_ARGI, S_HELD, S_ID, S_LINE, S_FLAGS, S_FIRST, S_AUTH, S_NUM, S_REMAIN,
  S_MAXBULK, R_STATUS, R_COMMANDS, R_PARTIAL, R_STOP, R_ERROR_LINE, R_ERROR_BYTE,
  R_PAYLOAD_AT, R_PAYLOAD_LEN, R_CARRY, M_IDLE, M_COUNT, M_BULK, M_PAYLOAD, M_INLINE,
  M_STUCK_COUNT, M_STUCK_BULK, M_STUCK_INLINE, OK, YIELD, NEED_CARRY, ERR_TOO_BIG_INLINE,
  ERR_UNBALANCED_QUOTES, ERR_TOO_BIG_MBULK_COUNT, ERR_INVALID_MBULK_LENGTH,
  ERR_UNAUTH_MBULK_LENGTH, ERR_TOO_BIG_BULK_COUNT, ERR_EXPECTED_DOLLAR,
  ERR_INVALID_BULK_LENGTH, ERR_UNAUTH_BULK_LENGTH, ERR_INTERNAL_OVERFLOW,
} from './layout';
import { splitInline } from './inline';
import { commandIdAt } from './commands';

// Header-line number flags (string2ll()'s verdict, built one byte at a time).
const F_NEG: i32 = 1;
const F_ZERO: i32 = 2; // content began with '0': valid only as the whole number
const F_INVALID: i32 = 4;
const F_CR: i32 = 8; // the '\r' was seen; one more byte ends the line
const F_DONE: i32 = 16;

const OUTPUT_END: usize = OUTPUT + <usize>OUTPUT_CAPACITY * 4;
const INT_MAX: i64 = 2147483647;

// Connection state (STATE), live during one call.
let mode: i32 = 0;
let argc: i32 = 0;
let argi: i32 = 0;
let held: i32 = 0;
let cmdId: i32 = 0;
let lineLen: i32 = 0;
let flags: i32 = 0;
let first: u32 = 0;
let auth: i32 = 0;
let num: u64 = 0;
let remain: i64 = 0;
let maxBulk: i64 = 0;

// Per-call results.
let base: i32 = 0; // chunk offset of INPUT[0]
let status: i32 = 0;
let out: usize = 0;
let record: usize = 0; // header of the open command record, 0 if none
let recordArgs: i32 = 0;
let commands: i32 = 0;
let stopAt: usize = 0;
let errorLine: i32 = 0;
let errorByte: u32 = 0;
let payloadAt: i32 = -1;
let payloadLen: i64 = 0;
let fastEnd: usize = 0;
let windowEnd: usize = 0;
let carried = false; // the bytes of a carried inline line are in front of the window

/**
 * Parses INPUT[start, end), whose byte i is at chunk offset chunkBase + i. Returns a
 * status; the details are in RESULT and the command records in OUTPUT.
 *
 * A payload that runs past the window is handed to the wrapper (R_PAYLOAD_AT), which
 * copies it from the chunk itself and writes S_REMAIN = 0 once it has all of it.
 * The bytes of an unfinished inline line (S_LINE of them) belong in INPUT[0, start);
 * the wrapper copies them there only when asked (NEED_CARRY), with carryReady = 1, so
 * a long line that arrives in small pieces is not copied again for every piece.
 */
export function parse(start: i32, end: i32, chunkBase: i32, carryReady: i32): i32 {
  loadState();
  carried = carryReady != 0;
  base = chunkBase;
  status = OK;
  out = OUTPUT;
  record = 0;
  commands = 0;
  payloadAt = -1;
  let p = INPUT + <usize>start;
  const e = INPUT + <usize>end;
  windowEnd = e;
  stopAt = e;
  if (mode == M_BULK || mode == M_PAYLOAD) openRecord(held);
  if (mode == M_PAYLOAD && remain <= 0) p = argumentDone(p);
  while (status == OK && p < e) p = step(p, e);
  finish();
  return status;
}

function step(p: usize, e: usize): usize {
  if (mode == M_IDLE) {
    if (load<u8>(p) == 0x2a && auth != 0) {
      const after = wholeCommand(p, e);
      if (after != 0) return after;
    }
    mode = load<u8>(p) == 0x2a ? M_COUNT : M_INLINE;
    lineLen = 0;
    flags = 0;
    num = 0;
  }
  if (mode == M_COUNT || mode == M_BULK) return header(p, e);
  if (mode == M_INLINE) return inlineLine(p, e);
  if (mode == M_PAYLOAD) return payload(p, e);
  return stuck(p, e);
}

// ---- multibulk -------------------------------------------------------------------

function header(p: usize, e: usize): usize {
  if (lineLen == 0 && (mode == M_COUNT || load<u8>(p) == 0x24)) {
    const value = fastNumber(p, e);
    if (value >= 0) {
      first = load<u8>(p);
      return lineDone(fastEnd, true, value, <i32>(fastEnd - p));
    }
  }
  p = headerLine(p, e);
  if (status != OK || (flags & F_DONE) == 0) return p;
  let value: i64 = 0;
  const ok = lineValue();
  if (ok) value = (flags & F_NEG) != 0 ? -(<i64>num) : <i64>num;
  return lineDone(p, ok, value, lineLen + 1);
}

/**
 * The fast path: a whole multibulk command in the window, every header plain (see
 * fastNumber), every bulk within maxBulk. Parsed in one loop over locals and written as a
 * complete record; returns where it ends, or 0 with nothing consumed or written, and the
 * general state machine then takes the same bytes one step at a time.
 */
function wholeCommand(p: usize, e: usize): usize {
  const count = fastNumber(p, e);
  if (count < 1 || count > 1024) return 0;
  const record = out;
  if (record + 16 + (<usize>count << 3) > OUTPUT_END) return 0;
  let o = record + 16;
  let q = fastEnd;
  let id = 0;
  for (let i: i64 = 0; i < count; i++) {
    if (q >= e || load<u8>(q) != 0x24) return 0;
    const length = fastNumber(q, e);
    const data = fastEnd;
    if (length < 0 || length > maxBulk || <i64>(e - data) < length + 2) return 0;
    if (i == 0) id = commandIdAt(data, <i32>length); // may carry SPELLED_LOWER/UPPER
    store<i32>(o, base + <i32>(data - INPUT));
    store<i32>(o + 4, <i32>length);
    o += 8;
    q = data + <usize>length + 2;
  }
  store<i32>(record, id);
  store<i32>(record + 4, <i32>count);
  store<i32>(record + 8, 0);
  store<i32>(record + 12, <i32>count);
  out = o;
  commands++;
  return q;
}

/** "*N\r?" or "$N\r?" with 1 to 15 digits, no leading zero, all in the window; else -1. */
@inline function fastNumber(p: usize, e: usize): i64 {
  let q = p + 1;
  if (q >= e) return -1;
  const d0 = <u32>load<u8>(q) - 0x31;
  if (d0 > 8) return -1;
  let value = <i64>d0 + 1;
  q++;
  const limit = p + 16;
  while (q < e && q < limit) {
    const d = <u32>load<u8>(q) - 0x30;
    if (d > 9) break;
    value = value * 10 + <i64>d;
    q++;
  }
  if (q + 1 >= e || load<u8>(q) != 0x0d) return -1;
  fastEnd = q + 2;
  return value;
}

/** Consumes header-line bytes up to the byte after '\r' (then F_DONE is set). */
function headerLine(p: usize, e: usize): usize {
  let len = lineLen;
  let f = flags;
  while (p < e) {
    const c = <u32>load<u8>(p);
    if ((f & F_CR) != 0) {
      p++;
      f |= F_DONE;
      break;
    }
    if (len == 0) first = c;
    if (c == 0x0d) {
      f |= F_CR;
      len++;
      p++;
      continue;
    }
    if (c == 0) {
      mode = mode == M_COUNT ? M_STUCK_COUNT : M_STUCK_BULK;
      lineLen = len;
      return stuck(p, e);
    }
    len++;
    if (len > INLINE_MAX) {
      lineLen = len;
      return fail(mode == M_COUNT ? ERR_TOO_BIG_MBULK_COUNT : ERR_TOO_BIG_BULK_COUNT, p + 1, len);
    }
    if (len > 1) f = digit(f, c, len - 2);
    p++;
    if ((f & F_INVALID) != 0) {
      // The number is lost already: only the line end, a NUL or the limit matter now.
      const limit = p + <usize>(INLINE_MAX - len);
      const stop = limit < e ? limit : e;
      let q = p;
      while (q < stop) {
        const b = load<u8>(q);
        if (b == 0x0d || b == 0) break;
        q++;
      }
      len += <i32>(q - p);
      p = q;
    }
  }
  lineLen = len;
  flags = f;
  return p;
}

/** One content byte of a header line, at content index k (string2ll() rules). */
function digit(f: i32, c: u32, k: i32): i32 {
  if ((f & F_INVALID) != 0) return f;
  const d = c - 0x30;
  if (k == 0) {
    if (c == 0x2d) return f | F_NEG;
    if (d == 0) return f | F_ZERO;
    if (d > 9) return f | F_INVALID;
    num = <u64>d;
    return f;
  }
  if (k == 1 && (f & F_NEG) != 0) {
    if (d == 0 || d > 9) return f | F_INVALID;
    num = <u64>d;
    return f;
  }
  if ((f & F_ZERO) != 0 || d > 9) return f | F_INVALID;
  if (num > 1844674407370955161) return f | F_INVALID; // ULLONG_MAX / 10
  const tens = num * 10;
  if (tens > 0xffffffffffffffff - <u64>d) return f | F_INVALID;
  num = tens + <u64>d;
  return f;
}

/** string2ll()'s verdict on the finished line (first byte + content + '\r'). */
function lineValue(): bool {
  const length = lineLen - 2;
  if ((flags & F_INVALID) != 0 || length <= 0 || length >= 21) return false;
  if ((flags & F_NEG) != 0) return length > 1 && num <= 9223372036854775808;
  return num <= 9223372036854775807;
}

/** A whole header line ends before p; `lineBytes` is its length, for error offsets. */
function lineDone(p: usize, ok: bool, value: i64, lineBytes: i32): usize {
  lineLen = 0;
  flags = 0;
  num = 0;
  if (mode == M_COUNT) {
    if (!ok || value > INT_MAX) return fail(ERR_INVALID_MBULK_LENGTH, p, lineBytes);
    if (value > UNAUTH_MAX_ARGS && auth == 0) return fail(ERR_UNAUTH_MBULK_LENGTH, p, lineBytes);
    if (value <= 0) {
      mode = M_IDLE; // "*0" and "*-1" are ignored
      return p;
    }
    argc = <i32>value;
    argi = 0;
    held = 0;
    cmdId = -1;
    mode = M_BULK;
    openRecord(0);
    return p;
  }
  if (first != 0x24) {
    errorByte = first;
    return fail(ERR_EXPECTED_DOLLAR, p, lineBytes);
  }
  if (!ok || value < 0 || value > maxBulk) return fail(ERR_INVALID_BULK_LENGTH, p, lineBytes);
  if (value > UNAUTH_MAX_BULK && auth == 0) return fail(ERR_UNAUTH_BULK_LENGTH, p, lineBytes);
  return bulk(p, value);
}

/** A bulk of `length` bytes starts at p. */
function bulk(p: usize, length: i64): usize {
  const e = windowEnd;
  if (<i64>(e - p) >= length + 2) {
    if (argi == 0) cmdId = commandIdAt(p, <i32>length) & 0xffff;
    pushArgument(base + <i32>(p - INPUT), <i32>length);
    return argumentDone(p + <usize>length + 2);
  }
  // The payload ends beyond the window: the wrapper takes it from the chunk itself.
  mode = M_PAYLOAD;
  remain = length + 2 - <i64>(e - p);
  payloadAt = base + <i32>(p - INPUT);
  payloadLen = length;
  return e;
}

/** Only reached if the wrapper left payload bytes to the parser; they are dropped. */
function payload(p: usize, e: usize): usize {
  const available = <i64>(e - p);
  const take = remain < available ? remain : available;
  remain -= take;
  p += <usize>take;
  return remain == 0 ? argumentDone(p) : p;
}

function argumentDone(p: usize): usize {
  argi++;
  if (argi < argc) {
    mode = M_BULK;
    return p;
  }
  closeRecord();
  return commandDone(p);
}

function commandDone(p: usize): usize {
  commands++;
  mode = M_IDLE;
  if (auth == 0) {
    // Redis runs each command before parsing the next, so AUTH lifts the limits for
    // the rest of the pipeline: let the wrapper dispatch this one first.
    status = YIELD;
    stopAt = p;
  }
  return p;
}

// ---- inline --------------------------------------------------------------------------

function inlineLine(p: usize, e: usize): usize {
  if (<usize>lineLen > p - INPUT) return fail(ERR_INTERNAL_OVERFLOW, p, 0);
  const lineStart = p - <usize>lineLen;
  let q = p;
  while (q < e) {
    const c = load<u8>(q);
    if (c == 0x0a || c == 0) break;
    q++;
  }
  const length = lineLen + <i32>(q - p);
  if (q < e && load<u8>(q) == 0) {
    mode = M_STUCK_INLINE;
    lineLen = length;
    return stuck(q, e);
  }
  if (length > INLINE_MAX) return fail(ERR_TOO_BIG_INLINE, lineStart + <usize>length, length);
  if (q == e) {
    lineLen = length; // the wrapper carries these bytes into the next call
    return e;
  }
  if (lineStart < p && !carried) {
    // Nothing is consumed or written yet: the carried line is first in every window.
    status = NEED_CARRY;
    return p;
  }
  let lineEnd = q;
  if (lineEnd > lineStart && load<u8>(lineEnd - 1) == 0x0d) lineEnd--;
  mode = M_IDLE;
  lineLen = 0;
  const words = (<i32>(lineEnd - lineStart) + 1) >> 1;
  if (out + 16 + (<usize>words << 3) > OUTPUT_END) return fail(ERR_INTERNAL_OVERFLOW, q, 0);
  const count = splitInline(lineStart, lineEnd, out + 16);
  if (count < 0) return fail(ERR_UNBALANCED_QUOTES, q + 1, length + 1);
  if (count == 0) return q + 1; // empty lines are ignored
  const word = INPUT + <usize>(-1 - load<i32>(out + 16));
  store<i32>(out, commandIdAt(word, load<i32>(out + 20)) & 0xffff);
  store<i32>(out + 4, count);
  store<i32>(out + 8, 0);
  store<i32>(out + 12, count);
  out += 16 + (<usize>count << 3);
  return commandDone(q + 1);
}

// ---- shared --------------------------------------------------------------------------

/** A NUL hid the line end: Redis waits for more bytes until 64 KB are buffered. */
function stuck(p: usize, e: usize): usize {
  lineLen += <i32>(e - p);
  if (lineLen > INLINE_MAX) {
    const code = mode == M_STUCK_COUNT ? ERR_TOO_BIG_MBULK_COUNT
      : mode == M_STUCK_BULK ? ERR_TOO_BIG_BULK_COUNT : ERR_TOO_BIG_INLINE;
    return fail(code, e, lineLen);
  }
  return e;
}

/** Stops with an error about the line of `lineBytes` bytes that ends before p. */
function fail(code: i32, p: usize, lineBytes: i32): usize {
  status = code;
  errorLine = base + <i32>(p - INPUT) - lineBytes;
  record = 0;
  return p;
}

function openRecord(firstArg: i32): void {
  if (out + 16 > OUTPUT_END) {
    status = ERR_INTERNAL_OVERFLOW;
    return;
  }
  record = out;
  store<i32>(out + 4, argc);
  store<i32>(out + 8, firstArg);
  out += 16;
  recordArgs = 0;
}

function pushArgument(offset: i32, length: i32): void {
  if (out + 8 > OUTPUT_END) {
    status = ERR_INTERNAL_OVERFLOW;
    return;
  }
  store<i32>(out, offset);
  store<i32>(out + 4, length);
  out += 8;
  recordArgs++;
}

function closeRecord(): void {
  store<i32>(record, cmdId);
  store<i32>(record + 12, recordArgs);
  record = 0;
}

function finish(): void {
  const partial = record != 0;
  if (partial) {
    store<i32>(record, cmdId);
    store<i32>(record + 12, recordArgs);
  }
  held = mode == M_PAYLOAD ? argi + 1 : argi;
  store<i32>(RESULT + (<usize>R_STATUS << 2), status);
  store<i32>(RESULT + (<usize>R_COMMANDS << 2), commands);
  store<i32>(RESULT + (<usize>R_PARTIAL << 2), partial ? 1 : 0);
  store<i32>(RESULT + (<usize>R_STOP << 2), base + <i32>(stopAt - INPUT));
  store<i32>(RESULT + (<usize>R_ERROR_LINE << 2), errorLine);
  store<i32>(RESULT + (<usize>R_ERROR_BYTE << 2), <i32>errorByte);
  store<i32>(RESULT + (<usize>R_PAYLOAD_AT << 2), payloadAt);
  store<i64>(RESULT + (<usize>R_PAYLOAD_LEN << 2), payloadLen);
  store<i32>(RESULT + (<usize>R_CARRY << 2), mode == M_INLINE ? lineLen : 0);
  saveState();
}

function loadState(): void {
  mode = load<i32>(STATE + (<usize>S_MODE << 2));
  argc = load<i32>(STATE + (<usize>S_ARGC << 2));
  argi = load<i32>(STATE + (<usize>S_ARGI << 2));
  held = load<i32>(STATE + (<usize>S_HELD << 2));
  cmdId = load<i32>(STATE + (<usize>S_ID << 2));
  lineLen = load<i32>(STATE + (<usize>S_LINE << 2));
  flags = load<i32>(STATE + (<usize>S_FLAGS << 2));
  first = load<u32>(STATE + (<usize>S_FIRST << 2));
  auth = load<i32>(STATE + (<usize>S_AUTH << 2));
  num = load<u64>(STATE + (<usize>S_NUM << 2));
  remain = load<i64>(STATE + (<usize>S_REMAIN << 2));
  maxBulk = load<i64>(STATE + (<usize>S_MAXBULK << 2));
}

function saveState(): void {
  store<i32>(STATE + (<usize>S_MODE << 2), mode);
  store<i32>(STATE + (<usize>S_ARGC << 2), argc);
  store<i32>(STATE + (<usize>S_ARGI << 2), argi);
  store<i32>(STATE + (<usize>S_HELD << 2), held);
  store<i32>(STATE + (<usize>S_ID << 2), cmdId);
  store<i32>(STATE + (<usize>S_LINE << 2), lineLen);
  store<i32>(STATE + (<usize>S_FLAGS << 2), flags);
  store<u32>(STATE + (<usize>S_FIRST << 2), first);
  store<u64>(STATE + (<usize>S_NUM << 2), num);
  store<i64>(STATE + (<usize>S_REMAIN << 2), remain);
}
