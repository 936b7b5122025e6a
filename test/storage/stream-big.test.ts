// A 1,000,000-entry stream in the storage runtime (issue 17): XADD stays O(1) as the
// stream grows, XRANGE of 100 entries from the middle is one seek, XTRIM MAXLEN ~ does
// bounded work (at most LIMIT entries, 10,000 by default), DEL is one metadata write, and
// compaction gives the entries' space back (the member filter drops them).
import { afterEach, expect, it } from 'vitest';
import { streamAddTrimSpec } from '../../src/commands/stream.js';
import { ReplyError } from '../../src/errors.js';
import type { StorageCommand } from '../../src/storage/codec.js';
import { Op } from '../../src/storage/ops.js';
import { Cmd, storageCommand } from '../../src/storage/requests.js';
import { disposeStorage, openStorage, type TestStorage } from './helpers.js';

let s: TestStorage | undefined;
afterEach(async () => {
  await disposeStorage(s);
  s = undefined;
});

const b = (x: string | number) => Buffer.from(String(x));
const sstBytes = (t: TestStorage) => Number(t.server.property('kiwi.total-sst-files-size'));

function xadd(...argv: string[]): StorageCommand {
  const bufs = argv.map(b);
  const spec = streamAddTrimSpec(bufs, argv[0] === 'xadd');
  if (spec instanceof ReplyError) throw new Error(spec.text);
  return storageCommand(argv[0] === 'xadd' ? Op.XADD : Op.XTRIM, 0, [bufs[1], spec.spec, ...bufs.slice(spec.fieldsAt)]);
}

function xrange(key: string, startMs: number, endMs: number, count: number): StorageCommand {
  const spec = Buffer.alloc(32);
  spec.writeBigUInt64BE(BigInt(startMs), 0);
  spec.writeBigUInt64BE(BigInt(endMs), 16);
  spec.writeBigUInt64BE(0xffffffffffffffffn, 24);
  return storageCommand(Op.XRANGE, 0, [b(key), spec], 0, count, 0);
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await f();
  return [r, performance.now() - t0];
}

it('a 1,000,000-entry stream: XADD O(1), XRANGE of 100 from the middle, bounded XTRIM ~, O(1) DEL, space back after compaction', { timeout: 300_000 }, async () => {
  s = openStorage({ compression: 'none', expireCycleMs: 0 });
  const N = 1_000_000;
  const BATCH = 1_000;
  const batchMs: number[] = [];
  for (let start = 1; start <= N; start += BATCH) {
    // Sent together from one origin, so the client batches them in order as it does a
    // connection's pipeline (without an origin, batches may run on different threads).
    const sends: Array<Promise<unknown>> = [];
    const [replies, ms] = await timed(() => {
      for (let id = start; id < start + BATCH; id++) sends.push(s!.send(xadd('xadd', 'big', `${id}-0`, 'field', `value:${id}`), { origin: 1 }));
      return Promise.all(sends);
    });
    expect((replies as Buffer[]).map(String)).toEqual(Array.from({ length: BATCH }, (_, i) => `${start + i}-0`));
    batchMs.push(ms);
  }
  expect(await s.send(storageCommand(Op.XLEN, 0, [b('big')]))).toBe(N);
  // O(1) appends: the last tenth of the batches is not slower than a small multiple of
  // the first tenth (an O(N) append would be ~10x slower at the end than at 100,000).
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const early = median(batchMs.slice(0, 100));
  const late = median(batchMs.slice(-100));
  expect(late).toBeLessThan(early * 4 + 50);

  // 100 entries from the middle: one seek, whatever is before them.
  const [range, rangeMs] = await timed(() => s!.send(xrange('big', 500_000, N, 100)));
  const ids = (range as Array<[Buffer, Buffer[]]>).map(([id]) => id.toString());
  expect(ids.length).toBe(100);
  expect(ids[0]).toBe('500000-0');
  expect(ids[99]).toBe('500099-0');
  expect(rangeMs).toBeLessThan(500);

  // MAXLEN ~ removes whole groups of 100 up to LIMIT (default 100 x 100 = 10,000).
  const trimmed = (await s.send(xadd('xtrim', 'big', 'MAXLEN', '~', '0'))) as number;
  expect(trimmed).toBe(10_000);
  expect(await s.send(storageCommand(Op.XLEN, 0, [b('big')]))).toBe(N - 10_000);
  const first = (await s.send(xrange('big', 0, N, 1))) as Array<[Buffer, Buffer[]]>;
  expect(first[0][0].toString()).toBe('10001-0');

  await s.send(Cmd.flushMemtable());
  const before = sstBytes(s);
  expect(before).toBeGreaterThan(20 * 1024 * 1024);
  const [deleted, delMs] = await timed(() => s!.send(Cmd.del(['big'])));
  expect(deleted).toBe(1);
  // One metadata write; walking 990,000 entries would take seconds.
  expect(delMs).toBeLessThan(500);
  expect(await s.send(storageCommand(Op.XLEN, 0, [b('big')]))).toBe(0);
  await s.send(Cmd.compact());
  expect(sstBytes(s)).toBeLessThan(1024 * 1024);
});
