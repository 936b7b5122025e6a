// The error catalog. This module imports nothing: every layer may use it, and it may
// depend on none of them.
//
// Two kinds of errors live here:
// - Redis' exact reply texts. Clients (and their test suites) match on these strings, so
//   they are copied from Redis 7.0 verbatim, prefix included, and never reworded.
// - Error classes with a stable `code` (fastify's FST_ERR_*, undici's UND_ERR_*), thrown
//   when something broke. Expected user errors are values (ReplyError), not throws.

/** Redis 7.0 reply error texts, without the leading '-' and trailing CRLF. */
export const RedisError = {
  syntax: 'ERR syntax error',
  notInteger: 'ERR value is not an integer or out of range',
  busy: 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.',
  busyFunction: 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.',
  notFloat: 'ERR value is not a valid float',
  overflow: 'ERR increment or decrement would overflow',
  nanOrInfinity: 'ERR increment would produce NaN or Infinity',
  valueNanOrInfinity: 'ERR value is NaN or Infinity',
  hashNotInteger: 'ERR hash value is not an integer',
  hashNotFloat: 'ERR hash value is not a float',
  positiveOutOfRange: 'ERR value is out of range, must be positive',
  sameObject: 'ERR source and destination objects are the same',
  numkeysZero: 'ERR numkeys should be greater than 0',
  numkeysTooMany: "ERR Number of keys can't be greater than number of args",
  limitNegative: "ERR LIMIT can't be negative",
  indexOutOfRange: 'ERR index out of range',
  rankZero: "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
  countNegative: "ERR COUNT can't be negative",
  maxlenNegative: "ERR MAXLEN can't be negative",
  countNotPositive: 'ERR count should be greater than 0',
  sortNotDouble: "ERR One or more scores can't be converted into double",
  scoreNaN: 'ERR resulting score is not a number (NaN)',
  minMaxNotFloat: 'ERR min or max is not a float',
  minMaxNotLex: 'ERR min or max not valid string range item',
  weightNotFloat: 'ERR weight value is not a float',
  zaddNxXx: 'ERR XX and NX options at the same time are not compatible',
  zaddGtLtNx: 'ERR GT, LT, and/or NX options at the same time are not compatible',
  zaddIncrPairs: 'ERR INCR option supports a single increment-element pair',
  zrangeLimit: 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX',
  zrangeLexScores: 'ERR syntax error, WITHSCORES not supported in combination with BYLEX',
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  noSuchKey: 'ERR no such key',
  offsetOutOfRange: 'ERR offset is out of range',
  stringTooLong: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
  dbIndexOutOfRange: 'ERR DB index is out of range',
  invalidDbIndex: 'ERR invalid DB index',
  noAuth: 'NOAUTH Authentication required.',
  helloNoAuth:
    'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
  wrongPass: 'WRONGPASS invalid username-password pair or user is disabled.',
  authNotConfigured:
    'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  expireOptionsNxXx: 'ERR NX and XX, GT or LT options at the same time are not compatible',
  expireOptionsGtLt: 'ERR GT and LT options at the same time are not compatible',
  cursorInvalid: 'ERR invalid cursor',
  timeoutNegative: 'ERR timeout is negative',
  timeoutNotFloat: 'ERR timeout is not a float or out of range',
  unblockReason: 'ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR',
  unsupportedProtocol: 'NOPROTO unsupported protocol version',

  // Transactions (multi.c, server.c).
  multiNested: 'ERR MULTI calls can not be nested',
  execWithoutMulti: 'ERR EXEC without MULTI',
  discardWithoutMulti: 'ERR DISCARD without MULTI',
  watchInsideMulti: 'ERR WATCH inside MULTI is not allowed',
  execAbort: 'EXECABORT Transaction discarded because of previous errors.',
  notAllowedInMulti: 'ERR Command not allowed inside a transaction',
  // Bitmaps (bitops.c), LCS (t_string.c), HyperLogLog (hyperloglog.c).
  bitOffset: 'ERR bit offset is not an integer or out of range',
  bitValue: 'ERR bit is not an integer or out of range',
  bitposBit: 'ERR The bit argument must be 1 or 0.',
  bitopNot: 'ERR BITOP NOT must be called with a single source key.',
  bitfieldType: 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.',
  bitfieldOverflow: 'ERR Invalid OVERFLOW type specified',
  bitfieldReadOnly: 'ERR BITFIELD_RO only supports the GET subcommand',
  lcsNotString: 'ERR The specified keys must contain string values',
  lcsLenAndIdx: 'ERR If you want both the length and indexes, please just use IDX.',
  lcsTooLong: 'ERR String too long for LCS',
  lcsMemoryLimit: 'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len',
  lcsMemoryFailed: 'ERR Insufficient memory, failed allocating transient memory for LCS',
  notHll: 'WRONGTYPE Key is not a valid HyperLogLog string value.',
  invalidHll: 'INVALIDOBJ Corrupted HLL object detected',
  // GEO (geo.c).
  geoUnit: 'ERR unsupported unit provided. please use M, KM, FT, MI',
  geoNoMember: 'ERR could not decode requested zset member',
  geoRadiusNotNumber: 'ERR need numeric radius',
  geoRadiusNegative: 'ERR radius cannot be negative',
  geoWidthNotNumber: 'ERR need numeric width',
  geoHeightNotNumber: 'ERR need numeric height',
  geoBoxNegative: 'ERR height or width cannot be negative',
  geoCountNotPositive: 'ERR COUNT must be > 0',
  geoAnyWithoutCount: 'ERR the ANY argument requires COUNT argument',
  // Streams (t_stream.c).
  streamInvalidId: 'ERR Invalid stream ID specified as stream command argument',
  streamAddZeroId: 'ERR The ID specified in XADD must be greater than 0-0',
  streamMaxlenNegative: 'ERR The MAXLEN argument must be >= 0.',
  streamLimitNegative: 'ERR The LIMIT argument must be >= 0.',
  streamMaxlenAndMinid: 'ERR syntax error, MAXLEN and MINID options at the same time are not compatible',
  streamLimitWithoutStrategy: 'ERR syntax error, LIMIT cannot be used without specifying a trimming strategy',
  streamLimitWithoutApprox: 'ERR syntax error, LIMIT cannot be used without the special ~ option',
  streamTrimWithoutStrategy: 'ERR syntax error, XTRIM must be called with a trimming strategy',
  streamInvalidStart: 'ERR invalid start ID for the interval',
  streamInvalidEnd: 'ERR invalid end ID for the interval',
  streamEntriesAddedNegative: 'ERR entries_added must be positive',
  streamUnbalancedRead: "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
  streamGroupOnlyXreadgroup: 'ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.',
  streamNoackOnlyXreadgroup: 'ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.',
  streamClaimMinIdle: 'ERR Invalid min-idle-time argument for XCLAIM',
  streamClaimIdle: 'ERR Invalid IDLE option argument for XCLAIM',
  streamClaimTime: 'ERR Invalid TIME option argument for XCLAIM',
  streamClaimRetryCount: 'ERR Invalid RETRYCOUNT option argument for XCLAIM',
  streamAutoClaimMinIdle: 'ERR Invalid min-idle-time argument for XAUTOCLAIM',
  streamCountPositive: 'ERR COUNT must be > 0',
  streamMissingGroup: 'ERR Missing GROUP option for XREADGROUP',
  streamEntriesReadNegative: 'ERR value for ENTRIESREAD must be positive or -1',
  streamTimeoutNotInteger: 'ERR timeout is not an integer or out of range',
  streamSetIdBelowMaxDeleted: 'ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id',

  // Protocol errors (networking.c). Redis closes the connection after sending them.
  protocolTooBigInline: 'ERR Protocol error: too big inline request',
  protocolUnbalancedQuotes: 'ERR Protocol error: unbalanced quotes in request',
  protocolTooBigMultibulkCount: 'ERR Protocol error: too big mbulk count string',
  protocolInvalidMultibulkLength: 'ERR Protocol error: invalid multibulk length',
  protocolTooBigBulkCount: 'ERR Protocol error: too big bulk count string',
  protocolInvalidBulkLength: 'ERR Protocol error: invalid bulk length',
  protocolUnauthenticatedMultibulk: 'ERR Protocol error: unauthenticated multibulk length',
  protocolUnauthenticatedBulk: 'ERR Protocol error: unauthenticated bulk length',
} as const;

