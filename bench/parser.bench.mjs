// RESP request parser benchmark: commands parsed per second, kiwi (WASM) side by side with
// redis-parser 3 (the JS parser ioredis used) and the plain TS reference parser of the
// tests, for pipelines of 1, 16 and 128 SET (16 B key, 100 B or 4 KB value) or GET
// commands. Each parser gets argv Buffers through a callback, so handing results to JS
// is counted; redis-parser runs with returnBuffers (it makes the same Buffers).
//
//   npm run build:wasm && npm run build:ts   (npm run build does both)
//   node bench/parser.bench.mjs [--rounds 3] [--max-time 1]
//
// Each trial (one parser, one shape) runs in a fresh process; every round runs all
// parsers on a shape, in alternating order, and the samples of all rounds are pooled.
// Pipelines are fed in chunks of at most 64 KB, as a socket delivers them.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WRAPPER = new URL('../dist/protocol/request-parser.js', import.meta.url);
const REFERENCE_DIR = new URL('./results/tmp/reference/', import.meta.url);
const PARSERS = ['kiwi', 'redis-parser', 'reference'];
const PIPELINES = [1, 16, 128];
const VALUES = { 'SET 100 B': 100, 'SET 4 KB': 4096, GET: null };
const CHUNK = 64 * 1024;
const KEY = 'k'.repeat(16);

function multibulk(...args) {
  return `*${args.length}\r\n${args.map((arg) => `$${arg.length}\r\n${arg}\r\n`).join('')}`;
}

function shapeInput(name, pipeline) {
  const value = VALUES[name];
  const command = value === null ? multibulk('GET', KEY) : multibulk('SET', KEY, 'v'.repeat(value));
  const bytes = Buffer.from(command.repeat(pipeline));
  const chunks = [];
  for (let at = 0; at < bytes.length; at += CHUNK) chunks.push(Buffer.from(bytes.subarray(at, at + CHUNK)));
  return chunks;
}

async function makeFeeder(parser, onArgv) {
  if (parser === 'kiwi') {
    const { RequestParser } = await import(WRAPPER.href);
    const kiwi = new RequestParser();
    const onCommand = (_id, argv) => onArgv(argv);
    return (chunk) => kiwi.feed(chunk, onCommand);
  }
  if (parser === 'redis-parser') {
    const RedisParser = require('redis-parser');
    const js = new RedisParser({ returnBuffers: true, returnReply: onArgv, returnError: (e) => { throw e; } });
    return (chunk) => js.execute(chunk);
  }
  const { commandNames } = await import(WRAPPER.href);
  const { ReferenceParser } = await import(new URL('reference-parser.js', REFERENCE_DIR).href);
  const reference = new ReferenceParser({ commandIds: new Map(commandNames.map((name, id) => [name, id])) });
  const onCommand = (_id, argv) => onArgv(argv);
  return (chunk) => reference.feed(chunk, onCommand);
}

/** Child: one benchmark.js run of one parser on one shape; prints its samples as JSON. */
async function child(parser, shape, pipeline, maxTime) {
  const Benchmark = require('benchmark');
  const chunks = shapeInput(shape, Number(pipeline));
  let commands = 0;
  const feed = await makeFeeder(parser, (argv) => {
    commands += argv.length > 0 ? 1 : 0;
  });
  const run = () => {
    for (const chunk of chunks) feed(chunk);
  };
  run();
  if (commands !== Number(pipeline)) throw new Error(`${parser} parsed ${commands} of ${pipeline} commands`);
  const bench = new Benchmark(`${parser} ${shape} x${pipeline}`, run, { maxTime: Number(maxTime), minSamples: 20 });
  bench.run();
  process.stdout.write(JSON.stringify({ sample: bench.stats.sample }));
}

function compileReference() {
  execFileSync(process.execPath, [
    fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), 'test/protocol/reference-parser.ts',
    '--outDir', fileURLToPath(REFERENCE_DIR), '--module', 'nodenext', '--moduleResolution', 'nodenext',
    '--target', 'es2023', '--types', 'node', '--skipLibCheck', '--ignoreConfig',
  ], { cwd: ROOT, stdio: 'inherit' });
}

/** Mean seconds per operation and its relative margin of error (95 %), pooled. */
function summarize(samples) {
  const n = samples.length;
  const mean = samples.reduce((a, b) => a + b, 0) / n;
  const variance = samples.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return { mean, rme: (1.96 * Math.sqrt(variance / n) / mean) * 100 };
}

function format(opsPerSecond) {
  return opsPerSecond >= 1e6 ? `${(opsPerSecond / 1e6).toFixed(2)} M` : `${(opsPerSecond / 1e3).toFixed(0)} k`;
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(...args.slice(1));
  const option = (name, fallback) => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : fallback;
  };
  const rounds = Number(option('--rounds', 3));
  const maxTime = option('--max-time', 1);
  if (!existsSync(WRAPPER)) throw new Error('dist/ is missing: run `npm run build:wasm && npm run build:ts`');
  compileReference();
  const samples = new Map();
  for (let round = 0; round < rounds; round++) {
    for (const shape of Object.keys(VALUES)) {
      for (const pipeline of PIPELINES) {
        const order = round % 2 === 0 ? PARSERS : [...PARSERS].reverse();
        for (const parser of order) {
          const trial = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', parser, shape, String(pipeline), maxTime], { encoding: 'utf8' });
          if (trial.status !== 0) throw new Error(`${parser} ${shape} x${pipeline} failed:\n${trial.stderr}`);
          const key = `${shape}|${pipeline}|${parser}`;
          samples.set(key, [...(samples.get(key) ?? []), ...JSON.parse(trial.stdout).sample]);
          process.stderr.write('.');
        }
      }
    }
  }
  process.stderr.write('\n');
  const cpus = os.cpus();
  console.log(`Node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${rounds} rounds, max-time ${maxTime}s per trial\n`);
  console.log('| shape | pipeline | kiwi (cmds/s ± rme) | redis-parser (cmds/s ± rme) | reference (cmds/s ± rme) | kiwi / redis-parser |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const shape of Object.keys(VALUES)) {
    for (const pipeline of PIPELINES) {
      const cells = PARSERS.map((parser) => {
        const { mean, rme } = summarize(samples.get(`${shape}|${pipeline}|${parser}`));
        return { rate: pipeline / mean, rme };
      });
      const text = cells.map(({ rate, rme }) => `${format(rate)} ± ${rme.toFixed(1)} %`);
      console.log(`| ${shape} | ${pipeline} | ${text.join(' | ')} | ${(cells[0].rate / cells[1].rate).toFixed(2)}x |`);
    }
  }
}

await main();
