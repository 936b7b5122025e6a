// Request-parser cases: each is a test of its own (request-parser.test.ts), is split at
// every byte (request-parser-split.test.ts) and, unless it says why not, is sent to a
// live redis-server (redis-compat.test.ts). Commands are PING, ECHO and unknown names
// only, so that Redis' replies can be predicted from the parsed arguments.

import { RedisError, protocolExpectedDollar } from '../../src/errors.js';
import type { RequestParserOptions } from '../../src/protocol/request-parser.js';
import { multibulk as mb } from './helpers.js';

export interface ProtocolCase {
  /** Named the way Redis names its tests. */
  name: string;
  /** Input bytes as a latin1 string. */
  input: string;
  options?: RequestParserOptions;
  /** The commands, as [name, ...args]. */
  commands: string[][];
  error?: string;
  /** Stream offset of the refused line. */
  errorOffset?: number;
  /** Why the case is not compared with a live redis-server. */
  notLive?: string;
}

const KB64 = 64 * 1024;
const invalidMultibulk = RedisError.protocolInvalidMultibulkLength;
const invalidBulk = RedisError.protocolInvalidBulkLength;
const unbalanced = RedisError.protocolUnbalancedQuotes;
const unauthenticated: RequestParserOptions = { authenticated: false };
/** Known differences from Redis, each with its reason (the only cases not compared live). */
const READ_SIZE_DEPENDENT =
  'known difference: Redis checks the 64 KB limit only when a read ends without the line end, ' +
  'so with large reads it accepts lines of up to about 80 KB; this parser refuses them as Redis ' +
  'does when bytes arrive one at a time, so the result never depends on how input was split';

function invalidMultibulkCase(count: string, note = ''): ProtocolCase {
  return {
    name: `Protocol error: invalid multibulk length is returned for *${JSON.stringify(count).slice(1, -1)}${note}`,
    input: `${mb('PING')}*${count}\r\n`,
    commands: [['PING']],
    error: invalidMultibulk,
    errorOffset: 14,
  };
}

function invalidBulkCase(length: string, note = ''): ProtocolCase {
  return {
    name: `Protocol error: invalid bulk length is returned for $${JSON.stringify(length).slice(1, -1)}${note}`,
    input: `*2\r\n$4\r\nECHO\r\n$${length}\r\n`,
    commands: [],
    error: invalidBulk,
    errorOffset: 14,
  };
}

