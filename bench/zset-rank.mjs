// Sorted-set walks in the storage runtime alone (no network): ZRANK and ZRANGE by rank
// at either end and in the middle of a big sorted set, in memtables and after a flush,
// and ZPOPMIN deep into a queue (how much the range hints save). Figures in
// bench/README.md ("Sorted sets: ranks and pops").
//
//   npm run build && node bench/zset-rank.mjs [--members 1000000] [--queue 40000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { StorageServer } from '../dist/storage/storage-server.js';
import { MessageChannel } from '../dist/storage/message-channel.js';
import { StorageClient } from '../dist/storage/storage-client.js';
import { Cmd, storageCommand } from '../dist/storage/requests.js';
import { Flag, Op } from '../dist/storage/ops.js';

const { values } = parseArgs({ options: { members: { type: 'string' }, queue: { type: 'string' } } });
const N = Number(values.members ?? 1_000_000);
const Q = Number(values.queue ?? 40_000);
const dir = mkdtempSync(join(tmpdir(), 'kiwi-zset-bench-'));
const server = StorageServer.open({ dir, threads: 2 });
const client = new StorageClient(new MessageChannel(server, { capacity: 10_000 }));
const send = (c) => client.sendRequest(c);
const f64s = (xs) => {
  const b = Buffer.alloc(8 * xs.length);
  xs.forEach((x, i) => b.writeDoubleLE(x, 8 * i));
  return b;
};
const member = (i) => Buffer.from(`member:${String(i).padStart(7, '0')}`);

async function load(key, n) {
  const started = performance.now();
  for (let i = 0; i < n; i += 1000) {
    const ids = Array.from({ length: Math.min(1000, n - i) }, (_, j) => i + j);
    await send(storageCommand(Op.ZADD, 0, [Buffer.from(key), f64s(ids), ...ids.map(member)]));
  }
  return performance.now() - started;
}

/** Median of 5 runs, in ms. */
async function time(cmd) {
  const ts = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await send(cmd);
    ts.push(performance.now() - t);
  }
  return ts.sort((a, b) => a - b)[2];
}

try {
  const key = Buffer.from('big');
  console.log(`loaded ${N} members in ${(await load('big', N) / 1000).toFixed(1)} s (ZADD of 1,000 members a command, one at a time)`);
  const cases = [
    ['ZRANK of the last member', storageCommand(Op.ZRANK, 0, [key, member(N - 1)])],
    ['ZRANK of the middle member', storageCommand(Op.ZRANK, 0, [key, member(N / 2)])],
    ['ZRANK of the first member', storageCommand(Op.ZRANK, 0, [key, member(0)])],
    [`ZRANGE ${N - 1000} ${N - 990}`, storageCommand(Op.ZRANGE, 0, [key], 0, N - 1000, N - 990)],
    [`ZRANGE ${N / 2} ${N / 2 + 10}`, storageCommand(Op.ZRANGE, 0, [key], 0, N / 2, N / 2 + 10)],
    ['ZRANGE 0 10', storageCommand(Op.ZRANGE, 0, [key], 0, 0, 10)],
  ];
  for (const phase of ['in memtables', 'after a flush']) {
    if (phase === 'after a flush') await send(Cmd.flushMemtable());
    for (const [label, cmd] of cases) console.log(`${phase}: ${label}: ${(await time(cmd)).toFixed(2)} ms`);
  }
  const queue = Buffer.from('queue');
  await load('queue', Q);
  const pops = async (n) => {
    const t = performance.now();
    for (let i = 0; i < n; i++) await send(storageCommand(Op.ZPOP, 0, [queue], 0));
    return ((performance.now() - t) / n) * 1000;
  };
  console.log(`ZPOPMIN, one at a time: first 500: ${(await pops(500)).toFixed(0)} us a pop`);
  await send(storageCommand(Op.ZPOP, 0, [queue], Flag.COUNT_GIVEN, Q / 2 - 500));
  console.log(`ZPOPMIN after ${Q / 2} pops: ${(await pops(500)).toFixed(0)} us a pop`);
} finally {
  await client.drain();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
