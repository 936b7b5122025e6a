// Servers and tools the end-to-end benchmarks start: kiwi-server and redis-server, each on
// 127.0.0.1 in a fresh temp dir, and redis-benchmark runs. Every child process and temp
// dir is registered here, so that whatever ends the run (normal exit, an error, Ctrl-C,
// SIGTERM) no server is left running and no data dir is left behind.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KIWI_CLI = join(ROOT, 'dist', 'cli.js');

const children = new Set();
const dirs = new Set();

/** Registers a child process so that exit handlers stop it. */
export function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** A fresh temp dir, removed at exit if the caller does not remove it first. */
export function tempDir(prefix, parent = tmpdir()) {
  const dir = mkdtempSync(join(parent, prefix));
  dirs.add(dir);
  return dir;
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
}

function killAll(signal) {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
}

let installed = false;
let interrupted = false;
/** Resolves at once, unless a signal is ending the run: then never, so that the caller
 *  writes no results from a half-finished run while the signal handler exits. */
export function unlessInterrupted() {
  return interrupted ? new Promise(() => {}) : Promise.resolve();
}

/** Exit handlers: SIGKILL leftovers on 'exit' (only sync work is possible there); on
 *  SIGINT/SIGTERM ask children to stop (SIGTERM), give them a few seconds, then exit. */
export function installCleanup(onInterrupt = () => {}) {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    killAll('SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const onSignal = (signal) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    onInterrupt(signal);
    process.stderr.write(`\n${signal}: stopping ${children.size} child process(es) and removing temp dirs...\n`);
    killAll('SIGTERM');
    const deadline = Date.now() + 10_000;
    const wait = setInterval(() => {
      if (children.size === 0 || Date.now() > deadline) {
        clearInterval(wait);
        process.exit(130); // the 'exit' handler SIGKILLs what is left and removes the dirs
      }
    }, 100);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Waits for a line matching `re` on the child's stdout; rejects if it exits first. */
function waitForLine(child, re, what) {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const m = re.exec(out);
      if (m) {
        child.stdout.off('data', onData);
        child.off('exit', onExit);
        child.stdout.resume(); // keep draining the log so the server never blocks on a full pipe
        resolve(m);
      }
    };
    const onExit = (code, signal) => reject(new Error(`${what} exited (${code ?? signal}) before it was ready:\n${out.slice(-2000)}`));
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });
}

class Server {
  constructor(name, child, port, dir) {
    this.name = name;
    this.child = child;
    this.pid = child.pid;
    this.port = port;
    this.dir = dir;
  }

  /** Peak resident set size of the server process so far (VmHWM), in bytes. */
  peakRss() {
    return procStatusBytes(this.pid, 'VmHWM');
  }

  async stop() {
    const { child } = this;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(timer);
    }
    removeDir(this.dir);
  }
}

/**
 * kiwi-server from dist/ (run `npm run build` first), listening on 127.0.0.1 only.
 * `cli`: another build's dist/cli.js (A/B against an older commit); `cpus`: a taskset list.
 */
