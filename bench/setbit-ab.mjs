// SETBIT against kiwi's own SET (issue 12's goal: at -P 16, SETBIT at least 0.8x SET),
// with INCR, another read-modify-write, beside it. One kiwi-server; SET, SETBIT and INCR
// alternated in each of --rounds rounds at -P 16 and then -P 1, so the ratios compare
// trials run close together on this noisy shared machine. Prints one line per round and
// the median ratios.
//
//   npm run build && node bench/setbit-ab.mjs [--rounds 5]
import { parseArgs } from 'node:util';
import { installCleanup, redisBenchmark, startKiwi } from './lib/servers.mjs';
import { median } from './lib/stats.mjs';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const COMMANDS = { set: undefined, setbit: ['SETBIT', 'bit:__rand_int__', '7', '1'], incr: undefined };
installCleanup();
const server = await startKiwi();
try {
  for (const pipeline of [16, 1]) {
    const requests = pipeline === 16 ? 300_000 : 60_000;
    const rows = [];
    for (let round = 1; round <= Number(values.rounds); round++) {
      const rps = {};
      for (const [test, command] of Object.entries(COMMANDS)) {
        rps[test] = (await redisBenchmark({ port: server.port, test, command, requests, clients: 50, pipeline, dataSize: 16, keyspace: 1_000_000 })).rps;
      }
      rows.push(rps);
      console.log(`-P ${pipeline} round ${round}: SET ${rps.set.toFixed(0)}, SETBIT ${rps.setbit.toFixed(0)} (${(rps.setbit / rps.set).toFixed(2)}x), INCR ${rps.incr.toFixed(0)} (${(rps.incr / rps.set).toFixed(2)}x)`);
    }
    console.log(`-P ${pipeline} medians: SETBIT/SET ${median(rows.map((r) => r.setbit / r.set)).toFixed(2)}x, INCR/SET ${median(rows.map((r) => r.incr / r.set)).toFixed(2)}x`);
  }
} finally {
  await server.stop();
}
