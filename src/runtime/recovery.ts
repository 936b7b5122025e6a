// Recovery management. A RocksDB background error (a flush or WAL write that hit ENOSPC,
// say) makes the database read-only. This watches for it, refuses writes meanwhile with a
// clear error (reads keep working), and resumes the database once the cause clears,
// retrying with backoff.
import type { StorageServer } from '../storage/storage-server.js';

export type RecoveryState = 'ok' | 'degraded';

export interface RecoveryStats {
  state: RecoveryState;
  reason: string | null;
  attempts: number;
  recoveries: number;
  degradedSince: number | null;
}

const MAX_INTERVAL_MS = 30_000;

export class RecoveryManager {
  readonly #storage: StorageServer;
  readonly #baseIntervalMs: number;
  readonly #log: (level: 'notice' | 'warning', message: string) => void;
  #state: RecoveryState = 'ok';
  #reason: string | null = null;
  #interval: number;
  #nextAttempt = 0;
  #attempts = 0;
  #recoveries = 0;
  #since: number | null = null;

  constructor(storage: StorageServer, resumeIntervalMs: number, log: (level: 'notice' | 'warning', message: string) => void) {
    this.#storage = storage;
    this.#baseIntervalMs = resumeIntervalMs;
    this.#interval = resumeIntervalMs;
    this.#log = log;
  }

  /** Why writes are refused, or null when they are not. */
  get readOnlyReason(): string | null {
    return this.#state === 'degraded' ? this.#reason : null;
  }

  get state(): RecoveryState {
    return this.#state;
  }

  /** Called by the health check (and by a faster timer while degraded). */
  check(now = Date.now()): void {
    if (!this.#storage.running) return;
    const h = this.#storage.health();
    if (!h.degraded) {
      if (this.#state === 'degraded') this.#recovered('RocksDB recovered by itself');
      return;
    }
    if (this.#state === 'ok') {
      this.#state = 'degraded';
      this.#reason = h.lastError ?? 'background error';
      this.#since = now;
      this.#interval = this.#baseIntervalMs;
      this.#nextAttempt = now + this.#interval;
      this.#log('warning', `storage is read-only after a background error: ${this.#reason}; writes are refused until it recovers`);
      return;
    }
    if (now < this.#nextAttempt) return;
    this.#attempts++;
    try {
      this.#storage.resume();
      this.#recovered('resumed');
    } catch (err) {
      this.#interval = Math.min(MAX_INTERVAL_MS, this.#interval * 2);
      this.#nextAttempt = now + this.#interval;
      this.#reason = this.#storage.health().lastError ?? (err as Error).message;
    }
  }

  #recovered(how: string): void {
    this.#state = 'ok';
    this.#recoveries++;
    this.#log('notice', `storage writable again (${how}) after ${this.#since ? Date.now() - this.#since : 0} ms`);
    this.#reason = null;
    this.#since = null;
  }

  stats(): RecoveryStats {
    return { state: this.#state, reason: this.#reason, attempts: this.#attempts, recoveries: this.#recoveries, degradedSince: this.#since };
  }
}
