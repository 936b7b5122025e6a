// Per-command counters and latency histograms, recorded on the hot path with array
// increments only; INFO commandstats and /metrics read them.
export const LATENCY_BUCKETS_US = [50, 100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 5_000_000];

export class CommandStat {
  readonly name: string;
  calls = 0;
  failed = 0;
  rejected = 0;
  usec = 0;
  /** Counts per bucket of LATENCY_BUCKETS_US; the last slot is +Inf. */
  readonly buckets = new Float64Array(LATENCY_BUCKETS_US.length + 1);

  constructor(name: string) {
    this.name = name;
  }

  record(usec: number, failed: boolean): void {
    this.calls++;
    this.usec += usec;
    if (failed) this.failed++;
    let i = 0;
    while (i < LATENCY_BUCKETS_US.length && usec > LATENCY_BUCKETS_US[i]) i++;
    this.buckets[i]++;
  }

  reset(): void {
    this.calls = this.failed = this.rejected = this.usec = 0;
    this.buckets.fill(0);
  }
}

export class CommandStats {
  readonly #stats = new Map<string, CommandStat>();

  get(name: string): CommandStat {
    let s = this.#stats.get(name);
    if (s === undefined) {
      s = new CommandStat(name);
      this.#stats.set(name, s);
    }
    return s;
  }

  all(): Iterable<CommandStat> {
    return this.#stats.values();
  }

  reset(): void {
    for (const s of this.#stats.values()) s.reset();
  }
}
