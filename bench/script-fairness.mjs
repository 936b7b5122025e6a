#!/usr/bin/env node
// What a long script costs other clients (issue 16): GET latency of 10 redis-benchmark
// clients while one more client runs a ~100 ms script (a Lua busy loop calibrated per
// server) back to back, against kiwi-server and Debian's redis-server, alternating
// (kiwi, redis, kiwi, redis...). Also the same GETs with no script running, for reference.
//
//   npm run build && node bench/script-fairness.mjs [--rounds 2] [--requests 20000]
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { installCleanup, redisBenchmark, startKiwi, startRedis } from './lib/servers.mjs';

const { values } = parseArgs({ options: { rounds: { type: 'string' }, requests: { type: 'string' } } });
const ROUNDS = Number(values.rounds ?? 2);
const REQUESTS = Number(values.requests ?? 20000);
const SPIN = 'local n = tonumber(ARGV[1]); local x = 0; for i = 1, n do x = x + i end; return x';

installCleanup();

/** Loop count that makes the script take about 100 ms on this server. */
async function calibrate(c) {
  let n = 1_000_000;
  for (;;) {
    const t = performance.now();
    await c.eval(SPIN, 0, n);
    const ms = performance.now() - t;
    if (ms > 20) return Math.round((n * 100) / ms);
    n *= 4;
  }
}

async function trial(start, name) {
  const server = await start();
  try {
    const c = new Redis({ port: server.port, host: '127.0.0.1' });
    await c.set('key:1', 'v');
    const n = await calibrate(c);
    const base = await redisBenchmark({ port: server.port, test: 'get', requests: REQUESTS, clients: 10, keyspace: 1 });
    let running = true;
    let scripts = 0;
    let scriptMs = 0;
    const loop = (async () => {
      while (running) {
        const t = performance.now();
        await c.eval(SPIN, 0, n);
        scriptMs += performance.now() - t;
        scripts++;
      }
    })();
    const busy = await redisBenchmark({ port: server.port, test: 'get', requests: REQUESTS, clients: 10, keyspace: 1 });
    running = false;
    await loop;
    c.disconnect();
    return { name, base, busy, scriptAvgMs: scriptMs / scripts, scripts };
  } finally {
    await server.stop();
  }
}

const rows = [];
for (let r = 1; r <= ROUNDS; r++) {
  rows.push(await trial(() => startKiwi(), 'kiwi'));
  rows.push(await trial(() => startRedis(), 'redis'));
}
console.log('| round | server | script avg ms | GET p50 / p99 ms, idle | GET p50 / p99 ms, script looping | GET rps, script looping |');
console.log('|---|---|---|---|---|---|');
rows.forEach((x, i) => console.log(`| ${Math.floor(i / 2) + 1} | ${x.name} | ${x.scriptAvgMs.toFixed(0)} | ${x.base.p50} / ${x.base.p99} | ${x.busy.p50} / ${x.busy.p99} | ${Math.round(x.busy.rps)} |`));
console.log(`\ncommand: ${rows[0].busy.args.join(' ')}`);
process.exit(0);
