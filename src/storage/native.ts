// Loads the kiwi_storage addon. ESM cannot import a .node file, so this goes through
// createRequire; the path is the same from src/ (tests) and dist/ (built).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
  property(name: string): string | undefined;
  health(): NativeHealth;
  resume(): Error | null;
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

export const addonPath = fileURLToPath(new URL('../../build/Release/kiwi_storage.node', import.meta.url));

let cached: NativeAddon | undefined;

export function loadAddon(): NativeAddon {
  if (cached) return cached;
  if (!existsSync(addonPath)) {
    throw new Error(`kiwi-server's storage addon is not built (${addonPath} is missing): run \`npm run build:native\``);
  }
  cached = createRequire(import.meta.url)(addonPath) as NativeAddon;
  return cached;
}
