// BRPOP/LPUSH ping-pong against kiwi-server and Debian's redis-server, alternating kiwi,
// redis, kiwi, redis... in one run (each a fresh process in a fresh temp dir). Each of
// --pairs pairs has a "ping" client and a "pong" client: ping LPUSHes to its pair's
// request list and BRPOPs the reply list; pong BRPOPs the request list and LPUSHes the
// reply. One exchange is two blocking pops served by pushes from another connection, so
// every step goes through the blocked-client wake-up path. Reports exchanges per second
// and the ratio kiwi/redis per round.
//
//   npm run build && node bench/blocking.mjs [--rounds 3] [--seconds 5] [--pairs 10]
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { installCleanup, startKiwi, startRedis } from './lib/servers.mjs';

const { values } = parseArgs({ options: { rounds: { type: 'string' }, seconds: { type: 'string' }, pairs: { type: 'string' } } });
const rounds = Number(values.rounds ?? 3);
const seconds = Number(values.seconds ?? 5);
const pairs = Number(values.pairs ?? 10);

async function pingPong(port) {
  const open = () => new Redis({ port, host: '127.0.0.1', enableReadyCheck: false, maxRetriesPerRequest: 0 });
  const conns = [];
  let exchanges = 0;
  const until = Date.now() + seconds * 1000;
  const work = [];
  for (let p = 0; p < pairs; p++) {
    const ping = open();
    const pong = open();
    conns.push(ping, pong);
    let stop = false;
    work.push((async () => {
      while (!stop) {
        const r = await pong.brpop(`req:${p}`, 1);
        if (r !== null) await pong.lpush(`rep:${p}`, r[1]);
      }
    })());
    work.push((async () => {
      for (let i = 0; Date.now() < until; i++) {
        await ping.lpush(`req:${p}`, String(i));
        await ping.brpop(`rep:${p}`, 0);
        exchanges++;
      }
      stop = true;
    })());
  }
  const started = Date.now();
  await Promise.all(work);
  const elapsed = (Date.now() - started) / 1000;
  for (const c of conns) c.disconnect();
  return exchanges / elapsed;
}

installCleanup();
const results = { kiwi: [], redis: [] };
for (let round = 1; round <= rounds; round++) {
  for (const [name, start] of [['kiwi', startKiwi], ['redis', startRedis]]) {
    const server = await start();
    try {
      const rate = await pingPong(server.port);
      results[name].push(rate);
      console.log(`round ${round} ${name}: ${rate.toFixed(0)} exchanges/s`);
    } finally {
      await server.stop();
    }
  }
  console.log(`round ${round} ratio kiwi/redis: ${(results.kiwi[round - 1] / results.redis[round - 1]).toFixed(2)}`);
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(`median: kiwi ${median(results.kiwi).toFixed(0)}/s, redis ${median(results.redis).toFixed(0)}/s, ratio ${(median(results.kiwi) / median(results.redis)).toFixed(2)} (${pairs} pairs, ${seconds} s per trial)`);