/** Redis: "expected '$', got '%c'" with the offending byte. */
export function protocolExpectedDollar(got: number): string {
  return `ERR Protocol error: expected '$', got '${String.fromCharCode(got)}'`;
}

/** Redis 7.0 (server.c): the command's lowercase full name, e.g. 'get' or 'config|get'. */
export function wrongArity(fullName: string): string {
  return `ERR wrong number of arguments for '${fullName}' command`;
}

/** What C's %s prints of an argument: everything before the first NUL. */
function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/** Redis 7.0 processCommand(): the name and up to 128 bytes of quoted arguments. */
export function unknownCommand(name: string, args: readonly string[]): string {
  let list = '';
  for (let i = 0; i < args.length && list.length < 128; i++) {
    list += `'${cString(args[i]).slice(0, 128 - list.length)}' `;
  }
  return sanitize(`ERR unknown command '${cString(name).slice(0, 128)}', with args beginning with: ${list}`);
}

/** Redis 7.0: "unknown subcommand '%.128s'. Try %s HELP." */
export function unknownSubcommand(sub: string, command: string): string {
  return sanitize(`ERR unknown subcommand '${cString(sub).slice(0, 128)}'. Try ${command.toUpperCase()} HELP.`);
}

/** Redis addReplySubcommandSyntaxError: a subcommand given the wrong arguments (argv[1] as typed). */
export function subcommandSyntax(argv: readonly Buffer[]): string {
  const sub = cString(argv[1].toString('latin1')).slice(0, 128);
  return sanitize(`ERR unknown subcommand or wrong number of arguments for '${sub}'. Try ${argv[0].toString('latin1').toUpperCase()} HELP.`);
}

