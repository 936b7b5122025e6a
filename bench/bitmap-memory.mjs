// Memory of bit commands on a 512 MB value (issue 12): SETBIT at offset 2^32-1 on a
// missing key, then BITCOUNT, BITPOS and GETBIT over it, SETBIT inside it, and GET, each
// step's peak RSS (VmHWM, reset before the step through /proc/PID/clear_refs) against the
// RSS before it, each step started once the RSS has settled; last, the peak of a write
// including the memtable flush that follows it. kiwi-server and redis-server in turn,
// each a fresh process.
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

/** Waits (up to 30 s) for the RSS to stop moving: the flush after a big write, freed pages. */
async function settle(pid) {
  const deadline = Date.now() + 30_000;
  let last = procStatusBytes(pid, 'VmRSS');
  for (let still = 0; still < 10 && Date.now() < deadline; ) {
    await sleep(300);
    const now = procStatusBytes(pid, 'VmRSS');
    still = Math.abs(now - last) < 4 * MB ? still + 1 : 0;
    last = now;
  }
}

async function measure(server) {
  const rows = [];
  try {
    for (const [label, argv] of STEPS) {
      // Each step from a quiet start: the previous one's flush and freed pages done.
      await settle(server.pid);
      const before = procStatusBytes(server.pid, 'VmRSS');
      writeFileSync(`/proc/${server.pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
      const started = performance.now();
      const reply = cli(server.port, ...argv);
      const ms = performance.now() - started;
      const peak = procStatusBytes(server.pid, 'VmHWM');
      rows.push({ label, reply, ms, before, peak, after: procStatusBytes(server.pid, 'VmRSS') });
    }
    // The step's peak above includes only what it did while the command ran; a big write
    // is flushed afterwards, in the background. Its peak, from a fresh SETBIT:
    await settle(server.pid);
    writeFileSync(`/proc/${server.pid}/clear_refs`, '5');
    const before = procStatusBytes(server.pid, 'VmRSS');
    cli(server.port, 'SETBIT', 'big2', '4294967295', '1');
    await settle(server.pid);
    rows.push({ label: 'SETBIT big2 4294967295 1, until its flush is done', reply: '', ms: 0, before, peak: procStatusBytes(server.pid, 'VmHWM'), after: procStatusBytes(server.pid, 'VmRSS') });
  } finally {
    await server.stop();
  }
  return rows;
}

installCleanup();
const results = { kiwi: await measure(await startKiwi()), redis: await measure(await startRedis()) };
console.log('| step | server | reply | ms | RSS before | peak RSS | peak - before | RSS after |');
console.log('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |');
for (let i = 0; i <= STEPS.length; i++) {
  for (const name of ['kiwi', 'redis']) {
    const r = results[name][i];
    console.log(`| ${r.label} | ${name} | ${r.reply} | ${r.ms.toFixed(0)} | ${mb(r.before)} | ${mb(r.peak)} | ${mb(r.peak - r.before)} | ${mb(r.after)} |`);
  }
}
