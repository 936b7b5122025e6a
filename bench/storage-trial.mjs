// One trial of the storage benchmark, in its own process (bench/storage.bench.mjs spawns
// it): `node bench/storage-trial.mjs <contender> <set|get> <batch> [--max-time s]
// [--min-samples n] [--target-rme pct] [--max-extra n]`. It opens a fresh database in a
// temp dir, preloads it for GET, measures with benchmark.js (one benchmark op = one
// batch, one batch in flight at a time) and prints one JSON line: key operations per
// second (batches/s × batch), benchmark.js' relative margin of error and its sample count.
//
// Every contender gets the same pre-built 16-byte keys, the same 100-byte value and the
// same pseudo-random key order, and builds its own request objects inside the timed op.
// GET reads 100,000 preloaded keys, flushed and compacted first so that no contender's
// reads race its own background compaction (LevelDB's 4 MiB memtable would otherwise
// leave several L0 files and a compaction running).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Benchmark from 'benchmark';

const KEY_SPACE = 100_000;
const KEY_BYTES = 16;
const VALUE_BYTES = 100;

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'max-time': { type: 'string', default: '1' },
    'min-samples': { type: 'string', default: '20' },
    'target-rme': { type: 'string', default: '5' },
    'max-extra': { type: 'string', default: '1' },
  },
});
const [contender, op, batchArg] = positionals;
const batch = Number(batchArg);
if (!['set', 'get'].includes(op) || !Number.isInteger(batch) || batch < 1) {
  console.error('usage: node bench/storage-trial.mjs <contender> <set|get> <batch>');
  process.exit(2);
}

// 'key:' + 12 digits = 16 bytes: ids are zero-padded so every key has the same length.
const keys = Array.from({ length: KEY_SPACE }, (_, i) => Buffer.from(`key:${String(i).padStart(KEY_BYTES - 4, '0')}`));
// Random bytes, so neither LZ4 (kiwi) nor Snappy (LevelDB) gets an easy ride.
const value = Buffer.alloc(VALUE_BYTES);
let seed = 0x9e3779b9;
function random() {
  // xorshift32: the same sequence in every process, whatever the contender.
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
}
for (let i = 0; i < VALUE_BYTES; i++) value[i] = Math.floor(random() * 256);
const order = Uint32Array.from({ length: 1 << 20 }, () => Math.floor(random() * KEY_SPACE));
let cursor = 0;
/** The next `batch` keys of the shared pseudo-random order. */
function nextKeys() {
  const out = new Array(batch);
  for (let i = 0; i < batch; i++) {
    out[i] = keys[order[cursor]];
    cursor = (cursor + 1) & (order.length - 1);
  }
  return out;
}

