// Open, close, reopen, backpressure, deadlines, threads, and exits with work in flight.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ClosedError, StorageError, TimeoutError } from '../../src/errors.js';
import { encodeBatch } from '../../src/storage/codec.js';
import { addonPath } from '../../src/storage/native.js';
import { Priority, SubmitResult } from '../../src/storage/ops.js';
import { Cmd } from '../../src/storage/requests.js';
import { StorageServer } from '../../src/storage/storage-server.js';
import { openStorage, removeDir, sleep, tempDir, type TestStorage } from './helpers.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

function track(t: TestStorage): TestStorage {
  cleanup.push(() => removeDir(t.dir));
  cleanup.push(async () => {
    if (t.server.running) await t.close();
  });
  return t;
}

describe('open and close', () => {
  it('reopen keeps data, expiries included', async () => {
    let s = track(openStorage());
    await Promise.all(Array.from({ length: 1000 }, (_, i) => s.send(Cmd.set(`k${i}`, `v${i}`))));
    await s.send(Cmd.set('ttl', 'v', { ttlMs: 100_000 }));
    s = track(await s.reopen());
    expect(await s.send(Cmd.dbsize())).toBe(1001);
    expect(await s.str(Cmd.get('k999'))).toBe('v999');
    expect(await s.send(Cmd.ttl('ttl'))).toBeGreaterThan(98);
  });

  it('close waits for batches in flight, and none is lost', async () => {
    let s = track(openStorage({ threads: 2 }));
    const pending = Array.from({ length: 5000 }, (_, i) => s.send(Cmd.set(`f${i}`, 'v')));
    s.client.flush();
    const closing = s.server.stop();
    const replies = await Promise.all(pending);
    await closing;
    expect(replies.every((r) => r === 'OK')).toBe(true);
    s = track(openStorage({}, s.dir));
    expect(await s.send(Cmd.dbsize())).toBe(5000);
  });

  it('requests after close fail with ClosedError', async () => {
    const s = track(openStorage());
    await s.close();
    await expect(s.send(Cmd.get('k'))).rejects.toBeInstanceOf(ClosedError);
  });

  it('a second open of the same directory fails with a clear error', async () => {
    const s = track(openStorage());
    expect(() => StorageServer.open({ dir: s.dir })).toThrow(/cannot open the data directory.*lock/i);
  });

  it('an unknown compression is refused at open', () => {
    const dir = tempDir();
    cleanup.push(() => removeDir(dir));
    expect(() => StorageServer.open({ dir, compression: 'brotli' })).toThrow(StorageError);
  });

  it('a data directory from a newer on-disk format is refused', async () => {
    const s = track(openStorage());
    await s.send(Cmd.rawSet('format-version', '99', 0xff));
    await s.close();
    expect(() => StorageServer.open({ dir: s.dir })).toThrow(/on-disk format 99/);
  });

  it('opens with every sync mode', async () => {
    for (const sync of ['always', 'periodic', 'none'] as const) {
      const s = track(openStorage({ sync, syncIntervalMs: 10 }));
      await s.send(Cmd.set('k', sync));
      await sleep(20);
      expect(await s.str(Cmd.get('k'))).toBe(sync);
      await s.close();
    }
  });
});

describe('storage threads', () => {
  const threadNames = () =>
    readdirSync('/proc/self/task').map((t) => readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim());

  it('threads are named kiwi-storage-N and resize at run time', async () => {
    const s = track(openStorage({ threads: 2 }));
    expect(threadNames().filter((n) => n.startsWith('kiwi-storage-')).sort()).toEqual(['kiwi-storage-0', 'kiwi-storage-1']);
    s.server.setThreads(4);
    await sleep(20);
    expect(s.server.stats().threads).toBe(4);
    expect(threadNames().filter((n) => n.startsWith('kiwi-storage-')).length).toBe(4);
    s.server.setThreads(1);
    await Promise.all(Array.from({ length: 100 }, () => s.send(Cmd.incrBy('n', 1))));
    await sleep(20);
    expect(s.server.stats().threads).toBe(1);
    expect(await s.str(Cmd.get('n'))).toBe('100');
  });
});

