// Bit commands on string values (Redis bitops.c). Arguments are checked here, in Redis'
// order; the storage runtime executes each command atomically on the key's value
// (native/src/types/bitmap.cc).
//
// Redis 7.0 looks the key up before it parses some arguments (BITCOUNT's range, BITPOS'
// start and end): a missing key answers 0 (or -1) and another type WRONGTYPE even when
// those arguments are wrong. Such commands go to storage with CHECK_ONLY, and the
// argument error is the reply only when the key is a string.
import { RedisError, ReplyError } from '../errors.js';
import { Flag, Op, type OpCode } from '../storage/ops.js';
import { storageCommand } from '../storage/requests.js';
import { int64Arg, is, parseInt64, syntaxError } from './args.js';
import { generic, toReply } from './storage-reply.js';
import { defineCommand, StorageCall, type CommandFlag, type CommandRow, type ExecContext } from './types.js';

const row = <A>(r: Omit<CommandRow<A>, 'group'>): CommandRow<A> => defineCommand({ group: 'bitmap', ...r });
const key1 = { firstKey: 1, lastKey: 1, step: 1 };
const W: CommandFlag[] = ['write', 'denyoom'];

/**
 * Redis getBitOffsetFromArgument: a bit offset whose byte lies within proto-max-bulk-len.
 * With `bits` (BITFIELD), "#N" means N * bits; the product wraps at 64 bits as in C.
 */
function bitOffset(buf: Buffer, maxBulk: number, bits = 0): number | ReplyError {
  const hash = bits > 0 && buf[0] === 0x23;
  const n = parseInt64(hash ? buf.subarray(1) : buf);
  if (n === undefined) return new ReplyError(RedisError.bitOffset);
  const offset = hash ? BigInt.asIntN(64, BigInt(n) * BigInt(bits)) : BigInt(n);
  if (offset < 0n || offset >> 3n >= BigInt(maxBulk)) return new ReplyError(RedisError.bitOffset);
  return Number(offset);
}

const maxBulk = (ctx: ExecContext): number => ctx.server.config.values.server.protoMaxBulkLen;

/** A deferred argument error: storage checks the key first (CHECK_ONLY replies nil when it is a string). */
function checkThenFail(op: OpCode, key: Buffer, flags: number, error: ReplyError, command: string, ctx: ExecContext): StorageCall {
  return new StorageCall(storageCommand(op, ctx.client.db, [key], flags | Flag.CHECK_ONLY), (r) => (r === null ? error : toReply(r, command)));
}

interface Range {
  start: number | bigint;
  end: number | bigint;
  bits: boolean;
}

/** BITCOUNT's range, or the error Redis reports once it has found a string. */
function bitcountRange(argv: Buffer[]): Range | null | ReplyError {
  if (argv.length === 2) return null;
  if (argv.length !== 4 && argv.length !== 5) return syntaxError();
  const start = int64Arg(argv[2]);
  if (start instanceof ReplyError) return start;
  const end = int64Arg(argv[3]);
  if (end instanceof ReplyError) return end;
  // Redis answers 0 for this before it reads the unit.
  if (start < 0 && end < 0 && start > end) return { start, end, bits: false };
  if (argv.length === 5 && !is(argv[4], 'bit') && !is(argv[4], 'byte')) return syntaxError();
  return { start, end, bits: argv.length === 5 && is(argv[4], 'bit') };
}

interface PosArgs {
  bit: boolean;
  start?: number | bigint;
  end?: number | bigint;
  bits: boolean;
}

/** BITPOS after the bit argument: start, unit, end, in Redis' order. */
function bitposRange(argv: Buffer[], bit: boolean): PosArgs | ReplyError {
  if (argv.length === 3) return { bit, bits: false };
  if (argv.length > 6) return syntaxError();
  const start = int64Arg(argv[3]);
  if (start instanceof ReplyError) return start;
  if (argv.length === 6 && !is(argv[5], 'bit') && !is(argv[5], 'byte')) return syntaxError();
  const bits = argv.length === 6 && is(argv[5], 'bit');
  if (argv.length < 5) return { bit, start, bits };
  const end = int64Arg(argv[4]);
  return end instanceof ReplyError ? end : { bit, start, end, bits };
}

