// The network runtime's cost per command, without sockets or storage: RESP parsing
// (WASM), dispatch (lookup, arity, parse, exec), the storage request a command builds,
// the batch encoding, the reply mapping and RESP encoding. A fake storage answers every
// request at once, so what is measured is the JavaScript on the hot path.
//
//   npm run build && node bench/dispatch.bench.mjs
import Benchmark from 'benchmark';
import { RequestParser, commandNames } from '../dist/protocol/request-parser.js';
import { Dispatcher } from '../dist/server/dispatcher.js';
import { RespWriter } from '../dist/server/resp-writer.js';
import { buildCommandTable } from '../dist/commands/registry.js';
import { loadConfig } from '../dist/config/config.js';
import { encodeBatch } from '../dist/storage/codec.js';

const config = loadConfig();
const table = buildCommandTable();
const pendingCalls = [];
const storage = {
  enqueue(commands, cb) {
    pendingCalls.push({ commands, cb });
  },
  submit(req) {
    pendingCalls.push({ commands: req.commands, cb: (e, r) => req.complete(e, r) });
  },
};
const server = {
  config, storage, commands: table, stats: { totalCommands: 0, keyspaceHits: 0, keyspaceMisses: 0 },
  clients: { list: () => [], count: () => 1 }, startedAt: Date.now(), version: '7.0.0',
  infoSections: () => new Map(), shutdown: async () => {}, resetStats() {}, storageReadOnly: () => null,
};
const dispatcher = new Dispatcher(server, commandNames);

class FakeConnection {
  id = 1; db = 0; resp = 2; authenticated = true; lastCommand = '';
  writer = new RespWriter();
  slots = [];
  reply(r) { this.writer.write(r, 2); }
  reserve() { this.slots.push(null); return this.slots.length - 1; }
  fill(i, r) { this.writer.write(r, 2); }
}
const conn = new FakeConnection();
const parser = new RequestParser();

function resp(args) {
  return Buffer.concat([Buffer.from(`*${args.length}\r\n`), ...args.flatMap((a) => [Buffer.from(`$${Buffer.byteLength(a)}\r\n`), Buffer.from(a), Buffer.from('\r\n')])]);
}
const value = 'x'.repeat(100);
const key = (i) => `key:${String(i).padStart(12, '0')}`;
const pipelines = {
  SET: Buffer.concat(Array.from({ length: 16 }, (_, i) => resp(['SET', key(i), value]))),
  GET: Buffer.concat(Array.from({ length: 16 }, (_, i) => resp(['GET', key(i)]))),
  INCR: Buffer.concat(Array.from({ length: 16 }, (_, i) => resp(['INCR', key(i)]))),
};
const answers = { SET: 'OK', GET: Buffer.from(value), INCR: 42 };

function run(name) {
  parser.feed(pipelines[name], (id, argv) => dispatcher.dispatch(conn, id, argv, false));
  // What StorageClient would do: one batch for the tick, then the completions.
  encodeBatch(pendingCalls.map((p) => p.commands));
  for (const p of pendingCalls) p.cb(null, answers[name]);
  pendingCalls.length = 0;
  conn.writer.take();
}

const suite = new Benchmark.Suite();
for (const name of Object.keys(pipelines)) suite.add(`${name} x16`, () => run(name), { minSamples: 30 });
suite.on('cycle', (e) => {
  const t = e.target;
  const perCommand = 1e9 / (t.hz * 16);
  console.log(`${t.name.padEnd(9)} ${(t.hz * 16 / 1e6).toFixed(2)} M commands/s ±${t.stats.rme.toFixed(1)}%  (${perCommand.toFixed(0)} ns per command)`);
});
suite.run();
