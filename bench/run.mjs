// `npm run bench`: the microbenchmarks (each bench/*.bench.mjs, in its own process), then
// the end-to-end suite against redis-server (e2e.mjs) and the larger-than-memory run
// (ltm.mjs), then results.md, results.svg and results.json in <out>/<timestamp>/, with
// <out>/latest pointing at the newest.
//
//   npm run build && node bench/run.mjs [--quick] [--only e2e|micro|ltm[,...]] [--out DIR]
//                                       [--rounds N] [--tmp DIR]
//
// --quick is a smoke run (a few minutes): one round, short trials, a 100k-key e2e key
// space, 500k keys (500 MB) for ltm, short microbenchmarks. --rounds sets the e2e rounds;
// --tmp is where ltm puts its data (default: the OS temp dir).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, installCleanup, track, unlessInterrupted } from './lib/servers.mjs';
import { progress, formatDuration } from './lib/progress.mjs';
import { describeMachine, e2eTable, ltmTable, writeResults } from './lib/report.mjs';
import { runE2e } from './e2e.mjs';
import { runLtm, NotEnoughDisk } from './ltm.mjs';

const BENCH = join(ROOT, 'bench');
// Arguments for --quick, per microbenchmark; one not listed runs with its defaults.
const MICRO_QUICK = {
  'parser.bench.mjs': ['--rounds', '1', '--max-time', '0.2'],
  'dispatch.bench.mjs': [],
  'reply.bench.mjs': ['--max-time', '0.2'],
  'priority.bench.mjs': ['--keys', '20000', '--rounds', '1', '--seconds', '1'],
  'storage.bench.mjs': ['--quick'],
};
const PARTS = ['micro', 'e2e', 'ltm'];

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false }, only: { type: 'string' }, out: { type: 'string', default: join(BENCH, 'results') },
    rounds: { type: 'string' }, tmp: { type: 'string' }, help: { type: 'boolean' },
  },
});
if (args.help) {
  process.stdout.write(readFileSync(new URL(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n') + '\n');
  process.exit(0);
}
const only = args.only ? args.only.split(',') : PARTS;
for (const part of only) if (!PARTS.includes(part)) throw new Error(`--only: expected ${PARTS.join(', ')}; got ${part}`);
const outDir = resolve(args.out);
if (!existsSync(join(ROOT, 'dist/cli.js')) || !existsSync(join(ROOT, 'build/Release/kiwi_storage.node'))) {
  process.stderr.write('bench: dist/ or the addon is missing; run `npm run build` first\n');
  process.exit(1);
}

/** Seconds each microbenchmark took in the newest earlier run of the same kind, for ETAs. */
function previousDurations() {
  try {
    const prev = JSON.parse(readFileSync(join(outDir, 'latest', 'results.json'), 'utf8'));
    if (prev.quick !== args.quick) return {};
    return Object.fromEntries((prev.micro ?? []).filter((m) => m.seconds).map((m) => [m.name, m.seconds]));
  } catch {
    return {};
  }
}

function runMicro(file, extra) {
  return new Promise((resolvePromise) => {
    const started = performance.now();
    const child = track(spawn(process.execPath, [join('bench', file), ...extra], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      const lines = (pending + d).split('\n');
      pending = lines.pop();
      for (const l of lines) if (l.replace(/\./g, '').trim()) progress.log(`  ${file}: ${l}`);
    });
    child.on('exit', (code, signal) => {
      const seconds = (performance.now() - started) / 1000;
      const status = code === 0 ? 'ok' : `failed (${code ?? signal})`;
      resolvePromise({ status, seconds, output: stdout, note: code === 0 ? undefined : stderr.trim().split('\n').slice(-5).join(' / ') });
    });
  });
}

async function micro() {
  const present = readdirSync(BENCH).filter((f) => f.endsWith('.bench.mjs')).sort();
  const names = [...new Set([...Object.keys(MICRO_QUICK), ...present])];
  const prev = previousDurations();
  const results = [];
  for (const [i, name] of names.entries()) {
    const extra = args.quick ? MICRO_QUICK[name] ?? [] : [];
    const command = ['node', `bench/${name}`, ...extra].join(' ');
    if (!present.includes(name)) {
      progress.log(`skipping ${name}: not in this tree (it is written on another branch)`);
      results.push({ name, command, status: 'skipped', note: 'not in this tree' });
      continue;
    }
    const rest = names.slice(i + 1).filter((n) => present.includes(n));
    const known = [name, ...rest].every((n) => prev[n]);
    progress.step(`micro ${i + 1}/${names.length}: ${name}`, { eta: () => (known ? Math.max(0, prev[name] - progress.stepElapsed()) + rest.reduce((s, n) => s + prev[n], 0) : NaN) });
    const r = await runMicro(name, extra);
    progress.log(`${name}: ${r.status} in ${formatDuration(r.seconds)}`);
    results.push({ name, command, ...r });
  }
  progress.done();
  return results;
}

installCleanup(() => progress.done());
const started = performance.now();
const startedAt = new Date().toISOString();
const run = {
  startedAt, command: ['node', relative(ROOT, process.argv[1]), ...process.argv.slice(2)].join(' '), quick: args.quick, only,
  machine: describeMachine(),
};
let failed = false;
if (only.includes('micro')) run.micro = await micro();
if (only.includes('e2e')) {
  try {
    run.e2e = await runE2e({ quick: args.quick, ...(args.rounds ? { rounds: Number(args.rounds) } : {}) });
    console.log(`\n## End-to-end against Redis\n\n${e2eTable(run.e2e)}\n`);
  } catch (err) {
    await unlessInterrupted();
    progress.done();
    failed = true;
    run.e2eError = err.stack ?? String(err);
    progress.log(`e2e failed: ${run.e2eError}`);
  }
}
if (only.includes('ltm')) {
  try {
    run.ltm = await runLtm({ quick: args.quick, ...(args.tmp ? { tmp: args.tmp } : {}) });
    console.log(`\n## Larger than memory${args.quick ? ' (--quick)' : ''}\n\n${ltmTable(run.ltm)}\n`);
  } catch (err) {
    await unlessInterrupted();
    progress.done();
    failed = !(err instanceof NotEnoughDisk);
    run.ltmError = err instanceof NotEnoughDisk ? err.message : `Failed: ${err.stack ?? err}`;
    progress.log(run.ltmError);
  }
}
if (run.micro?.some((m) => m.status.startsWith('failed'))) failed = true;
await unlessInterrupted();
run.seconds = (performance.now() - started) / 1000;
run.loadavgEnd = os.loadavg();
const dir = writeResults(outDir, run);
process.stderr.write(`results in ${relative(process.cwd(), dir) || dir}/ (results.md, results.json${run.e2e ? ', results.svg' : ''}) after ${formatDuration(run.seconds)}\n`);
process.exitCode = failed ? 1 : 0;