// BITFIELD operations as native/src/types/bitmap.cc decodes them (24 bytes each).
const FIELD_OP_SIZE = 24;
const OPCODES = { get: 0, set: 1, incrby: 2 } as const;
const OVERFLOWS = { wrap: 0, sat: 1, fail: 2 } as const;

interface FieldOps {
  ops: Buffer;
  writes: boolean;
}

/** Redis getBitfieldTypeFromArgument: [iu]N, i up to 64 bits, u up to 63. */
function fieldType(buf: Buffer): { sign: boolean; bits: number } | ReplyError {
  const sign = buf[0] === 0x69;
  if (!sign && buf[0] !== 0x75) return new ReplyError(RedisError.bitfieldType);
  const bits = parseInt64(buf.subarray(1));
  if (bits === undefined || bits < 1 || bits > (sign ? 64 : 63)) return new ReplyError(RedisError.bitfieldType);
  return { sign, bits: Number(bits) };
}

/** BITFIELD's subcommands, checked in order as Redis' bitfieldGeneric does. */
function parseFieldOps(argv: Buffer[], maxBulkLen: number): FieldOps | ReplyError {
  const encoded: Buffer[] = [];
  let overflow: number = OVERFLOWS.wrap;
  let writes = false;
  for (let j = 2; j < argv.length; j++) {
    const remaining = argv.length - j - 1;
    const sub = argv[j].toString('latin1').toLowerCase();
    let opcode: number;
    if (sub === 'get' && remaining >= 2) opcode = OPCODES.get;
    else if (sub === 'set' && remaining >= 3) opcode = OPCODES.set;
    else if (sub === 'incrby' && remaining >= 3) opcode = OPCODES.incrby;
    else if (sub === 'overflow' && remaining >= 1) {
      const kind = argv[++j].toString('latin1').toLowerCase();
      if (kind !== 'wrap' && kind !== 'sat' && kind !== 'fail') return new ReplyError(RedisError.bitfieldOverflow);
      overflow = OVERFLOWS[kind];
      continue;
    } else return syntaxError();
    const type = fieldType(argv[j + 1]);
    if (type instanceof ReplyError) return type;
    const offset = bitOffset(argv[j + 2], maxBulkLen, type.bits);
    if (offset instanceof ReplyError) return offset;
    let value: number | bigint = 0;
    if (opcode !== OPCODES.get) {
      writes = true;
      const v = int64Arg(argv[j + 3]);
      if (v instanceof ReplyError) return v;
      value = v;
    }
    const op = Buffer.alloc(FIELD_OP_SIZE);
    op.writeBigUInt64LE(BigInt(offset), 0);
    op.writeBigInt64LE(BigInt(value), 8);
    op[16] = opcode;
    op[17] = overflow;
    op[18] = type.bits;
    op[19] = type.sign ? 1 : 0;
    encoded.push(op);
    j += opcode === OPCODES.get ? 2 : 3;
  }
  return { ops: Buffer.concat(encoded), writes };
}

const BITOPS = { and: 0, or: 1, xor: 2, not: 3 } as const;

const fieldRow = (name: 'bitfield' | 'bitfield_ro', readOnly: boolean, summary: string) =>
  row({
    name, arity: -2, flags: readOnly ? ['readonly', 'fast'] : W, ...key1, since: readOnly ? '6.0.0' : '3.2.0', summary,
    complexity: 'O(1) for each subcommand specified',
    parse: (argv, ctx) => {
      const f = parseFieldOps(argv, maxBulk(ctx));
      if (f instanceof ReplyError) return f;
      if (readOnly && f.writes) return new ReplyError(RedisError.bitfieldReadOnly);
      return { key: argv[1], ...f };
    },
    // Only GETs: a plain read, as Redis looks the key up for reading then.
    exec: (a, ctx) => new StorageCall(storageCommand(a.writes ? Op.BITFIELD : Op.BITFIELD_RO, ctx.client.db, [a.key, a.ops]), generic(name)),
  });

