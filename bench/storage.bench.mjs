// Storage addon benchmark: kiwi's RocksDB addon against other Node key-value bindings,
// for batched SET and GET (16-byte keys, 100-byte values) at batch sizes 1, 16 and 128.
//
//   node bench/storage.bench.mjs [--quick] [--rounds n] [--max-time s]
//                                [--contenders a,b,...] [--ops set,get] [--batches 1,16,128]
//                                [--json file]
//
// Every trial runs in a fresh process (bench/storage-trial.mjs) with a fresh database.
// For each operation and batch size the contenders take turns, A B C A B C ..., so slow
// phases of this shared machine hit every contender alike; the table reports each
// contender's median over its trials, the spread, benchmark.js' margin of error and the
// ratio of kiwi-batch to it (ratio of medians, and the range of the per-round ratios).
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ALL_CONTENDERS = ['kiwi-batch', 'kiwi-client', 'classic-level', 'rocksdb-native'];
const BASELINE = 'kiwi-batch';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    'max-time': { type: 'string' },
    contenders: { type: 'string', default: ALL_CONTENDERS.join(',') },
    ops: { type: 'string', default: 'set,get' },
    batches: { type: 'string', default: '1,16,128' },
    json: { type: 'string' },
  },
});
const rounds = Number(args.rounds ?? (args.quick ? 1 : 3));
const maxTime = args['max-time'] ?? (args.quick ? '0.5' : '1');
// A trial whose margin of error is above 5% measures once more for twice as long (not in
// --quick, which is a smoke run).
const maxExtra = args.quick ? '0' : '1';
const contenders = args.contenders.split(',');
const ops = args.ops.split(',');
const batches = args.batches.split(',').map(Number);
for (const c of contenders) {
  if (!ALL_CONTENDERS.includes(c)) throw new Error(`unknown contender ${c}; known: ${ALL_CONTENDERS.join(', ')}`);
}

const trialScript = fileURLToPath(new URL('./storage-trial.mjs', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));

function trial(contender, op, batch) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [trialScript, contender, op, String(batch), '--max-time', maxTime, '--max-extra', maxExtra], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop();
      if (code !== 0 || !last) {
        reject(new Error(`trial ${contender} ${op} ${batch} exited with ${code}:\n${err}`));
        return;
      }
      resolve(JSON.parse(last));
    });
  });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const pct = (n) => `±${n.toFixed(1)}%`;
const ratio = (n) => `${n.toFixed(2)}×`;

function progress(line) {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}`);
  else process.stderr.write(`${line}\n`);
}

/** Whether the loaded addon uses the system's shared librocksdb or one linked into it. */
function rocksdbLinkage() {
  const lib = readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .map((line) => line.split(/\s+/)[5])
    .find((path) => path && /\/librocksdb\.so/.test(path));
  return lib ? `system library ${lib}` : 'linked into the addon (bundled build)';
}

function machine() {
  const require = createRequire(import.meta.url);
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const version = (name) => JSON.parse(readFileSync(`${root}/node_modules/${name}/package.json`, 'utf8')).version;
  // The addon the trials load (src/storage/native.ts): KIWI_STORAGE_ADDON compares builds.
  const kiwi = require(process.env.KIWI_STORAGE_ADDON || fileURLToPath(new URL('../build/Release/kiwi_storage.node', import.meta.url)));
  return {
    cpu: model,
    cores: os.availableParallelism(),
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    kiwi: `kiwi_storage addon, RocksDB ${kiwi.rocksdbVersion} (${rocksdbLinkage()})`,
    'classic-level': `classic-level ${version('classic-level')}, LevelDB 1.20 (bundled; not RocksDB)`,
    'rocksdb-native': `rocksdb-native ${version('rocksdb-native')}, RocksDB 10.5.1 (bundled prebuild)`,
    benchmark: `benchmark.js ${version('benchmark')}`,
  };
}

async function main() {
  const info = machine(); // fails fast, before minutes of trials, if something is missing
  const cases = [];
  for (const op of ops) for (const batch of batches) cases.push({ op, batch });
  const total = cases.length * rounds * contenders.length;
  const results = [];
  let done = 0;
  const started = performance.now();
  for (const { op, batch } of cases) {
    for (let round = 0; round < rounds; round++) {
      for (const contender of contenders) {
        const elapsed = (performance.now() - started) / 1000;
        progress(`[${done + 1}/${total}] ${op} batch=${batch} round ${round + 1}/${rounds} ${contender} (${elapsed.toFixed(0)} s)`);
        const r = await trial(contender, op, batch);
        results.push({ ...r, round });
        done++;
      }
    }
  }
  progress(`${total} trials in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  if (args.json) writeFileSync(args.json, JSON.stringify({ machine: info, rounds, maxTime, results }, null, 2));
  report(info, cases, results);
}

function report(info, cases, results) {
  const lines = [];
  lines.push('Machine:');
  for (const [k, v] of Object.entries(info)) lines.push(`- ${k}: ${v}`);
  lines.push('');
  lines.push(
    `${rounds} trial(s) per contender and case, each a fresh process; benchmark.js maxTime ${maxTime} s per measurement. ` +
      'ops/s = key operations per second (batches/s × batch size), one batch in flight.',
  );
  const summary = [];
  for (const { op, batch } of cases) {
    const mine = results.filter((r) => r.op === op && r.batch === batch);
    const base = mine.filter((r) => r.contender === BASELINE);
    const baseMedian = median(base.map((r) => r.opsPerSec));
    lines.push('');
    lines.push(`### ${op.toUpperCase()}, batch ${batch}`);
    lines.push('');
    lines.push(`| contender | median ops/s | min–max ops/s | rme (median) | ${BASELINE} ÷ this (per-round range) |`);
    lines.push('|---|--:|--:|--:|--:|');
    for (const contender of contenders) {
      const rs = mine.filter((r) => r.contender === contender);
      const xs = rs.map((r) => r.opsPerSec);
      const m = median(xs);
      let vs = '—';
      if (contender !== BASELINE && base.length > 0) {
        const paired = rs.map((r) => base.find((b) => b.round === r.round).opsPerSec / r.opsPerSec);
        vs = `${ratio(baseMedian / m)} (${ratio(Math.min(...paired))}–${ratio(Math.max(...paired))})`;
        summary.push({ op, batch, contender, ratio: baseMedian / m });
      }
      lines.push(
        `| ${contender} | ${fmt(m)} | ${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))} | ${pct(median(rs.map((r) => r.rme)))} | ${vs} |`,
      );
    }
  }
  const others = contenders.filter((c) => c !== BASELINE);
  if (others.length > 0 && contenders.includes(BASELINE)) {
    lines.push('');
    lines.push(`### Summary: ${BASELINE} ÷ contender (ratio of medians; > 1 means kiwi is faster)`);
    lines.push('');
    lines.push(`| op | batch | ${others.join(' | ')} |`);
    lines.push(`|---|--:|${others.map(() => '--:').join('|')}|`);
    for (const { op, batch } of cases) {
      const cells = others.map((c) => ratio(summary.find((s) => s.op === op && s.batch === batch && s.contender === c).ratio));
      lines.push(`| ${op.toUpperCase()} | ${batch} | ${cells.join(' | ')} |`);
    }
  }
  console.log(lines.join('\n'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
