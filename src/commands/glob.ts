// Redis 7.0's glob matching (util.c stringmatchlen_impl) on bytes, for PSUBSCRIBE and
// PUBSUB CHANNELS patterns. native/src/glob.cc is the same port for KEYS and SCAN, which
// match inside the storage runtime; pub/sub matches on the network runtimes.

/** C's signed char, as Redis compares bytes in [a-z] ranges. */
const sc = (b: number | undefined): number => (b === undefined ? 0 : b > 127 ? b - 256 : b);
const lower = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);

function matchImpl(p: Uint8Array, pi: number, pLen: number, s: Uint8Array, si: number, sLen: number, nocase: boolean, skip: { longer: boolean }): boolean {
  while (pLen > 0 && sLen > 0) {
    switch (p[pi]) {
      case 0x2a: // '*'
        while (pLen > 0 && p[pi + 1] === 0x2a) {
          pi++;
          pLen--;
        }
        if (pLen === 1) return true;
        while (sLen > 0) {
          if (matchImpl(p, pi + 1, pLen - 1, s, si, sLen, nocase, skip)) return true;
          if (skip.longer) return false;
          si++;
          sLen--;
        }
        // No match for the rest of the pattern anywhere in the rest of the string: an
        // earlier '*' matching more cannot help (Redis' skipLongerMatches).
        skip.longer = true;
        return false;
      case 0x3f: // '?'
        si++;
        sLen--;
        break;
      case 0x5b: { // '['
        pi++;
        pLen--;
        const not = p[pi] === 0x5e;
        if (not) {
          pi++;
          pLen--;
        }
        let match = false;
        for (;;) {
          if (p[pi] === 0x5c && pLen >= 2) {
            pi++;
            pLen--;
            if (p[pi] === s[si]) match = true;
          } else if (p[pi] === 0x5d) {
            break;
          } else if (pLen === 0) {
            pi--;
            pLen++;
            break;
          } else if (pLen >= 3 && p[pi + 1] === 0x2d) {
            let start = sc(p[pi]);
            let end = sc(p[pi + 2]);
            let c = sc(s[si]);
            if (start > end) [start, end] = [end, start];
            if (nocase) {
              start = lower(start);
              end = lower(end);
              c = lower(c);
            }
            pi += 2;
            pLen -= 2;
            if (c >= start && c <= end) match = true;
          } else if (nocase ? lower(p[pi]) === lower(s[si]) : p[pi] === s[si]) {
            match = true;
          }
          pi++;
          pLen--;
        }
        if (not) match = !match;
        if (!match) return false;
        si++;
        sLen--;
        break;
      }
      default:
        // '\\' quotes the next pattern byte.
        if (p[pi] === 0x5c && pLen >= 2) {
          pi++;
          pLen--;
        }
        if (nocase ? lower(p[pi]) !== lower(s[si]) : p[pi] !== s[si]) return false;
        si++;
        sLen--;
        break;
    }
    pi++;
    pLen--;
    if (sLen === 0) {
      while (p[pi] === 0x2a && pLen > 0) {
        pi++;
        pLen--;
      }
      break;
    }
  }
  return pLen === 0 && sLen === 0;
}

/** Whether `subject` matches the glob `pattern` (Redis stringmatchlen). */
export function globMatch(pattern: Uint8Array, subject: Uint8Array, nocase = false): boolean {
  return matchImpl(pattern, 0, pattern.length, subject, 0, subject.length, nocase, { longer: false });
}
