// SCAN, HSCAN, SSCAN and ZSCAN share their cursor table and option parsing (Redis'
// scanGenericCommand). RocksDB iterates in key order, so a cursor names the position to
// resume from (a key, or a member); the numbers clients see index a bounded table of
// those positions, per server. An unknown cursor (evicted, or from before a restart)
// starts over, as Kvrocks does.
import { RedisError, ReplyError } from '../errors.js';
import { OpError, type StorageReply } from '../storage/codec.js';
import { Flag, type OpCode } from '../storage/ops.js';
import { Cmd, storageCommand, type TypeName } from '../storage/requests.js';
import { intInRange, is, syntaxError } from './args.js';
import type { Reply } from './reply.js';
import { storageErrorReply, toReply } from './storage-reply.js';
import { StorageCall, type ExecContext } from './types.js';

const MAX_CURSORS = 10_000;
interface Cursors {
  next: number;
  positions: Map<string, Buffer>;
}
const cursorTables = new WeakMap<object, Cursors>();

function cursorsOf(ctx: ExecContext): Cursors {
  let t = cursorTables.get(ctx.server);
  if (!t) {
    t = { next: 1, positions: new Map() };
    cursorTables.set(ctx.server, t);
  }
  return t;
}

/** Saves a resume position and returns the cursor that names it. */
export function saveCursor(ctx: ExecContext, position: Buffer): string {
  const t = cursorsOf(ctx);
  const id = String(t.next++);
  t.positions.set(id, Buffer.from(position));
  if (t.positions.size > MAX_CURSORS) t.positions.delete(t.positions.keys().next().value!);
  return id;
}

/** The position a cursor names; undefined for 0 or an unknown cursor (start over). */
export function cursorPosition(ctx: ExecContext, cursor: string): Buffer | undefined {
  return cursor === '0' ? undefined : cursorsOf(ctx).positions.get(cursor);
}

const STRTOUL = /^([+-]?)(\d+)$/;
const ULONG_MAX = 18446744073709551615n;

/**
 * Redis parseScanCursorOrReply: strtoul() on the argument as a C string, refusing a
 * leading space, trailing bytes and overflow. So "" is 0, "+5" is 5 and "-1" wraps to
 * ULONG_MAX. Returns the cursor in canonical decimal.
 */
export function parseCursor(buf: Buffer): string | undefined {
  const nul = buf.indexOf(0);
  const text = buf.toString('latin1', 0, nul < 0 ? buf.length : nul);
  if (text === '') return '0';
  const m = STRTOUL.exec(text);
  if (m === null) return undefined;
  const n = BigInt(m[2]);
  if (n > ULONG_MAX) return undefined;
  return String(m[1] === '-' && n !== 0n ? ULONG_MAX + 1n - n : n);
}

export interface ScanOptions {
  count: number;
  match?: Buffer;
  /** SCAN's TYPE name, lowercase. */
  type?: string;
}

/** COUNT, MATCH (and TYPE for SCAN itself) from argv[from] on. */
export function parseScanOptions(argv: Buffer[], from: number, allowType: boolean): ScanOptions | ReplyError {
  const o: ScanOptions = { count: 10 };
  for (let i = from; i < argv.length; i += 2) {
    if (i + 1 >= argv.length) return syntaxError();
    if (is(argv[i], 'count')) {
      const n = intInRange(argv[i + 1], -Infinity, Number.MAX_SAFE_INTEGER);
      if (n instanceof ReplyError) return n;
      if (n < 1) return syntaxError();
      o.count = n;
    } else if (is(argv[i], 'match')) {
      o.match = argv[i + 1];
    } else if (allowType && is(argv[i], 'type')) {
      o.type = argv[i + 1].toString('latin1').toLowerCase();
    } else {
      return syntaxError();
    }
  }
  return o;
}

export interface MemberScanArgs {
  key: Buffer;
  cursor: string;
  /** Options, or the option error Redis reports only after finding a key of the type. */
  options: ScanOptions | ReplyError;
}

/** HSCAN/SSCAN/ZSCAN key cursor [MATCH pattern] [COUNT count]. */
export function parseMemberScan(argv: Buffer[]): MemberScanArgs | ReplyError {
  const cursor = parseCursor(argv[2]);
  if (cursor === undefined) return new ReplyError(RedisError.cursorInvalid);
  return { key: argv[1], cursor, options: parseScanOptions(argv, 3, false) };
}

const EMPTY = Buffer.alloc(0);
const scanMappers = new Map<string, (r: StorageReply, ctx: ExecContext) => Reply>();

/** [next position or nil, items] -> [cursor, items]; one shared function per command. */
function memberScanReply(command: string): (r: StorageReply, ctx: ExecContext) => Reply {
  let m = scanMappers.get(command);
  if (m === undefined) {
    m = (r, ctx) => {
      if (r instanceof OpError) return storageErrorReply(r, command);
      if (!Array.isArray(r)) return toReply(r, command);
      const [next, items] = r as [Buffer | null, StorageReply[]];
      return [next === null ? '0' : saveCursor(ctx, next), toReply(items, command)];
    };
    scanMappers.set(command, m);
  }
  return m;
}

/**
 * The storage call of HSCAN/SSCAN/ZSCAN. Redis looks the key up before it reads the
 * options: a missing key answers an empty scan and another type WRONGTYPE even when an
 * option is wrong, so a wrong option is reported only for a key of the right type.
 */
export function memberScanCall(ctx: ExecContext, op: OpCode, a: MemberScanArgs, type: TypeName, command: string): StorageCall {
  const db = ctx.client.db;
  const o = a.options;
  if (o instanceof ReplyError) {
    return new StorageCall(Cmd.type(a.key, db), (r) => {
      if (r instanceof OpError) return storageErrorReply(r, command);
      if (r === 'none') return ['0', []];
      return r === type ? o : new ReplyError(RedisError.wrongType);
    });
  }
  const args = [a.key, cursorPosition(ctx, a.cursor) ?? EMPTY];
  if (o.match !== undefined) args.push(o.match);
  return new StorageCall(storageCommand(op, db, args, o.match !== undefined ? Flag.SCAN_MATCH : 0, o.count), memberScanReply(command));
}
