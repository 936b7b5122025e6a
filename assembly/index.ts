// kiwi_resp.wasm: the RESP request parser. Its exports are the whole interface, pinned by
// test/protocol/wasm-exports.test.ts; src/protocol/wasm.ts is their only user.
//
// Numbers only cross the boundary: the wrapper copies bytes into the input region,
// calls parse() once per window, and reads results through typed-array views.

import {
  INPUT, OUTPUT, STATE, RESULT, NAME_SCRATCH, INPUT_CAPACITY, OUTPUT_CAPACITY, STATE_SLOTS,
  RESULT_SLOTS, NAME_MAX, INLINE_MAX,
} from './layout';
import { commandIdAt } from './commands';

export { parse } from './parser';
export { namesPointer, namesLength, COMMAND_COUNT } from './commands';
export { INPUT_CAPACITY, OUTPUT_CAPACITY, STATE_SLOTS, RESULT_SLOTS, NAME_MAX, INLINE_MAX };

/** The AssemblyScript release that compiled this module (major * 10000 + minor * 100 + patch). */
export const COMPILER_VERSION: i32 = ASC_VERSION_MAJOR * 10000 + ASC_VERSION_MINOR * 100 + ASC_VERSION_PATCH;

export function inputPointer(): usize {
  return INPUT;
}

export function outputPointer(): usize {
  return OUTPUT;
}

export function statePointer(): usize {
  return STATE;
}

export function resultPointer(): usize {
  return RESULT;
}

export function nameScratchPointer(): usize {
  return NAME_SCRATCH;
}

/** The command id of the name the wrapper wrote at nameScratchPointer() (rare path). */
export function commandId(length: i32): i32 {
  return commandIdAt(NAME_SCRATCH, length) & 0xffff;
}
