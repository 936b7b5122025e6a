// The 64 KB limit cases of request-parser-split.test.ts: about 65,000 parses of 64 KB
// each, so they sit in a file of their own that vitest runs alongside the others.

import { describe, it } from 'vitest';
import { limitCases } from './cases.js';
import { expectEveryCut } from './split.js';

describe('RequestParser split at every byte (64 KB limits)', () => {
  for (const c of limitCases.filter((l) => l.input.length >= 20_000)) {
    it(`${c.name}, split at every byte, gives the unsplit result`, { timeout: 300_000 }, () => expectEveryCut(c));
  }
});
