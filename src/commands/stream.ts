// Stream commands (Redis 7.0 t_stream.c). Parsing here, with Redis' checks in its order;
// IDs and options travel to the storage runtime as fixed-size big-endian specs, and
// native/src/types/stream.cc executes the commands atomically under the key's lock.
import { errorReplyText, RedisError, ReplyError, wrongArity } from '../errors.js';
import { OpError, type StorageReply } from '../storage/codec.js';
import { Flag, Op } from '../storage/ops.js';
import { storageCommand } from '../storage/requests.js';
import { int64Arg, is, syntaxError } from './args.js';
import { MapReply, NULL_ARRAY, type Reply } from './reply.js';
import { generic, storageErrorReply } from './storage-reply.js';
import { defineCommand, StorageCall, type CommandFlag, type CommandRow, type ExecContext, type Outcome } from './types.js';

const row = <A>(r: Omit<CommandRow<A>, 'group' | 'firstKey' | 'lastKey' | 'step'> & Partial<Pick<CommandRow<A>, 'firstKey' | 'lastKey' | 'step'>>): CommandRow<A> =>
  defineCommand({ group: 'stream', firstKey: 1, lastKey: 1, step: 1, ...r });
const WF: CommandFlag[] = ['write', 'denyoom', 'fast'];

export const U64_MAX = (1n << 64n) - 1n;

/** A stream ID: two unsigned 64-bit numbers. */
export interface StreamId {
  ms: bigint;
  seq: bigint;
}

const MIN_ID: StreamId = { ms: 0n, seq: 0n };
const MAX_ID: StreamId = { ms: U64_MAX, seq: U64_MAX };

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]);

/**
 * Redis string2ull: string2ll's strict form when it gives a non-negative number, else
 * C's strtoull (leading whitespace, a sign, leading zeros; '-' wraps modulo 2^64), which
 * must consume every byte and not overflow.
 */
export function parseU64(s: string): bigint | undefined {
  let i = 0;
  while (i < s.length && WHITESPACE.has(s.charCodeAt(i))) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') neg = s[i++] === '-';
  const digits = s.slice(i);
  if (s.length === 0 || digits.length === 0 || !/^[0-9]+$/.test(digits)) return undefined;
  const n = BigInt(digits);
  if (n > U64_MAX) return undefined;
  // string2ll succeeds on a strict negative (no leading zeros, fits int64): invalid.
  if (neg && n !== 0n && /^-[1-9][0-9]*$/.test(s) && n <= 1n << 63n) return undefined;
  if (neg && n === 0n && s === '-0') return 0n;
  return neg ? (U64_MAX + 1n - n) & U64_MAX : n;
}

/**
 * Redis streamGenericParseIDOrReply: `-`, `+` (unless strict), `ms-seq`, or `ms` with
 * `missingSeq`. With `seqStar`, `ms-*` gives seq undefined (XADD's auto sequence).
 */
export function parseStreamId(buf: Buffer, missingSeq: bigint, strict: boolean, seqStar = false): (StreamId & { auto?: boolean }) | undefined {
  if (buf.length > 127) return undefined;
  const s = buf.toString('latin1');
  if (s === '-') return strict ? undefined : MIN_ID;
  if (s === '+') return strict ? undefined : MAX_ID;
  const dash = s.indexOf('-');
  const ms = parseU64(dash < 0 ? s : s.slice(0, dash));
  if (ms === undefined) return undefined;
  if (dash < 0) return { ms, seq: missingSeq };
  const rest = s.slice(dash + 1);
  if (seqStar && rest === '*') return { ms, seq: 0n, auto: true };
  const seq = parseU64(rest);
  return seq === undefined ? undefined : { ms, seq };
}

export const invalidId = () => new ReplyError(RedisError.streamInvalidId);