describe('backpressure and deadlines', () => {
  it('a full queue refuses a batch with BACKPRESSURE instead of growing', async () => {
    const s = track(openStorage({ threads: 1, capacity: 10 }));
    const big = encodeBatch(Array.from({ length: 20_000 }, (_, i) => Cmd.set(`b${i}`, 'v')));
    const small = () => encodeBatch(Array.from({ length: 8 }, (_, i) => Cmd.set(`s${i}`, 'v')));
    const done: Promise<void>[] = [];
    const submit = (b: ReturnType<typeof encodeBatch>) => {
      let resolve!: () => void;
      const p = new Promise<void>((r) => (resolve = r));
      const id = s.server.submit(b, Priority.NORMAL, 0, () => resolve());
      if (id > 0) done.push(p);
      return id;
    };
    expect(submit(big)).toBeGreaterThan(0);
    const results = [submit(small()), submit(small())];
    expect(results).toContain(-SubmitResult.BACKPRESSURE);
    expect(s.server.stats().backpressureEvents).toBeGreaterThanOrEqual(1);
    await Promise.all(done);
  });

  it('batch ids are distinct while in flight, and an id is reused only after its batch completes', async () => {
    const s = track(openStorage({ threads: 1, capacity: 100 }));
    const round = () => {
      const replies: string[] = [];
      const ids = Array.from({ length: 10 }, (_, i) =>
        s.server.submit(encodeBatch([Cmd.set(`id${i}`, `v${i}`), Cmd.get(`id${i}`)]), Priority.NORMAL, 0, (_status, r) => {
          replies.push(String(r![1]));
        }),
      );
      return { ids, replies };
    };
    const first = round();
    expect(new Set(first.ids).size).toBe(10);
    expect(Math.min(...first.ids)).toBeGreaterThan(0);
    expect(s.server.pending).toBe(10);
    await s.server.drain();
    expect(s.server.pending).toBe(0);
    expect(first.replies.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`).sort());
    const second = round();
    expect([...second.ids].sort()).toEqual([...first.ids].sort());
    await s.server.drain();
    expect(second.replies).toHaveLength(10);
  });

  it('through the client, every request completes and the channel pauses and resumes', async () => {
    const s = track(openStorage({ threads: 1, capacity: 50 }));
    const events: string[] = [];
    s.channel.on('pause', () => events.push('pause'));
    s.channel.on('resume', () => events.push('resume'));
    const all = Array.from({ length: 5000 }, () => s.send(Cmd.incrBy('n', 1)));
    await Promise.all(all);
    expect(await s.str(Cmd.get('n'))).toBe('5000');
    expect(events[0]).toBe('pause');
    expect(events.at(-1)).toBe('resume');
    expect(s.channel.stats().pending).toBe(0);
  });

  it('a request whose deadline passes while queued times out and never runs', async () => {
    const s = track(openStorage({ threads: 1 }));
    const slow = s.send(Array.from({ length: 1 }, () => Cmd.keys('*'))[0]);
    await Promise.all(Array.from({ length: 30_000 }, (_, i) => s.send(Cmd.set(`pad${i}`, 'x'.repeat(100)))));
    // One thread: a KEYS over 30k keys first, then the victim with a 1 ms deadline.
    const blocker = s.send(Cmd.keys('*'), { priority: Priority.LOW });
    const victim = s.send(Cmd.set('victim', 'ran'), { timeoutMs: 1 });
    await expect(victim).rejects.toBeInstanceOf(TimeoutError);
    await blocker;
    await slow;
    expect(await s.send(Cmd.get('victim'))).toBeNull();
    expect(s.client.stats().timeouts).toBe(1);
  });
});

describe('exits with work in flight', () => {
  it('a worker thread that loads the addon and exits mid-flight leaves the database closed and intact', async () => {
    const dir = tempDir();
    cleanup.push(() => removeDir(dir));
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      const { NativeStorage, constants } = require(workerData.addon);
      const db = new NativeStorage(workerData.dir, { threads: 2 }, () => {});
      function batch(n, tag) {
        const parts = [Buffer.alloc(4)]; parts[0].writeUInt32LE(n);
        for (let i = 0; i < n; i++) {
          const key = Buffer.from(tag + ':' + i), value = Buffer.alloc(100, 1), h = Buffer.alloc(24);
          h[0] = constants.ops.SET; h.writeUInt32LE(2, 4);
          const kl = Buffer.alloc(4); kl.writeUInt32LE(key.length);
          const vl = Buffer.alloc(4); vl.writeUInt32LE(value.length);
          parts.push(h, kl, key, vl, value);
        }
        return Buffer.concat(parts);
      }
      const keep = [];
      for (let b = 0; b < 200; b++) { const req = batch(500, 'w' + b); keep.push(req); db.submit(b + 1, 1, req, null, 0); }
      parentPort.postMessage('submitted');
      process.exit(0);
    `;
    const worker = new Worker(code, { eval: true, workerData: { addon: addonPath(), dir } });
    const messages: string[] = [];
    worker.on('message', (m) => messages.push(m));
    const exitCode = await new Promise<number>((resolve) => worker.on('exit', resolve));
    expect(exitCode).toBe(0);
    expect(messages).toEqual(['submitted']);
    // The environment cleanup hook closed RocksDB: it opens again (no LOCK held) and
    // every batch that ran is whole.
    const s = track(openStorage({}, dir));
    const size = (await s.send(Cmd.dbsize())) as number;
    expect(size % 500).toBe(0);
  });

  it('terminating a worker mid-flight does not crash the process', async () => {
    const dir = tempDir();
    cleanup.push(() => removeDir(dir));
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      const { NativeStorage, constants } = require(workerData.addon);
      const db = new NativeStorage(workerData.dir, { threads: 2 }, () => {});
      const h = Buffer.alloc(4 + 24 + 4 + 1); h.writeUInt32LE(1); h[4] = constants.ops.KEYS; h.writeUInt32LE(1, 8); h.writeUInt32LE(1, 28); h[32] = 42;
      for (let i = 1; i < 100000; i++) db.submit(i, 2, h, null, 0);
      parentPort.postMessage('busy');
      setInterval(() => {}, 1000);
    `;
    const worker = new Worker(code, { eval: true, workerData: { addon: addonPath(), dir } });
    await new Promise((r) => worker.once('message', r));
    await worker.terminate();
    const s = track(openStorage({}, dir));
    expect(await s.send(Cmd.ping())).toBe('OK');
  });

  // A worker that attaches to the main thread's database (as network runtimes do): one
  // RocksDB, one pool, completions delivered to whichever thread submitted.
  const attachCode = `
    const { workerData, parentPort } = require('node:worker_threads');
    const { NativeStorage, constants } = require(workerData.addon);
    function batch(n, tag, op) {
      const parts = [Buffer.alloc(4)]; parts[0].writeUInt32LE(n);
      for (let i = 0; i < n; i++) {
        const key = Buffer.from(tag + ':' + i), value = Buffer.from('from-worker'), h = Buffer.alloc(24);
        h[0] = constants.ops[op]; h.writeUInt32LE(op === 'SET' ? 2 : 1, 4);
        const kl = Buffer.alloc(4); kl.writeUInt32LE(key.length);
        const vl = Buffer.alloc(4); vl.writeUInt32LE(value.length);
        parts.push(h, kl, key); if (op === 'SET') parts.push(vl, value);
      }
      return Buffer.concat(parts);
    }
    const done = new Map();
    const db = new NativeStorage(workerData.token, (id, status) => done.get(id)?.(status));
    const submit = (id, req) => new Promise((resolve) => { done.set(id, resolve); db.submit(id, 1, req, null, 0); });
    parentPort.on('message', async (m) => {
      if (m === 'write') parentPort.postMessage(await submit(1, batch(100, 'w', 'SET')));
      if (m === 'flood') {
        const keep = [];
        for (let b = 0; b < 300; b++) { const req = batch(300, 'f' + b, 'SET'); keep.push(req); db.submit(1000 + b, 1, req, null, 0); }
        globalThis.keep = keep;
        parentPort.postMessage('flooding');
      }
      if (m === 'detach') { db.detach(); parentPort.postMessage('detached'); }
      if (m === 'submit-after-detach') parentPort.postMessage(db.submit(5, 1, batch(1, 'x', 'SET'), null, 0));
    });
    parentPort.postMessage('attached');
  `;

  function attachWorker(token: number): { worker: Worker; next: () => Promise<unknown>; send: (m: string) => void } {
    const worker = new Worker(attachCode, { eval: true, workerData: { addon: addonPath(), token } });
    const inbox: unknown[] = [];
    const waiting: Array<(m: unknown) => void> = [];
    worker.on('message', (m) => (waiting.length > 0 ? waiting.shift()!(m) : inbox.push(m)));
    cleanup.push(() => worker.terminate().then(() => {}));
    return { worker, send: (m) => worker.postMessage(m), next: () => (inbox.length > 0 ? Promise.resolve(inbox.shift()) : new Promise((r) => waiting.push(r))) };
  }

  it('a worker attached by token shares the database: each side sees the other\'s writes, completions go to the submitter', async () => {
    const s = track(openStorage());
    await s.send(Cmd.set('from-main', 'yes'));
    const w = attachWorker(s.server.token);
    expect(await w.next()).toBe('attached');
    w.send('write');
    expect(await w.next()).toBe(0);
    expect(await s.str(Cmd.get('w:42'))).toBe('from-worker');
    expect(await s.send(Cmd.dbsize())).toBe(101);
    w.send('detach');
    expect(await w.next()).toBe('detached');
    w.send('submit-after-detach');
    expect(await w.next()).toBe(SubmitResult.CLOSED);
    expect(await s.str(Cmd.get('from-main'))).toBe('yes');
  });

  it('an attached worker terminated mid-flight takes back its queued batches; the database and the main thread go on', async () => {
    const s = track(openStorage());
    const w = attachWorker(s.server.token);
    expect(await w.next()).toBe('attached');
    w.send('flood');
    expect(await w.next()).toBe('flooding');
    await w.worker.terminate();
    // Every worker batch either ran whole or was cancelled; the main thread still works.
    const size = (await s.send(Cmd.dbsize())) as number;
    expect(size % 300).toBe(0);
    expect(await s.send(Cmd.set('after', '1'))).toBe('OK');
    expect(await s.str(Cmd.get('after'))).toBe('1');
    await s.close();
    expect(() => StorageServer.attach(s.server.token)).toThrow(/closed/);
  });

  it('acknowledged writes survive a kill -9 of the process', async () => {
    const dir = tempDir();
    cleanup.push(() => removeDir(dir));
    const script = `
      const { NativeStorage, constants } = require(${JSON.stringify(addonPath())});
      let acked = 0;
      const db = new NativeStorage(process.argv[1], { threads: 2, sync: 'periodic' }, (id, status) => {
        if (status === 0) { acked = id; process.stdout.write(id + '\\n'); }
        send(id + 1);
      });
      function send(i) {
        const key = Buffer.from('k' + i), h = Buffer.alloc(4 + 24 + 4 + key.length + 4 + 1);
        h.writeUInt32LE(1); h[4] = constants.ops.SET; h.writeUInt32LE(2, 8);
        h.writeUInt32LE(key.length, 28); key.copy(h, 32); h.writeUInt32LE(1, 32 + key.length); h[36 + key.length] = 118;
        globalThis.keep = h;
        db.submit(i, 1, h, null, 0);
      }
      send(1);
    `;
    const child = spawn(process.execPath, ['-e', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    while (out.split('\n').length < 2000) await sleep(10);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const acked = Math.max(...out.trim().split('\n').map(Number).filter(Number.isFinite));
    expect(acked).toBeGreaterThan(1000);
    const s = track(openStorage({}, dir));
    const missing: number[] = [];
    for (let i = 1; i <= acked; i++) if ((await s.send(Cmd.exists([`k${i}`]))) !== 1) missing.push(i);
    expect(missing).toEqual([]);
  });
});
