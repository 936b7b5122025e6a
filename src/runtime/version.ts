// What `kiwi-server --version` prints: the versions of every part that can differ
// between two installs (the package, the storage addon's RocksDB and where the addon came
// from, Node.js, the WASM parser).
import { readFileSync } from 'node:fs';
import { parserVersion } from '../protocol/wasm.js';
import { addonLocation, loadAddon } from '../storage/native.js';

/** The version in package.json (two levels above both src/runtime and dist/runtime). */
export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Describes the addon's RocksDB; the build kinds are CMakeLists.txt's KIWI_ROCKSDB values. */
export function rocksdbDescription(version: string, build: string): string {
  if (build === 'bundled') return `${version} (bundled: a static release build inside the addon)`;
  if (build === 'system') return `${version} (system: the distribution's shared library, not bundled)`;
  return `${version} (${build} build)`;
}

/** The report's lines, and why the addon could not be loaded, if it could not. */
export function versionReport(): { text: string; error?: string } {
  const rows: Array<[string, string]> = [['kiwi-server', packageVersion()]];
  let error: string | undefined;
  try {
    const addon = loadAddon();
    const where = addonLocation();
    rows.push(['RocksDB', rocksdbDescription(addon.rocksdbVersion, addon.rocksdbBuild)]);
    rows.push(['storage addon', `${where.path} (${where.source})`]);
  } catch (err) {
    error = (err as Error).message;
    rows.push(['RocksDB', 'unknown (no storage addon could be loaded)']);
  }
  rows.push(['Node.js', `${process.version} (N-API ${process.versions.napi})`]);
  rows.push(['WASM parser', parserVersion()]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return { text: rows.map(([k, v]) => `${k.padEnd(width)}  ${v}\n`).join(''), error };
}
