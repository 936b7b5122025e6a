// RequestParser: turns the bytes of one client connection into commands, through the
// shared WASM parser (assembly/, loaded by ./wasm.ts).
//
//   const parser = new RequestParser({ maxBulkLength?, authenticated? });
//   parser.authenticated = false;            // Redis' limits before AUTH, settable any time
//   const error = parser.feed(chunk, (id, argv) => { ... });   // once per 'data' event
//   if (error) { socket.end(`-${error.text}\r\n`, 'latin1'); }  // then Redis closes
//   parser.pendingBytes;                      // held for an unfinished command
//   parser.reset();                           // drop partial state (and a past error)
//
// onCommand gets the command id (an index into commandNames, 0 for an unknown name) and
// argv. Arguments inside one chunk are zero-copy views of it (the server must not reuse
// or mutate chunks; Node gives each 'data' event a fresh Buffer). A bulk that spans
// chunks is copied once, straight from the chunks into a Buffer of its final size; the
// WASM parser only sees the window in which its header arrived. argv[0] of a known
// command of up to 8 bytes sent all lowercase or all uppercase ("set", "SET") is a
// Buffer shared by all such commands, holding exactly those bytes. No argument may
// ever be written to.
//
// This is a speed-only file. What it gives up for speed:
// - Buffers are made with Node's internal FastBuffer class (Buffer[Symbol.species]), the
//   one Buffer.prototype.slice() uses, rather than subarray(); a subclass of Uint8Array
//   with Buffer's prototype stands in if Node ever stops exposing it.
// - argv[0] is shared between commands when the parser saw a plain spelling (above):
//   argv is read-only by contract, and views of chunks are no safer to write.
// - Commands of a window are collected, then dispatched once the WASM memory is no
//   longer needed, so a callback may feed another parser. While unauthenticated the
//   parser stops after every command, as Redis does, so an AUTH takes effect for the
//   next command of the same pipeline; a switch back to unauthenticated (RESET) takes
//   effect from the next window.
// - feed() must not be called again, on the same parser, from its own onCommand. If
//   onCommand throws, the rest of the chunk is not parsed: close the connection.

import { Buffer, constants as bufferConstants } from 'node:buffer';
import {
  wasm, input, output, state, result, commandIdOf, copyFromInput, lowercaseNames,
  uppercaseNames, INPUT_CAPACITY, ID_MASK, SPELLED_UPPER, STATE_SLOTS, S_AUTH, S_HELD, S_MAXBULK, S_REMAIN, R_CARRY, R_COMMANDS, R_ERROR_BYTE,
  R_ERROR_LINE, R_PARTIAL, R_PAYLOAD_AT, R_PAYLOAD_LEN, R_STOP, ParseStatus,
} from './wasm.js';
import { type ProtocolError, protocolErrorText } from './protocol-error.js';

export type { ProtocolError } from './protocol-error.js';
export { commandNames, ParseStatus } from './wasm.js';

export interface RequestParserOptions {
  /** proto-max-bulk-len: the longest bulk accepted. Default 512 MB. */
  maxBulkLength?: number;
  /** False applies Redis' limits before AUTH (10 arguments, 16 KB bulks). Default true. */
  authenticated?: boolean;
}

export type CommandCallback = (id: number, argv: Buffer[]) => void;

/** Process-wide byte counters, so tests can check that a value is copied once. */
export const copyCounters = {
  /** Bytes copied into the WASM input region. */
  toWasm: 0,
  /** Bulk payload bytes copied into a Buffer assembled from several chunks. */
  payload: 0,
};

const DEFAULT_MAX_BULK = 512 * 1024 * 1024;
/** Small windows while unauthenticated: the parser stops after each command there. */
const UNAUTHENTICATED_WINDOW = 4096;
/** Chunk offsets are i32 in the WASM parser. */
const MAX_SLICE = 1 << 30;
/** Redis also allocates argv for at most 1024 arguments up front. */
const PREALLOCATED_ARGS = 1024;
const TWO_POW_32 = 4294967296;

type BufferMaker = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => Buffer;
const ArgumentBuffer = bufferMaker();

