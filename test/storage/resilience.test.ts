// Retries, deadlines, fault injection and the breaker through StorageClient, against a
// real RocksDB. The invariant under test: every request either runs exactly once and
// is answered with its result, or never runs and is answered with an error, once.
import { afterEach, describe, expect, it } from 'vitest';
import { BreakerOpenError, InjectedFaultError, TimeoutError } from '../../src/errors.js';
import { OpError, encodeBatch } from '../../src/storage/codec.js';
import { MessageChannel } from '../../src/storage/message-channel.js';
import { Priority } from '../../src/storage/ops.js';
import { Cmd } from '../../src/storage/requests.js';
import { StorageClient, type StorageClientOptions } from '../../src/storage/storage-client.js';
import { StorageServer } from '../../src/storage/storage-server.js';
import { defaultDir } from '../helpers/storage-mode.js';
import { removeDir, sleep } from './helpers.js';

const open: Array<{ server: StorageServer; client: StorageClient; dir: string }> = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    o.client.faults && (o.client.faults.settings = { errorRate: 0, delayMs: 0, dropRate: 0, logEvents: false });
    await o.client.drain();
    await o.server.stop();
    removeDir(o.dir);
  }
});

function setup(options: StorageClientOptions = {}) {
  const dir = defaultDir();
  const server = StorageServer.open({ dir, threads: 2 });
  const client = new StorageClient(new MessageChannel(server, { capacity: 10_000 }), options);
  open.push({ server, client, dir });
  return { server, client };
}

const faults = (o: Partial<{ errorRate: number; delayMs: number; dropRate: number }>) => ({ errorRate: 0, delayMs: 0, dropRate: 0, logEvents: false, ...o });
const noBreaker = { enabled: false, failureThreshold: 5, failureRate: 0.5, minimumRequests: 20, windowMs: 10_000, cooldownMs: 100, halfOpenProbes: 1 };

describe('transient failures in the storage runtime', () => {
  it('a transient write failure stops the rest of the batch: nothing after it runs', async () => {
    const { server } = setup();
    const batch = encodeBatch([Cmd.set('before', '1'), Cmd.get('before'), Cmd.failWrite('busy'), Cmd.set('after', '1'), Cmd.get('before'), Cmd.incrBy('n', 1)]);
    const replies = await new Promise<unknown[]>((resolve) => server.submit(batch, Priority.NORMAL, 0, (_s, r) => resolve(r!)));
    expect(replies[0]).toBe('OK');
    expect(String(replies[1])).toBe('1');
    for (const r of replies.slice(2)) expect((r as OpError).codeName).toBe('BUSY');
    const check = encodeBatch([Cmd.exists(['after', 'n'])]);
    const [count] = await new Promise<unknown[]>((resolve) => server.submit(check, Priority.NORMAL, 0, (_s, r) => resolve(r!)));
    expect(count).toBe(0);
  });

  it('a non-transient failure fails only its own write group', async () => {
    const { server } = setup();
    const batch = encodeBatch([Cmd.failWrite('io'), Cmd.get('x'), Cmd.set('after', '1')]);
    const replies = await new Promise<unknown[]>((resolve) => server.submit(batch, Priority.NORMAL, 0, (_s, r) => resolve(r!)));
    expect((replies[0] as OpError).codeName).toBe('IO_ERROR');
    expect(replies[1]).toBeNull();
    expect(replies[2]).toBe('OK');
  });

  it('a transient failure is retried, then answered with its error when retries run out', async () => {
    const { client } = setup({ retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 }, breaker: noBreaker });
    const r = await client.sendRequest(Cmd.failWrite('tryagain'));
    expect((r as OpError).codeName).toBe('TRY_AGAIN');
    expect(client.stats().retried).toBe(2);
  });
});