// ID arguments the storage runtime checks in Redis' order (after the key): "$", ">", and
// "!" for an invalid ID.
export const DOLLAR = Buffer.from('$');
export const BAD_ID = Buffer.from('!');
export const GT = Buffer.from('>');

function idBytes(out: Buffer, at: number, id: StreamId): void {
  out.writeBigUInt64BE(id.ms, at);
  out.writeBigUInt64BE(id.seq, at + 8);
}

/** 16 bytes: the ID as the storage key orders it. */
export function encodeId(id: StreamId): Buffer {
  const b = Buffer.alloc(16);
  idBytes(b, 0, id);
  return b;
}

export function nextId(id: StreamId): StreamId | undefined {
  if (id.seq < U64_MAX) return { ms: id.ms, seq: id.seq + 1n };
  return id.ms < U64_MAX ? { ms: id.ms + 1n, seq: 0n } : undefined;
}

export function previousId(id: StreamId): StreamId | undefined {
  if (id.seq > 0n) return { ms: id.ms, seq: id.seq - 1n };
  return id.ms > 0n ? { ms: id.ms - 1n, seq: U64_MAX } : undefined;
}

const enum Strategy { none = 0, maxlen = 1, minid = 2 }
const enum IdMode { auto = 0, explicit = 1, autoSeq = 2 }

interface AddTrim {
  idMode: IdMode;
  id: StreamId;
  noMkStream: boolean;
  strategy: Strategy;
  approx: boolean;
  maxlen: bigint;
  minid: StreamId;
  limit: bigint;
  /** Where the fields start (XADD). */
  fieldsAt: number;
}

/**
 * XADD's or XTRIM's options as the storage op reads them, with where XADD's fields start
 * (storage tests build requests with it).
 */
export function streamAddTrimSpec(argv: Buffer[], xadd: boolean): { spec: Buffer; fieldsAt: number } | ReplyError {
  const a = parseAddTrim(argv, xadd);
  return a instanceof ReplyError ? a : { spec: addSpec(a), fieldsAt: a.fieldsAt };
}

/** Redis streamParseAddOrTrimArgsOrReply, for XADD (`xadd`) and XTRIM. */
function parseAddTrim(argv: Buffer[], xadd: boolean): AddTrim | ReplyError {
  const a: AddTrim = { idMode: IdMode.auto, id: MIN_ID, noMkStream: false, strategy: Strategy.none, approx: false, maxlen: 0n, minid: MIN_ID, limit: 0n, fieldsAt: argv.length };
  let limitGiven = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    const opt = argv[i];
    if (xadd && opt.length === 1 && opt[0] === 0x2a) break;
    if ((is(opt, 'maxlen') || is(opt, 'minid')) && more) {
      if (a.strategy !== Strategy.none) return new ReplyError(RedisError.streamMaxlenAndMinid);
      const maxlen = is(opt, 'maxlen');
      a.approx = false;
      const next = argv[i + 1];
      if (more >= 2 && next.length === 1 && next[0] === 0x7e) {
        a.approx = true;
        i++;
      } else if (more >= 2 && next.length === 1 && next[0] === 0x3d) {
        i++;
      }
      if (maxlen) {
        const n = int64Arg(argv[i + 1]);
        if (n instanceof ReplyError) return n;
        if (n < 0) return new ReplyError(RedisError.streamMaxlenNegative);
        a.maxlen = BigInt(n);
        a.strategy = Strategy.maxlen;
      } else {
        const id = parseStreamId(argv[i + 1], 0n, true);
        if (id === undefined) return invalidId();
        a.minid = id;
        a.strategy = Strategy.minid;
      }
      i++;
    } else if (is(opt, 'limit') && more) {
      const n = int64Arg(argv[i + 1]);
      if (n instanceof ReplyError) return n;
      if (n < 0) return new ReplyError(RedisError.streamLimitNegative);
      a.limit = BigInt(n);
      limitGiven = true;
      i++;
    } else if (xadd && is(opt, 'nomkstream')) {
      a.noMkStream = true;
    } else if (xadd) {
      const id = parseStreamId(opt, 0n, true, true);
      if (id === undefined) return invalidId();
      a.idMode = id.auto ? IdMode.autoSeq : IdMode.explicit;
      a.id = { ms: id.ms, seq: id.seq };
      break;
    } else {
      return syntaxError();
    }
  }
  if (a.limit !== 0n && a.strategy === Strategy.none) return new ReplyError(RedisError.streamLimitWithoutStrategy);
  if (!xadd && a.strategy === Strategy.none) return new ReplyError(RedisError.streamTrimWithoutStrategy);
  if (limitGiven) {
    if (!a.approx) return new ReplyError(RedisError.streamLimitWithoutApprox);
  } else if (a.approx) {
    // Redis: 100 * stream-node-max-entries, so one trim does bounded work.
    a.limit = 10000n;
  }
  a.fieldsAt = i + 1;
  return a;
}

