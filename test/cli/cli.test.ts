// The kiwi-server command as a user runs it: `node dist/cli.js` (and `npm start`) in child
// processes, driven by redis-cli and ioredis. Needs `npm run build` first.
//
// Children are spawned asynchronously (a sync spawn would block the test's event loop),
// always on 127.0.0.1 with --port 0 unless a test needs a fixed port, and any still
// running after a test is killed.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { platformKey } from '../../src/storage/native.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'dist', 'cli.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const READY = /kiwi-server ready: 127\.0\.0\.1:(\d+);/;
const BYE = /kiwi-server is now ready to exit, bye bye\.\.\./;

interface Run {
  child: ChildProcess;
  /** Started as the leader of its own process group (npm). */
  group: boolean;
  stdout: string;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<Run>();
let tmp: string;
let dirs = 0;

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  tmp = mkdtempSync(join(tmpdir(), 'kiwi-cli-'));
});
afterEach(async () => {
  for (const run of running) {
    // npm runs the server as its grandchild: kill the whole group it leads.
    try {
      if (run.group) process.kill(-run.child.pid!, 'SIGKILL');
      else run.child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
    await run.exited;
  }
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A fresh data directory path (not created). */
function newDir(): string {
  return join(tmp, `data${dirs++}`);
}

function start(command: string, args: string[], group = false, env: Record<string, string> = {}): Run {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env }, detached: group });
  const run: Run = {
    child,
    group,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
  };
  child.stdout!.on('data', (d: Buffer) => (run.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (run.stderr += d.toString()));
  running.add(run);
  void run.exited.then(() => running.delete(run));
  return run;
}

const kiwi = (...args: string[]) => start(process.execPath, [CLI, ...args]);

/** Runs the command to its end (bounded) and returns its exit code and output. */
async function finish(run: Run, timeoutMs = 10_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs);
  const { code } = await run.exited;
  clearTimeout(timer);
  return { code, stdout: run.stdout, stderr: run.stderr };
}

