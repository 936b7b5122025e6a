import { configDefaults, defineConfig } from 'vitest/config';

// Tests that run against storage: every server test and the storage runtime's command
// tests. They run twice, on directories ("disk") and on `:memory:` ("memory", RocksDB's
// in-memory Env), parametrized by KIWI_TEST_STORAGE (test/helpers/storage-mode.ts).
const STORAGE_TESTS = ['test/server/**/*.test.ts', 'test/compat/**/*.test.ts', 'test/storage/**/*.test.ts'];

export default defineConfig({
  test: {
    // Network runtimes run dist/ in worker threads: build it first.
    globalSetup: ['test/helpers/build-dist.ts'],
    // Server and storage tests open real RocksDB directories and sockets; forks keep a
    // crashing native call from taking the whole run down with it.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The JSON report is what .ci/run summarises into "N passed, M failed".
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-report.json' },
    projects: [
      { extends: true, test: { name: 'disk', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'memory',
          include: STORAGE_TESTS,
          // Opening, reopening, locking and killing a process over a directory: what a
          // directory keeps is their subject, so they run once, on disk.
          exclude: [...configDefaults.exclude, 'test/storage/lifecycle.test.ts'],
          env: { KIWI_TEST_STORAGE: 'memory' },
        },
      },
    ],
  },
});
