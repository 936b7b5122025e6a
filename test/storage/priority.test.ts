// Priority queues: a flood of slow low-priority work cannot hold every storage thread,
// so point reads keep being served. (bench/priority.bench.mjs measures the latency.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Priority } from '../../src/storage/ops.js';
import { Cmd } from '../../src/storage/requests.js';
import { openStorage, removeDir, type TestStorage } from './helpers.js';

let s: TestStorage;
beforeAll(async () => {
  s = openStorage({ threads: 2 });
  const keys = Array.from({ length: 50_000 }, (_, i) => [`key:${i}`, 'x'.repeat(50)]).flat();
  for (let i = 0; i < keys.length; i += 2000) await s.send(Cmd.mset(keys.slice(i, i + 2000)));
});
afterAll(async () => {
  await s.close();
  removeDir(s.dir);
});

async function race(priority: number) {
  const order: string[] = [];
  const floods = Array.from({ length: 12 }, (_, i) =>
    s.send(Cmd.keys('*nomatch*'), { priority: Priority.LOW, origin: 1000 + i }).then(() => order.push('keys')),
  );
  // Let the flood reach the storage queue first.
  await new Promise((r) => setImmediate(r));
  const get = s.send(Cmd.get('key:1'), { priority, origin: 1 }).then(() => order.push('get'));
  await Promise.all([...floods, get]);
  return order.indexOf('get');
}

describe('priority queues', () => {
  it('a point read overtakes a flood of queued low-priority scans', async () => {
    // Low-priority work may hold at most threads-1 = 1 thread: the read gets the other.
    expect(await race(Priority.NORMAL)).toBeLessThan(3);
  });

  it('without its priority the same read waits behind the flood (the test above can fail)', async () => {
    expect(await race(Priority.LOW)).toBeGreaterThan(6);
  });
});
