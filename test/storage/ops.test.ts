import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../../src/storage/native.js';
import * as ops from '../../src/storage/ops.js';

// The wire format's numbers live in native/src/ops.h and src/storage/ops.ts; a change to
// one side alone must fail here, not corrupt batches at run time.
describe('op codes', () => {
  const native = loadAddon().constants as Record<string, Record<string, number> | number>;

  it.each([
    ['ops', ops.Op],
    ['flags', ops.Flag],
    ['replyKinds', ops.ReplyKind],
    ['errors', ops.ErrorCode],
    ['batchStatus', ops.BatchStatus],
    ['submitResults', ops.SubmitResult],
    ['priorities', ops.Priority],
  ] as const)('TS %s equal the native ones', (name, ts) => {
    expect({ ...ts }).toEqual(native[name]);
  });

  it('wire constants agree', () => {
    expect(native.blobMarker).toBe(ops.BLOB_MARKER);
    expect(native.commandHeaderSize).toBe(ops.COMMAND_HEADER_SIZE);
  });

  it('src/storage/ops.generated.ts is current with native/src/ops.h', async () => {
    await promisify(execFile)(process.execPath, ['scripts/gen-ops.mjs', '--check']);
  });

  it('the addon reports the RocksDB it was built with', () => {
    expect(loadAddon().rocksdbVersion).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
