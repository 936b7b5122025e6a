// Differential tests for the bit commands and LCS (issue 12): the same scripts against
// Debian's redis-server and kiwi-server, reply bytes compared, in RESP2 and RESP3.
// Cases follow Redis' tests/unit/bitops.tcl, bitfield.tcl and type/string.tcl (LCS).
import { describe } from 'vitest';
import type { Step } from './harness.js';
import { differential } from './suite.js';

const INT64_MAX = '9223372036854775807';
const INT64_MIN = '-9223372036854775808';
const bytes = (...b: number[]): Buffer => Buffer.from(b);

differential('Redis differential: bitmaps and LCS', (test) => {
  describe('SETBIT and GETBIT', () => {
    test('SETBIT against non-existing key, then GETBIT and GET', [['SETBIT', 'k', '1', '1'], ['GET', 'k'], ['GETBIT', 'k', '1'], ['GETBIT', 'k', '0'], ['GETBIT', 'k', '100'], ['STRLEN', 'k']]);
    test('SETBIT returns the old bit and grows the string with zeros', [
      ['SET', 'k', '\xaa'], ['SETBIT', 'k', '0', '0'], ['SETBIT', 'k', '0', '0'], ['SETBIT', 'k', '7', '1'], ['SETBIT', 'k', '39', '1'], ['GET', 'k'], ['STRLEN', 'k'],
    ]);
    test('SETBIT of 0 on a missing key still creates it', [['SETBIT', 'z', '15', '0'], ['GET', 'z'], ['EXISTS', 'z']]);
    test('SETBIT and GETBIT on an integer-looking string', [['SET', 'n', '1'], ['SETBIT', 'n', '6', '1'], ['GET', 'n'], ['GETBIT', 'n', '2'], ['GETBIT', 'n', '7']]);
    test('SETBIT keeps the TTL', [['SET', 'k', 'v', 'EX', '1000'], ['SETBIT', 'k', '100', '1'], ['TTL', 'k']]);
    test('SETBIT and GETBIT argument errors', [
      ['SETBIT', 'k', '-1', '1'], ['SETBIT', 'k', 'x', '1'], ['SETBIT', 'k', '4294967296', '1'], ['SETBIT', 'k', '1', '2'], ['SETBIT', 'k', '1', '-1'], ['SETBIT', 'k', '1', 'x'],
      ['SETBIT', 'k', '1', ''], ['GETBIT', 'k', '-1'], ['GETBIT', 'k', '4294967296'], ['GETBIT', 'k', '1.5'], ['SETBIT', 'k'], ['GETBIT', 'k'], ['EXISTS', 'k'],
    ]);
    test('SETBIT and GETBIT against a key of another type', [{ hash: 'h' }, ['SETBIT', 'h', '1', '1'], ['GETBIT', 'h', '1'], ['SETBIT', 'h', '-1', '1'], ['GETBIT', 'h', 'x']]);
    test('SETBIT at a 1 MB offset', [['SETBIT', 'big', String(8 * 1024 * 1024 + 3), '1'], ['STRLEN', 'big'], ['GETBIT', 'big', String(8 * 1024 * 1024 + 3)], ['BITCOUNT', 'big'], ['BITPOS', 'big', '1']]);
  });

  describe('BITCOUNT', () => {
    const s: Step = ['SET', 's', 'foobar'];
    test('BITCOUNT of strings and ranges', [
      s, ['BITCOUNT', 's'], ['BITCOUNT', 's', '0', '0'], ['BITCOUNT', 's', '1', '1'], ['BITCOUNT', 's', '1', '-2'], ['BITCOUNT', 's', '-2', '-1'],
      ['BITCOUNT', 's', '-100', '100'], ['BITCOUNT', 's', '5', '1'], ['BITCOUNT', 's', '-1', '-2'], ['BITCOUNT', 's', '100', '200'], ['BITCOUNT', 'missing'],
    ]);
    test('BITCOUNT with BIT and BYTE ranges', [
      s, ['BITCOUNT', 's', '5', '30', 'BIT'], ['BITCOUNT', 's', '0', '-1', 'bit'], ['BITCOUNT', 's', '1', '1', 'BYTE'], ['BITCOUNT', 's', '-7', '-1', 'BIT'],
      ['BITCOUNT', 's', '3', '3', 'BIT'], ['BITCOUNT', 's', '7', '8', 'BIT'], ['BITCOUNT', 's', '47', '100', 'BIT'], ['BITCOUNT', 's', '-1', '-3', 'BIT'],
    ]);
    test('BITCOUNT fuzzing-like ranges on binary values', [
      ['SET', 'b', bytes(0xff, 0x00, 0x0f, 0xf0, 0xaa, 0x55, 0x01, 0x80, 0xff, 0xff, 0xff, 0xff, 0x12, 0x34, 0x56, 0x78, 0x9a)],
      ...[[0, 200], [3, 77], [9, 9], [-20, -3], [64, 135], [1, 1]].flatMap(([a, b]): Step[] => [['BITCOUNT', 'b', String(a), String(b), 'BIT'], ['BITCOUNT', 'b', String(a >> 3), String(b >> 3)]]),
    ]);
    // Redis 7.0 looks the key up before it reads the range: a missing key is 0 whatever follows.
    test('BITCOUNT syntax errors, reported only for an existing string', [
      ['BITCOUNT', 'missing', '1'], ['BITCOUNT', 'missing', 'x', 'y'], ['BITCOUNT', 'missing', '0', '1', 'foo'],
      s, ['BITCOUNT', 's', '1'], ['BITCOUNT', 's', 'x', '1'], ['BITCOUNT', 's', '1', 'y'], ['BITCOUNT', 's', '0', '1', 'foo'], ['BITCOUNT', 's', '0', '1', 'bit', 'x'],
      ['BITCOUNT', 's', '-1', '-5', 'foo'], ['BITCOUNT', 's', INT64_MIN, INT64_MAX], ['BITCOUNT', 's', INT64_MIN, INT64_MAX, 'BIT'],
      { hash: 'h' }, ['BITCOUNT', 'h'], ['BITCOUNT', 'h', 'x', 'y'], ['BITCOUNT', 'h', '1'],
    ]);
  });

  describe('BITPOS', () => {
    test('BITPOS of 1 and 0 in simple strings', [
      ['SET', 'a', bytes(0xff, 0xf0, 0x00)], ['BITPOS', 'a', '0'], ['BITPOS', 'a', '1'], ['SET', 'b', bytes(0x00, 0xff, 0xf0)], ['BITPOS', 'b', '1', '0'], ['BITPOS', 'b', '1', '2'],
      ['SET', 'c', bytes(0x00, 0x00, 0x00)], ['BITPOS', 'c', '1'], ['BITPOS', 'c', '0'], ['SET', 'd', bytes(0xff, 0xff, 0xff)], ['BITPOS', 'd', '0'], ['BITPOS', 'd', '1'],
      ['BITPOS', 'd', '0', '0'], ['BITPOS', 'd', '0', '0', '-1'], ['BITPOS', 'missing', '0'], ['BITPOS', 'missing', '1'],
    ]);
    test('BITPOS with BYTE and BIT ranges', [
      ['SET', 'a', bytes(0x00, 0xff, 0x00, 0x0f, 0xff, 0xf0)],
      ...[['1', '0', '-1', 'BIT'], ['1', '7', '15', 'BIT'], ['0', '8', '15', 'BIT'], ['0', '8', '12', 'bit'], ['1', '17', '27', 'BIT'], ['1', '20', '21', 'BIT'],
        ['0', '40', '47', 'BIT'], ['0', '44', '47', 'BIT'], ['1', '-10', '-1', 'BIT'], ['0', '-5', '-1', 'BIT'], ['1', '2', '3', 'BYTE'], ['0', '1', '1', 'byte'],
        ['0', '1'], ['1', '-2'], ['0', '4'], ['0', '4', '-1'], ['1', '5', '2'], ['0', '100', '200', 'BIT'], ['1', '3', '1', 'BIT']].map((args): Step => ['BITPOS', 'a', ...args]),
    ]);
    test('BITPOS with a start only, in bits, finds the zero padding', [['SET', 'f', bytes(0xff, 0xff)], ['BITPOS', 'f', '0', '3', 'x'], ['BITPOS', 'f', '0', '1', '-1', 'BIT'], ['BITPOS', 'f', '0', '9']]);
    test('BITPOS argument errors', [
      ['BITPOS', 'missing', '2'], ['BITPOS', 'missing', 'x'], ['BITPOS', 'missing', '1', 'x'], ['BITPOS', 'missing', '1', '0', '1', 'foo'], ['BITPOS', 'missing', '0', '1', '2', 'BIT', 'x'],
      ['SET', 's', 'abc'], ['BITPOS', 's', '2'], ['BITPOS', 's', '1', 'x'], ['BITPOS', 's', '1', '0', 'x'], ['BITPOS', 's', '1', '0', '1', 'foo'], ['BITPOS', 's', '1', 'x', '1', 'foo'],
      ['BITPOS', 's', '1', '0', 'y', 'foo'], ['BITPOS', 's', '1', '0', '1', 'BIT', 'x'], { hash: 'h' }, ['BITPOS', 'h', '1'], ['BITPOS', 'h', '3'], ['BITPOS', 'h', '1', 'x'],
    ]);
  });

  describe('BITOP', () => {
    test('BITOP AND, OR, XOR, NOT', [
      ['SET', 'a', bytes(0xff, 0x0f, 0x55)], ['SET', 'b', bytes(0x0f, 0xff)], ['SET', 'c', 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'],
      ['BITOP', 'AND', 'd', 'a', 'b'], ['GET', 'd'], ['BITOP', 'or', 'd', 'a', 'b', 'c'], ['GET', 'd'], ['BITOP', 'XOR', 'd', 'a', 'b', 'c'], ['GET', 'd'],
      ['BITOP', 'NOT', 'd', 'a'], ['GET', 'd'], ['BITOP', 'AND', 'd', 'a', 'missing'], ['GET', 'd'], ['BITOP', 'AND', 'a', 'a', 'c'], ['GET', 'a'],
    ]);
    test('BITOP with only missing or empty keys deletes the destination', [['SET', 'd', 'x', 'EX', '100'], ['SET', 'e', ''], ['BITOP', 'OR', 'd', 'missing', 'e'], ['EXISTS', 'd']]);
    test('BITOP overwrites a destination of another type and its TTL', [{ hash: 'd' }, ['SET', 'a', 'x'], ['BITOP', 'NOT', 'd', 'a'], ['TYPE', 'd'], ['GET', 'd'], ['SET', 'd', 'v', 'EX', '100'], ['BITOP', 'OR', 'd', 'a'], ['TTL', 'd']]);
    test('BITOP errors', [
      ['BITOP', 'NOT', 'd', 'a', 'b'], ['BITOP', 'NAND', 'd', 'a'], ['BITOP', 'AND', 'd'], { hash: 'h' }, ['SET', 'a', 'x'], ['BITOP', 'AND', 'd', 'a', 'h'], ['BITOP', 'NOT', 'h', 'a'], ['EXISTS', 'd'],
    ]);
    test('BITOP over values larger than a word, with different lengths', [
      ['SET', 'a', 'The quick brown fox jumps over the lazy dog, many times over'], ['SET', 'b', 'Lorem ipsum dolor sit amet'], ['SET', 'c', '0123456789'.repeat(9)],
      ['BITOP', 'AND', 'r', 'a', 'b', 'c'], ['GET', 'r'], ['BITOP', 'OR', 'r', 'a', 'b', 'c'], ['GET', 'r'], ['BITOP', 'XOR', 'r', 'c', 'b', 'a'], ['GET', 'r'], ['BITCOUNT', 'r'],
    ]);
  });

  describe('BITFIELD and BITFIELD_RO', () => {
    test('BITFIELD signed SET and GET basics', [['BITFIELD', 'bits', 'SET', 'i8', '0', '-100'], ['BITFIELD', 'bits', 'SET', 'i8', '0', '101'], ['BITFIELD', 'bits', 'GET', 'i8', '0'], ['GET', 'bits']]);
    test('BITFIELD unsigned SET and GET, # offsets and unaligned fields', [
      ['BITFIELD', 'bits', 'SET', 'u8', '0', '255'], ['BITFIELD', 'bits', 'SET', 'u8', '0', '100'], ['BITFIELD', 'bits', 'GET', 'u8', '0'],
      ['BITFIELD', 'bits', 'SET', 'u5', '#3', '23', 'GET', 'u5', '#3', 'GET', 'u3', '13', 'SET', 'i13', '3', '-4000', 'GET', 'i13', '3', 'GET', 'u16', '0'], ['GET', 'bits'],
    ]);
    test('BITFIELD INCRBY with WRAP, SAT and FAIL', [
      ['BITFIELD', 'bits', 'SET', 'u2', '10', '3', 'GET', 'u2', '10', 'INCRBY', 'u2', '10', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'u2', '10', '-5', 'INCRBY', 'u2', '10', '9'],
      ['BITFIELD', 'bits', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '10', '1', 'INCRBY', 'i4', '20', '7', 'INCRBY', 'i4', '20', '1', 'INCRBY', 'i4', '20', '-16', 'SET', 'u3', '0', '8'],
      ['BITFIELD', 'bits', 'OVERFLOW', 'wrap', 'INCRBY', 'i8', '32', '100', 'INCRBY', 'i8', '32', '100', 'INCRBY', 'u8', '48', '-1', 'SET', 'i4', '60', '9', 'SET', 'u4', '60', '-1'],
      ['BITFIELD', 'bits', 'OVERFLOW', 'SAT', 'SET', 'i8', '0', '1000', 'SET', 'i8', '0', '-1000', 'SET', 'u8', '8', '1000', 'SET', 'u8', '8', '-3'], ['GET', 'bits'],
    ]);
    test('BITFIELD i64 and u63 at their limits', [
      ['BITFIELD', 'w', 'SET', 'i64', '0', INT64_MAX, 'INCRBY', 'i64', '0', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '0', '-1', 'INCRBY', 'i64', '0', INT64_MIN],
      ['BITFIELD', 'w', 'OVERFLOW', 'FAIL', 'INCRBY', 'i64', '0', INT64_MIN, 'INCRBY', 'i64', '0', INT64_MAX, 'SET', 'u63', '64', INT64_MAX, 'INCRBY', 'u63', '64', '1', 'GET', 'u63', '64'],
      ['BITFIELD', 'w', 'OVERFLOW', 'WRAP', 'INCRBY', 'u63', '64', '1', 'INCRBY', 'u63', '64', '-2', 'INCRBY', 'i64', '3', INT64_MAX, 'GET', 'i64', '3', 'SET', 'i64', '#2', INT64_MIN], ['GET', 'w'],
    ]);
    test('BITFIELD FAIL on a missing key creates it', [['BITFIELD', 'm', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '100', '10'], ['GET', 'm'], ['STRLEN', 'm']]);
    test('BITFIELD with only GET reads a missing key as zeros', [['BITFIELD', 'm', 'GET', 'u8', '0', 'GET', 'i64', '1000'], ['EXISTS', 'm'], ['BITFIELD', 'm']]);
    test('BITFIELD keeps the TTL', [['SET', 'k', 'v', 'EX', '1000'], ['BITFIELD', 'k', 'SET', 'u8', '100', '1'], ['TTL', 'k'], ['STRLEN', 'k']]);
    test('BITFIELD errors, in argument order', [
      ['BITFIELD', 'k', 'GET', 'u64', '0'], ['BITFIELD', 'k', 'GET', 'i65', '0'], ['BITFIELD', 'k', 'GET', 'i0', '0'], ['BITFIELD', 'k', 'GET', 'x8', '0'], ['BITFIELD', 'k', 'GET', 'u', '0'],
      ['BITFIELD', 'k', 'GET', 'u8', '-1'], ['BITFIELD', 'k', 'GET', 'u8', '#-1'], ['BITFIELD', 'k', 'GET', 'u8', '4294967296'], ['BITFIELD', 'k', 'GET', 'u8', '#536870912'],
      ['BITFIELD', 'k', 'GET', 'u8', '#x'], ['BITFIELD', 'k', 'SET', 'u8', '0', 'x'], ['BITFIELD', 'k', 'SET', 'u8', '0'], ['BITFIELD', 'k', 'INCRBY', 'u8', '0', '1.5'],
      ['BITFIELD', 'k', 'OVERFLOW', 'FOO'], ['BITFIELD', 'k', 'OVERFLOW'], ['BITFIELD', 'k', 'NOPE'], ['BITFIELD', 'k', 'GET', 'u8', '0', 'SET', 'u64', '0', '1'], ['EXISTS', 'k'],
      { hash: 'h' }, ['BITFIELD', 'h', 'GET', 'u8', '0'], ['BITFIELD', 'h', 'SET', 'u8', '0', '1'], ['BITFIELD', 'h', 'GET', 'u99', '0'],
    ]);
    test('BITFIELD_RO', [
      ['SET', 'k', bytes(0x12, 0x34)], ['BITFIELD_RO', 'k', 'GET', 'u8', '0', 'GET', 'i4', '#1', 'GET', 'u16', '4'], ['BITFIELD_RO', 'k'], ['BITFIELD_RO', 'missing', 'GET', 'i8', '0'],
      ['BITFIELD_RO', 'k', 'SET', 'u8', '0', '1'], ['BITFIELD_RO', 'k', 'INCRBY', 'u8', '0', '1'], ['BITFIELD_RO', 'k', 'OVERFLOW', 'SAT', 'GET', 'u8', '0'], ['BITFIELD_RO', 'k', 'GET', 'u64', '0'],
      { hash: 'h' }, ['BITFIELD_RO', 'h', 'GET', 'u8', '0'], ['BITFIELD_RO', 'h', 'SET', 'u8', '0', '1'], ['GET', 'k'],
    ]);
  });

  describe('LCS', () => {
    const rna: Step[] = [
      ['SET', 'virus1', 'CTAGACAGGTGATGGGGTACGCTAGTCAGTTCTTAGAGATCGCGTCATCTCACGTCTTAATCGGATGCATTCCCAATGTTCGTCCCCGTCGTCCGTAC'],
      ['SET', 'virus2', 'TGCGTCGCCCGCAACGTAATACTAGGTCGCGTCTCCGCCAGGGTAGTCCATTCATCGGTCGGATCAGGCCTCGCCTCACTACTTACCCAACTTGG'],
    ];
    test('LCS basic, LEN and IDX', [
      ...rna, ['LCS', 'virus1', 'virus2'], ['LCS', 'virus1', 'virus2', 'LEN'], ['LCS', 'virus1', 'virus2', 'IDX'], ['LCS', 'virus1', 'virus2', 'IDX', 'WITHMATCHLEN'],
      ['LCS', 'virus1', 'virus2', 'IDX', 'MINMATCHLEN', '5'], ['LCS', 'virus1', 'virus2', 'IDX', 'MINMATCHLEN', '5', 'WITHMATCHLEN'], ['LCS', 'virus1', 'virus2', 'idx', 'minmatchlen', '-3'],
    ]);
    test('LCS with missing, empty and equal strings', [
      ['SET', 'a', 'ohmytext'], ['SET', 'e', ''], ['LCS', 'a', 'missing'], ['LCS', 'missing', 'missing2', 'LEN'], ['LCS', 'a', 'e', 'IDX'], ['LCS', 'a', 'a', 'IDX', 'WITHMATCHLEN'], ['LCS', 'a', 'a'],
    ]);
    test('LCS errors', [
      ['SET', 'a', 'abc'], ['LCS', 'a', 'a', 'LEN', 'IDX'], ['LCS', 'a', 'a', 'FOO'], ['LCS', 'a', 'a', 'MINMATCHLEN'], ['LCS', 'a', 'a', 'MINMATCHLEN', 'x'], ['LCS', 'a'],
      { hash: 'h' }, ['LCS', 'h', 'a'], ['LCS', 'a', 'h', 'FOO'], ['LCS', 'missing', 'h', 'LEN', 'IDX'],
    ]);
    // Redis bounds the table by proto-max-bulk-len: (alen+1)*(blen+1)*4 bytes.
    test('LCS refuses a table larger than proto-max-bulk-len', [
      ['CONFIG', 'SET', 'proto-max-bulk-len', '1048576'], ['SET', 'a', 'x'.repeat(600)], ['SET', 'b', 'y'.repeat(600)], ['LCS', 'a', 'b', 'LEN'],
      ['SET', 'b', 'y'.repeat(200)], ['LCS', 'a', 'b', 'LEN'], ['CONFIG', 'SET', 'proto-max-bulk-len', '536870912'],
    ]);
  });
});