export async function startKiwi({ sets = [], parentDir, cli = KIWI_CLI, cpus } = {}) {
  const dir = tempDir('kiwi-bench-', parentDir);
  const args = [cli, '--port', '0', '--bind', '127.0.0.1', '--dir', dir, ...sets.flatMap((s) => ['--set', s])];
  const child = track(cpus
    ? spawn('taskset', ['-c', cpus, process.execPath, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
  child.stderr.resume();
  const m = await waitForLine(child, /ready: 127\.0\.0\.1:(\d+)/, 'kiwi-server');
  return new Server('kiwi', child, Number(m[1]), dir);
}

/** How redis-server persists here: like kiwi does (a log, fsync every second, no snapshots). */
export const REDIS_PERSISTENCE = ['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''];

/** Debian's redis-server on 127.0.0.1, persisting as REDIS_PERSISTENCE says. */
export async function startRedis({ cpus } = {}) {
  for (let attempt = 1; ; attempt++) {
    const dir = tempDir('redis-bench-');
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...REDIS_PERSISTENCE, '--daemonize', 'no', '--logfile', ''];
    const child = track(cpus ? spawn('taskset', ['-c', cpus, 'redis-server', ...args], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    child.stderr.resume();
    try {
      await waitForLine(child, /Ready to accept connections/, 'redis-server');
      return new Server('redis', child, port, dir);
    } catch (err) {
      removeDir(dir);
      if (attempt >= 3) throw err; // the free port may have been taken between probe and bind
    }
  }
}

export function procStatusBytes(pid, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Polls a process' VmRSS while a trial runs; `stop()` returns the largest sample. */
export function sampleRss(pid, everyMs = 200) {
  let max = procStatusBytes(pid, 'VmRSS') ?? 0;
  const timer = setInterval(() => {
    max = Math.max(max, procStatusBytes(pid, 'VmRSS') ?? 0);
  }, everyMs);
  return { stop: () => (clearInterval(timer), Math.max(max, procStatusBytes(pid, 'VmRSS') ?? 0)) };
}

const CSV_FIELDS = ['test', 'rps', 'avg', 'min', 'p50', 'p95', 'p99', 'max'];

/**
 * One redis-benchmark run with --csv (Redis 7 columns: test, rps, avg, min, p50, p95,
 * p99, max; latencies in ms). `test` is a -t name (set, get, incr, mset).
 */
/** One redis-benchmark run: its own test `test` (-t), or `command` (a command line of its own). */
export function redisBenchmark({ port, test, command, requests, clients = 50, pipeline = 1, dataSize = 16, keyspace, cpus, threads }) {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-n', String(requests), '-c', String(clients), '-P', String(pipeline), '-d', String(dataSize), '-r', String(keyspace), '--csv'];
  if (threads) args.push('--threads', String(threads));
  if (command) args.push(...command);
  else args.push('-t', test);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = track(cpus ? spawn('taskset', ['-c', cpus, 'redis-benchmark', ...args], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn('redis-benchmark', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.once('exit', (code, signal) => {
      const seconds = (performance.now() - started) / 1000;
      const rows = out.trim().split('\n').filter((l) => l.startsWith('"') && !l.startsWith('"test"'));
      if (code !== 0 || rows.length === 0) {
        reject(new Error(`redis-benchmark ${args.join(' ')} failed (${code ?? signal}):\n${err}${out}`.slice(0, 3000)));
        return;
      }
      const cells = rows.at(-1).split(',').map((c) => c.replace(/^"|"$/g, ''));
      const row = Object.fromEntries(CSV_FIELDS.map((f, i) => [f, i === 0 ? cells[i] : Number(cells[i])]));
      resolve({ ...row, requests, seconds, args: ['redis-benchmark', ...args] });
    });
  });
}

/** One command through redis-cli; its output, trimmed. */
export function cli(port, ...args) {
  return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8' }).trim();
}

/** INFO field values (numbers) from a server, through redis-cli. */
export function info(port, section = 'stats') {
  const text = execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'info', section], { encoding: 'utf8' });
  return Object.fromEntries(text.split(/\r?\n/).filter((l) => l.includes(':')).map((l) => {
    const at = l.indexOf(':');
    const v = l.slice(at + 1);
    return [l.slice(0, at), Number.isNaN(Number(v)) ? v : Number(v)];
  }));
}

/** The null server (bench/lib/null-server.mjs): Node sockets answering +OK, no storage. */
export async function startNull({ cpus } = {}) {
  const dir = tempDir('null-bench-');
  const args = [join(ROOT, 'bench', 'lib', 'null-server.mjs'), '0'];
  const child = track(cpus ? spawn('taskset', ['-c', cpus, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  child.stderr.resume();
  const m = await waitForLine(child, /ready: 127\.0\.0\.1:(\d+)/, 'null server');
  return new Server('null', child, Number(m[1]), dir);
}