export const multibulkCases: ProtocolCase[] = [
  {
    name: 'ECHO and PING in one multibulk pipeline are two commands',
    input: mb('ECHO', 'hello') + mb('PING'),
    commands: [['ECHO', 'hello'], ['PING']],
  },
  {
    name: 'Command names match in any case',
    input: mb('echo', 'a') + mb('eChO', 'b') + mb('PiNg'),
    commands: [['echo', 'a'], ['eChO', 'b'], ['PiNg']],
  },
  {
    name: 'Unknown command names get id 0',
    input: mb('NOSUCHCMD', 'a') + mb('PIN') + mb('PINGG') + mb('P\u00c9NG'),
    commands: [['NOSUCHCMD', 'a'], ['PIN'], ['PINGG'], ['P\u00c9NG']],
  },
  {
    name: 'An empty bulk is an empty argument',
    input: '*2\r\n$4\r\nECHO\r\n$0\r\n\r\n',
    commands: [['ECHO', '']],
  },
  {
    name: 'A binary payload with CR, LF and NUL bytes is kept byte for byte',
    input: mb('ECHO', 'a\r\nb\u0000c\u00ff*1\r\n$'),
    commands: [['ECHO', 'a\r\nb\u0000c\u00ff*1\r\n$']],
  },
  {
    name: "A payload's two trailing bytes are skipped unchecked, as Redis does",
    input: `*1\r\n$4\r\nPINGXY${mb('PING')}`,
    commands: [['PING'], ['PING']],
  },
  {
    name: 'A header line ends at CR and the byte after it, whatever that byte is',
    input: '*1\rX$4\r\nPING\r\n',
    commands: [['PING']],
  },
  {
    name: 'A bulk header after a complete command is read as an inline command',
    input: `${mb('PING')}$4\r\nPING\r\n`,
    commands: [['PING'], ['$4'], ['PING']],
  },
  { name: '*0 is ignored', input: `*0\r\n${mb('PING')}`, commands: [['PING']] },
  { name: '*-1 is ignored', input: `*-1\r\n${mb('PING')}`, commands: [['PING']] },
  {
    name: '*-9223372036854775808 (LLONG_MIN) is ignored',
    input: `*-9223372036854775808\r\n${mb('PING')}`,
    commands: [['PING']],
  },
  {
    name: '*2147483647 is accepted and waits for its arguments',
    input: '*2147483647\r\n$4\r\nPING\r\n',
    commands: [],
  },
  invalidMultibulkCase('abc'),
  invalidMultibulkCase('', ' (empty count)'),
  invalidMultibulkCase('-0'),
  invalidMultibulkCase('+1'),
  invalidMultibulkCase('01'),
  invalidMultibulkCase(' 1'),
  invalidMultibulkCase('1 '),
  invalidMultibulkCase('1\n2'),
  invalidMultibulkCase('2147483648', ' (above INT_MAX)'),
  invalidMultibulkCase('-9223372036854775809', ' (below LLONG_MIN)'),
  invalidMultibulkCase('12345678901234567890', ' (above LLONG_MAX)'),
  invalidMultibulkCase('000000000000000000001', ' (21 characters)'),
  {
    name: "Protocol error: expected '$', got ':' is returned for *1 :4",
    input: `${mb('PING')}*1\r\n:4\r\n`,
    commands: [['PING']],
    error: protocolExpectedDollar(0x3a),
    errorOffset: 18,
  },
  {
    name: "Protocol error: expected '$', got ' ' is returned for a CR where '$' should be",
    input: '*1\r\n\r\nX',
    commands: [],
    error: "ERR Protocol error: expected '$', got ' '",
    errorOffset: 4,
  },
  {
    name: "Protocol error: expected '$', got ' ' is returned for an LF where '$' should be",
    input: '*1\r\n\nX\r\n',
    commands: [],
    error: "ERR Protocol error: expected '$', got ' '",
    errorOffset: 4,
  },
  {
    name: "Protocol error: expected '$' names a byte above 0x7f as that byte",
    input: '*1\r\n\u00ffX\r\n',
    commands: [],
    error: protocolExpectedDollar(0xff),
    errorOffset: 4,
  },
  invalidBulkCase('-1'),
  invalidBulkCase('-0'),
  invalidBulkCase('01'),
  invalidBulkCase('x'),
  invalidBulkCase(' 4'),
  invalidBulkCase('', ' (empty length)'),
  invalidBulkCase('12345678901234567890', ' (above LLONG_MAX)'),
  invalidBulkCase('536870913', ' (above the default proto-max-bulk-len)'),
  {
    name: 'A bulk length of exactly proto-max-bulk-len (512 MB) is accepted',
    input: '*2\r\n$4\r\nECHO\r\n$536870912\r\nabc',
    commands: [],
  },
  {
    name: 'Protocol error: invalid bulk length is returned above a configured maxBulkLength',
    input: mb('ECHO', 'x'.repeat(11)),
    options: { maxBulkLength: 10 },
    commands: [],
    error: invalidBulk,
    errorOffset: 14,
    notLive: 'Redis does not allow proto-max-bulk-len below 1 MB',
  },
  {
    name: 'A bulk of exactly a configured maxBulkLength is accepted',
    input: mb('ECHO', 'x'.repeat(10)),
    options: { maxBulkLength: 10 },
    commands: [['ECHO', 'x'.repeat(10)]],
    notLive: 'Redis does not allow proto-max-bulk-len below 1 MB',
  },
];