/** The 52-byte spec native/src/types/stream.cc reads (AddSpec). */
function addSpec(a: AddTrim): Buffer {
  const b = Buffer.alloc(52);
  b[0] = a.idMode;
  b[1] = a.noMkStream ? 1 : 0;
  b[2] = a.strategy;
  b[3] = a.approx ? 1 : 0;
  idBytes(b, 4, a.id);
  b.writeBigUInt64BE(a.maxlen, 20);
  idBytes(b, 28, a.minid);
  b.writeBigUInt64BE(a.limit, 44);
  return b;
}

interface Range {
  key: Buffer;
  start: StreamId;
  end: StreamId;
  count: number | bigint;
  rev: boolean;
}

/** Redis streamParseIntervalIDOrReply: `(` makes the bound exclusive (strict ID). */
export function intervalId(buf: Buffer, missingSeq: bigint): { id: StreamId; exclusive: boolean } | undefined {
  const exclusive = buf.length > 1 && buf[0] === 0x28;
  const id = parseStreamId(exclusive ? buf.subarray(1) : buf, missingSeq, exclusive);
  return id === undefined ? undefined : { id, exclusive };
}

/** Redis xrangeGenericCommand's parsing: bounds, then COUNT. */
function parseRange(argv: Buffer[], rev: boolean): Range | ReplyError {
  const s = intervalId(rev ? argv[3] : argv[2], 0n);
  if (s === undefined) return invalidId();
  let start: StreamId | undefined = s.id;
  if (s.exclusive && (start = nextId(s.id)) === undefined) return new ReplyError(RedisError.streamInvalidStart);
  const e = intervalId(rev ? argv[2] : argv[3], U64_MAX);
  if (e === undefined) return invalidId();
  let end: StreamId | undefined = e.id;
  if (e.exclusive && (end = previousId(e.id)) === undefined) return new ReplyError(RedisError.streamInvalidEnd);
  let count: number | bigint = -1;
  for (let j = 4; j < argv.length; j++) {
    if (is(argv[j], 'count') && j + 1 < argv.length) {
      const n = int64Arg(argv[++j]);
      if (n instanceof ReplyError) return n;
      count = n < 0 ? 0 : n;
    } else {
      return syntaxError();
    }
  }
  return { key: argv[1], start, end, count, rev };
}

const rangeMap = (name: string) => {
  const plain = generic(name);
  return (r: StorageReply): Reply => (r === null ? NULL_ARRAY : plain(r));
};

const rangeRow = (name: string, rev: boolean, summary: string, since: string) =>
  row({
    name, arity: -4, flags: ['readonly'], since, summary,
    complexity: 'O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).',
    parse: (argv) => parseRange(argv, rev),
    exec: (a, ctx) => {
      const spec = Buffer.alloc(32);
      idBytes(spec, 0, a.start);
      idBytes(spec, 16, a.end);
      return new StorageCall(storageCommand(Op.XRANGE, ctx.client.db, [a.key, spec], 0, a.count, rev ? 1 : 0), rangeMap(name));
    },
  });

