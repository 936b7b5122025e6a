// Seeded fuzzing against the reference parser: random pipelines of valid, odd and broken
// requests, fed whole and cut at random places (as undici re-splits its fuzz input).
// Repeat a run with FUZZ_SEED=<seed> (and FUZZ_RUNS=<n>); a failure names its seed,
// run and input.

import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import type { RequestParserOptions } from '../../src/protocol/request-parser.js';
import { parse, parseReference, random, type Outcome } from './helpers.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20251126);
const RUNS = Number(process.env.FUZZ_RUNS ?? 3000);
const NAMES = ['GET', 'set', 'PiNg', 'ECHO', 'hset', 'NOPE', 'bitfield_ro', 'x', ''];
const WORD_BYTES = 'ab "\'\\xX0fZ\t\v\f\r n\u0000*$:-'.split('').map((c) => c.charCodeAt(0));

class Generator {
  readonly #next: () => number;
  constructor(seed: number) {
    this.#next = random(seed);
  }

  int(below: number): number {
    return Math.floor(this.#next() * below);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  chance(p: number): boolean {
    return this.#next() < p;
  }

  bytes(length: number, from?: readonly number[]): number[] {
    return Array.from({ length }, () => (from ? this.pick(from) : this.int(256)));
  }

  /** Mostly short, sometimes kilobytes, rarely around the 16 KB and 64 KB limits. */
  length(): number {
    if (this.chance(0.01)) return 65530 + this.int(12);
    if (this.chance(0.02)) return 16380 + this.int(8);
    if (this.chance(0.1)) return this.int(5000);
    return this.int(24);
  }

  number(): string {
    if (this.chance(0.7)) return String(this.int(6));
    return this.pick(['-1', '0', '-0', '01', '+1', ' 1', '', 'x', '2147483648', '-9223372036854775808',
      '99999999999999999999', '1\u0000', '3 ', '16385', '11']);
  }

  multibulk(): number[] {
    const argc = this.chance(0.1) ? this.int(14) : 1 + this.int(4);
    let text = `*${this.chance(0.05) ? this.number() : argc}\r\n`;
    const out = [...Buffer.from(text, 'latin1')];
    for (let i = 0; i < argc; i++) {
      const arg = i === 0 && this.chance(0.8) ? [...Buffer.from(this.pick(NAMES))] : this.bytes(this.length());
      text = `${this.chance(0.03) ? this.pick([':', '\r', '\n', '*']) : '$'}${this.chance(0.05) ? this.number() : arg.length}`;
      out.push(...Buffer.from(`${text}\r\n`, 'latin1'), ...arg);
      out.push(...(this.chance(0.95) ? [13, 10] : this.bytes(2)));
    }
    return out;
  }

  inline(): number[] {
    const words = Array.from({ length: this.int(5) }, () => this.bytes(this.int(8), WORD_BYTES));
    const line = words.flatMap((w) => [...w, 0x20]);
    if (this.chance(0.01)) line.push(...this.bytes(65530 + this.int(10), [0x61]));
    return [...line, ...(this.chance(0.7) ? [13, 10] : [10])];
  }

  element(): number[] {
    const kind = this.int(10);
    if (kind < 5) return this.multibulk();
    if (kind < 8) return this.inline();
    if (kind === 8) return this.bytes(this.int(12), [0x2a, 0x24, 0x30, 0x31, 13, 10, 0, 0x20, 0x2d]);
    const valid = this.multibulk(); // then broken at one byte
    if (valid.length > 0) valid[this.int(valid.length)] = this.int(256);
    return valid;
  }

  input(): Buffer {
    return Buffer.from(Array.from({ length: 1 + this.int(12) }, () => this.element()).flat());
  }

  options(): RequestParserOptions {
    return {
      authenticated: this.chance(0.8),
      maxBulkLength: this.chance(0.2) ? this.int(30) : undefined,
    };
  }

  cuts(length: number): number[] {
    const count = this.pick([1, 2, 5, 20]);
    const cuts = Array.from({ length: count }, () => this.int(length + 1));
    return [...new Set(cuts)].sort((a, b) => a - b);
  }
}

interface Mismatch {
  run: number;
  input: string;
  options: RequestParserOptions;
  cuts: number[];
  wasm: Outcome;
  reference: Outcome;
}

/** Runs the comparison; `referenceOptions` lets a test plant a difference. */
function fuzz(
  seed: number,
  runs: number,
  referenceOptions = (options: RequestParserOptions): RequestParserOptions => options,
): { mismatch: Mismatch | null; commands: number; errors: Set<string> } {
  const gen = new Generator(seed);
  let commands = 0;
  const errors = new Set<string>();
  for (let run = 0; run < runs; run++) {
    const input = gen.input();
    const options = gen.options();
    const cuts = gen.cuts(input.length);
    const reference = parseReference(input, [], referenceOptions(options));
    for (const wasm of [parse(input, [], options), parse(input, cuts, options)]) {
      if (JSON.stringify(wasm) !== JSON.stringify(reference)) {
        return {
          mismatch: { run, input: input.toString('latin1'), options, cuts, wasm, reference },
          commands,
          errors,
        };
      }
    }
    commands += reference.commands.length;
    if (reference.error) errors.add(reference.error.text);
  }
  return { mismatch: null, commands, errors };
}

describe('RequestParser fuzzed against the reference parser', () => {
  it(`${RUNS} random pipelines (seed ${SEED}) parse as the reference parses them, whole and cut`, { timeout: 300_000 }, () => {
    const { mismatch, commands, errors } = fuzz(SEED, RUNS);
    if (mismatch) {
      expect.fail(`seed ${SEED}, run ${mismatch.run}: ${JSON.stringify(mismatch).slice(0, 4000)}`);
    }
    // The generator must reach the paths it is meant to reach.
    expect(commands).toBeGreaterThan(RUNS);
    expect(errors.size).toBeGreaterThanOrEqual(8);
  });

  it('The comparison finds a planted difference (maxBulkLength one byte lower in the reference)', () => {
    const { mismatch } = fuzz(SEED, RUNS, (options) => ({
      ...options,
      maxBulkLength: (options.maxBulkLength ?? 512 * 1024 * 1024) - 1,
    }));
    expect(mismatch).not.toBeNull();
  });
});
