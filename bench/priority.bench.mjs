// GET latency during a flood of slow low-priority work (KEYS over the whole keyspace,
// matching nothing, so the cost is the storage scan, not the reply), with priority
// queues on and off, alternating A B A B in one run, each server in a fresh process.
//
//   npm run build && node bench/priority.bench.mjs [--keys 200000] [--rounds 2] [--seconds 4]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';

const { values: opts } = parseArgs({
  options: { keys: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '2' }, seconds: { type: 'string', default: '4' }, flooders: { type: 'string', default: '6' } },
});
const KEYS = Number(opts.keys);
const ROUNDS = Number(opts.rounds);
const SECONDS = Number(opts.seconds);
const FLOODERS = Number(opts.flooders);

async function startServer(priority) {
  const dir = mkdtempSync(join(tmpdir(), 'kiwi-prio-'));
  const child = spawn(process.execPath, ['dist/cli.js', '--port', '0', '--dir', dir, '--set', `runtime.priority.enabled=${priority}`, '--set', 'server.log_level=notice'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /ready: [\d.]+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return { port, stop: async () => { child.kill('SIGTERM'); await new Promise((r) => child.on('exit', r)); rmSync(dir, { recursive: true, force: true }); } };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function trial(priority) {
  const server = await startServer(priority);
  const load = new Redis({ port: server.port, host: '127.0.0.1' });
  for (let i = 0; i < KEYS; i += 10000) {
    await load.pipeline(Array.from({ length: Math.min(10000, KEYS - i) }, (_, j) => ['set', `key:${String(i + j).padStart(8, '0')}`, 'x'.repeat(100)])).exec();
  }
  const flooders = Array.from({ length: FLOODERS }, () => new Redis({ port: server.port, host: '127.0.0.1' }));
  let stop = false;
  let scans = 0;
  const flood = flooders.map(async (c) => {
    while (!stop) {
      await c.keys('*nomatch*');
      scans++;
    }
  });
  const getter = new Redis({ port: server.port, host: '127.0.0.1' });
  await getter.get('key:00000001');
  const lat = [];
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end) {
    const t0 = performance.now();
    await getter.get(`key:${String(Math.floor(Math.random() * KEYS)).padStart(8, '0')}`);
    lat.push(performance.now() - t0);
  }
  stop = true;
  await Promise.all(flood);
  for (const c of [load, getter, ...flooders]) c.disconnect();
  await server.stop();
  lat.sort((a, b) => a - b);
  return { priority, gets: lat.length, p50: percentile(lat, 50), p99: percentile(lat, 99), max: lat.at(-1), scans };
}

const results = [];
for (let r = 0; r < ROUNDS; r++) {
  for (const priority of [true, false]) {
    process.stderr.write(`round ${r + 1}/${ROUNDS}: priority ${priority ? 'on' : 'off'}...\n`);
    results.push(await trial(priority));
  }
}
console.log(`\nMachine: ${cpus().length} x ${cpus()[0].model}, Node ${process.version}; ${KEYS} keys, ${FLOODERS} connections looping KEYS *nomatch*, one client timing GETs for ${SECONDS} s.\n`);
console.log('| priority queues | GETs | GET p50 ms | GET p99 ms | GET max ms | KEYS scans done |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of results) console.log(`| ${r.priority ? 'on' : 'off'} | ${r.gets} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(1)} | ${r.scans} |`);
