// Cutting inputs at every byte: shared by the split tests.

import { Buffer } from 'node:buffer';
import { expect } from 'vitest';
import { RequestParser, type RequestParserOptions } from '../../src/protocol/request-parser.js';
import type { ProtocolCase } from './cases.js';

export interface Raw {
  ids: number[];
  argvs: Buffer[][];
  error: string | null;
}

/** Like helpers.parse(), but keeps the Buffers: comparing 64 KB strings per cut is slow. */
export function parseRaw(input: Buffer, cuts: readonly number[], options?: RequestParserOptions): Raw {
  const parser = new RequestParser(options);
  const raw: Raw = { ids: [], argvs: [], error: null };
  let from = 0;
  for (const to of [...cuts, input.length]) {
    const error = parser.feed(Buffer.from(input.subarray(from, to)), (id, argv) => {
      raw.ids.push(id);
      raw.argvs.push(argv);
    });
    from = to;
    if (error !== null) {
      raw.error = `${error.text} @${error.offset}`;
      break;
    }
  }
  return raw;
}

function same(a: Raw, b: Raw): boolean {
  return a.error === b.error && a.ids.length === b.ids.length &&
    a.ids.every((id, i) => id === b.ids[i]) &&
    a.argvs.every((argv, i) => argv.length === b.argvs[i].length &&
      argv.every((arg, j) => arg.equals(b.argvs[i][j])));
}

function readable(raw: Raw): object {
  return { ...raw, argvs: raw.argvs.map((argv) => argv.map((arg) => arg.toString('latin1'))) };
}

export function expectSame(where: object, got: Raw, whole: Raw): void {
  if (!same(got, whole)) expect({ ...where, got: readable(got) }).toEqual({ ...where, got: readable(whole) });
}

/** Cuts the case's input at every byte position, then feeds it one byte at a time. */
export function expectEveryCut(c: ProtocolCase): void {
  const input = Buffer.from(c.input, 'latin1');
  const whole = parseRaw(input, [], c.options);
  for (let cut = 1; cut < input.length; cut++) {
    expectSame({ cut }, parseRaw(input, [cut], c.options), whole);
  }
  const bytes = Array.from({ length: input.length - 1 }, (_, i) => i + 1);
  expectSame({ cut: 'every byte' }, parseRaw(input, bytes, c.options), whole);
}
