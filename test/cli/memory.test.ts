// In-memory mode as applications use it: `--dir :memory:` (or server.dir = ":memory:" in
// TOML, or startServer({ dir: ':memory:' })) runs the real storage runtime on RocksDB's
// in-memory Env. What every command does on it is the whole server suite's second pass
// (vitest.config.ts, project "memory"); this file checks what is particular to the mode:
// nothing on disk, nothing left after close, and the README's vitest globalSetup example.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/index.js';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'dist', 'cli.js');
const work = mkdtempSync(join(tmpdir(), 'kiwi-memory-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let dirs = 0;
const emptyDir = (name: string) => mkdtempSync(join(work, `${name}${dirs++}-`));

/** The files a process holds open, by path (sockets, pipes and /dev left out). */
function openFiles(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`)
    .map((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((p) => p.startsWith('/') && !p.startsWith('/dev/') && !p.startsWith('/proc/'));
}

/**
 * Starts the CLI in an empty working directory with empty TMPDIR and HOME, writes enough
 * through 1 MB memtables for RocksDB to flush SST files, and returns what it held open.
 */
async function exercise(args: string[]): Promise<{ open: string[]; cwd: string; tmp: string; home: string; dir: string }> {
  const cwd = emptyDir('cwd');
  const tmp = emptyDir('tmp');
  const home = emptyDir('home');
  const child = spawn(process.execPath, [CLI, '--port', '0', '--set', 'storage.write_buffer_size=1mb', ...args], {
    cwd,
    env: { ...process.env, TMPDIR: tmp, HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    let port = 0;
    for (let i = 0; i < 400 && !port && child.exitCode === null; i++) {
      port = Number(/ready: 127\.0\.0\.1:(\d+);/.exec(out)?.[1] ?? 0);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(port, out).toBeGreaterThan(0);
    const redis = new Redis({ port, host: '127.0.0.1' });
    const value = 'v'.repeat(20_000);
    const pipeline = redis.pipeline();
    for (let i = 0; i < 300; i++) pipeline.set(`key:${i}`, value);
    await pipeline.exec();
    expect(await redis.dbsize()).toBe(300);
    const [, dir] = (await redis.config('GET', 'dir')) as [string, string];
    // Flushes are in the background: give them a moment to open their files.
    await new Promise((r) => setTimeout(r, 300));
    const open = openFiles(child.pid!);
    redis.disconnect();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    return { open, cwd, tmp, home, dir };
  } finally {
    child.kill('SIGKILL');
  }
}

describe('--dir :memory:', () => {
  it('writes no file: nothing in the working directory, TMPDIR or HOME, no data file held open', async () => {
    const r = await exercise(['--dir', ':memory:']);
    expect(r.dir).toBe(':memory:');
    expect(r.open).toEqual([]);
    expect(readdirSync(r.cwd)).toEqual([]);
    expect(readdirSync(r.tmp)).toEqual([]);
    expect(readdirSync(r.home)).toEqual([]);
  });

  it('the same run on a directory does hold RocksDB files open and leaves them (the check above can fail)', async () => {
    const r = await exercise(['--dir', 'data']);
    expect(r.open.some((p) => p.startsWith(join(r.cwd, 'data')))).toBe(true);
    expect(readdirSync(join(r.cwd, 'data'))).toContain('CURRENT');
  });

  it('server.dir = ":memory:" in a TOML file does the same', async () => {
    const conf = join(emptyDir('conf'), 'kiwi.toml');
    writeFileSync(conf, '[server]\ndir = ":memory:"\n');
    const r = await exercise(['--config', conf]);
    expect(r.dir).toBe(':memory:');
    expect(r.open).toEqual([]);
    expect(readdirSync(r.cwd)).toEqual([]);
  });
});

describe("startServer({ dir: ':memory:' })", () => {
  it('data is gone at close, and two in-memory servers are independent', async () => {
    const a = await startServer({ port: 0, dir: ':memory:' });
    const b = await startServer({ port: 0, dir: ':memory:' });
    const ra = new Redis({ port: a.port, host: '127.0.0.1' });
    const rb = new Redis({ port: b.port, host: '127.0.0.1' });
    try {
      await ra.set('only-in-a', '1');
      expect(await rb.exists('only-in-a')).toBe(0);
      expect(await ra.info('storage')).toContain('storage_dir::memory:');
    } finally {
      ra.disconnect();
      rb.disconnect();
      await a.close();
      await b.close();
    }
    const again = await startServer({ port: 0, dir: ':memory:' });
    const r = new Redis({ port: again.port, host: '127.0.0.1' });
    try {
      expect(await r.dbsize()).toBe(0);
    } finally {
      r.disconnect();
      await again.close();
    }
  });
});

describe("README's vitest globalSetup example", () => {
  const FIXTURE = join(ROOT, 'test', 'fixtures', 'vitest-global-setup');

  it('is the file test/fixtures/vitest-global-setup runs', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /```ts\n(\/\/ vitest\.global-setup\.ts[\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(readFileSync(join(FIXTURE, 'global-setup.ts'), 'utf8'));
  });

  it('runs: an application test suite gets a working in-memory server', async () => {
    const { stdout } = await run(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', FIXTURE], {
      cwd: FIXTURE,
      env: { ...process.env, NO_COLOR: '1', KIWI_TEST_STORAGE: '' },
      timeout: 60_000,
    });
    expect(stdout).toMatch(/Tests\s+1 passed \(1\)/);
  }, 70_000);
});
