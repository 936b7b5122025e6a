// Network runtimes: redis-benchmark against server variants side by side, alternated
// (A B C A B C ...) with a fresh server process per round, and ratios between them.
//
//   npm run build && node bench/scale.mjs [--servers null,kiwi,kiwi-nt2,redis]
//       [--tests set,get,incr] [--pipelines 1,16] [--rounds 2] [--seconds 4]
//       [--keyspace 1000000] [--base /path/to/other/checkout]
//   node bench/scale.mjs --taskset [--threads 1,2,4] [--server-cpus 0] [--client-cpus 1]
//
// Variants: null (bench/lib/null-server.mjs: Node sockets answering +OK, no storage),
// redis (redis-server, AOF everysec), kiwi (runtime.network_threads=1), kiwi-nt<N>
// (N network runtimes), kiwi-acceptor (N=2, one acceptor hands connections out),
// kiwi-nofast (read fast path off), kiwi-base (--base: another checkout's dist/cli.js,
// e.g. main before this change, where the network runtime ran on the main thread).
//
// --taskset places the server on --server-cpus and redis-benchmark (with --threads 2) on
// --client-cpus, so they do not share cores, and reports rps for each network_threads
// value in --threads: the scaling curve. On a 2-core machine the server gets one core,
// so the curve is flat by construction; on a larger machine give it more.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startKiwi, startNull, startRedis, redisBenchmark, installCleanup, ROOT } from './lib/servers.mjs';
import { loadKeys } from './lib/loader.mjs';
import { median } from './lib/stats.mjs';
import { describeMachine } from './lib/report.mjs';

const { values: o } = parseArgs({
  options: {
    servers: { type: 'string', default: 'null,kiwi,kiwi-nt2,redis' },
    tests: { type: 'string', default: 'set,get,incr' },
    pipelines: { type: 'string', default: '1,16' },
    rounds: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '4' },
    keyspace: { type: 'string', default: '1000000' },
    base: { type: 'string' },
    taskset: { type: 'boolean' },
    threads: { type: 'string', default: '1,2,4' },
    'server-cpus': { type: 'string' },
    'client-cpus': { type: 'string' },
    set: { type: 'string', multiple: true, default: [] },
  },
});
const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
const tests = list(o.tests);
const pipelines = list(o.pipelines).map(Number);
const rounds = Number(o.rounds);
const seconds = Number(o.seconds);
const keyspace = Number(o.keyspace);
const cores = availableParallelism();
const serverCpus = o.taskset ? (o['server-cpus'] ?? `0-${Math.max(0, Math.floor(cores / 2) - 1)}`) : undefined;
const clientCpus = o.taskset ? (o['client-cpus'] ?? `${Math.floor(cores / 2)}-${cores - 1}`) : undefined;

function variant(name) {
  const extra = o.set;
  if (name === 'null') return () => startNull({ cpus: serverCpus });
  if (name === 'redis') return () => startRedis({ cpus: serverCpus });
  if (name === 'kiwi') return () => startKiwi({ sets: ['runtime.network_threads=1', ...extra], cpus: serverCpus });
  if (name === 'kiwi-nofast') return () => startKiwi({ sets: ['runtime.network_threads=1', 'runtime.read_fast_path=off', ...extra], cpus: serverCpus });
  if (name === 'kiwi-acceptor') return () => startKiwi({ sets: ['runtime.network_threads=2', 'runtime.accept_mode=acceptor', ...extra], cpus: serverCpus });
  if (name === 'kiwi-base') {
    if (!o.base) throw new Error('kiwi-base needs --base <checkout with a built dist/>');
    return () => startKiwi({ cli: join(o.base, 'dist', 'cli.js'), sets: extra, cpus: serverCpus });
  }
  const m = /^kiwi-nt(\d+)$/.exec(name);
  if (m) return () => startKiwi({ sets: [`runtime.network_threads=${m[1]}`, ...extra], cpus: serverCpus });
  throw new Error(`unknown server variant ${name}`);
}

const servers = o.taskset ? list(o.threads).map((t) => `kiwi-nt${t}`) : list(o.servers);
const starts = Object.fromEntries(servers.map((s) => [s, variant(s)]));
const bench = (port, test, pipeline, requests) =>
  redisBenchmark({ port, test, requests, clients: 50, pipeline, dataSize: 16, keyspace, cpus: clientCpus, threads: o.taskset ? 2 : undefined });