const contenders = {
  // The addon through its thin TS face: one encodeBatch + one submit per batch.
  async 'kiwi-batch'(dir) {
    const { StorageServer } = await import('../dist/storage/storage-server.js');
    const { encodeBatch } = await import('../dist/storage/codec.js');
    const { Cmd } = await import('../dist/storage/requests.js');
    const { Priority, BatchStatus } = await import('../dist/storage/ops.js');
    const server = StorageServer.open({ dir, threads: 2 });
    const run = (commands) =>
      new Promise((resolve, reject) => {
        const id = server.submit(encodeBatch(commands), Priority.NORMAL, 0, (status, replies) =>
          status === BatchStatus.OK ? resolve(replies) : reject(new Error(`batch status ${status}`)),
        );
        if (id < 0) reject(new Error(`submit refused: ${id}`));
      });
    return {
      async load(pairs) {
        for (let i = 0; i < pairs.length; i += 1000) {
          await run(pairs.slice(i, i + 1000).map(([k, v]) => Cmd.set(k, v)));
        }
        await run([Cmd.flushMemtable()]);
        await run([Cmd.compact()]);
      },
      set(ks, done) {
        const commands = new Array(ks.length);
        for (let i = 0; i < ks.length; i++) commands[i] = Cmd.set(ks[i], value);
        server.submit(encodeBatch(commands), Priority.NORMAL, 0, (status) => done(status === BatchStatus.OK ? null : status));
      },
      get(ks, done) {
        const commands = new Array(ks.length);
        for (let i = 0; i < ks.length; i++) commands[i] = Cmd.get(ks[i]);
        server.submit(encodeBatch(commands), Priority.NORMAL, 0, (status, replies) =>
          done(status === BatchStatus.OK && replies[0] !== null ? null : status),
        );
      },
      close: () => server.stop(),
    };
  },

  // The same addon through StorageClient: one promise per command, batched per turn.
  async 'kiwi-client'(dir) {
    const { StorageServer } = await import('../dist/storage/storage-server.js');
    const { MessageChannel } = await import('../dist/storage/message-channel.js');
    const { StorageClient } = await import('../dist/storage/storage-client.js');
    const { Cmd } = await import('../dist/storage/requests.js');
    const server = StorageServer.open({ dir, threads: 2 });
    const client = new StorageClient(new MessageChannel(server, { capacity: 10_000 }), { batchSize: 128, requestTimeoutMs: 0 });
    return {
      async load(pairs) {
        for (let i = 0; i < pairs.length; i += 1000) {
          await Promise.all(pairs.slice(i, i + 1000).map(([k, v]) => client.sendRequest(Cmd.set(k, v))));
        }
        await client.sendRequest(Cmd.flushMemtable());
        await client.sendRequest(Cmd.compact());
      },
      set(ks, done) {
        const all = new Array(ks.length);
        for (let i = 0; i < ks.length; i++) all[i] = client.sendRequest(Cmd.set(ks[i], value));
        Promise.all(all).then(() => done(null), done);
      },
      get(ks, done) {
        const all = new Array(ks.length);
        for (let i = 0; i < ks.length; i++) all[i] = client.sendRequest(Cmd.get(ks[i]));
        Promise.all(all).then((r) => done(r[0] !== null ? null : 'missing'), done);
      },
      close: () => server.stop(),
    };
  },

  // LevelDB (not RocksDB) behind abstract-level. Batch 1 uses put/get, the calls a
  // caller would make for one key. Its default 8 MiB block cache would not hold the
  // 12 MB data set that the other two cache whole; 32 MiB (rocksdb-native's) does.
  async 'classic-level'(dir) {
    const { ClassicLevel } = await import('classic-level');
    const db = new ClassicLevel(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer', cacheSize: 32 << 20 });
    await db.open();
    return {
      async load(pairs) {
        for (let i = 0; i < pairs.length; i += 1000) {
          await db.batch(pairs.slice(i, i + 1000).map(([key, value]) => ({ type: 'put', key, value })));
        }
        await db.compactRange(pairs[0][0], pairs[pairs.length - 1][0]);
      },
      set(ks, done) {
        if (ks.length === 1) {
          db.put(ks[0], value).then(() => done(null), done);
          return;
        }
        const ops = new Array(ks.length);
        for (let i = 0; i < ks.length; i++) ops[i] = { type: 'put', key: ks[i], value };
        db.batch(ops).then(() => done(null), done);
      },
      get(ks, done) {
        if (ks.length === 1) {
          db.get(ks[0]).then((v) => done(v !== undefined ? null : 'missing'), done);
          return;
        }
        db.getMany(ks).then((r) => done(r[0] !== undefined ? null : 'missing'), done);
      },
      close: () => db.close(),
    };
  },

  // RocksDB through holepunch's batched binding. One read batch and one write batch are
  // reused for the whole trial (the cheapest way its API allows).
  async 'rocksdb-native'(dir) {
    const { default: RocksDB } = await import('rocksdb-native');
    const db = new RocksDB(dir);
    await db.ready();
    const w = db.write({ capacity: batch });
    const r = db.read({ capacity: batch });
    return {
      async load(pairs) {
        const lw = db.write({ capacity: 1000 });
        for (let i = 0; i < pairs.length; i += 1000) {
          for (const [k, v] of pairs.slice(i, i + 1000)) lw.tryPut(k, v);
          await lw.flush();
        }
        lw.destroy();
        await db.flush();
        await db.compactRange();
      },
      set(ks, done) {
        for (let i = 0; i < ks.length; i++) w.tryPut(ks[i], value);
        w.flush().then(() => done(null), done);
      },
      get(ks, done) {
        const all = new Array(ks.length);
        for (let i = 0; i < ks.length; i++) all[i] = r.get(ks[i]);
        r.tryFlush();
        Promise.all(all).then((v) => done(v[0] !== null ? null : 'missing'), done);
      },
      async close() {
        w.destroy();
        r.destroy();
        await db.close();
      },
    };
  },
};

function measure(db, maxTime) {
  return new Promise((resolve, reject) => {
    const bench = new Benchmark(`${contender} ${op} ${batch}`, {
      defer: true,
      minSamples: Number(opts['min-samples']),
      maxTime,
      fn(deferred) {
        db[op](nextKeys(), (err) => {
          if (err !== null) reject(new Error(`${contender} ${op} failed: ${err}`));
          deferred.resolve();
        });
      },
      onComplete() {
        resolve(this.stats);
      },
      onError() {
        reject(this.error);
      },
    });
    bench.run({ async: true });
  });
}

/** One measurement on a fresh database, so a repeated one starts from the same state. */
async function measureFresh(open, maxTime) {
  const dir = mkdtempSync(join(tmpdir(), `kiwi-bench-${contender}-`));
  try {
    const db = await open(dir);
    if (op === 'get') await db.load(keys.map((k) => [k, value]));
    const stats = await measure(db, maxTime);
    await db.close();
    return stats;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const open = contenders[contender];
  if (open === undefined) throw new Error(`unknown contender ${contender}; known: ${Object.keys(contenders).join(', ')}`);
  const started = performance.now();
  // benchmark.js stops at maxTime, not at a target error: when the margin of error is
  // still large, measure again for twice as long (--max-extra times) and keep that one.
  let maxTime = Number(opts['max-time']);
  let stats = await measureFresh(open, maxTime);
  let measurements = 1;
  while (measurements <= Number(opts['max-extra']) && stats.rme > Number(opts['target-rme'])) {
    maxTime *= 2;
    stats = await measureFresh(open, maxTime);
    measurements++;
  }
  const batchesPerSec = 1 / stats.mean;
  console.log(
    JSON.stringify({
      contender,
      op,
      batch,
      opsPerSec: batchesPerSec * batch,
      batchesPerSec,
      rme: stats.rme,
      samples: stats.sample.length,
      measurements,
      seconds: (performance.now() - started) / 1000,
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
