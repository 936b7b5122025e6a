// Inline requests ("SET \"a b\" c\r\n", as telnet sends them), split by the rules of
// Redis 7.0's sdssplitargs() (sds.c): double quotes with \n \r \t \b \a \xHH and
// \<any> escapes, single quotes with only \', a closing quote followed by a space or the
// end of the line, and unquoted words ended by ' ', \t, \r or \n only (so \v and \f
// belong to a word but are skipped between words, as isspace() does).
//
// The C code reads a NUL-terminated string; here the line is [start, end) and reading
// at `end` gives 0. The line holds no NUL: the parser treats a NUL before the newline
// as Redis does (strchr() stops there, so the line never ends).

import { INPUT } from './layout';

/**
 * Splits the line in place (unescaping only ever shrinks a word) and writes one
 * (-1 - input index, length) pair per word at `out`. Returns the word count, or -1 for
 * unbalanced quotes.
 */
export function splitInline(start: usize, end: usize, out: usize): i32 {
  let p = start;
  let words = 0;
  while (true) {
    while (p < end && isSpace(load<u8>(p))) p++;
    if (p == end) return words;
    const word = p;
    const after = readWord(p, end, word);
    if (after == 0) return -1;
    store<i32>(out, -1 - <i32>(word - INPUT));
    store<i32>(out + 4, <i32>(wordEnd - word));
    out += 8;
    words++;
    p = after;
  }
}

// Where readWord() stopped writing the current word.
let wordEnd: usize = 0;

/** Reads one word starting at `p`, writing it at `w`; returns where to go on, 0 on error. */
function readWord(p: usize, end: usize, w: usize): usize {
  // Until a quote, the word is already where it belongs: just find its end.
  while (p < end) {
    const c = load<u8>(p);
    if (c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09 || c == 0x22 || c == 0x27) break;
    p++;
  }
  w = p;
  let inDouble = false;
  let inSingle = false;
  while (true) {
    const c = at(p, end);
    if (inDouble) {
      if (c == 0x5c && at(p + 1, end) == 0x78 && isHex(at(p + 2, end)) && isHex(at(p + 3, end))) {
        store<u8>(w++, <u8>((hexValue(at(p + 2, end)) << 4) | hexValue(at(p + 3, end))));
        p += 3;
      } else if (c == 0x5c && at(p + 1, end) != 0) {
        p++;
        store<u8>(w++, <u8>unescape(load<u8>(p)));
      } else if (c == 0x22) {
        if (at(p + 1, end) != 0 && !isSpace(at(p + 1, end))) return 0;
        wordEnd = w;
        return p + 1;
      } else if (c == 0) {
        return 0;
      } else {
        store<u8>(w++, <u8>c);
      }
    } else if (inSingle) {
      if (c == 0x5c && at(p + 1, end) == 0x27) {
        p++;
        store<u8>(w++, 0x27);
      } else if (c == 0x27) {
        if (at(p + 1, end) != 0 && !isSpace(at(p + 1, end))) return 0;
        wordEnd = w;
        return p + 1;
      } else if (c == 0) {
        return 0;
      } else {
        store<u8>(w++, <u8>c);
      }
    } else if (c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09 || c == 0) {
      wordEnd = w;
      return p < end ? p + 1 : p;
    } else if (c == 0x22) {
      inDouble = true;
    } else if (c == 0x27) {
      inSingle = true;
    } else {
      store<u8>(w++, <u8>c);
    }
    p++;
  }
}

@inline function at(p: usize, end: usize): u32 {
  return p < end ? <u32>load<u8>(p) : 0;
}

/** C isspace() in the "C" locale. */
@inline function isSpace(c: u32): bool {
  return c == 0x20 || c - 0x09 <= 4;
}

@inline function isHex(c: u32): bool {
  return c - 0x30 <= 9 || (c | 0x20) - 0x61 <= 5;
}

@inline function hexValue(c: u32): u32 {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10;
}

function unescape(c: u32): u32 {
  if (c == 0x6e) return 0x0a; // n
  if (c == 0x72) return 0x0d; // r
  if (c == 0x74) return 0x09; // t
  if (c == 0x62) return 0x08; // b
  if (c == 0x61) return 0x07; // a
  return c;
}
