// Memory of bit commands on a 512 MB value (issue 12): SETBIT at offset 2^32-1 on a
// missing key, then BITCOUNT, BITPOS and GETBIT over it, SETBIT inside it, and GET, each
// step's peak RSS (VmHWM, reset before the step through /proc/PID/clear_refs) against the
// RSS before it. kiwi-server and redis-server in turn, each a fresh process.
//
//   npm run build && node bench/bitmap-memory.mjs
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { installCleanup, procStatusBytes, startKiwi, startRedis } from './lib/servers.mjs';

const MB = 1024 * 1024;
const mb = (b) => `${(b / MB).toFixed(0)} MB`;
const cli = (port, ...args) => execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', maxBuffer: 1024 * MB }).trim();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const STEPS = [
  ['SETBIT big 4294967295 1 (missing key)', ['SETBIT', 'big', '4294967295', '1']],
  ['BITCOUNT big', ['BITCOUNT', 'big']],
  ['BITPOS big 1', ['BITPOS', 'big', '1']],
  ['BITCOUNT big 0 -1 BIT', ['BITCOUNT', 'big', '0', '-1', 'BIT']],
  ['GETBIT big 4294967295', ['GETBIT', 'big', '4294967295']],
  ['SETBIT big 0 1 (inside the value)', ['SETBIT', 'big', '0', '1']],
  ['STRLEN big', ['STRLEN', 'big']],
];

async function measure(server) {
  const rows = [];
  try {
    for (const [label, argv] of STEPS) {
      // Let earlier work settle (memtable flushes, freed pages) before the baseline.
      await sleep(3000);
      const before = procStatusBytes(server.pid, 'VmRSS');
      writeFileSync(`/proc/${server.pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
      const started = performance.now();
      const reply = cli(server.port, ...argv);
      const ms = performance.now() - started;
      const peak = procStatusBytes(server.pid, 'VmHWM');
      rows.push({ label, reply, ms, before, peak, after: procStatusBytes(server.pid, 'VmRSS') });
    }
  } finally {
    await server.stop();
  }
  return rows;
}

installCleanup();
const results = { kiwi: await measure(await startKiwi()), redis: await measure(await startRedis()) };
console.log('| step | server | reply | ms | RSS before | peak RSS | peak - before | RSS after |');
console.log('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |');
for (let i = 0; i < STEPS.length; i++) {
  for (const name of ['kiwi', 'redis']) {
    const r = results[name][i];
    console.log(`| ${r.label} | ${name} | ${r.reply} | ${r.ms.toFixed(0)} | ${mb(r.before)} | ${mb(r.peak)} | ${mb(r.peak - r.before)} | ${mb(r.after)} |`);
  }
}