export class RequestParser {
  readonly #state = new Int32Array(STATE_SLOTS);
  #maxBulkLength: number;
  #authenticated: boolean;
  #error: ProtocolError | null = null;
  #busy = false;
  /** Stream offset of the chunk being fed. */
  #streamOffset = 0;
  /** Arguments of the unfinished command: complete ones and the one being assembled. */
  #pending: Buffer[] | null = null;
  #pendingBytes = 0;
  /** A bulk payload handed over by the parser: bytes still to come, with its 2 trailers. */
  #payloadRemain = 0;
  #payloadLength = 0;
  #payloadIndex = 0;
  /** Its first byte is at the start of the next chunk: maybe no copy is needed. */
  #payloadDeferred = false;
  #assembly: Buffer | null = null;
  #assemblyFill = 0;
  /** The bytes of an unfinished inline line, fed again in front of the next window. */
  #carry: Buffer | null = null;
  #carryLength = 0;
  /** One window's commands, dispatched after the WASM memory is done with. */
  readonly #ids: number[] = [];
  readonly #argvs: (Buffer[] | undefined)[] = [];

  constructor(options: RequestParserOptions = {}) {
    const max = options.maxBulkLength ?? DEFAULT_MAX_BULK;
    if (!Number.isSafeInteger(max) || max < 0 || max > bufferConstants.MAX_LENGTH) {
      throw new RangeError(
        `maxBulkLength must be an integer from 0 to ${bufferConstants.MAX_LENGTH}, got ${max}`,
      );
    }
    this.#maxBulkLength = max;
    this.#authenticated = options.authenticated ?? true;
    this.#initState();
  }

  /** proto-max-bulk-len; a change applies to the next bulk header parsed. */
  get maxBulkLength(): number {
    return this.#maxBulkLength;
  }

  set maxBulkLength(max: number) {
    if (!Number.isSafeInteger(max) || max < 0 || max > bufferConstants.MAX_LENGTH) {
      throw new RangeError(`maxBulkLength must be an integer from 0 to ${bufferConstants.MAX_LENGTH}, got ${max}`);
    }
    this.#maxBulkLength = max;
    this.#state[S_MAXBULK] = max % TWO_POW_32;
    this.#state[S_MAXBULK + 1] = Math.floor(max / TWO_POW_32);
  }

  get authenticated(): boolean {
    return this.#authenticated;
  }

  set authenticated(value: boolean) {
    this.#authenticated = value;
  }

  /** Bytes held for an unfinished command (client-query-buffer-limit, INFO). */
  get pendingBytes(): number {
    return this.#pendingBytes + this.#carryLength;
  }