/** Waits for the ready line and returns the port it names. */
async function ready(run: Run, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = READY.exec(run.stdout);
    if (m) return Number(m[1]);
    if (run.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no ready line; stdout: ${run.stdout} stderr: ${run.stderr}`);
}

async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--no-auth-warning', ...args], { timeout: 10_000 });
  return stdout.trim();
}

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('flags', () => {
  it('--help prints the usage and exits 0', async () => {
    const r = await finish(kiwi('--help'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: kiwi-server \[options\]/);
    for (const flag of ['--config', '--port', '--bind', '--dir', '--preset', '--requirepass', '--http-port', '--fault-injection', '--set', '--version']) {
      expect(r.stdout).toContain(flag);
    }
  });

  it("--version prints the versions of kiwi, RocksDB, Node.js and the WASM parser and exits 0", async () => {
    const r = await finish(kiwi('--version'));
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^kiwi-server +${VERSION.replaceAll('.', '\\.')}$`));
    // Which RocksDB the loaded addon links, and whether it is the bundled release build.
    expect(lines[1]).toMatch(/^RocksDB +\d+\.\d+\.\d+ \((bundled|system): /);
    expect(lines[2]).toMatch(/^storage addon +\/\S+kiwi_storage\S*\.node \((build|kiwi-server-[a-z0-9-]+|KIWI_STORAGE_ADDON)\)$/);
    expect(lines[3]).toBe(`Node.js        ${process.version} (N-API ${process.versions.napi})`);
    expect(lines[4]).toMatch(/^WASM parser +kiwi_resp\.wasm sha256:[0-9a-f]{12} \(AssemblyScript \d+\.\d+\.\d+\)$/);
    expect(lines.slice(5)).toEqual(['']);
  });

  it('without an addon, --version and start-up fail with one message naming the platform, where it looked and how to build', async () => {
    // An install without any addon: dist/, package.json and the parser, but no build/Release
    // and no platform package (node_modules links to the checkout's for the dependencies).
    const bare = mkdtempSync(join(tmpdir(), 'kiwi-bare-'));
    try {
      cpSync(join(ROOT, 'dist'), join(bare, 'dist'), { recursive: true });
      cpSync(join(ROOT, 'package.json'), join(bare, 'package.json'));
      mkdirSync(join(bare, 'build'));
      cpSync(join(ROOT, 'build', 'kiwi_resp.wasm'), join(bare, 'build', 'kiwi_resp.wasm'));
      symlinkSync(join(ROOT, 'node_modules'), join(bare, 'node_modules'));
      const env = { KIWI_STORAGE_ADDON: '' };
      const platform = platformKey();
      const message = new RegExp(
        `^kiwi-server: no storage addon \\(the \\.node holding RocksDB\\) for this platform, ${platform}\\. Looked for the package kiwi-server-${platform} \\(not installed;.*` +
          `and for a local build at ${bare}/build/Release/kiwi_storage\\.node \\(missing\\)\\..*To build from source: .*npm ci.*docs/building\\.md\\)\\.\\n$`,
      );
      const version = await finish(start(process.execPath, [join(bare, 'dist', 'cli.js'), '--version'], false, env));
      expect(version.code).toBe(1);
      expect(version.stdout).toMatch(/^kiwi-server +\S+\nRocksDB +unknown \(no storage addon could be loaded\)\nNode\.js/);
      expect(version.stderr).toMatch(message);
      const serve = await finish(start(process.execPath, [join(bare, 'dist', 'cli.js'), '--port', '0', '--dir', ':memory:'], false, env));
      expect(serve.code).toBe(1);
      expect(serve.stderr).toMatch(message);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});

describe('invalid start-up input exits 1, names key, value and reason, creates no data dir', () => {
  const cases: Array<[string, (dir: string) => string[], RegExp]> = [
    ['an unknown flag', (dir) => ['--dir', dir, '--bogus'], /^kiwi-server: Unknown option '--bogus'/],
    ['a flag without its value', (dir) => ['--dir', dir, '--port'], /^kiwi-server: Option '--port <value>' argument missing/],
    ['a stray argument', (dir) => ['--dir', dir, 'extra'], /^kiwi-server: Unexpected argument 'extra'/],
    ['--port out of range', (dir) => ['--dir', dir, '--port', '70000'], /^kiwi-server: invalid configuration: server\.port = "70000": must be at most 65535\n$/],
    ['--port not a number', (dir) => ['--dir', dir, '--port', 'http'], /^kiwi-server: invalid configuration: server\.port = "http": expected an integer\n$/],
    ['--set with a bad value', (dir) => ['--dir', dir, '--set', 'runtime.batch_size=abc'], /^kiwi-server: invalid configuration: runtime\.batch_size = "abc": expected an integer\n$/],
    ['--set with an unknown key', (dir) => ['--dir', dir, '--set', 'runtime.batchsize=5'], /^kiwi-server: invalid configuration: runtime\.batchsize = "5": unknown configuration key/],
    ['--set without =', (dir) => ['--dir', dir, '--set', 'runtime.batch_size'], /^kiwi-server: --set expects KEY=VALUE, got "runtime\.batch_size"\n$/],
    ['--set breaking a cross-key rule', (dir) => ['--dir', dir, '--set', 'runtime.fault_injection.error_rate=0.5'], /runtime\.fault_injection\.error_rate = 0\.5: fault injection is off/],
    ['an unknown preset', (dir) => ['--dir', dir, '--preset', 'fast'], /^kiwi-server: invalid configuration: preset = "fast": unknown preset; expected one of default, high-throughput, low-latency\n$/],
    ['a missing config file', (dir) => ['--dir', dir, '--config', join(tmp, 'none.toml')], /^kiwi-server: invalid configuration: --config = ".*none\.toml": cannot read the file \(ENOENT\)\n$/],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const dir = newDir();
      const r = await finish(kiwi(...args(dir)));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
      expect(existsSync(dir)).toBe(false);
    });
  }

  it('a config file with a TOML syntax error, an unknown key, a bad value', async () => {
    const files: Array<[string, RegExp]> = [
      ['[server]\nport = [\n', /invalid configuration: --config = ".*": not valid TOML at line \d+, column \d+: /],
      ['[server]\nprot = 1\n', /invalid configuration: server\.prot = 1: unknown configuration key \(in .*\)/],
      ['[storage]\ncompression = "brotli"\n', /invalid configuration: storage\.compression = "brotli": expected one of none, snappy, lz4, zstd, zlib/],
    ];
    await Promise.all(
      files.map(async ([text, message], i) => {
        const file = join(tmp, `bad${i}.toml`);
        writeFileSync(file, text);
        const dir = newDir();
        const r = await finish(kiwi('--dir', dir, '--config', file));
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(message);
        expect(existsSync(dir)).toBe(false);
      }),
    );
  });
});

