// Loads build/kiwi_resp.wasm once per process, synchronously, so the server can create
// parsers without awaiting, and exposes its memory regions as typed-array views.
//
// The path is resolved from import.meta.url so it works both from src/protocol/*.ts
// (tests) and dist/protocol/*.js (built). The instance is shared by every parser: its
// memory has a fixed size, and per-connection state lives in each RequestParser.
//
// The numbers below mirror assembly/layout.ts; test/protocol/wasm-exports.test.ts checks
// that they agree.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const WASM_URL = new URL('../../build/kiwi_resp.wasm', import.meta.url);

// The project's lib settings (es2023, no DOM) leave WebAssembly untyped: these are the
// few parts used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmGlobal {
  readonly value: unknown;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export interface ParserExports {
  readonly memory: WasmMemory;
  parse(start: number, end: number, chunkBase: number, carryReady: number): number;
  commandId(length: number): number;
  inputPointer(): number;
  outputPointer(): number;
  statePointer(): number;
  resultPointer(): number;
  nameScratchPointer(): number;
  namesPointer(): number;
  namesLength(): number;
  readonly INPUT_CAPACITY: WasmGlobal;
  readonly OUTPUT_CAPACITY: WasmGlobal;
  readonly STATE_SLOTS: WasmGlobal;
  readonly RESULT_SLOTS: WasmGlobal;
  readonly NAME_MAX: WasmGlobal;
  readonly INLINE_MAX: WasmGlobal;
  readonly COMMAND_COUNT: WasmGlobal;
  readonly COMPILER_VERSION: WasmGlobal;
}

// STATE slots the wrapper writes (configuration and the end of a payload it took over).
export const S_AUTH = 8;
export const S_REMAIN = 12;
export const S_MAXBULK = 14;
export const S_HELD = 3;

// A complete record's id may carry one of these (the name's spelling, see layout.ts).
export const SPELLED_LOWER = 65536;
export const SPELLED_UPPER = 131072;
export const ID_MASK = 0xffff;

// RESULT slots.
export const R_STATUS = 0;
export const R_COMMANDS = 1;
export const R_PARTIAL = 2;
export const R_STOP = 3;
export const R_ERROR_LINE = 4;
export const R_ERROR_BYTE = 5;
export const R_PAYLOAD_AT = 6;
export const R_CARRY = 7;
export const R_PAYLOAD_LEN = 8;

// parse() statuses.
export const ParseStatus = {
  ok: 0,
  yield: 1,
  needCarry: 2,
  tooBigInline: 3,
  unbalancedQuotes: 4,
  tooBigMultibulkCount: 5,
  invalidMultibulkLength: 6,
  unauthenticatedMultibulkLength: 7,
  tooBigBulkCount: 8,
  expectedDollar: 9,
  invalidBulkLength: 10,
  unauthenticatedBulkLength: 11,
  internalOverflow: 12,
} as const;
export const FIRST_ERROR_STATUS = ParseStatus.tooBigInline;

export const wasm = instantiate(WASM_URL);

/** Which parser this is: the module's file, its SHA-256 and the compiler that built it. */
export function parserVersion(): string {
  const v = wasm.COMPILER_VERSION.value as number;
  const sha = createHash('sha256').update(readFileSync(WASM_URL)).digest('hex').slice(0, 12);
  return `kiwi_resp.wasm sha256:${sha} (AssemblyScript ${Math.floor(v / 10000)}.${Math.floor(v / 100) % 100}.${v % 100})`;
}

export const INPUT_CAPACITY = wasm.INPUT_CAPACITY.value as number;
export const NAME_MAX = wasm.NAME_MAX.value as number;

const memory = wasm.memory.buffer;
/** Bytes to parse: [room for a carried inline line][window of the chunk]. */
export const input = new Uint8Array(memory, wasm.inputPointer(), INPUT_CAPACITY);
/** Command records: [id, argc, first, n] then n (offset, length) pairs. */
export const output = new Int32Array(memory, wasm.outputPointer(), wasm.OUTPUT_CAPACITY.value as number);
export const state = new Int32Array(memory, wasm.statePointer(), wasm.STATE_SLOTS.value as number);
export const result = new Int32Array(memory, wasm.resultPointer(), wasm.RESULT_SLOTS.value as number);
export const STATE_SLOTS = state.length;
const nameScratch = new Uint8Array(memory, wasm.nameScratchPointer(), NAME_MAX);

/**
 * Command names by id: commandNames[id] is the lowercase name, commandNames[0] is ''.
 * Read once here, so the server can build an id → handler array at start-up.
 */
export const commandNames: readonly string[] = Object.freeze(readNames());

/**
 * Shared argv[0] Buffers by id, for names sent all lowercase or all uppercase: one
 * allocation fewer per command. They are never written to (nor is any argument).
 */
export const lowercaseNames: readonly Buffer[] = commandNames.map((name) => Buffer.from(name, 'latin1'));
export const uppercaseNames: readonly Buffer[] = commandNames.map((name) => Buffer.from(name.toUpperCase(), 'latin1'));

/** The id of a command name held in JS (only for a name that arrived split). */
export function commandIdOf(name: Uint8Array): number {
  if (name.length > NAME_MAX) return 0;
  nameScratch.set(name);
  return wasm.commandId(name.length);
}

/** A copy of `length` bytes of the input region (an unescaped inline word). */
export function copyFromInput(at: number, length: number): Buffer {
  return Buffer.copyBytesFrom(input, at, length);
}

/** Compiles and instantiates the parser at `url` (synchronously). */
export function instantiate(url: URL): ParserExports {
  let bytes: Buffer;
  try {
    bytes = readFileSync(url);
  } catch (cause) {
    throw new Error(
      `kiwi_resp.wasm is missing (${fileURLToPath(url)}): run \`npm run build:wasm\``,
      { cause },
    );
  }
  const instance = new WebAssemblyApi.Instance(new WebAssemblyApi.Module(bytes), {});
  return instance.exports as unknown as ParserExports;
}

function readNames(): string[] {
  const blob = Buffer.from(memory, wasm.namesPointer(), wasm.namesLength()).toString('latin1');
  const names = blob.split('\n');
  names.pop(); // after the last "\n"
  return ['', ...names];
}
