// BullMQ, unchanged, against kiwi with three network runtimes and against Debian's
// redis-server: a Worker processes jobs (some fail), and QueueEvents, which reads the
// queue's event stream with XREAD BLOCK, receives a `completed` or `failed` event for each
// one. BullMQ's Lua scripts XADD those events (with MAXLEN ~) while the QueueEvents
// connection is blocked on the stream.
import { Queue, QueueEvents, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { onPath, startReferenceRedis, type ReferenceRedis } from './harness.js';

const HAVE_REDIS = onPath('redis-server');
let kiwi: TestServer;
let redis: ReferenceRedis | undefined;

beforeAll(async () => {
  [kiwi, redis] = await Promise.all([startTestServer({ settings: { 'runtime.network_threads': 3 } }), HAVE_REDIS ? startReferenceRedis() : undefined]);
});
afterAll(async () => {
  await Promise.all([kiwi?.destroy(), redis?.stop()]);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `n` jobs (every third fails) and returns what QueueEvents heard, sorted by job id. */
async function run(port: number, n: number): Promise<{ completed: string[]; failed: string[] }> {
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const queue = new Queue('jobs', { connection });
  const events = new QueueEvents('jobs', { connection });
  await events.waitUntilReady();
  const completed: string[] = [];
  const failed: string[] = [];
  events.on('completed', ({ jobId, returnvalue }) => completed.push(`${jobId}=${String(returnvalue)}`));
  events.on('failed', ({ jobId, failedReason }) => failed.push(`${jobId}:${failedReason}`));
  const worker = new Worker('jobs', async (job) => {
    if (job.data.n % 3 === 0) throw new Error(`job ${job.data.n} failed`);
    return job.data.n * 2;
  }, { connection, concurrency: 4 });
  try {
    for (let i = 1; i <= n; i++) await queue.add('job', { n: i });
    const deadline = Date.now() + 20_000;
    while (completed.length + failed.length < n && Date.now() < deadline) await sleep(20);
  } finally {
    await worker.close();
    await events.close();
    await queue.close();
  }
  const byId = (a: string, b: string) => Number.parseInt(a, 10) - Number.parseInt(b, 10);
  return { completed: completed.sort(byId), failed: failed.sort(byId) };
}

describe('BullMQ', () => {
  it('QueueEvents receives completed and failed events for the jobs a Worker processes (kiwi, 3 network runtimes)', async () => {
    const got = await run(kiwi.port, 30);
    expect(got.completed.length).toBe(20);
    expect(got.failed.length).toBe(10);
    expect(got.completed[0]).toBe('1=2');
    expect(got.failed[0]).toBe('3:job 3 failed');
    if (redis !== undefined) expect(await run(redis.port, 30)).toEqual(got);
  }, 60_000);
});