export const limitCases: ProtocolCase[] = [
  {
    name: 'Protocol error: too big mbulk count string is returned for 64 KB without CR',
    input: `${mb('PING')}*${'1'.repeat(KB64)}`,
    commands: [['PING']],
    error: RedisError.protocolTooBigMultibulkCount,
    errorOffset: 14,
  },
  {
    name: 'A count line with 64 KB before its CR is read, and is an invalid multibulk length',
    input: `*${'1'.repeat(KB64 - 1)}\r\n`,
    commands: [],
    error: invalidMultibulk,
    errorOffset: 0,
  },
  {
    name: 'Protocol error: too big mbulk count string is returned for 64 KB + 1 before CR',
    input: `*${'1'.repeat(KB64)}\r\n`,
    commands: [],
    error: RedisError.protocolTooBigMultibulkCount,
    errorOffset: 0,
    notLive: READ_SIZE_DEPENDENT,
  },
  {
    name: 'Protocol error: too big bulk count string is returned for 64 KB without CR',
    input: `*1\r\n$${'1'.repeat(KB64)}`,
    commands: [],
    error: RedisError.protocolTooBigBulkCount,
    errorOffset: 4,
  },
  {
    name: 'A NUL in a count line hides its CR, as strchr() does in Redis',
    input: `*1\u0000\r\n${mb('PING')}`,
    commands: [],
  },
  {
    name: 'Protocol error: too big mbulk count string is returned once a NUL hid the CR for 64 KB',
    input: `${mb('PING')}*1\u0000\r\n${'x'.repeat(KB64)}`,
    commands: [['PING']],
    error: RedisError.protocolTooBigMultibulkCount,
    errorOffset: 14,
  },
  {
    name: 'Protocol error: too big bulk count string is returned once a NUL hid the CR for 64 KB',
    input: `*1\r\n$\u0000\r\n${'x'.repeat(KB64)}`,
    commands: [],
    error: RedisError.protocolTooBigBulkCount,
    errorOffset: 4,
  },
  {
    name: 'Protocol error: too big inline request is returned for 64 KB without newline',
    input: `PING\r\n${'x'.repeat(KB64 + 1)}`,
    commands: [['PING']],
    error: RedisError.protocolTooBigInline,
    errorOffset: 6,
  },
  {
    name: 'An inline line with 64 KB before its LF is read',
    input: `PING ${'x'.repeat(KB64 - 5)}\n`,
    commands: [['PING', 'x'.repeat(KB64 - 5)]],
  },
  {
    name: 'Protocol error: too big inline request is returned for 64 KB + 1 before LF',
    input: `PING ${'x'.repeat(KB64 - 4)}\n`,
    commands: [],
    error: RedisError.protocolTooBigInline,
    errorOffset: 0,
    notLive: READ_SIZE_DEPENDENT,
  },
  {
    name: 'A NUL in an inline line hides its newline, as strchr() does in Redis',
    input: 'PI\u0000NG\r\nPING\r\n',
    commands: [],
  },
  {
    name: 'Protocol error: too big inline request is returned once a NUL hid the newline for 64 KB',
    input: `PI\u0000NG\r\n${'x'.repeat(KB64)}`,
    commands: [],
    error: RedisError.protocolTooBigInline,
    errorOffset: 0,
  },
  {
    name: 'Protocol error: unauthenticated multibulk length is returned for *11 before AUTH',
    input: '*11\r\n',
    options: unauthenticated,
    commands: [],
    error: RedisError.protocolUnauthenticatedMultibulk,
    errorOffset: 0,
  },
  {
    name: '*10 is accepted before AUTH',
    input: '*10\r\n$4\r\nPING\r\n',
    options: unauthenticated,
    commands: [],
  },
  {
    name: '*-20 is ignored before AUTH',
    input: `*-20\r\n${mb('PING')}`,
    options: unauthenticated,
    commands: [['PING']],
  },
  {
    name: 'Protocol error: unauthenticated bulk length is returned for $16385 before AUTH',
    input: `${mb('PING')}*2\r\n$4\r\nECHO\r\n$16385\r\n`,
    options: unauthenticated,
    commands: [['PING']],
    error: RedisError.protocolUnauthenticatedBulk,
    errorOffset: 28,
  },
  {
    name: '$16384 is accepted before AUTH',
    input: mb('ECHO', 'y'.repeat(16384)),
    options: unauthenticated,
    commands: [['ECHO', 'y'.repeat(16384)]],
  },
  {
    name: 'Inline requests have no argument limit before AUTH',
    input: 'PING a b c d e f g h i j k\r\n',
    options: unauthenticated,
    commands: [['PING', ...'abcdefghijk']],
  },
];