/** -n for about `seconds` of work, from a short run. */
async function requestsFor(port, test, pipeline) {
  const n = pipeline > 1 ? 100_000 : 20_000;
  const r = await bench(port, test, pipeline, n);
  return Math.max(20_000, Math.round((r.rps * seconds) / 1000) * 1000);
}

installCleanup();
const trials = [];
process.stderr.write(`servers ${servers.join(', ')}; tests ${tests.join(', ')} at -P ${pipelines.join(', ')}; ${rounds} rounds of ~${seconds} s${o.taskset ? `; server on cpus ${serverCpus}, redis-benchmark on ${clientCpus}` : ''}\n`);
for (let round = 1; round <= rounds; round++) {
  for (const name of servers) {
    const server = await starts[name]();
    try {
      if (name !== 'null') await loadKeys({ port: server.port, keys: keyspace, valueSize: 16 });
      for (const test of tests) {
        for (const pipeline of pipelines) {
          const requests = await requestsFor(server.port, test, pipeline);
          const r = await bench(server.port, test, pipeline, requests);
          trials.push({ round, server: name, test, pipeline, rps: r.rps, p50: r.p50, p99: r.p99, command: r.args.join(' ') });
          process.stderr.write(`  round ${round} ${name} ${test} -P ${pipeline}: ${Math.round(r.rps)} rps, p99 ${r.p99} ms\n`);
        }
      }
    } finally {
      await server.stop();
    }
  }
}

const k = (v) => (v >= 1000 ? `${(v / 1000).toFixed(1)} k` : v.toFixed(0));
const cell = (name, test, pipeline) => {
  const ts = trials.filter((t) => t.server === name && t.test === test && t.pipeline === pipeline);
  return { rps: median(ts.map((t) => t.rps)), p99: median(ts.map((t) => t.p99)), min: Math.min(...ts.map((t) => t.rps)), max: Math.max(...ts.map((t) => t.rps)) };
};
const lines = [];
lines.push(`Machine: ${JSON.stringify(describeMachine())}`);
lines.push(`Command: node bench/scale.mjs ${process.argv.slice(2).join(' ')}`);
lines.push(`redis-benchmark: -c 50 -d 16 -r ${keyspace}${o.taskset ? ' --threads 2' : ''} (per-trial -n for ~${seconds} s); medians of ${rounds} rounds, min-max in brackets`);
lines.push('');
lines.push(`| test | -P | ${servers.map((s) => `${s} rps (p99 ms)`).join(' | ')} |`);
lines.push(`| --- | ---: | ${servers.map(() => '---:').join(' | ')} |`);
for (const test of tests) {
  for (const pipeline of pipelines) {
    lines.push(`| ${test.toUpperCase()} | ${pipeline} | ${servers.map((s) => {
      const c = cell(s, test, pipeline);
      return `${k(c.rps)} [${k(c.min)}-${k(c.max)}] (${Number(c.p99.toPrecision(3))})`;
    }).join(' | ')} |`);
  }
}
const ratios = [];
const ratio = (a, b) => servers.includes(a) && servers.includes(b) && ratios.push([a, b]);
for (const s of servers.filter((x) => x.startsWith('kiwi'))) {
  ratio(s, 'null');
  ratio(s, 'redis');
}
for (const s of servers.filter((x) => x.startsWith('kiwi') && x !== 'kiwi')) ratio(s, 'kiwi');
if (ratios.length > 0) {
  lines.push('');
  lines.push(`| test | -P | ${ratios.map(([a, b]) => `${a} / ${b} rps (p99)`).join(' | ')} |`);
  lines.push(`| --- | ---: | ${ratios.map(() => '---:').join(' | ')} |`);
  for (const test of tests) {
    for (const pipeline of pipelines) {
      lines.push(`| ${test.toUpperCase()} | ${pipeline} | ${ratios.map(([a, b]) => {
        const x = cell(a, test, pipeline);
        const y = cell(b, test, pipeline);
        return `${(x.rps / y.rps).toFixed(2)}x (${(x.p99 / y.p99).toFixed(2)}x)`;
      }).join(' | ')} |`);
    }
  }
}
console.log(lines.join('\n'));
void ROOT;
