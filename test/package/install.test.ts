// The npm packages as a user gets them: `npm run package`'s tarballs (scripts/package.mjs,
// packing the current build) installed into an empty prefix with --ignore-scripts, so
// nothing can compile; the installed kiwi-server started on port 0, driven by redis-cli,
// and the .node it actually loaded (read from /proc/<pid>/maps) checked with ldd.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAddon, platformKey } from '../../src/storage/native.js';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const PLATFORM = platformKey();

// Packages ship the bundled release RocksDB. A checkout built against the system library
// cannot pack them; that skip is visible, and CI (KIWI_ROCKSDB=bundled) turns it into a failure.
const build = loadAddon().rocksdbBuild;
const required = process.env.KIWI_ROCKSDB === 'bundled';
if (build !== 'bundled' && !required) {
  console.warn(`test/package: skipped: build/Release links the ${build} RocksDB; build the bundled one (npm run package)`);
}

describe.skipIf(build !== 'bundled' && !required)('npm packages', () => {
  let work: string;
  let prefix: string;
  let tarballs: string[];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    expect(build, 'packages need the bundled release build: npm run build:native -- --CDKIWI_ROCKSDB=bundled').toBe('bundled');
    work = mkdtempSync(join(tmpdir(), 'kiwi-package-'));
    const packed = await run(process.execPath, [join(ROOT, 'scripts/package.mjs'), '--no-build', '--out', join(work, 'pack')], {
      cwd: ROOT,
      timeout: 180_000,
    });
    tarballs = packed.stdout.trim().split('\n');
    prefix = join(work, 'prefix');
    // --global into an empty prefix: what `npm i -g kiwi-server` does, with the tarballs
    // standing in for the registry. --ignore-scripts: nothing may need to run, or compile.
    await run('npm', ['install', '--global', '--prefix', prefix, '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], {
      cwd: work,
      timeout: 180_000,
    });
  }, 400_000);

  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const installed = () => join(prefix, 'lib', 'node_modules');
  const bin = () => join(prefix, 'bin', 'kiwi-server');
  const env = () => ({ ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, KIWI_STORAGE_ADDON: '' });

  it('packs the main package and this platform\'s package, in @napi-rs/cli\'s layout', () => {
    expect(tarballs.map((t) => t.slice(t.lastIndexOf('/') + 1)).sort()).toEqual(
      [`kiwi-server-${PLATFORM}-${VERSION}.tgz`, `kiwi-server-${VERSION}.tgz`].sort(),
    );
    const main = JSON.parse(readFileSync(join(installed(), 'kiwi-server', 'package.json'), 'utf8'));
    expect(main.optionalDependencies).toEqual({ [`kiwi-server-${PLATFORM}`]: VERSION });
    expect(Object.keys(main.scripts ?? {})).toEqual([]);
    const platform = JSON.parse(readFileSync(join(installed(), `kiwi-server-${PLATFORM}`, 'package.json'), 'utf8'));
    expect(platform).toMatchObject({ name: `kiwi-server-${PLATFORM}`, version: VERSION, main: `kiwi_storage.${PLATFORM}.node`, os: [process.platform], cpu: [process.arch] });
  });

  it('the main package holds dist/, the parser and config.example.toml, and no native code', () => {
    const root = join(installed(), 'kiwi-server');
    expect(existsSync(join(root, 'dist', 'cli.js'))).toBe(true);
    expect(existsSync(join(root, 'build', 'kiwi_resp.wasm'))).toBe(true);
    expect(existsSync(join(root, 'config.example.toml'))).toBe(true);
    expect(readdirSync(join(root, 'build'))).toEqual(['kiwi_resp.wasm']);
    expect(existsSync(join(root, 'native'))).toBe(false);
    expect(readdirSync(join(installed(), `kiwi-server-${PLATFORM}`)).sort()).toEqual(
      ['README.md', `kiwi_storage.${PLATFORM}.node`, 'package.json'].sort(),
    );
  });

  it('kiwi-server --version names the bundled RocksDB and the platform package', async () => {
    const { stdout } = await run(bin(), ['--version'], { env: env(), timeout: 20_000 });
    expect(stdout).toMatch(new RegExp(`^kiwi-server +${VERSION.replaceAll('.', '\\.')}\n`));
    expect(stdout).toMatch(/\nRocksDB +10\.10\.1 \(bundled: /);
    expect(stdout).toContain(`(kiwi-server-${PLATFORM})\n`);
  });

  it('the installed kiwi-server serves redis-cli on port 0 and a temporary dir; its .node needs no librocksdb', async () => {
    const dir = join(work, 'data');
    const child = spawn(bin(), ['--port', '0', '--dir', dir], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    let port = 0;
    while (Date.now() < deadline && child.exitCode === null) {
      const m = /kiwi-server ready: 127\.0\.0\.1:(\d+);/.exec(out);
      if (m) {
        port = Number(m[1]);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(port, out).toBeGreaterThan(0);

    const cli = async (...args: string[]) => (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 })).stdout.trim();
    expect(await cli('SET', 'greeting', 'hello')).toBe('OK');
    expect(await cli('GET', 'greeting')).toBe('hello');
    expect(await cli('INCRBY', 'n', '41')).toBe('41');
    expect(await cli('DBSIZE')).toBe('2');
    expect(await cli('INFO', 'storage')).toMatch(/rocksdb_version:10\.10\.1\r?\nrocksdb_build:bundled/);

    // The .node this process loaded, not the one we think it loaded.
    const maps = readFileSync(`/proc/${child.pid}/maps`, 'utf8');
    const loaded = [...new Set(maps.split('\n').map((l) => l.split(/\s+/)[5]).filter((p) => p?.endsWith('.node')))];
    expect(loaded).toEqual([join(installed(), `kiwi-server-${PLATFORM}`, `kiwi_storage.${PLATFORM}.node`)]);
    const { stdout: ldd } = await run('ldd', [loaded[0]]);
    expect(ldd).toContain('libc.so');
    expect(ldd).not.toMatch(/rocksdb/i);
    expect(ldd).not.toMatch(/not found/);
    // Nothing beyond glibc, libgcc, libstdc++ and the compression libraries every Debian
    // and Ubuntu has (zstd: Debian's libzstd.a is not PIC); snappy, lz4 and zlib are linked in.
    const libs = ldd.trim().split('\n').map((l) => l.trim().split(/\s+/)[0]);
    const base = /^(linux-vdso\.so|\/lib64\/ld-linux|ld-linux|libc\.so|libm\.so|libdl\.so|libpthread\.so|librt\.so|libgcc_s\.so|libstdc\+\+\.so|libzstd\.so|liblz4\.so|libz\.so)/;
    expect(libs.filter((l) => !base.test(l))).toEqual([]);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(join(dir, 'CURRENT'))).toBe(true);
  }, 60_000);
});
