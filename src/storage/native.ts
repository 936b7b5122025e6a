// Loads the kiwi_storage addon. ESM cannot import a .node file, so this goes through
// createRequire; the path is the same from src/ (tests) and dist/ (built).
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AddonError } from '../errors.js';

export interface NativeOptions {
  blockCacheBytes?: number;
  writeBufferBytes?: number;
  compression?: string;
  backgroundJobs?: number;
  sync?: 'always' | 'periodic' | 'none';
  syncIntervalMs?: number;
  expireCycleMs?: number;
  compactionFilter?: boolean;
  threads?: number;
  capacity?: number;
  weights?: [number, number, number];
}

export interface NativeStats {
  submittedBatches: number;
  submittedCommands: number;
  completedBatches: number;
  completedCommands: number;
  failedCommands: number;
  deadlineExceeded: number;
  cancelled: number;
  backpressureEvents: number;
  queueDepth: number;
  queueHighWater: number;
  queuedHigh: number;
  queuedNormal: number;
  queuedLow: number;
  running: number;
  threads: number;
  capacity: number;
  serviceAvgUs: number;
  serviceP99Us: number;
  waitAvgUs: number;
  waitP99Us: number;
  expiredKeys: number;
  /** RocksDB's STALL_MICROS ticker: time writes spent stalled. */
  stallMicros: number;
  pending: number;
}

export interface NativeHealth {
  degraded: boolean;
  backgroundErrors: number;
  recoveries: number;
  lastError: string | null;
}

export interface NativeStorageHandle {
  /** What another thread attaches to this database with. */
  token(): number;
  submit(id: number, priority: number, request: Buffer, blobs: Buffer[] | null, timeoutMs: number): number;
  /** Point reads from memory on the calling thread: the encoded replies, or null. */
  readFast(request: Buffer, blobs: Buffer[] | null): Buffer | null;
  /** An attached handle leaves (queued batches cancelled, running ones awaited). */
  detach(): void;
  cancel(id: number): boolean;
  close(callback: (err: Error | null) => void): void;
  stats(): NativeStats;
  setThreads(n: number): void;
  setCapacity(n: number): void;
  /** The most requests queued since the last call. */
  takeQueuePeak(): number;
  /** Data keys (db byte + key) the expiry cycle deleted since the last call; `keep`: go on collecting. */
  takeExpired(keep: boolean): { keys: Buffer[]; dropped: number };
  property(name: string): string | undefined;
  health(): NativeHealth;
  resume(): Error | null;
  /** Scripting (native/src/script): this handle's callbacks, set once. */
  scriptSetup(handler: (event: number, id: number, data: Buffer[] | Buffer, resp?: number, flags?: number) => void): void;
  scriptSubmit(id: number, op: number, body: Buffer | null, keys: Buffer[], args: Buffer[], resp: number, readOnly: boolean): boolean;
  scriptAnswer(id: number, reply: Buffer, wrote: boolean): boolean;
  /** 0: no script running, 1: killed, 2: it has written (UNKILLABLE). */
  scriptKill(func: boolean): number;
  scriptRunning(): { kind: 0 | 1 | 2; ms: number; name: string; command: Buffer[]; libraries: number; functions: number };
  /** How long the running script has run, 0 when none. */
  scriptBusyMs(): number;
  /** A batch run on this thread for a running script's command (the script holds the keyspace). */
  runNow(request: Buffer, blobs: Buffer[] | null): Buffer | null;
}

export type CompletionCallback = (id: number, status: number, result: Buffer | null) => void;

export type NativeStorageOpen = new (dir: string, options: NativeOptions, onComplete: CompletionCallback) => NativeStorageHandle;
export type NativeStorageAttach = new (token: number, onComplete: CompletionCallback) => NativeStorageHandle;

