// INFO keyspace. Counting keys exactly means scanning each database (RocksDB keeps no
// count), which INFO must not wait for: ioredis sends INFO on every connect. So INFO shows
// the last completed count and starts a new one in the background, at low priority,
// when the last is older than the refresh interval. DBSIZE itself always counts now.
import type { InfoSection } from '../commands/types.js';
import { Cmd } from '../storage/requests.js';
import { Priority } from '../storage/ops.js';
import type { StorageClient } from '../storage/storage-client.js';

export class KeyspaceStats {
  readonly #client: StorageClient;
  readonly #databases: number;
  readonly #refreshMs: number;
  #counts: Array<[number, number]> = [];
  #countedAt = 0;
  #running: Promise<void> | null = null;

  constructor(client: StorageClient, databases: number, refreshMs = 10_000) {
    this.#client = client;
    this.#databases = databases;
    this.#refreshMs = refreshMs;
  }

  /** Counts now and waits (start-up, tests). */
  refresh(): Promise<void> {
    this.#running ??= this.#count().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #count(): Promise<void> {
    const counts: Array<[number, number]> = [];
    for (let db = 0; db < this.#databases; db++) {
      const r = await this.#client.sendRequest(Cmd.dbsizeWithExpires(db), { priority: Priority.LOW });
      counts.push(Array.isArray(r) ? [Number(r[0]), Number(r[1])] : [0, 0]);
    }
    this.#counts = counts;
    this.#countedAt = Date.now();
  }

  /** SWAPDB: the counts change places with the databases (the next count confirms them). */
  swap(a: number, b: number): void {
    const counts = this.#counts;
    if (a >= counts.length || b >= counts.length) return;
    [counts[a], counts[b]] = [counts[b], counts[a]];
  }

  section(): InfoSection {
    if (Date.now() - this.#countedAt > this.#refreshMs) this.refresh().catch(() => {});
    const out: InfoSection = [];
    this.#counts.forEach(([keys, expires], db) => {
      if (keys > 0) out.push([`db${db}`, `keys=${keys},expires=${expires},avg_ttl=0`]);
    });
    return out;
  }
}
