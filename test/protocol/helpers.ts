// Drives RequestParser and ReferenceParser the same way and reduces what they produce to
// comparable values.

import { Buffer } from 'node:buffer';
import { RedisError, protocolExpectedDollar, sanitize } from '../../src/errors.js';
import {
  RequestParser, commandNames, type RequestParserOptions,
} from '../../src/protocol/request-parser.js';
import { ReferenceParser, type ReferenceError } from './reference-parser.js';

export interface Outcome {
  /** [id, ...arguments as latin1 strings] per command. */
  commands: Array<[number, ...string[]]>;
  error: { text: string; offset: number } | null;
}

export const commandIds: ReadonlyMap<string, number> = new Map(
  commandNames.map((name, id) => [name, id]),
);

/** Feeds `input` cut at `cuts` (ascending offsets) to a new RequestParser. */
export function parse(input: Buffer, cuts: readonly number[] = [], options?: RequestParserOptions): Outcome {
  const parser = new RequestParser(options);
  return drive(input, cuts, (chunk, onCommand) => parser.feed(chunk, onCommand));
}

export function parseReference(
  input: Buffer,
  cuts: readonly number[] = [],
  options?: RequestParserOptions,
): Outcome {
  const parser = new ReferenceParser({ ...options, commandIds });
  return drive(input, cuts, (chunk, onCommand) => {
    const error = parser.feed(chunk, onCommand);
    return error === null ? null : { text: referenceText(error), offset: error.offset };
  });
}

type Feed = (
  chunk: Buffer,
  onCommand: (id: number, argv: Buffer[]) => void,
) => { text: string; offset: number } | null;

function drive(input: Buffer, cuts: readonly number[], feed: Feed): Outcome {
  const outcome: Outcome = { commands: [], error: null };
  const onCommand = (id: number, argv: Buffer[]): void => {
    outcome.commands.push([id, ...argv.map((arg) => arg.toString('latin1'))]);
  };
  let from = 0;
  for (const to of [...cuts, input.length]) {
    // A fresh Buffer per chunk, as Node gives each 'data' event.
    const error = feed(Buffer.from(input.subarray(from, to)), onCommand);
    from = to;
    if (error !== null) {
      outcome.error = { text: error.text, offset: error.offset };
      break;
    }
  }
  return outcome;
}

export function referenceText(error: ReferenceError): string {
  switch (error.kind) {
    case 'tooBigInline':
      return RedisError.protocolTooBigInline;
    case 'unbalancedQuotes':
      return RedisError.protocolUnbalancedQuotes;
    case 'tooBigMultibulkCount':
      return RedisError.protocolTooBigMultibulkCount;
    case 'invalidMultibulkLength':
      return RedisError.protocolInvalidMultibulkLength;
    case 'unauthenticatedMultibulkLength':
      return RedisError.protocolUnauthenticatedMultibulk;
    case 'tooBigBulkCount':
      return RedisError.protocolTooBigBulkCount;
    case 'expectedDollar':
      return sanitize(protocolExpectedDollar(error.byte));
    case 'invalidBulkLength':
      return RedisError.protocolInvalidBulkLength;
    case 'unauthenticatedBulkLength':
      return RedisError.protocolUnauthenticatedBulk;
  }
}

/** "*N\r\n$len\r\narg\r\n..." for latin1 arguments. */
export function multibulk(...args: string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${arg.length}\r\n${arg}\r\n`).join('')}`;
}

/** Readable commands: [name, ...args] with the id checked against commandNames. */
export function named(outcome: Outcome): string[][] {
  return outcome.commands.map(([id, ...args]) => {
    const expected = commandIds.get(args[0]?.toLowerCase() ?? '') ?? 0;
    if (id !== expected) throw new Error(`id ${id} for ${JSON.stringify(args[0])}, expected ${expected}`);
    return args;
  });
}

/** A small seeded PRNG (mulberry32), so every fuzz run can be repeated from its seed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
