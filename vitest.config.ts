import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/build-dist.ts'],
    // Server and storage tests open real RocksDB directories and sockets; forks keep a
    // crashing native call from taking the whole run down with it.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The JSON report is what .ci/run summarises into "N passed, M failed".
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-report.json' },
  },
});
