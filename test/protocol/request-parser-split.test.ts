// Every case, cut at every byte position, and fed one byte at a time, gives the result it
// gives in one chunk: partial lines, numbers, payloads and inline lines all resume.

import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { inlineCases, limitCases, multibulkCases } from './cases.js';
import { multibulk as mb } from './helpers.js';
import { expectEveryCut, expectSame, parseRaw } from './split.js';

/** A pipeline with every kind of element, for cuts in three pieces. */
const PIPELINE = Buffer.from(
  `${mb('SET', 'key', 'v'.repeat(300))}PING\r\n*0\r\nECHO "a\\x41" 'b'\r\n\r\n${mb('ECHO', '')}` +
    `*-1\r\n${mb('GET', 'key')}*1\r\n$4\r\nPINGxx*1\rx$4\r\nPING\r\n`,
  'latin1',
);

describe('RequestParser split at every byte', () => {
  // The 64 KB limit cases run in request-parser-split-limits.test.ts, in parallel.
  for (const c of [...multibulkCases, ...inlineCases, ...limitCases.filter((l) => l.input.length < 20_000)]) {
    it(`${c.name}, split at every byte, gives the unsplit result`, () => expectEveryCut(c));
  }

  it('A mixed pipeline cut in three pieces at (nearly) every pair of positions gives the unsplit result', () => {
    const whole = parseRaw(PIPELINE, []);
    expect(whole.ids).toHaveLength(7);
    for (let a = 1; a < PIPELINE.length; a++) {
      for (let b = a + 1; b < PIPELINE.length; b += 3) {
        expectSame({ a, b }, parseRaw(PIPELINE, [a, b]), whole);
      }
    }
  });
});
