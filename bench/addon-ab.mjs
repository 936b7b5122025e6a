// Two builds of the storage addon (say RocksDB 7.8.3 against 10.10.1, both release builds
// of the same native/src), compared by the existing benchmarks, alternating A B A B:
//
//   node bench/addon-ab.mjs --a A.node --b B.node [--pairs 2] [--only storage,e2e] [--out DIR]
//
// storage: `node bench/storage.bench.mjs --contenders kiwi-batch --rounds 3 --json ...`
// e2e:     `node bench/run.mjs --only e2e --out ...` (redis-server runs inside each, so
//          every turn also gives kiwi/redis, which cancels some of the machine's drift)
// Each turn is a fresh process with KIWI_STORAGE_ADDON naming the build (src/storage/native.ts).
// Prints per case: the median of each build over its turns and B/A per pair (median, range).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './lib/servers.mjs';
import { median } from './lib/stats.mjs';

const { values: args } = parseArgs({
  options: { a: { type: 'string' }, b: { type: 'string' }, pairs: { type: 'string', default: '2' }, only: { type: 'string', default: 'storage,e2e' }, out: { type: 'string' } },
});
if (!args.a || !args.b) throw new Error('--a and --b name the two .node files');
const builds = { A: resolve(args.a), B: resolve(args.b) };
const pairs = Number(args.pairs);
const out = resolve(args.out ?? join(ROOT, 'bench', 'results', `ab-${new Date().toISOString().replace(/[:.]/g, '-')}`));
mkdirSync(out, { recursive: true });

function describe(path) {
  const code = `const a = require(${JSON.stringify(path)}); console.log(a.rocksdbVersion + ' (' + a.rocksdbBuild + ')')`;
  return execFileSync(process.execPath, ['-e', code], { encoding: 'utf8' }).trim();
}

function turn(name, args, build) {
  process.stderr.write(`ab: ${name} with ${build} (${describe(builds[build])}): node ${args.join(' ')}\n`);
  execFileSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, KIWI_STORAGE_ADDON: builds[build] } });
}

const f = (x) => (x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(2));
function table(title, rows) {
  console.log(`\n${title}\n`);
  console.log('| case | A median | B median | B / A (median of pairs) | B / A per pair |');
  console.log('| --- | ---: | ---: | ---: | --- |');
  for (const [name, a, b] of rows) {
    const ratios = a.map((x, i) => b[i] / x);
    console.log(`| ${name} | ${f(median(a))} | ${f(median(b))} | **${median(ratios).toFixed(2)}x** | ${ratios.map((r) => r.toFixed(2)).join(', ')} |`);
  }
}

console.log(`A: ${builds.A} — RocksDB ${describe(builds.A)}\nB: ${builds.B} — RocksDB ${describe(builds.B)}\npairs: ${pairs}, order A B per pair`);

if (args.only.includes('storage')) {
  const runs = { A: [], B: [] };
  for (let p = 0; p < pairs; p++) {
    for (const build of ['A', 'B']) {
      const file = join(out, `storage-${build}-${p}.json`);
      turn('storage', ['bench/storage.bench.mjs', '--contenders', 'kiwi-batch', '--rounds', '3', '--json', file], build);
      runs[build].push(JSON.parse(readFileSync(file, 'utf8')).results);
    }
  }
  const cases = [...new Set(runs.A[0].map((r) => `${r.op} batch ${r.batch}`))];
  const perTurn = (results, c) => median(results.filter((r) => `${r.op} batch ${r.batch}` === c).map((r) => r.opsPerSec));
  table('Storage addon, kiwi-batch ops/s (median of 3 trials per turn)', cases.map((c) => [c.toUpperCase(), runs.A.map((r) => perTurn(r, c)), runs.B.map((r) => perTurn(r, c))]));
}

if (args.only.includes('e2e')) {
  const runs = { A: [], B: [] };
  for (let p = 0; p < pairs; p++) {
    for (const build of ['A', 'B']) {
      const dir = join(out, `e2e-${build}-${p}`);
      turn('e2e', ['bench/run.mjs', '--only', 'e2e', '--out', dir], build);
      const stamp = readdirSync(dir).find((n) => n !== 'latest');
      runs[build].push(JSON.parse(readFileSync(join(dir, stamp, 'results.json'), 'utf8')).e2e.summary.rows);
    }
  }
  const cases = runs.A[0].map((r) => `${r.label} -P ${r.pipeline}`);
  const pick = (rows, c, fn) => fn(rows.find((r) => `${r.label} -P ${r.pipeline}` === c));
  table('End to end, kiwi rps (median of 3 rounds per turn)', cases.map((c) => [c, runs.A.map((r) => pick(r, c, (x) => x.kiwi.rps)), runs.B.map((r) => pick(r, c, (x) => x.kiwi.rps))]));
  table('End to end, kiwi rps / redis-server rps in the same turn', cases.map((c) => [c, runs.A.map((r) => pick(r, c, (x) => x.rpsRatio)), runs.B.map((r) => pick(r, c, (x) => x.rpsRatio))]));
  table('End to end, kiwi p99 ms', cases.map((c) => [c, runs.A.map((r) => pick(r, c, (x) => x.kiwi.p99)), runs.B.map((r) => pick(r, c, (x) => x.kiwi.p99))]));
}
console.log(`\nraw results: ${out}`);
