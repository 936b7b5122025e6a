#!/usr/bin/env node
// `npm run package`: builds the release addon (RocksDB bundled), the WASM parser and the
// TypeScript, then writes the npm tarballs to pack/ (git-ignored):
//   kiwi-server-<version>.tgz             dist/, the .wasm, config.example.toml; no scripts
//   kiwi-server-<platform>-<version>.tgz  one per platform built: the prebuilt .node
// in the layout of @napi-rs/cli (package.json's `napi` section; npm/<platform>/ made by
// `napi create-npm-dirs`, the .node placed by `napi artifacts`, versions and the main
// package's optionalDependencies set by `napi pre-publish`), run on a staged copy so the
// checkout's package.json is never rewritten.
//
//   node scripts/package.mjs [--no-build] [--out DIR]
// --no-build packs what build/ and dist/ hold (it still checks the addon is bundled).
// Addons built on other machines (linux-arm64-gnu, darwin-arm64) are picked up from
// $KIWI_ARTIFACTS_DIR, named as napi names them: kiwi_storage.<platform>.node.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({ options: { 'no-build': { type: 'boolean' }, out: { type: 'string' } } });
const OUT = resolve(opts.out ?? join(ROOT, 'pack'));
const STAGE = join(OUT, 'stage');

const log = (msg) => process.stderr.write(`package: ${msg}\n`);
function run(cmd, args, options = {}) {
  log(`$ ${[cmd, ...args].join(' ')}`);
  return execFileSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...options });
}
const napi = (args) => run(process.execPath, [join(ROOT, 'node_modules/@napi-rs/cli/dist/cli.js'), ...args, '--cwd', STAGE]);

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const { binaryName, packageName } = pkg.napi;
const addonPath = join(ROOT, 'build/Release/kiwi_storage.node');

// --- build -------------------------------------------------------------------------
if (!opts['no-build']) {
  const entry = run('bash', ['scripts/build-rocksdb.sh']).trim().split('\n').pop();
  run('npx', ['cmake-js', 'compile', '--out', 'build', '--CDKIWI_ROCKSDB=bundled', `--CDKIWI_ROCKSDB_DIR=${entry}`], { stdio: 'inherit' });
  run('npm', ['run', 'build:wasm'], { stdio: 'inherit' });
  run('npm', ['run', 'build:ts'], { stdio: 'inherit' });
}
for (const file of [addonPath, join(ROOT, 'build/kiwi_resp.wasm'), join(ROOT, 'dist/cli.js')]) {
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run package without --no-build`);
}

// --- the addon must be the release build, self-contained ------------------------------
const info = JSON.parse(
  run(process.execPath, ['-e', `const a = require(${JSON.stringify(addonPath)}); console.log(JSON.stringify({ build: a.rocksdbBuild, version: a.rocksdbVersion }))`]),
);
if (info.build !== 'bundled') {
  throw new Error(`${addonPath} links the ${info.build} RocksDB ${info.version}; packages ship the bundled release build (npm run package builds it)`);
}
if (process.platform === 'linux') {
  const needed = run('ldd', [addonPath]);
  if (/rocksdb/.test(needed)) throw new Error(`${addonPath} needs a RocksDB library at run time:\n${needed}`);
}

// --- stage the main package ------------------------------------------------------------
// Only what this script writes is replaced: the stage and earlier tarballs.
mkdirSync(OUT, { recursive: true });
rmSync(STAGE, { recursive: true, force: true });
for (const name of readdirSync(OUT)) if (name.startsWith(`${packageName}-`) && name.endsWith('.tgz')) rmSync(join(OUT, name));
mkdirSync(STAGE);
const { scripts, devDependencies, allowScripts, ...published } = pkg;
for (const file of pkg.files) {
  cpSync(join(ROOT, file), join(STAGE, file), { recursive: true });
}
for (const file of ['README.md', 'LICENSE']) {
  if (existsSync(join(ROOT, file))) cpSync(join(ROOT, file), join(STAGE, file));
}
cpSync(join(ROOT, 'npm'), join(STAGE, 'npm'), { recursive: true, filter: (src) => !src.endsWith('.node') });

// Artifacts: this machine's build, and whatever other machines built.
const artifacts = join(STAGE, 'artifacts');
mkdirSync(artifacts);
// This machine's platform key, as the loader computes it (@napi-rs/cli's naming).
const { platformKey } = await import(pathToFileURL(join(ROOT, 'dist/storage/native.js')).href);
const host = platformKey();
cpSync(addonPath, join(artifacts, `${binaryName}.${host}.node`));
// The symbol table only serves debuggers: 10.7 MB -> 8.3 MB on linux-x64.
run('strip', [process.platform === 'darwin' ? '-x' : '--strip-unneeded', join(artifacts, `${binaryName}.${host}.node`)]);
const extra = process.env.KIWI_ARTIFACTS_DIR;
if (extra) {
  for (const name of readdirSync(extra)) {
    if (name.startsWith(`${binaryName}.`) && name.endsWith('.node')) cpSync(join(extra, name), join(artifacts, name));
  }
}
const built = new Set(readdirSync(artifacts).map((n) => n.slice(binaryName.length + 1, -'.node'.length)));

// The staged package declares the targets built here; the checkout's declares them all.
const tripleOf = (target) => {
  const [arch, , os, abi] = target.split('-');
  const a = { x86_64: 'x64', aarch64: 'arm64' }[arch] ?? arch;
  return os === 'darwin' ? `darwin-${a}` : `${os}-${a}-${abi}`;
};
const targets = pkg.napi.targets.filter((t) => built.has(tripleOf(t)));
const missing = pkg.napi.targets.filter((t) => !built.has(tripleOf(t)));
if (targets.length === 0) throw new Error(`no addon for any declared target (built: ${[...built].join(', ')})`);
writeFileSync(join(STAGE, 'package.json'), `${JSON.stringify({ ...published, napi: { ...pkg.napi, targets } }, null, 2)}\n`);

napi(['artifacts', '--output-dir', 'artifacts', '--npm-dir', 'npm']);
// `napi artifacts` also copies each .node into the package root, for napi-rs' own loader;
// ours loads the platform package, so the main package does not carry them.
for (const name of readdirSync(STAGE)) if (name.endsWith('.node')) rmSync(join(STAGE, name));
rmSync(artifacts, { recursive: true });
napi(['pre-publish', '--npm-dir', 'npm', '--skip-optional-publish', '--no-gh-release']);

// --- pack -------------------------------------------------------------------------------
const tarballs = [];
const pack = (dir) => {
  const [result] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', OUT], { cwd: dir }));
  tarballs.push(result.filename);
  return result;
};
const main = pack(STAGE);
for (const t of targets) pack(join(STAGE, 'npm', tripleOf(t)));
rmSync(STAGE, { recursive: true });

// Guards: nothing runs at install time, and the main package holds no addon.
if (Object.keys(main.files).length === 0) throw new Error('empty main package');
const installScripts = ['preinstall', 'install', 'postinstall', 'prepare'].filter((s) => published.scripts?.[s]);
if (installScripts.length) throw new Error(`main package has install scripts: ${installScripts}`);
if (main.files.some((f) => f.path.endsWith('.node'))) throw new Error('main package carries a .node');

log(`wrote ${tarballs.map((t) => join(OUT, t)).join(', ')}`);
if (missing.length) log(`declared but not built here (build them on their platform, see docs/building.md): ${missing.join(', ')}`);
process.stdout.write(`${tarballs.map((t) => join(OUT, t)).join('\n')}\n`);