  /**
   * Parses one chunk. Calls onCommand once per complete command, in order. Returns null,
   * or the protocol error (after the commands that preceded it); after an error every
   * call returns the same error until reset().
   */
  feed(chunk: Buffer, onCommand: CommandCallback): ProtocolError | null {
    if (this.#error !== null) return this.#error;
    if (this.#busy) throw new Error('RequestParser.feed() was called from its own onCommand');
    this.#busy = true;
    try {
      if (chunk.length <= MAX_SLICE) return this.#feedChunk(chunk, onCommand);
      for (let at = 0; at < chunk.length; at += MAX_SLICE) {
        const error = this.#feedChunk(chunk.subarray(at, at + MAX_SLICE), onCommand);
        if (error !== null) return error;
      }
      return null;
    } finally {
      this.#busy = false;
    }
  }

  /** Drops any partial command and a past error; the next byte starts a new stream. */
  reset(): void {
    if (this.#busy) throw new Error('RequestParser.reset() was called from its own onCommand');
    this.#initState();
    this.#error = null;
    this.#streamOffset = 0;
    this.#dropPartial();
  }

  #feedChunk(chunk: Buffer, onCommand: CommandCallback): ProtocolError | null {
    const length = chunk.length;
    let pos = 0;
    for (;;) {
      if (this.#payloadRemain > 0) {
        pos = this.#takePayload(chunk, pos);
        if (this.#payloadRemain > 0) break;
        // Even at the chunk's end, the parser must learn that the argument is complete.
      } else if (pos >= length) {
        break;
      }
      pos = this.#parseWindow(chunk, pos, onCommand);
      if (pos < 0) return this.#error;
    }
    this.#streamOffset += length;
    return null;
  }

  /** One parse() call on chunk[pos, ...); returns where to go on, or -1 on error. */
  #parseWindow(chunk: Buffer, pos: number, onCommand: CommandCallback): number {
    const carry = this.#carryLength;
    const room = this.#authenticated ? INPUT_CAPACITY - carry : UNAUTHENTICATED_WINDOW;
    const n = Math.min(chunk.length - pos, room);
    if (n === chunk.length) input.set(chunk, carry);
    else if (n > 0) input.set(new Uint8Array(chunk.buffer, chunk.byteOffset + pos, n), carry);
    copyCounters.toWasm += n;
    const own = this.#state;
    own[S_AUTH] = this.#authenticated ? 1 : 0;
    state.set(own);
    let status = wasm.parse(carry, carry + n, pos - carry, 0);
    if (status === ParseStatus.needCarry) {
      // The carried inline line ends in this window: only now does the parser need it.
      input.set(this.#carry!.subarray(0, carry));
      copyCounters.toWasm += carry;
      state.set(own);
      status = wasm.parse(carry, carry + n, pos - carry, 1);
    }
    own.set(state);
    const count = this.#collect(chunk);
    let next = pos + n;
    if (status === ParseStatus.ok) {
      this.#keepTail(chunk, pos, next);
    } else if (status === ParseStatus.yield) {
      next = result[R_STOP];
      this.#carryLength = 0;
    } else {
      this.#fail(status);
      next = -1;
    }
    this.#dispatch(count, onCommand);
    return next;
  }

  /** Reads the window's command records (and an unfinished one) out of WASM memory. */
  #collect(chunk: Buffer): number {
    const count = result[R_COMMANDS];
    const buffer = chunk.buffer;
    const byteOffset = chunk.byteOffset;
    let o = 0;
    for (let c = 0; c < count; c++) {
      const head = output[o];
      const argc = output[o + 1];
      let first = output[o + 2];
      const end = first + output[o + 3];
      o += 4;
      let id = head & ID_MASK;
      let argv: Buffer[];
      if (first === 0) {
        argv = argc <= PREALLOCATED_ARGS ? new Array<Buffer>(argc) : [];
        if (head > ID_MASK) {
          argv[0] = ((head & SPELLED_UPPER) !== 0 ? uppercaseNames : lowercaseNames)[id];
          first = 1;
          o += 2;
        }
      } else {
        argv = this.#pending!;
        this.#pending = null;
        this.#pendingBytes = 0;
      }
      for (let i = first; i < end; i++, o += 2) {
        const at = output[o];
        argv[i] = at >= 0
          ? new ArgumentBuffer(buffer, byteOffset + at, output[o + 1])
          : copyFromInput(-1 - at, output[o + 1]);
      }
      if (head < 0) id = commandIdOf(argv[0]); // its name arrived in pieces
      this.#ids[c] = id;
      this.#argvs[c] = argv;
    }
    if (result[R_PARTIAL] !== 0) this.#collectUnfinished(chunk, o);
    return count;
  }

  #collectUnfinished(chunk: Buffer, o: number): void {
    const argc = output[o + 1];
    const first = output[o + 2];
    const end = first + output[o + 3];
    o += 4;
    let argv = this.#pending;
    if (first === 0 || argv === null) argv = argc <= PREALLOCATED_ARGS ? new Array<Buffer>(argc) : [];
    for (let i = first; i < end; i++, o += 2) {
      argv[i] = new ArgumentBuffer(chunk.buffer, chunk.byteOffset + output[o], output[o + 1]);
      this.#pendingBytes += output[o + 1];
    }
    this.#pending = argv;
  }

  #dispatch(count: number, onCommand: CommandCallback): void {
    const ids = this.#ids;
    const argvs = this.#argvs;
    for (let c = 0; c < count; c++) {
      const argv = argvs[c]!;
      argvs[c] = undefined;
      onCommand(ids[c], argv);
    }
  }

  /** After a window parsed to its end: take over a payload, carry an inline line. */
  #keepTail(chunk: Buffer, windowStart: number, windowEnd: number): void {
    const at = result[R_PAYLOAD_AT];
    if (at >= 0) this.#takeOver(chunk, at, windowEnd);
    const carry = result[R_CARRY];
    if (carry > 0) this.#keepCarry(chunk, windowEnd, carry, Math.min(carry, windowEnd - windowStart));
    else if (this.#carryLength > 0) this.#dropCarry();
  }

