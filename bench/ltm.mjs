// Larger than memory (larger than the block cache, that is): kiwi-server with a 64 MB
// RocksDB block cache, loaded with 5M keys x 1 KB random values (5 GB), then random
// GETs over the whole key space next to GETs over 10k keys (10 MB, fits the cache) on
// the same server, -c 50 at -P 1 and -P 16. The OS page cache is not limited: with more
// free RAM than data, misses in the block cache may be served from the page cache, not
// the disk; results.md prints RAM and data size next to the figures.
//
// Between the load and the GETs it waits (at most --settle seconds) for RocksDB's
// pending compactions to reach zero, and reports how long that took.
//
//   npm run build && node bench/ltm.mjs [--quick] [--keys 5000000] [--settle 300] [--tmp DIR]
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { startKiwi, redisBenchmark, sampleRss, info, installCleanup } from './lib/servers.mjs';
import { loadKeys } from './lib/loader.mjs';
import { progress, bar } from './lib/progress.mjs';
import { median } from './lib/stats.mjs';

export const LTM_DEFAULTS = { keys: 5_000_000, valueSize: 1024, blockCache: '64mb', hotKeys: 10_000, clients: 50, pipelines: [1, 16], rounds: 2, seconds: 10, settle: 300, tmp: tmpdir() };
export const LTM_QUICK = { ...LTM_DEFAULTS, keys: 500_000, rounds: 1, seconds: 2, settle: 30 };
const MB = 1024 * 1024;

export class NotEnoughDisk extends Error {}

function freeBytes(dir) {
  const lines = execFileSync('df', ['-Pk', dir], { encoding: 'utf8' }).trim().split('\n');
  return Number(lines.at(-1).split(/\s+/)[3]) * 1024;
}

function diskUsage(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? diskUsage(p) : statSync(p).blocks * 512;
  }
  return total;
}

const gb = (bytes) => `${(bytes / 1024 ** 3).toFixed(1)} GB`;

async function load(server, opts) {
  const counter = { done: 0 };
  const started = performance.now();
  const mb = () => (counter.done * opts.valueSize) / MB;
  const rate = () => mb() / ((performance.now() - started) / 1000);
  const totalMb = (opts.keys * opts.valueSize) / MB;
  progress.step('ltm load', {
    detail: () => `${bar(counter.done / opts.keys)} ${mb().toFixed(0)}/${totalMb.toFixed(0)} MB ${rate().toFixed(1)} MB/s`,
    eta: () => (counter.done > 0 ? (totalMb - mb()) / rate() : NaN),
  });
  return loadKeys({ port: server.port, keys: opts.keys, valueSize: opts.valueSize, progress: counter });
}

/** Waits (up to --settle seconds) until RocksDB has no compaction work pending, so that
 *  the GETs measure a settled LSM tree rather than one still being rewritten after the
 *  load. Reports how long that took and whether it got there. */
async function settle(server, opts) {
  const started = performance.now();
  const pending = () => Number(info(server.port, 'storage').pending_compaction_bytes) || 0;
  let last = pending();
  progress.step('ltm settle: waiting for compactions', { detail: () => `(${(last / MB).toFixed(0)} MB pending)`, eta: () => (last > 0 ? opts.settle - progress.stepElapsed() : NaN) });
  while (last > 0 && performance.now() - started < opts.settle * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    last = pending();
  }
  return { seconds: (performance.now() - started) / 1000, pendingCompactionBytes: last, storage: info(server.port, 'storage') };
}

async function getTrial(server, opts, keyspace, pipeline, requests) {
  const before = info(server.port);
  const rss = sampleRss(server.pid);
  const r = await redisBenchmark({ port: server.port, test: 'get', requests, clients: opts.clients, pipeline, keyspace });
  const after = info(server.port);
  const hits = after.keyspace_hits - before.keyspace_hits;
  return { ...r, maxRss: rss.stop(), hitRatio: hits / (hits + after.keyspace_misses - before.keyspace_misses) };
}

