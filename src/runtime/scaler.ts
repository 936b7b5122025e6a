// Dynamic scaling of the storage threads (ScalingConfig): on every evaluation interval,
// a queue fill at or above the up-threshold adds threads, at or below the down-threshold
// removes them, always within [min, max].
import type { KiwiConfig } from '../config/config.js';
import type { StorageServer } from '../storage/storage-server.js';

export interface ScalerStats {
  enabled: boolean;
  threads: number;
  lastFillPercent: number;
  scaleUps: number;
  scaleDowns: number;
}

export class StorageScaler {
  readonly #storage: StorageServer;
  readonly #config: () => KiwiConfig['runtime']['scaling'];
  readonly #log: (message: string) => void;
  #timer: NodeJS.Timeout | null = null;
  #lastFill = 0;
  #ups = 0;
  #downs = 0;

  constructor(storage: StorageServer, config: () => KiwiConfig['runtime']['scaling'], log: (message: string) => void) {
    this.#storage = storage;
    this.#config = config;
    this.#log = log;
  }

  start(): void {
    this.stop();
    const c = this.#config();
    if (!c.enabled) return;
    this.#timer = setInterval(() => this.evaluate(), c.evaluationIntervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One scaling decision; returns the thread count after it. */
  evaluate(): number {
    const c = this.#config();
    if (!this.#storage.running) return 0;
    const s = this.#storage.stats();
    // The peak since the last evaluation, not a snapshot: a burst between two
    // evaluations still counts.
    const fill = s.capacity > 0 ? (this.#storage.takeQueuePeak() / s.capacity) * 100 : 0;
    this.#lastFill = fill;
    let threads = s.threads;
    if (fill >= c.scaleUpThreshold && threads < c.maxStorageThreads) {
      threads = Math.min(c.maxStorageThreads, threads + c.scaleIncrement);
      this.#ups++;
    } else if (fill <= c.scaleDownThreshold && threads > c.minStorageThreads) {
      threads = Math.max(c.minStorageThreads, threads - c.scaleIncrement);
      this.#downs++;
    } else {
      return threads;
    }
    this.#log(`scaling storage threads ${s.threads} -> ${threads} (queue ${fill.toFixed(1)}% full)`);
    this.#storage.setThreads(threads);
    return threads;
  }

  stats(): ScalerStats {
    return {
      enabled: this.#config().enabled,
      threads: this.#storage.running ? this.#storage.stats().threads : 0,
      lastFillPercent: Math.round(this.#lastFill * 10) / 10,
      scaleUps: this.#ups,
      scaleDowns: this.#downs,
    };
  }
}