export interface NativeAddon {
  /** Opens a database, or (token, onComplete) attaches to one another thread opened. */
  NativeStorage: NativeStorageOpen & NativeStorageAttach;
  /** A listening socket with SO_REUSEPORT (network runtimes each get one). */
  listenReusePort(host: string, port: number, backlog: number): { fd: number; port: number };
  dupFd(fd: number): number;
  closeFd(fd: number): void;
  /** Names the calling thread (top -H). */
  setThreadName(name: string): void;
  constants: Record<string, Record<string, number> | number>;
  rocksdbVersion: string;
  /** "system" or "bundled" (see docs/building.md). */
  rocksdbBuild: string;
}

/** Where the loaded addon came from (kiwi-server --version and INFO say it). */
export interface AddonLocation {
  /** The platform package's name, `build`, or `KIWI_STORAGE_ADDON`. */
  source: string;
  path: string;
}

/** The local build a checkout makes (`npm run build:native`). */
const localBuildPath = fileURLToPath(new URL('../../build/Release/kiwi_storage.node', import.meta.url));

/**
 * The platform key of the prebuilt package, in @napi-rs/cli's naming
 * (`<platform>-<arch>[-<abi>]`): kiwi-server-linux-x64-gnu, -linux-arm64-gnu, -darwin-arm64.
 */
export function platformKey(): string {
  const { platform, arch } = process;
  return platform === 'linux' ? `${platform}-${arch}-${isMusl() ? 'musl' : 'gnu'}` : `${platform}-${arch}`;
}

/** As napi-rs' loaders tell: ldd names musl; else Node's report (slower, ~30 ms) says. */
function isMusl(): boolean {
  try {
    return readFileSync('/usr/bin/ldd', 'latin1').includes('musl');
  } catch {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
    return !header?.glibcVersionRuntime;
  }
}

export const platformPackage = (): string => `kiwi-server-${platformKey()}`;

const require = createRequire(import.meta.url);

/**
 * Finds the addon: KIWI_STORAGE_ADDON (a path, for comparing builds), else the platform
 * package (what `npm i kiwi-server` installs), else the local build of a checkout.
 */
export function findAddon(): AddonLocation {
  const forced = process.env.KIWI_STORAGE_ADDON;
  if (forced) {
    if (!existsSync(forced)) throw new AddonError(`KIWI_STORAGE_ADDON=${forced}: no such file`);
    return { source: 'KIWI_STORAGE_ADDON', path: forced };
  }
  const pkg = platformPackage();
  let packageProblem = 'not installed';
  try {
    return { source: pkg, path: require.resolve(pkg) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') packageProblem = (err as Error).message;
  }
  if (existsSync(localBuildPath)) return { source: 'build', path: localBuildPath };
  throw new AddonError(
    `no storage addon (the .node holding RocksDB) for this platform, ${platformKey()}. ` +
      `Looked for the package ${pkg} (${packageProblem}; npm installs it with kiwi-server as ` +
      `an optional dependency, unless optional dependencies are omitted) and for a local build ` +
      `at ${localBuildPath} (missing). Prebuilt packages are declared for linux-x64-gnu, ` +
      `linux-arm64-gnu and darwin-arm64. To build from source: clone kiwi-server, install ` +
      `CMake and a C++20 compiler, run \`npm ci\` (see docs/building.md).`,
  );
}

let cached: { addon: NativeAddon; location: AddonLocation } | undefined;

function load(): { addon: NativeAddon; location: AddonLocation } {
  if (cached) return cached;
  const location = findAddon();
  let addon: NativeAddon;
  try {
    addon = require(location.path) as NativeAddon;
  } catch (err) {
    throw new AddonError(
      `kiwi-server's storage addon ${location.path} (from ${location.source}, platform ` +
        `${platformKey()}) failed to load: ${(err as Error).message}`,
      { cause: err },
    );
  }
  cached = { addon, location };
  return cached;
}

export function loadAddon(): NativeAddon {
  return load().addon;
}

export function addonLocation(): AddonLocation {
  return load().location;
}

/** The addon's path, for tests that load it in a worker thread. */
export const addonPath = (): string => findAddon().path;
