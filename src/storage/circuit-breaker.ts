// Circuit breaker for the storage runtime. Closed: everything passes and outcomes are
// counted. Open (after a run of consecutive failures, or a failure ratio over a window):
// requests fail at once, never hang. Half-open (after the cooldown): a few probe batches
// pass while others wait; a successful probe closes the breaker, a failed one reopens it.
export type BreakerState = 'closed' | 'open' | 'half_open';
export type Admission = 'allow' | 'probe' | 'reject' | 'wait';

export interface BreakerOptions {
  enabled: boolean;
  /** Consecutive failed batches that open the breaker. */
  failureThreshold: number;
  /** Failure ratio (0..1) over the window that opens it... */
  failureRate: number;
  /** ...once the window holds at least this many outcomes. */
  minimumRequests: number;
  windowMs: number;
  /** Time open before probing. */
  cooldownMs: number;
  /** Probe batches allowed at once while half-open. */
  halfOpenProbes: number;
}

export interface BreakerStats {
  state: BreakerState;
  failures: number;
  successes: number;
  consecutiveFailures: number;
  opened: number;
  rejected: number;
  lastOpenedAt: number | null;
}

const BUCKETS = 10;

export class CircuitBreaker {
  #o: BreakerOptions;
  #state: BreakerState = 'closed';
  #consecutive = 0;
  #openedAt = 0;
  #probes = 0;
  #failures = 0;
  #successes = 0;
  #opened = 0;
  #rejected = 0;
  // A ring of time buckets: [start, failures, successes].
  #ring: Array<[number, number, number]> = Array.from({ length: BUCKETS }, () => [0, 0, 0]);
  readonly #now: () => number;
  onTransition: (from: BreakerState, to: BreakerState) => void = () => {};

  constructor(options: BreakerOptions, now: () => number = Date.now) {
    this.#o = options;
    this.#now = now;
  }

  set options(o: BreakerOptions) {
    this.#o = o;
    if (!o.enabled && this.#state !== 'closed') this.#to('closed');
  }

  get state(): BreakerState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.#o.cooldownMs) this.#to('half_open');
    return this.#state;
  }

  /** Whether a batch may go to storage now. */
  acquire(): Admission {
    if (!this.#o.enabled) return 'allow';
    switch (this.state) {
      case 'closed':
        return 'allow';
      case 'open':
        this.#rejected++;
        return 'reject';
      case 'half_open':
        if (this.#probes < this.#o.halfOpenProbes) {
          this.#probes++;
          return 'probe';
        }
        return 'wait';
    }
  }

  /** The outcome of a batch that was let through. */
  record(success: boolean, probe: boolean): void {
    if (!this.#o.enabled) return;
    const bucket = this.#bucket();
    if (success) {
      this.#successes++;
      bucket[2]++;
      this.#consecutive = 0;
    } else {
      this.#failures++;
      bucket[1]++;
      this.#consecutive++;
    }
    if (probe) {
      this.#probes = Math.max(0, this.#probes - 1);
      if (this.#state === 'half_open') this.#to(success ? 'closed' : 'open');
      return;
    }
    if (this.#state === 'closed' && !success && this.#tripped()) this.#to('open');
  }

  #tripped(): boolean {
    if (this.#consecutive >= this.#o.failureThreshold) return true;
    const since = this.#now() - this.#o.windowMs;
    let failures = 0;
    let total = 0;
    for (const [start, f, s] of this.#ring) {
      if (start < since) continue;
      failures += f;
      total += f + s;
    }
    return total >= this.#o.minimumRequests && failures / total >= this.#o.failureRate;
  }

  #bucket(): [number, number, number] {
    const width = Math.max(1, Math.ceil(this.#o.windowMs / BUCKETS));
    const now = this.#now();
    const start = now - (now % width);
    const b = this.#ring[Math.floor(now / width) % BUCKETS];
    if (b[0] !== start) {
      b[0] = start;
      b[1] = 0;
      b[2] = 0;
    }
    return b;
  }

  #to(next: BreakerState): void {
    const from = this.#state;
    if (from === next) return;
    this.#state = next;
    if (next === 'open') {
      this.#openedAt = this.#now();
      this.#opened++;
    }
    if (next !== 'half_open') this.#probes = 0;
    if (next === 'closed') {
      this.#consecutive = 0;
      for (const b of this.#ring) b[1] = b[2] = 0;
    }
    this.onTransition(from, next);
  }

  stats(): BreakerStats {
    return {
      state: this.state,
      failures: this.#failures,
      successes: this.#successes,
      consecutiveFailures: this.#consecutive,
      opened: this.#opened,
      rejected: this.#rejected,
      lastOpenedAt: this.#opened > 0 ? this.#openedAt : null,
    };
  }
}