export const bitmapCommands: readonly CommandRow<any>[] = [
  row({
    name: 'setbit', arity: 4, flags: W, ...key1, since: '2.2.0', summary: 'Sets or clears the bit at offset of the string value. Creates the key if it doesn\'t exist.', complexity: 'O(1)',
    parse: (argv, ctx) => {
      const offset = bitOffset(argv[2], maxBulk(ctx));
      if (offset instanceof ReplyError) return offset;
      const on = parseInt64(argv[3]);
      if (on !== 0 && on !== 1) return new ReplyError(RedisError.bitValue);
      return { key: argv[1], offset, on };
    },
    exec: (a, ctx) => new StorageCall(storageCommand(Op.SETBIT, ctx.client.db, [a.key], 0, a.offset, a.on), generic('setbit')),
  }),
  row({
    name: 'getbit', arity: 3, flags: ['readonly', 'fast'], ...key1, since: '2.2.0', summary: 'Returns a bit value by offset.', complexity: 'O(1)',
    parse: (argv, ctx) => {
      const offset = bitOffset(argv[2], maxBulk(ctx));
      return offset instanceof ReplyError ? offset : { key: argv[1], offset };
    },
    exec: (a, ctx) => new StorageCall(storageCommand(Op.GETBIT, ctx.client.db, [a.key], 0, a.offset), generic('getbit')),
  }),
  row({
    name: 'bitcount', arity: -2, flags: ['readonly'], ...key1, since: '2.6.0', summary: 'Counts the number of set bits (population counting) in a string.',
    complexity: 'O(N)',
    parse: (argv) => ({ key: argv[1], range: bitcountRange(argv) }),
    exec: (a, ctx) => {
      const r = a.range;
      if (r instanceof ReplyError) return checkThenFail(Op.BITCOUNT, a.key, 0, r, 'bitcount', ctx);
      const flags = r === null ? 0 : Flag.BIT_RANGE | (r.bits ? Flag.BIT_UNIT : 0);
      return new StorageCall(storageCommand(Op.BITCOUNT, ctx.client.db, [a.key], flags, r?.start ?? 0, r?.end ?? 0), generic('bitcount'));
    },
  }),
  row({
    name: 'bitpos', arity: -3, flags: ['readonly'], ...key1, since: '2.8.7', summary: 'Finds the first set (1) or clear (0) bit in a string.', complexity: 'O(N)',
    parse: (argv) => {
      const bit = int64Arg(argv[2]);
      if (bit instanceof ReplyError) return bit;
      if (bit !== 0 && bit !== 1) return new ReplyError(RedisError.bitposBit);
      return { key: argv[1], bit: bit === 1, pos: bitposRange(argv, bit === 1) };
    },
    exec: (a, ctx) => {
      const bitFlag = a.bit ? Flag.BIT_SET : 0;
      const p = a.pos;
      if (p instanceof ReplyError) return checkThenFail(Op.BITPOS, a.key, bitFlag, p, 'bitpos', ctx);
      const flags = bitFlag | (p.start !== undefined ? Flag.BIT_RANGE : 0) | (p.end !== undefined ? Flag.BIT_END : 0) | (p.bits ? Flag.BIT_UNIT : 0);
      return new StorageCall(storageCommand(Op.BITPOS, ctx.client.db, [a.key], flags, p.start ?? 0, p.end ?? 0), generic('bitpos'));
    },
  }),
  row({
    name: 'bitop', arity: -4, flags: W, firstKey: 2, lastKey: -1, step: 1, since: '2.6.0', summary: 'Performs bitwise operations on multiple strings, and stores the result.',
    complexity: 'O(N)',
    parse: (argv) => {
      const name = argv[1].toString('latin1').toLowerCase();
      if (!(name in BITOPS)) return syntaxError();
      const op = BITOPS[name as keyof typeof BITOPS];
      if (op === BITOPS.not && argv.length !== 4) return new ReplyError(RedisError.bitopNot);
      return { op, keys: argv.slice(2) };
    },
    exec: (a, ctx) => new StorageCall(storageCommand(Op.BITOP, ctx.client.db, a.keys, 0, a.op), generic('bitop')),
  }),
  fieldRow('bitfield', false, 'Performs arbitrary bitfield integer operations on strings.'),
  fieldRow('bitfield_ro', true, 'Performs arbitrary read-only bitfield integer operations on strings.'),
];
