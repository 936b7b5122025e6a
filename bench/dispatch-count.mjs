// Fixed-work variant of dispatch.bench.mjs for instruction counting under
// `valgrind --tool=callgrind` (repeatable on a noisy machine): run it with N and 2N
// iterations and divide the difference by N * 16 commands.
//   valgrind --tool=callgrind --smc-check=all-non-file --callgrind-out-file=/dev/null node bench/dispatch-count.mjs SET 2000
import { RequestParser, commandNames } from '../dist/protocol/request-parser.js';
import { Dispatcher } from '../dist/server/dispatcher.js';
import { RespWriter } from '../dist/server/resp-writer.js';
import { buildCommandTable } from '../dist/commands/registry.js';
import { loadConfig } from '../dist/config/config.js';
import { encodeBatch } from '../dist/storage/codec.js';

const [name = 'SET', iterations = '1000'] = process.argv.slice(2);
const config = loadConfig();
const pendingCalls = [];
const server = {
  config, storage: { enqueue: (commands, cb) => pendingCalls.push({ commands, cb }), submit: (req) => pendingCalls.push({ commands: req.commands, cb: (e, r) => req.complete(e, r) }) }, commands: buildCommandTable(),
  stats: { totalCommands: 0, keyspaceHits: 0, keyspaceMisses: 0 }, clients: { list: () => [], count: () => 1 },
  startedAt: 0, version: '7.0.0', infoSections: () => new Map(), shutdown: async () => {}, resetStats() {}, storageReadOnly: () => null,
};
const dispatcher = new Dispatcher(server, commandNames);
const writer = new RespWriter();
const conn = { id: 1, db: 0, resp: 2, authenticated: true, lastCommand: '', n: 0, reply: (r) => writer.write(r, 2), reserve() { return this.n++; }, fill: (_i, r) => writer.write(r, 2) };
const parser = new RequestParser();
const resp = (args) => Buffer.concat([Buffer.from(`*${args.length}\r\n`), ...args.flatMap((a) => [Buffer.from(`$${Buffer.byteLength(a)}\r\n`), Buffer.from(a), Buffer.from('\r\n')])]);
const key = (i) => `key:${String(i).padStart(12, '0')}`;
const args = { SET: (i) => ['SET', key(i), 'x'.repeat(100)], GET: (i) => ['GET', key(i)], INCR: (i) => ['INCR', key(i)] }[name];
const answer = { SET: 'OK', GET: Buffer.alloc(100, 120), INCR: 42 }[name];
const pipeline = Buffer.concat(Array.from({ length: 16 }, (_, i) => resp(args(i))));
for (let n = 0; n < Number(iterations); n++) {
  parser.feed(pipeline, (id, argv) => dispatcher.dispatch(conn, id, argv, false));
  encodeBatch(pendingCalls.map((p) => p.commands));
  for (const p of pendingCalls) p.cb(null, answer);
  pendingCalls.length = 0;
  writer.take();
}
