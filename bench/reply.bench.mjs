// Reply encoding: kiwi's RespWriter (replies copied into one growing per-connection
// buffer, taken once per flush) against the straightforward way (a Buffer per reply
// part, Buffer.concat per flush), for the replies the end-to-end benchmark produces:
// +OK (SET), 16 B and 1 KB bulk strings (GET), integers (INCR), a 10-element array
// (MGET), and a RESP3 map. Each case encodes a flush of 16 replies, as one -P 16 round
// of one connection. Both encoders' output is compared once before timing.
//
//   npm run build && node bench/reply.bench.mjs [--max-time SECONDS]
import Benchmark from 'benchmark';
import { parseArgs } from 'node:util';
import { RespWriter } from '../dist/server/resp-writer.js';
import { StatusReply, MapReply } from '../dist/commands/reply.js';

const { values: args } = parseArgs({ options: { 'max-time': { type: 'string', default: '1' } } });
const maxTime = Number(args['max-time']);

const CRLF = Buffer.from('\r\n');

/** The straightforward encoder: header strings to Buffers, one concat per flush. */
function naiveParts(r, resp, parts) {
  if (r === null) return parts.push(Buffer.from(resp === 3 ? '_\r\n' : '$-1\r\n'));
  if (Buffer.isBuffer(r)) return parts.push(Buffer.from(`$${r.length}\r\n`), r, CRLF);
  if (typeof r === 'number') return parts.push(Buffer.from(`:${r}\r\n`));
  if (r instanceof StatusReply) return parts.push(Buffer.from(`+${r.text}\r\n`));
  if (Array.isArray(r)) {
    parts.push(Buffer.from(`*${r.length}\r\n`));
    for (const item of r) naiveParts(item, resp, parts);
    return;
  }
  if (r instanceof MapReply) {
    parts.push(Buffer.from(`%${r.entries.length}\r\n`));
    for (const [k, v] of r.entries) {
      naiveParts(k, resp, parts);
      naiveParts(v, resp, parts);
    }
    return;
  }
  throw new Error(`naive encoder: unhandled reply ${r}`);
}
function naiveFlush(replies, resp) {
  const parts = [];
  for (const r of replies) naiveParts(r, resp, parts);
  return Buffer.concat(parts);
}

const writer = new RespWriter();
// Returns what the connection hands to the socket: usually one Buffer; values of 64 KB
// and more, or more than the writer's buffer holds, come as several (written corked).
function kiwiFlush(replies, resp) {
  for (const r of replies) writer.write(r, resp);
  return writer.take();
}

const sixteen = (make) => Array.from({ length: 16 }, (_, i) => make(i));
const small = Buffer.from('x'.repeat(16));
const kb = Buffer.from('y'.repeat(1024));
const cases = {
  '+OK': { resp: 2, replies: sixteen(() => new StatusReply('OK')) },
  'bulk 16 B': { resp: 2, replies: sixteen(() => small) },
  'bulk 1 KB': { resp: 2, replies: sixteen(() => kb) },
  'integer': { resp: 2, replies: sixteen((i) => 1_000_000 + i) },
  'array of 10 x 16 B': { resp: 2, replies: sixteen(() => Array.from({ length: 10 }, () => small)) },
  'RESP3 map of 4': { resp: 3, replies: sixteen((i) => new MapReply([[Buffer.from('server'), Buffer.from('kiwi')], [Buffer.from('proto'), 3], [Buffer.from('id'), i + 100], [Buffer.from('mode'), Buffer.from('standalone')]])) },
};

for (const [name, c] of Object.entries(cases)) {
  const a = Buffer.concat(kiwiFlush(c.replies, c.resp));
  const b = naiveFlush(c.replies, c.resp);
  if (!a.equals(b)) throw new Error(`${name}: encoders disagree:\n${JSON.stringify(a.toString('latin1'))}\n${JSON.stringify(b.toString('latin1'))}`);
}

const hz = {};
const suite = new Benchmark.Suite();
for (const [name, c] of Object.entries(cases)) {
  suite.add(`kiwi ${name}`, () => kiwiFlush(c.replies, c.resp), { maxTime });
  suite.add(`naive ${name}`, () => naiveFlush(c.replies, c.resp), { maxTime });
}
suite.on('cycle', (e) => {
  const t = e.target;
  hz[t.name] = t.hz;
  console.log(`${t.name.padEnd(26)} ${(t.hz * 16 / 1e6).toFixed(2)} M replies/s ±${t.stats.rme.toFixed(1)}%  (${(1e9 / (t.hz * 16)).toFixed(0)} ns per reply)`);
});
suite.on('complete', () => {
  console.log('\n| reply (16 per flush) | kiwi ns per reply | naive ns per reply | kiwi ÷ naive speed |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const name of Object.keys(cases)) {
    const k = hz[`kiwi ${name}`];
    const n = hz[`naive ${name}`];
    console.log(`| ${name} | ${(1e9 / (k * 16)).toFixed(0)} | ${(1e9 / (n * 16)).toFixed(0)} | ${(k / n).toFixed(2)}x |`);
  }
});
suite.run();