/** Redis 7.0 processCommand: a RESP2 client in subscribed mode ran another command. */
export function subscribedOnly(fullName: string): string {
  return `ERR Can't execute '${fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`;
}

/** Redis getRangeLongFromObjectOrReply without a custom message (SELECT's index, ...). */
export function valueOutOfRange(min: number | bigint, max: number | bigint): string {
  return `ERR value is out of range, value must between ${min} and ${max}`;
}

/** Redis zunionInterDiffGenericCommand: "at least 1 input key is needed for '%s' command". */
export function inputKeyNeeded(command: string): string {
  return `ERR at least 1 input key is needed for '${command}' command`;
}

/** Redis extractLongLatOrReply: the pair as C's "%f" prints it (cFixed). */
export function geoInvalidPair(lon: string, lat: string): string {
  return `ERR invalid longitude,latitude pair ${lon},${lat}`;
}

/** Redis: "invalid expire time in '%s' command". */
export function invalidExpireTime(command: string): string {
  return `ERR invalid expire time in '${command}' command`;
}

/** A reply line must not carry CR or LF (Redis' rejectCommandFormat does the same). */
export function sanitize(text: string): string {
  return text.replace(/[\r\n]/g, ' ');
}

/** An expected error, returned as a value and sent to the client as `-text`. */
export class ReplyError {
  readonly text: string;
  constructor(text: string) {
    this.text = sanitize(text);
  }
}

/** Base of every thrown error, with a stable machine-readable code. */
export class KiwiError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Invalid configuration: names the key, the value and the reason. */
export class ConfigError extends KiwiError {
  readonly key: string;
  constructor(key: string, value: unknown, reason: string) {
    super('KIWI_ERR_CONFIG', `invalid configuration: ${key} = ${describe(value)}: ${reason}`);
    this.key = key;
  }
}

/** A storage operation failed in RocksDB; `storageCode` is the native status code name. */
export class StorageError extends KiwiError {
  readonly storageCode: string;
  /** True when the operation did not run at all (safe to retry even if not idempotent). */
  readonly notExecuted: boolean;
  constructor(storageCode: string, message: string, notExecuted = false) {
    super('KIWI_ERR_STORAGE', message);
    this.storageCode = storageCode;
    this.notExecuted = notExecuted;
  }
}

/** The storage runtime's queue is full: the caller must slow down. */
/** The storage addon (the .node with RocksDB) is missing or cannot be loaded. */
export class AddonError extends KiwiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KIWI_ERR_ADDON', message, options);
  }
}

export class BackpressureError extends KiwiError {
  constructor(message = 'storage queue is full') {
    super('KIWI_ERR_BACKPRESSURE', message);
  }
}

/** The request passed its deadline before it ran; it was not executed. */
export class TimeoutError extends KiwiError {
  constructor(message = 'storage request timed out') {
    super('KIWI_ERR_TIMEOUT', message);
  }
}

/** The circuit breaker is open: storage failed repeatedly and is being given a rest. */
export class BreakerOpenError extends KiwiError {
  constructor(message = 'storage unavailable: circuit breaker open') {
    super('KIWI_ERR_BREAKER_OPEN', message);
  }
}

/** A fault injected on purpose (fault injection, tests only); the request did not run. */
export class InjectedFaultError extends KiwiError {
  constructor(message = 'injected fault: the request did not run') {
    super('KIWI_ERR_INJECTED', message);
  }
}

/** The storage is read-only after a background error (e.g. disk full); writes are refused. */
export class StorageReadOnlyError extends KiwiError {
  constructor(reason: string) {
    super('KIWI_ERR_READ_ONLY', reason);
  }
}

/** The storage runtime is closed or closing. */
export class ClosedError extends KiwiError {
  constructor(message = 'storage is closed') {
    super('KIWI_ERR_CLOSED', message);
  }
}

/** Turns anything thrown into one RESP error line's text, without leaking internals. */
export function errorReplyText(err: unknown): string {
  if (err instanceof ReplyError) return err.text;
  if (err instanceof TimeoutError) return 'ERR storage request timed out (it did not run)';
  if (err instanceof BreakerOpenError) return `ERR ${err.message}`;
  if (err instanceof InjectedFaultError) return `ERR storage error: ${err.message}`;
  if (err instanceof StorageReadOnlyError) return sanitize(`MISCONF Errors writing to the storage (it is read-only until the cause is fixed): ${err.message}`);
  if (err instanceof BackpressureError) return 'ERR storage busy, try again';
  if (err instanceof ClosedError) return 'ERR server is shutting down';
  if (err instanceof StorageError) return sanitize(`ERR storage error: ${err.message}`);
  if (err instanceof KiwiError) return sanitize(`ERR ${err.message}`);
  return 'ERR internal error';
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return '(missing)';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