export async function runLtm(options = {}) {
  const opts = { ...(options.quick ? LTM_QUICK : LTM_DEFAULTS), ...options };
  const dataBytes = opts.keys * (opts.valueSize + 16);
  const free = freeBytes(opts.tmp);
  if (free < 2 * dataBytes) {
    throw new NotEnoughDisk(`larger-than-memory benchmark refused: it needs 2x the ${gb(dataBytes)} data set free in ${opts.tmp}, and only ${gb(free)} is (df -Pk ${opts.tmp}). Use --quick, fewer --keys, or --tmp DIR on a larger file system.`);
  }
  const server = await startKiwi({ sets: [`storage.block_cache_size=${opts.blockCache}`], parentDir: opts.tmp });
  try {
    const loaded = await load(server, opts);
    const afterLoad = { diskBytes: diskUsage(server.dir), rss: server.peakRss() };
    const settled = await settle(server, opts);
    const spaces = { full: opts.keys, hot: opts.hotKeys };
    const cases = opts.pipelines.flatMap((pipeline) => Object.keys(spaces).map((space) => ({ space, pipeline })));
    const plan = {};
    let done = 0;
    progress.step('ltm calibration', { detail: () => `(${done}/${cases.length})` });
    for (const { space, pipeline } of cases) {
      // A short run sizes -n for about --seconds of work, and warms the cache for `hot`.
      const n = pipeline > 1 ? 50_000 : 10_000;
      const r = await redisBenchmark({ port: server.port, test: 'get', requests: n, clients: opts.clients, pipeline, keyspace: spaces[space] });
      plan[`${space}|${pipeline}`] = { rps: r.rps, requests: Math.max(10_000, Math.round((opts.seconds * r.rps) / 1000) * 1000) };
      done++;
    }
    const trials = [];
    const total = opts.rounds * cases.length;
    const left = () => opts.seconds * (total - trials.length) + 0.5;
    for (let round = 1; round <= opts.rounds; round++) {
      for (const { space, pipeline } of cases) {
        progress.step(`ltm round ${round}/${opts.rounds}: GET ${space} key space -P ${pipeline}`, { eta: left });
        const t = await getTrial(server, opts, spaces[space], pipeline, plan[`${space}|${pipeline}`].requests);
        trials.push({ ...t, round, space, keyspace: spaces[space], pipeline });
      }
    }
    const peakRss = server.peakRss();
    const storageAfter = info(server.port, 'storage');
    progress.done();
    return { options: opts, dataBytes, freeBytesBefore: free, load: { ...loaded, ...afterLoad }, settled, storageAfter, peakRss, trials, summary: summarize(trials, cases) };
  } finally {
    progress.done();
    await server.stop();
  }
}

function summarize(trials, cases) {
  return cases.map(({ space, pipeline }) => {
    const ts = trials.filter((t) => t.space === space && t.pipeline === pipeline);
    const rps = ts.map((t) => t.rps);
    return {
      space, pipeline, keyspace: ts[0].keyspace, requests: ts[0].requests, rps: median(rps), rpsMin: Math.min(...rps), rpsMax: Math.max(...rps),
      p50: median(ts.map((t) => t.p50)), p99: median(ts.map((t) => t.p99)), hitRatio: median(ts.map((t) => t.hitRatio)),
    };
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, keys: { type: 'string' }, rounds: { type: 'string' }, seconds: { type: 'string' }, settle: { type: 'string' }, tmp: { type: 'string' } } });
  installCleanup(() => progress.done());
  const o = { quick: values.quick };
  for (const k of ['keys', 'rounds', 'seconds', 'settle']) if (values[k]) o[k] = Number(values[k]);
  if (values.tmp) o.tmp = values.tmp;
  try {
    const result = await runLtm(o);
    const { ltmTable } = await import('./lib/report.mjs');
    console.log(ltmTable(result));
  } catch (err) {
    if (!(err instanceof NotEnoughDisk)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
  }
}
