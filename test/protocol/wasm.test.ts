// The WASM boundary: the exports and the numbers both sides must agree on.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ParseStatus, R_CARRY, R_COMMANDS, R_ERROR_BYTE, R_ERROR_LINE, R_PARTIAL, R_PAYLOAD_AT,
  R_PAYLOAD_LEN, R_STATUS, R_STOP, S_AUTH, S_HELD, S_MAXBULK, S_REMAIN, SPELLED_LOWER, SPELLED_UPPER,
  STATE_SLOTS, WASM_URL,
  instantiate, wasm,
} from '../../src/protocol/wasm.js';

const EXPORTS = [
  'COMMAND_COUNT:global',
  'COMPILER_VERSION:global',
  'INLINE_MAX:global',
  'INPUT_CAPACITY:global',
  'NAME_MAX:global',
  'OUTPUT_CAPACITY:global',
  'RESULT_SLOTS:global',
  'STATE_SLOTS:global',
  'commandId:function',
  'inputPointer:function',
  'memory:memory',
  'nameScratchPointer:function',
  'namesLength:function',
  'namesPointer:function',
  'outputPointer:function',
  'parse:function',
  'resultPointer:function',
  'statePointer:function',
];

interface WasmModuleApi {
  Module: {
    new (bytes: Uint8Array): object;
    exports(module: object): Array<{ name: string; kind: string }>;
    imports(module: object): unknown[];
  };
  Instance: new (module: object, imports: object) => { exports: { memory: { grow(n: number): number } } };
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmModuleApi }).WebAssembly;

/** `export const NAME: i32 = <number>;` lines of assembly/layout.ts. */
function layoutNumbers(): Map<string, number> {
  const source = readFileSync(new URL('../../assembly/layout.ts', import.meta.url), 'utf8');
  const numbers = new Map<string, number>();
  for (const match of source.matchAll(/^export const (\w+): i\d+ = (-?\d+);/gm)) {
    numbers.set(match[1], Number(match[2]));
  }
  return numbers;
}

describe('kiwi_resp.wasm', () => {
  const module = new WebAssemblyApi.Module(readFileSync(WASM_URL));

  it('exports exactly the pinned names and imports nothing', () => {
    const names = WebAssemblyApi.Module.exports(module).map((e) => `${e.name}:${e.kind}`).sort();
    expect(names).toEqual(EXPORTS);
    expect(WebAssemblyApi.Module.imports(module)).toEqual([]);
  });

  it('has a fixed-size memory that cannot grow', () => {
    const instance = new WebAssemblyApi.Instance(module, {});
    expect(() => instance.exports.memory.grow(1)).toThrow(RangeError);
    expect(wasm.memory.buffer.byteLength).toBe(32 * 65536);
  });

  it('agrees with src/protocol/wasm.ts on state slots, result slots and statuses', () => {
    const layout = layoutNumbers();
    const expected: Record<string, number> = {
      S_AUTH, S_HELD, S_REMAIN, S_MAXBULK, SPELLED_LOWER, SPELLED_UPPER, R_STATUS, R_COMMANDS, R_PARTIAL, R_STOP, R_ERROR_LINE,
      R_ERROR_BYTE, R_PAYLOAD_AT, R_CARRY, R_PAYLOAD_LEN, STATE_SLOTS,
      OK: ParseStatus.ok,
      YIELD: ParseStatus.yield,
      NEED_CARRY: ParseStatus.needCarry,
      ERR_TOO_BIG_INLINE: ParseStatus.tooBigInline,
      ERR_UNBALANCED_QUOTES: ParseStatus.unbalancedQuotes,
      ERR_TOO_BIG_MBULK_COUNT: ParseStatus.tooBigMultibulkCount,
      ERR_INVALID_MBULK_LENGTH: ParseStatus.invalidMultibulkLength,
      ERR_UNAUTH_MBULK_LENGTH: ParseStatus.unauthenticatedMultibulkLength,
      ERR_TOO_BIG_BULK_COUNT: ParseStatus.tooBigBulkCount,
      ERR_EXPECTED_DOLLAR: ParseStatus.expectedDollar,
      ERR_INVALID_BULK_LENGTH: ParseStatus.invalidBulkLength,
      ERR_UNAUTH_BULK_LENGTH: ParseStatus.unauthenticatedBulkLength,
      ERR_INTERNAL_OVERFLOW: ParseStatus.internalOverflow,
    };
    for (const [name, value] of Object.entries(expected)) {
      expect({ name, value: layout.get(name) }).toEqual({ name, value });
    }
    expect(wasm.STATE_SLOTS.value).toBe(STATE_SLOTS);
  });

  it('A missing kiwi_resp.wasm is reported with the command that builds it', () => {
    expect(() => instantiate(new URL('./no-such-dir/kiwi_resp.wasm', import.meta.url)))
      .toThrow(/kiwi_resp\.wasm is missing .*run `npm run build:wasm`/);
  });
});