interface SetId {
  key: Buffer;
  id: StreamId;
  maxDeleted: StreamId;
  entriesAdded: number | bigint;
}

/** Redis xsetidCommand's parsing. */
function parseSetId(argv: Buffer[]): SetId | ReplyError {
  const id = parseStreamId(argv[2], 0n, true);
  if (id === undefined) return invalidId();
  const a: SetId = { key: argv[1], id, maxDeleted: MIN_ID, entriesAdded: -1 };
  for (let i = 3; i < argv.length; i += 2) {
    const more = i + 1 < argv.length;
    if (is(argv[i], 'entriesadded') && more) {
      const n = int64Arg(argv[i + 1]);
      if (n instanceof ReplyError) return n;
      if (n < 0) return new ReplyError(RedisError.streamEntriesAddedNegative);
      a.entriesAdded = n;
    } else if (is(argv[i], 'maxdeletedid') && more) {
      const m = parseStreamId(argv[i + 1], 0n, true);
      if (m === undefined) return invalidId();
      if (id.ms < m.ms || (id.ms === m.ms && id.seq < m.seq)) return new ReplyError(RedisError.streamSetIdBelowMaxDeleted);
      a.maxDeleted = m;
    } else {
      return syntaxError();
    }
  }
  return a;
}

/**
 * Where XREAD's (XREADGROUP's with `group`) keys start and how many there are: Redis
 * xreadCommand's option loop, whose errors come before any other.
 */
export function streamsAt(argv: Buffer[], group = false): { at: number; n: number } | ReplyError {
  let groupGiven = false;
  for (let i = 1; i < argv.length; i++) {
    const more = argv.length - i - 1;
    if ((is(argv[i], 'block') || is(argv[i], 'count')) && more) {
      i++;
    } else if (is(argv[i], 'streams') && more) {
      if (more % 2 !== 0) return new ReplyError(RedisError.streamUnbalancedRead);
      if (group && !groupGiven) return new ReplyError(RedisError.streamMissingGroup);
      return { at: i + 1, n: more / 2 };
    } else if (is(argv[i], 'group') && more >= 2) {
      if (!group) return new ReplyError(RedisError.streamGroupOnlyXreadgroup);
      groupGiven = true;
      i += 2;
    } else if (is(argv[i], 'noack')) {
      if (!group) return new ReplyError(RedisError.streamNoackOnlyXreadgroup);
    } else {
      return syntaxError();
    }
  }
  return syntaxError();
}

/** Whether XREAD/XREADGROUP `argv` has a BLOCK option (Redis refuses it from scripts). */
export function readBlocks(argv: Buffer[]): boolean {
  for (let i = 1; i < argv.length; i++) {
    const more = argv.length - i - 1;
    if (is(argv[i], 'block') && more) return true;
    if (is(argv[i], 'streams')) return false;
    if (is(argv[i], 'count') && more) i++;
    else if (is(argv[i], 'group') && more >= 2) i += 2;
  }
  return false;
}

/** XREAD/XREADGROUP's arguments; the IDs as the storage runtime takes them. */
export interface Read {
  keys: Buffer[];
  /** Per key: 16 bytes (after that ID), "$", ">", or BAD_ID (stream.cc). */
  ids: Buffer[];
  count: number | bigint;
  /** BLOCK's milliseconds (0: forever); undefined without BLOCK. */
  blockMs: number | bigint | undefined;
  group: Buffer | null;
  consumer: Buffer | null;
  noack: boolean;
}

