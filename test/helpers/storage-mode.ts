// Which storage the suite runs on. vitest.config.ts runs the server and storage tests
// twice: once on temporary directories, once with KIWI_TEST_STORAGE=memory on `:memory:`
// (RocksDB's in-memory Env), so every command is checked on both. Tests about what a
// directory keeps (restarts, locks, the format marker) ask for a directory themselves.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const testStorage: 'disk' | 'memory' = process.env.KIWI_TEST_STORAGE === 'memory' ? 'memory' : 'disk';

export const MEMORY_DIR = ':memory:';

/** A fresh temporary directory. */
export function diskDir(prefix = 'kiwi-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Where a test's data goes unless it needs a directory: per the suite's storage mode. */
export function defaultDir(prefix?: string): string {
  return testStorage === 'memory' ? MEMORY_DIR : diskDir(prefix);
}
