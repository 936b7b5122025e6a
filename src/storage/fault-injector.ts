// Fault injection at the storage boundary (tests only; off unless the server starts with
// --fault-injection). Every injected fault happens BEFORE a batch reaches storage, so a
// request hit by one never runs: an injected error or drop is answered with an error
// exactly once, and a delay only postpones the batch.
export interface FaultSettings {
  errorRate: number;
  delayMs: number;
  dropRate: number;
  logEvents: boolean;
}

export type Fault = { error: boolean; drop: boolean; delayMs: number };

export interface FaultCounts {
  errors: number;
  drops: number;
  delays: number;
}

const LOG_PER_SECOND = 20;

export class FaultInjector {
  settings: FaultSettings;
  readonly counts: FaultCounts = { errors: 0, drops: 0, delays: 0 };
  readonly #log: (message: string) => void;
  readonly #random: () => number;
  #logWindow = 0;
  #logged = 0;
  #suppressed = 0;

  constructor(settings: FaultSettings, log: (message: string) => void, random: () => number = Math.random) {
    this.settings = settings;
    this.#log = log;
    this.#random = random;
  }

  get active(): boolean {
    const s = this.settings;
    return s.errorRate > 0 || s.delayMs > 0 || s.dropRate > 0;
  }

  /** The faults for one batch of `commands` requests. */
  decide(commands: number): Fault {
    const s = this.settings;
    const drop = s.dropRate > 0 && this.#random() < s.dropRate;
    const error = !drop && s.errorRate > 0 && this.#random() < s.errorRate;
    const fault = { error, drop, delayMs: s.delayMs };
    if (drop) this.counts.drops++;
    if (error) this.counts.errors++;
    if (s.delayMs > 0) this.counts.delays++;
    if (drop || error || s.delayMs > 0) {
      const what = drop ? 'dropped' : error ? 'failed with an injected error' : `delayed by ${s.delayMs} ms`;
      this.#event(`fault injection: batch of ${commands} request(s) ${what}${drop || error ? '' : ''}`);
    }
    return fault;
  }

  // Rate-limited, so a 100% error rate does not flood the log.
  #event(message: string): void {
    if (!this.settings.logEvents) return;
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.#logWindow) {
      if (this.#suppressed > 0) this.#log(`fault injection: ${this.#suppressed} more event(s) not logged`);
      this.#logWindow = second;
      this.#logged = 0;
      this.#suppressed = 0;
    }
    if (this.#logged++ < LOG_PER_SECOND) this.#log(message);
    else this.#suppressed++;
  }
}

/** Exponential backoff with full jitter: uniform in [0, min(max, base * 2^(attempt-1))]. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(1, Math.round(random() * ceiling));
}