/** XREAD [COUNT count] [BLOCK ms] STREAMS key ... id ... (and XREADGROUP's GROUP, NOACK). */
export function parseRead(argv: Buffer[], group = false): Read | ReplyError {
  const a: Read = { keys: [], ids: [], count: 0, blockMs: undefined, group: null, consumer: null, noack: false };
  for (let i = 1; i < argv.length; i++) {
    const more = argv.length - i - 1;
    if (is(argv[i], 'block') && more) {
      const ms = int64Arg(argv[++i]);
      if (ms instanceof ReplyError) return new ReplyError(RedisError.streamTimeoutNotInteger);
      if (ms < 0) return new ReplyError(RedisError.timeoutNegative);
      a.blockMs = ms;
    } else if (is(argv[i], 'count') && more) {
      const n = int64Arg(argv[++i]);
      if (n instanceof ReplyError) return n;
      a.count = n < 0 ? 0 : n;
    } else if (group && is(argv[i], 'group') && more >= 2) {
      a.group = argv[i + 1];
      a.consumer = argv[i + 2];
      i += 2;
    } else if (group && is(argv[i], 'noack')) {
      a.noack = true;
    } else {
      break;
    }
  }
  const where = streamsAt(argv, group);
  if (where instanceof ReplyError) return where;
  a.keys = argv.slice(where.at, where.at + where.n);
  for (const arg of argv.slice(where.at + where.n)) {
    if (arg.equals(DOLLAR)) a.ids.push(DOLLAR);
    else if (arg.equals(GT)) a.ids.push(GT);
    else {
      const id = parseStreamId(arg, 0n, true);
      a.ids.push(id === undefined ? BAD_ID : encodeId(id));
    }
  }
  return a;
}

/** [[key, entries], ...] as a map in RESP3; nil as the null array. */
export const mapRead = (r: StorageReply, ctx: ExecContext): Reply => {
  if (r === null) return NULL_ARRAY;
  if (!Array.isArray(r) || ctx.client.resp === 2) return generic('xread')(r);
  return new MapReply(r.map((pair) => {
    const [key, entries] = pair as StorageReply[];
    return [key as Buffer, generic('xread')(entries)] as [Reply, Reply];
  }));
};

const readCall = (ctx: ExecContext, a: Read, ids: Buffer[]) =>
  new StorageCall(storageCommand(Op.XREAD, ctx.client.db, [...a.keys, ...ids], 0, a.count, a.keys.length), mapRead);

/**
 * XREAD BLOCK: waits as the blocking pops do (src/server/blocking.ts). "$" means the
 * stream's last ID when the command runs, so it is resolved once, before waiting: a
 * retry after a wake must not move it forward.
 */
function blockingRead(ctx: ExecContext, a: Read, blockMs: number): Outcome {
  if (ctx.tx.active || !a.ids.some((id) => id === DOLLAR)) return ctx.blocking.block(readCall(ctx, a, a.ids), a.keys, blockMs, NULL_ARRAY);
  return new Promise<Reply>((resolve) => {
    const lastIds = storageCommand(Op.XREAD, ctx.client.db, [...a.keys, ...a.ids], Flag.XREAD_LAST_IDS, 0, a.keys.length);
    ctx.server.storage.enqueue(lastIds, (err, r) => {
      if (err !== null) return resolve(new ReplyError(errorReplyText(err)));
      if (r instanceof OpError) return resolve(storageErrorReply(r, 'xread'));
      const last = r as Buffer[];
      const ids = a.ids.map((id, i) => (id === DOLLAR ? last[i] : id));
      const outcome = ctx.blocking.block(readCall(ctx, a, ids), a.keys, blockMs, NULL_ARRAY);
      Promise.resolve(outcome as Reply | Promise<Reply>).then(resolve, (e: unknown) => resolve(new ReplyError(errorReplyText(e))));
    }, { origin: ctx.client.id });
  });
}