describe('running', () => {
  it('prints its ready line, honours --config, --set, --preset and --requirepass, and stops on SIGTERM', async () => {
    const file = join(tmp, 'good.toml');
    writeFileSync(file, '[server]\nmaxclients = 321\n[runtime]\nbatch_size = 50\n');
    const run = kiwi('--port', '0', '--dir', newDir(), '--config', file, '--set', 'runtime.batch_size=60', '--preset', 'low-latency', '--requirepass', 'pw');
    const port = await ready(run);
    expect(run.stdout).toMatch(/data in .*data\d+ \(RocksDB [\d.]+, \d+ network runtimes? accepting by (reuseport|acceptor), \d+ storage threads\)/);
    expect(await redisCli(port, 'PING')).toBe('NOAUTH Authentication required.');
    expect(await redisCli(port, '-a', 'pw', 'CONFIG', 'GET', 'maxclients')).toBe('maxclients\n321');
    expect(await redisCli(port, '-a', 'pw', 'CONFIG', 'GET', 'batch-size')).toBe('batch-size\n60');
    expect(await redisCli(port, '-a', 'pw', 'INFO', 'runtime')).toMatch(/\npreset:low-latency\r?\n/);
    run.child.kill('SIGTERM');
    const r = await finish(run);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/shutting down \(received SIGTERM\)/);
    expect(r.stdout).toMatch(BYE);
    expect(r.stderr).toBe('');
  });

  it('SIGINT shuts down gracefully', async () => {
    const run = kiwi('--port', '0', '--dir', newDir());
    const port = await ready(run);
    expect(await redisCli(port, 'SET', 'k', 'v')).toBe('OK');
    run.child.kill('SIGINT');
    const r = await finish(run);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/shutting down \(received SIGINT\)/);
    expect(r.stdout).toMatch(BYE);
  });

  it('SHUTDOWN from redis-cli stops the process with exit code 0', async () => {
    const run = kiwi('--port', '0', '--dir', newDir());
    const port = await ready(run);
    // Redis closes the connection without a reply; redis-cli prints nothing and exits 0.
    await redisCli(port, 'SHUTDOWN');
    const r = await finish(run);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/shutting down \(SHUTDOWN command\)/);
    expect(r.stdout).toMatch(BYE);
  });

  it('`npm start -- --port N --dir DIR` works from the checkout', async () => {
    const port = await freePort();
    const dir = newDir();
    const run = start('npm', ['start', '--silent', '--', '--port', String(port), '--dir', dir], true);
    expect(await ready(run, 20_000)).toBe(port);
    expect(await redisCli(port, 'PING')).toBe('PONG');
    expect(existsSync(dir)).toBe(true);
    await redisCli(port, 'SHUTDOWN');
    const r = await finish(run);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(BYE);
  });

  it('no acknowledged write is lost across SIGTERM and a restart on the same --dir', async () => {
    const N = 3000;
    const dir = newDir();
    const first = kiwi('--port', '0', '--dir', dir);
    let port = await ready(first);
    let r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    await r.connect();
    for (let base = 0; base < N; base += 500) {
      const p = r.pipeline();
      for (let i = base; i < base + 500; i++) p.set(`key:${i}`, `value:${i}:${'x'.repeat(i % 50)}`);
      const results = await p.exec();
      expect(results!.every(([err, v]) => err === null && v === 'OK')).toBe(true);
    }
    r.disconnect();
    first.child.kill('SIGTERM');
    expect((await finish(first)).code).toBe(0);

    const second = kiwi('--port', '0', '--dir', dir);
    port = await ready(second);
    r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    await r.connect();
    const keys = Array.from({ length: N }, (_, i) => `key:${i}`);
    const values = await r.mget(keys);
    const lost = keys.filter((k, i) => values[i] !== `value:${i}:${'x'.repeat(i % 50)}`);
    expect(lost).toEqual([]);
    expect(await r.dbsize()).toBe(N);
    r.disconnect();
    second.child.kill('SIGTERM');
    expect((await finish(second)).code).toBe(0);
  });

  it('with three network runtimes, SIGTERM during writes from every runtime loses no acknowledged write', async () => {
    const dir = newDir();
    const first = kiwi('--port', '0', '--dir', dir, '--set', 'runtime.network_threads=3');
    let port = await ready(first);
    const clients = await Promise.all(Array.from({ length: 6 }, async () => {
      const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
      c.on('error', () => {});
      await c.connect();
      return c;
    }));
    const acked = clients.map(() => 0);
    let signalled = false;
    const writers = clients.map(async (c, i) => {
      for (;;) {
        const p = c.pipeline();
        for (let j = 0; j < 20; j++) p.incr(`sig:${i}`);
        const res = (await p.exec().catch(() => null)) ?? [];
        for (const [err] of res) if (err === null) acked[i]++;
        if (res.length === 0 || res.some(([err]) => err !== null)) return;
        if (signalled && acked[i] > 100_000) return;
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    first.child.kill('SIGTERM');
    signalled = true;
    expect((await finish(first)).code).toBe(0);
    await Promise.all(writers);
    for (const c of clients) c.disconnect();
    expect(acked.every((n) => n > 0)).toBe(true);

    const second = kiwi('--port', '0', '--dir', dir, '--set', 'runtime.network_threads=3');
    port = await ready(second);
    const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    await r.connect();
    const counts = (await r.mget(acked.map((_n, i) => `sig:${i}`))).map(Number);
    counts.forEach((n, i) => expect(n, `connection ${i}`).toBeGreaterThanOrEqual(acked[i]));
    r.disconnect();
    second.child.kill('SIGTERM');
    expect((await finish(second)).code).toBe(0);
  });

  // --http-port serves GET /health (and /metrics) on 127.0.0.1.
  it('--http-port serves GET /health', async () => {
    const httpPort = await freePort();
    const run = kiwi('--port', '0', '--dir', newDir(), '--http-port', String(httpPort));
    await ready(run);
    const res = await fetch(`http://127.0.0.1:${httpPort}/health`, { signal: AbortSignal.timeout(3000) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toMatch(/healthy|degraded/);
  });

  it('a second server on the same --dir fails with a clear message and exits 1', async () => {
    const dir = newDir();
    const first = kiwi('--port', '0', '--dir', dir);
    const port = await ready(first);
    const r = await finish(kiwi('--port', '0', '--dir', dir));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^kiwi-server: cannot open the data directory: .*LOCK.*\n$/);
    expect(r.stdout).not.toMatch(READY);
    // The first one is unharmed.
    expect(await redisCli(port, 'PING')).toBe('PONG');
    first.child.kill('SIGTERM');
    expect((await finish(first)).code).toBe(0);
  });

  it('a port in use gives a clear message and exits 1', async () => {
    const first = kiwi('--port', '0', '--dir', newDir());
    const port = await ready(first);
    const r = await finish(kiwi('--port', String(port), '--dir', newDir()));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`kiwi-server: cannot listen: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`);
    expect(await redisCli(port, 'PING')).toBe('PONG');
    first.child.kill('SIGTERM');
    expect((await finish(first)).code).toBe(0);
  });
});
