// README.md's configuration reference and command list are generated from the code;
// this fails when they have drifted (run `npm run build:ts && node scripts/gen-readme.mjs`).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('README.md', () => {
  it('its configuration reference and command list match the code', async () => {
    const run = promisify(execFile)(process.execPath, ['scripts/gen-readme.mjs', '--check']);
    await expect(run).resolves.toBeDefined();
  });
});
