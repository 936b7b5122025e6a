// Double arguments as Redis reads them: C's strtod() (glibc, C locale) under two sets of
// rules. Sorted-set scores, increments and weights go through string2d(); the ends of a
// score range through zslParseRange(). Pure functions.
const SPACE = new Set([0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]);
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const HEX = /^([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+))(?:[pP]([+-]?\d+))?/;
const INFINITY = /^[+-]?(?:infinity|inf)/i;
const NAN = /^[+-]?nan(?:\([0-9A-Za-z_]*\))?/i;

interface Parsed {
  value: number;
  /** Bytes strtod consumed (0: no conversion). */
  length: number;
  /** strtod would set ERANGE with a zero or infinite result (string2d refuses those). */
  range: boolean;
}

/** x * 2^e without intermediate overflow or underflow. */
function ldexp(x: number, e: number): number {
  while (e > 1000) {
    x *= 2 ** 1000;
    e -= 1000;
  }
  while (e < -1000) {
    x *= 2 ** -1000;
    e += 1000;
  }
  return x * 2 ** e;
}

/** strtod() on `text` after its leading spaces (which the caller handles). */
function strtod(text: string): Parsed {
  let m = HEX.exec(text);
  if (m) {
    const [digits, fraction = ''] = m[2].split('.');
    const mantissa = BigInt(`0x${digits || '0'}${fraction}`);
    const exponent = Number(m[3] ?? 0) - 4 * fraction.length;
    const magnitude = mantissa === 0n ? 0 : ldexp(Number(mantissa), exponent);
    const value = m[1] === '-' ? -magnitude : magnitude;
    return { value, length: m[0].length, range: mantissa !== 0n && (magnitude === 0 || magnitude === Infinity) };
  }
  m = INFINITY.exec(text);
  if (m) return { value: m[0][0] === '-' ? -Infinity : Infinity, length: m[0].length, range: false };
  m = NAN.exec(text);
  if (m) return { value: NaN, length: m[0].length, range: false };
  m = DECIMAL.exec(text);
  if (!m) return { value: 0, length: 0, range: false };
  const value = Number(m[0]);
  const mantissa = m[0].replace(/[eE].*$/, '');
  return { value, length: m[0].length, range: !Number.isFinite(value) || (value === 0 && /[1-9]/.test(mantissa)) };
}

/**
 * Redis string2d() (getDoubleFromObject): the whole argument must be a number strtod
 * reads without range error, with no leading space, and not NaN. Undefined when not.
 */
export function parseDouble(buf: Buffer): number | undefined {
  if (buf.length === 0 || SPACE.has(buf[0])) return undefined;
  const text = buf.toString('latin1');
  const p = strtod(text);
  if (p.length !== text.length || p.range || Number.isNaN(p.value)) return undefined;
  return p.value;
}

/**
 * One end of a score range (zslParseRange): "(" makes it exclusive; the rest is read by
 * strtod as a C string (up to a NUL), which may skip leading spaces, may overflow to
 * infinity and reads "" as 0, but must stop exactly at the string's end and not be NaN.
 */
export function parseScoreBound(buf: Buffer): { value: number; exclusive: boolean } | undefined {
  const nul = buf.indexOf(0);
  let text = buf.toString('latin1', 0, nul < 0 ? buf.length : nul);
  const exclusive = text.startsWith('(');
  if (exclusive) text = text.slice(1);
  let start = 0;
  while (start < text.length && SPACE.has(text.charCodeAt(start))) start++;
  const p = strtod(text.slice(start));
  // Without a conversion strtod points back at the start of its input.
  const end = p.length === 0 ? 0 : start + p.length;
  if (end !== text.length || Number.isNaN(p.value)) return undefined;
  return { value: p.value, exclusive };
}