export const inlineCases: ProtocolCase[] = [
  { name: 'PING as an inline command', input: 'PING\r\n', commands: [['PING']] },
  { name: 'An inline command may end with LF alone', input: 'PING\nPING\n', commands: [['PING'], ['PING']] },
  {
    name: 'Inline words are split on spaces and tabs',
    input: 'ECHO \t  hello  \r\n',
    commands: [['ECHO', 'hello']],
  },
  { name: 'Double quotes keep spaces', input: 'ECHO "a b"\r\n', commands: [['ECHO', 'a b']] },
  {
    name: 'Double-quoted escapes \\n \\r \\t \\b \\a \\\\ \\" and \\xHH are decoded',
    input: 'ECHO "\\n\\r\\t\\b\\a\\\\\\"\\x41\\x6a\\xfF"\r\n',
    commands: [['ECHO', '\n\r\t\b\u0007\\"Aj\u00ff']],
  },
  {
    name: 'An unknown escape keeps its character and \\x without two hex digits is x',
    input: 'ECHO "\\q\\xZZ\\x4"\r\n',
    commands: [['ECHO', 'qxZZx4']],
  },
  {
    name: "Single quotes decode only \\'",
    input: "ECHO 'a\\'b\\n\\x41\"'\r\n",
    commands: [['ECHO', 'a\'b\\n\\x41"']],
  },
  {
    name: 'A quote inside a word starts a quoted part of the same word',
    input: 'ECHO ab"c d"\r\n',
    commands: [['ECHO', 'abc d']],
  },
  { name: 'Empty quotes are an empty argument', input: 'ECHO ""\r\n', commands: [['ECHO', '']] },
  {
    name: '\\v and \\f belong to an unquoted word but are skipped between words',
    input: 'PING a\u000bb\r\nPING \u000c\u000bc\r\n',
    commands: [['PING', 'a\u000bb'], ['PING', 'c']],
  },
  {
    name: 'A closing quote may be followed by \\v',
    input: 'PING "a"\u000b\r\n',
    commands: [['PING', 'a']],
  },
  {
    name: 'Protocol error: unbalanced quotes in request is returned for an unclosed "',
    input: 'PING\r\nECHO "a\r\n',
    commands: [['PING']],
    error: unbalanced,
    errorOffset: 6,
  },
  {
    name: "Protocol error: unbalanced quotes in request is returned for an unclosed '",
    input: "ECHO 'a\r\n",
    commands: [],
    error: unbalanced,
    errorOffset: 0,
  },
  {
    name: 'Protocol error: unbalanced quotes in request is returned for "a"b',
    input: 'ECHO "a"b\r\n',
    commands: [],
    error: unbalanced,
    errorOffset: 0,
  },
  {
    name: "Protocol error: unbalanced quotes in request is returned for ''x",
    input: "ECHO ''x\r\n",
    commands: [],
    error: unbalanced,
    errorOffset: 0,
  },
  {
    name: 'Protocol error: unbalanced quotes in request is returned for a backslash before the end',
    input: 'ECHO "a\\\r\n',
    commands: [],
    error: unbalanced,
    errorOffset: 0,
  },
  {
    name: 'Empty inline lines and lines of spaces are ignored',
    input: '\r\n\n   \t \r\nPING\r\n',
    commands: [['PING']],
  },
  {
    name: 'Only the CR just before LF is stripped; an earlier CR splits words',
    input: 'PING\r\r\nPING\rX\n\rPING\r\n',
    commands: [['PING'], ['PING', 'X'], ['PING']],
  },
  {
    name: 'Inline and multibulk commands mix in one pipeline',
    input: `PING\r\n${mb('ECHO', 'a')}ECHO b\r\n${mb('PING')}`,
    commands: [['PING'], ['ECHO', 'a'], ['ECHO', 'b'], ['PING']],
  },
  {
    name: 'An unknown inline command gets id 0',
    input: 'GETX a\r\n"PING"\r\n',
    commands: [['GETX', 'a'], ['PING']],
  },
];

export const allCases: ProtocolCase[] = [...multibulkCases, ...limitCases, ...inlineCases];