  /** The parser handed over the payload starting at chunk[at]. */
  #takeOver(chunk: Buffer, at: number, windowEnd: number): void {
    const length = (result[R_PAYLOAD_LEN] >>> 0) + result[R_PAYLOAD_LEN + 1] * TWO_POW_32;
    const index = this.#state[S_HELD] - 1;
    const have = windowEnd - at;
    this.#payloadLength = length;
    this.#payloadIndex = index;
    this.#payloadRemain = length + 2 - have;
    this.#pendingBytes += length;
    if (at + length <= chunk.length) {
      this.#pending![index] = new ArgumentBuffer(chunk.buffer, chunk.byteOffset + at, length);
    } else if (have === 0) {
      this.#payloadDeferred = true;
    } else {
      this.#startAssembly(index, length);
      this.#assemble(chunk, at, have);
    }
  }

  /** Consumes payload bytes from chunk[pos, ...); returns where the payload stops. */
  #takePayload(chunk: Buffer, pos: number): number {
    const available = chunk.length - pos;
    if (available === 0) return pos;
    if (this.#payloadDeferred) {
      this.#payloadDeferred = false;
      if (available >= this.#payloadLength) {
        this.#pending![this.#payloadIndex] =
          new ArgumentBuffer(chunk.buffer, chunk.byteOffset + pos, this.#payloadLength);
      } else {
        this.#startAssembly(this.#payloadIndex, this.#payloadLength);
      }
    }
    if (this.#assembly !== null) {
      this.#assemble(chunk, pos, Math.min(this.#payloadLength - this.#assemblyFill, available));
    }
    const take = Math.min(this.#payloadRemain, available);
    this.#payloadRemain -= take;
    if (this.#payloadRemain === 0) {
      this.#state[S_REMAIN] = 0;
      this.#state[S_REMAIN + 1] = 0;
    }
    return pos + take;
  }

  #startAssembly(index: number, length: number): void {
    const assembly = Buffer.allocUnsafe(length);
    this.#assembly = assembly;
    this.#assemblyFill = 0;
    this.#pending![index] = assembly;
  }

  #assemble(chunk: Buffer, from: number, count: number): void {
    const assembly = this.#assembly!;
    if (count > 0) {
      chunk.copy(assembly, this.#assemblyFill, from, from + count);
      this.#assemblyFill += count;
      copyCounters.payload += count;
    }
    if (this.#assemblyFill === assembly.length) this.#assembly = null;
  }

  /**
   * The unfinished inline line is `carry` bytes long, its last `fresh` bytes at the end of
   * the window. Either it went on through the whole window (fresh is the window, and the
   * bytes carried before stay in front), or it began in the window (fresh is all of it).
   */
  #keepCarry(chunk: Buffer, windowEnd: number, carry: number, fresh: number): void {
    const kept = carry - fresh;
    let line = this.#carry;
    if (line === null || line.length < carry) {
      const grown = Buffer.allocUnsafe(Math.max(carry, 2 * (line?.length ?? 0), 256));
      if (line !== null && kept > 0) line.copy(grown, 0, 0, kept);
      line = grown;
      this.#carry = grown;
    }
    chunk.copy(line, kept, windowEnd - fresh, windowEnd);
    this.#carryLength = carry;
  }

  #fail(status: number): void {
    if (status === ParseStatus.internalOverflow) {
      throw new Error('kiwi_resp.wasm overflowed its output region: a parser bug');
    }
    this.#error = {
      text: protocolErrorText(status, result[R_ERROR_BYTE]),
      offset: this.#streamOffset + result[R_ERROR_LINE],
      status,
    };
    this.#dropPartial();
  }

  #dropPartial(): void {
    this.#pending = null;
    this.#pendingBytes = 0;
    this.#payloadRemain = 0;
    this.#payloadDeferred = false;
    this.#assembly = null;
    this.#dropCarry();
  }

  #dropCarry(): void {
    this.#carry = null;
    this.#carryLength = 0;
  }

  #initState(): void {
    const own = this.#state;
    own.fill(0);
    own[S_MAXBULK] = this.#maxBulkLength % TWO_POW_32; // Int32Array stores it modulo 2^32
    own[S_MAXBULK + 1] = Math.floor(this.#maxBulkLength / TWO_POW_32);
  }
}

/** Node's FastBuffer (see the header), or a stand-in with the same prototype. */
function bufferMaker(): BufferMaker {
  const species = (Buffer as unknown as Record<symbol, unknown>)[Symbol.species];
  if (typeof species === 'function') {
    const Maker = species as BufferMaker;
    const probe = new Maker(new ArrayBuffer(4), 1, 2);
    if (Buffer.isBuffer(probe) && probe.byteOffset === 1 && probe.length === 2) return Maker;
  }
  class ArgumentBuffer extends Uint8Array {}
  Object.setPrototypeOf(ArgumentBuffer.prototype, Buffer.prototype);
  return ArgumentBuffer as unknown as BufferMaker;
}