describe('injected errors and retries', () => {
  it('every INCR runs exactly once: the counter equals the acknowledged increments', async () => {
    // Batches of 10: 200 batches, each hit by an injected error with probability 0.4.
    const { client } = setup({ batchSize: 10, retry: { maxRetries: 4, baseDelayMs: 1, maxDelayMs: 4 }, breaker: noBreaker, faults: faults({ errorRate: 0.4 }) });
    const results = await Promise.allSettled(Array.from({ length: 2000 }, () => client.sendRequest(Cmd.incrBy('n', 1))));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const failed = results.filter((r) => r.status === 'rejected');
    for (const f of failed) expect((f as PromiseRejectedResult).reason).toBeInstanceOf(InjectedFaultError);
    client.faults!.settings = faults({});
    expect(Number(String(await client.sendRequest(Cmd.get('n'))))).toBe(ok);
    expect(client.stats().retried).toBeGreaterThan(0);
    expect(ok).toBeGreaterThan(1500);
  });

  it('retries keep each origin\'s order: a read after a write sees it', async () => {
    const { client } = setup({ retry: { maxRetries: 10, baseDelayMs: 1, maxDelayMs: 2 }, breaker: noBreaker, faults: faults({ errorRate: 0.5 }) });
    const checks: Array<Promise<unknown>> = [];
    for (let i = 0; i < 200; i++) {
      const origin = (i % 10) + 1;
      client.enqueue(Cmd.set(`k${origin}`, String(i)), () => {}, { origin });
      checks.push(client.sendRequest(Cmd.get(`k${origin}`), { origin }).then((v) => expect(String(v)).toBe(String(i))));
      if (i % 7 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(checks);
  });
});

describe('injected delays and drops', () => {
  it('a delay past the deadline times out, and the command never runs', async () => {
    const { client } = setup({ breaker: noBreaker, faults: faults({ delayMs: 60 }), requestTimeoutMs: 20 });
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => client.sendRequest(Cmd.incrBy('n', 1))));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(TimeoutError);
    }
    client.faults!.settings = faults({});
    expect(await client.sendRequestWithTimeout(Cmd.get('n'), 5000)).toBeNull();
  });

  it('a delayed request past its deadline is answered exactly once', async () => {
    const { client } = setup({ breaker: noBreaker, faults: faults({ delayMs: 80 }), requestTimeoutMs: 20 });
    const answers: Array<Error | null> = [];
    client.enqueue(Cmd.incrBy('n', 1), (err) => answers.push(err));
    await sleep(150);
    expect(answers.length).toBe(1);
    expect(answers[0]).toBeInstanceOf(TimeoutError);
    expect(client.stats().timeouts).toBe(1);
  });

  it('a delay within the deadline only postpones the command', async () => {
    const { client } = setup({ breaker: noBreaker, faults: faults({ delayMs: 20 }), requestTimeoutMs: 2000 });
    const t0 = performance.now();
    expect(await client.sendRequest(Cmd.incrBy('n', 1))).toBe(1);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(19);
  });

  it('a dropped request is answered as timed out at its deadline and never runs', async () => {
    const { client } = setup({ breaker: noBreaker, faults: faults({ dropRate: 1 }), requestTimeoutMs: 50 });
    await expect(client.sendRequest(Cmd.set('dropped', '1'))).rejects.toBeInstanceOf(TimeoutError);
    client.faults!.settings = faults({});
    expect(await client.sendRequest(Cmd.exists(['dropped']))).toBe(0);
  });
});

describe('circuit breaker around the storage runtime', () => {
  it('injected errors open it, requests then fail at once, and it closes after they stop', async () => {
    const breaker = { enabled: true, failureThreshold: 3, failureRate: 0.9, minimumRequests: 1000, windowMs: 10_000, cooldownMs: 50, halfOpenProbes: 1 };
    const { client } = setup({ retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 }, breaker, faults: faults({ errorRate: 1 }) });
    for (let i = 0; i < 3; i++) await expect(client.sendRequest(Cmd.ping())).rejects.toBeInstanceOf(InjectedFaultError);
    expect(client.breaker.state).toBe('open');
    const t0 = performance.now();
    await expect(client.sendRequest(Cmd.ping())).rejects.toBeInstanceOf(BreakerOpenError);
    expect(performance.now() - t0).toBeLessThan(20);
    client.faults!.settings = faults({});
    await sleep(60);
    expect(client.breaker.state).toBe('half_open');
    // While the probe runs, other requests wait instead of failing; then all succeed.
    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => client.sendRequest(Cmd.set(`k${i}`, 'v'), { origin: i + 1 })));
    expect(replies.every((r) => r === 'OK')).toBe(true);
    expect(client.breaker.state).toBe('closed');
  });
});