export const streamCommands: readonly CommandRow<any>[] = [
  row({
    name: 'xadd', arity: -5, flags: WF, since: '5.0.0', summary: 'Appends a new message to a stream. Creates the key if it doesn\'t exist.',
    complexity: 'O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.',
    parse: (argv) => {
      const a = parseAddTrim(argv, true);
      if (a instanceof ReplyError) return a;
      const fields = argv.length - a.fieldsAt;
      if (fields < 2 || fields % 2 === 1) return new ReplyError(wrongArity('xadd'));
      if (a.idMode === IdMode.explicit && a.id.ms === 0n && a.id.seq === 0n) return new ReplyError(RedisError.streamAddZeroId);
      return { key: argv[1], spec: addSpec(a), fields: argv.slice(a.fieldsAt) };
    },
    exec: (a, ctx) => new StorageCall(storageCommand(Op.XADD, ctx.client.db, [a.key, a.spec, ...a.fields]), generic('xadd')),
  }),
  row({
    name: 'xtrim', arity: -4, flags: ['write'], since: '5.0.0', summary: 'Deletes messages from the beginning of a stream.',
    complexity: 'O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation.',
    parse: (argv) => {
      const a = parseAddTrim(argv, false);
      return a instanceof ReplyError ? a : { key: argv[1], spec: addSpec(a) };
    },
    exec: (a, ctx) => new StorageCall(storageCommand(Op.XTRIM, ctx.client.db, [a.key, a.spec]), generic('xtrim')),
  }),
  row({
    name: 'xlen', arity: 2, flags: ['readonly', 'fast'], since: '5.0.0', summary: 'Return the number of messages in a stream.', complexity: 'O(1)',
    parse: (argv) => argv[1],
    exec: (key, ctx) => new StorageCall(storageCommand(Op.XLEN, ctx.client.db, [key]), generic('xlen')),
  }),
  rangeRow('xrange', false, 'Returns the messages from a stream within a range of IDs.', '5.0.0'),
  rangeRow('xrevrange', true, 'Returns the messages from a stream within a range of IDs in reverse order.', '5.0.0'),
  row({
    name: 'xdel', arity: -3, flags: ['write', 'fast'], since: '5.0.0', summary: 'Returns the number of messages after removing them from a stream.',
    complexity: 'O(1) for each single item to delete in the stream, regardless of the stream size.',
    parse: (argv) => {
      // Redis checks the key first: an invalid ID travels as a marker (stream.cc).
      const ids: Buffer[] = [];
      for (let i = 2; i < argv.length; i++) {
        const id = parseStreamId(argv[i], 0n, true);
        ids.push(id === undefined ? BAD_ID : encodeId(id));
      }
      return { key: argv[1], ids };
    },
    exec: (a, ctx) => new StorageCall(storageCommand(Op.XDEL, ctx.client.db, [a.key, ...a.ids]), generic('xdel')),
  }),
  row({
    name: 'xsetid', arity: -3, flags: WF, since: '5.0.0', summary: 'An internal command for replicating stream values.', complexity: 'O(1)',
    parse: parseSetId,
    exec: (a: SetId, ctx) => {
      const spec = Buffer.alloc(32);
      idBytes(spec, 0, a.id);
      idBytes(spec, 16, a.maxDeleted);
      return new StorageCall(storageCommand(Op.XSETID, ctx.client.db, [a.key, spec], 0, a.entriesAdded), generic('xsetid'));
    },
  }),
  row({
    name: 'xread', arity: -4, flags: ['readonly', 'blocking', 'movablekeys'], firstKey: 0, lastKey: 0, step: 0, since: '5.0.0',
    summary: 'Returns messages from multiple streams with IDs greater than the ones requested. Blocks until a message is available otherwise.',
    complexity: 'For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data.',
    keys: (argv) => {
      const w = streamsAt(argv);
      return w instanceof ReplyError ? [] : argv.slice(w.at, w.at + w.n);
    },
    parse: (argv) => parseRead(argv),
    exec: (a, ctx) => (a.blockMs === undefined ? readCall(ctx, a, a.ids) : blockingRead(ctx, a, Number(a.blockMs))),
  }),
];
