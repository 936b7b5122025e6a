// StorageClient: how the network runtime talks to storage.
//
// - Batching: requests issued in the same turn of the event loop leave together as
//   batches of up to `batchSize`, flushed by setImmediate, which runs right after the
//   poll phase that delivered them: a lone request never waits for a timer or a full batch.
// - Ordering: requests carry an origin (a connection id). An origin never has requests in
//   two batches at once: its requests in one flush share a batch (which runs them in
//   order), and later ones wait until that batch completes (retries included). So each
//   connection's commands execute in the order it sent them, while batches of different
//   connections run on several storage threads in parallel.
// - Deadlines: a batch still queued at its deadline is cancelled and its requests fail
//   with TimeoutError. A batch that has started always completes and is answered: no
//   caller is told "failed" about work that then executes.
// - Backpressure: a batch the storage queue refuses waits in a FIFO backlog and is
//   offered again as completions free room; the MessageChannel pauses socket reads.
// - Retries: a transient storage failure (busy, try again, stall timeout, an injected
//   error) means the command did not run: the storage runtime stops a batch at the first
//   such failure, so the rest is retried in order, with exponential backoff and jitter,
//   within the request's deadline. Nothing that may have run is retried.
// - Circuit breaker: repeated failures open it; then requests fail at once, and while it
//   probes (half-open) they wait in a bounded queue, each until its deadline.
// - Read fast path (#answerFromMemory): plain point reads from connections with nothing
//   in flight may be answered on this thread at flush time, when RocksDB has their keys
//   in memory; a miss costs one memory lookup and the requests then go the usual way.
//   In 'auto' mode only small turns use it, and it stays off while fewer than 90 % of
//   attempts hit (data mostly on disk), trying one turn in FAST_PROBE.
import { tick } from '../clock.js';
import { ClosedError, InjectedFaultError, TimeoutError } from '../errors.js';
import { CircuitBreaker, type BreakerOptions, type BreakerStats } from './circuit-breaker.js';
import { BREAKER_OPEN, batchError, flatten, DROPPED, failureCode, INJECTED_ERROR, lastReply } from './batch-outcome.js';
import { encodeBatch, type EncodedBatch, type StorageCommand, type StorageReply } from './codec.js';
import { backoffDelay, FaultInjector, type FaultSettings } from './fault-injector.js';
import type { MessageChannel } from './message-channel.js';
import { BatchStatus, isTransientCode, Op, Priority } from './ops.js';

export type ReplyCallback = (err: Error | null, reply: StorageReply) => void;

export interface RetryOptions {
  /** Retries after the first attempt (0 disables retrying). */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface StorageClientOptions {
  /** Requests per batch (batch_size). */
  batchSize?: number;
  /** Default request timeout in ms (request_timeout); 0 = none. */
  requestTimeoutMs?: number;
  /** How soon a batch the full storage queue refused is offered again (batch_timeout). */
  retryDelayMs?: number;
  retry?: RetryOptions;
  breaker?: BreakerOptions;
  /** Present only when fault injection is enabled. */
  faults?: FaultSettings;
  log?: (message: string) => void;
}

export interface RequestOptions {
  origin?: number;
  priority?: number;
  timeoutMs?: number;
}

export interface StorageClientStats {
  requests: number;
  completed: number;
  timeouts: number;
  failed: number;
  retried: number;
  queued: number;
  held: number;
  backlog: number;
  parked: number;
  inflightBatches: number;
  breaker: BreakerStats;
  faults: { errors: number; drops: number; delays: number } | null;
  fastPath: { hits: number; misses: number };
}

export type FastPathMode = 'on' | 'off' | 'auto';

/** Ops the read fast path may answer: each reads only its keys' own records. */
const FAST_OPS = new Set<number>([Op.GET, Op.MGET, Op.EXISTS, Op.TTL, Op.STRLEN, Op.GETRANGE, Op.TYPE]);
/** Auto mode: only turns with at most this many requests (larger ones are batched anyway). */
const FAST_AUTO_MAX = 8;
/** Auto mode: over this many recent attempts... */
const FAST_WINDOW = 256;
/** ...a hit rate below this turns the fast path off, except one attempt in FAST_PROBE. */
const FAST_MIN_HIT_RATE = 0.9;
const FAST_PROBE = 256;

/**
 * A request its caller owns: StorageClient fills in `deadline` and calls complete()
 * exactly once, always asynchronously. The server's command objects implement this, so
 * a command costs no extra allocation here.
 */
export interface StorageRequest {
  readonly commands: StorageCommand | StorageCommand[];
  origin: number;
  priority: number;
  deadline: number;
  complete(err: Error | null, reply: StorageReply): void;
}

type Entry = StorageRequest;

/** The callback-style request behind enqueue() and sendRequest(). */
class CallbackRequest implements StorageRequest {
  readonly commands: StorageCommand | StorageCommand[];
  readonly #cb: ReplyCallback;
  origin: number;
  priority: number;
  deadline = Infinity;
  constructor(commands: StorageCommand | StorageCommand[], cb: ReplyCallback, origin: number, priority: number) {
    this.commands = commands;
    this.#cb = cb;
    this.origin = origin;
    this.priority = priority;
  }
  complete(err: Error | null, reply: StorageReply): void {
    this.#cb(err, reply);
  }
}

interface Outgoing {
  entries: Entry[];
  priority: number;
  origins: number[] | null;
  deadline: number;
  id: number;
  /** Position in StorageClient.#inflight while sent, else -1. */
  index: number;
  encoded: EncodedBatch | null;
  attempt: number;
  probe: boolean;
}

interface OriginState {
  inflight: number;
  held: Entry[];
}

const SWEEP_INTERVAL_MS = 25;
/** Idle origin states kept (one per recently active connection); above this they go. */
const IDLE_ORIGINS_KEPT = 1024;
const DEFAULT_RETRY: RetryOptions = { maxRetries: 3, baseDelayMs: 10, maxDelayMs: 1000 };
const DEFAULT_BREAKER: BreakerOptions = {
  enabled: true, failureThreshold: 5, failureRate: 0.5, minimumRequests: 20, windowMs: 10_000, cooldownMs: 5000, halfOpenProbes: 1,
};

export class StorageClient {
  #channel: MessageChannel;
  #batchSize: number;
  #timeoutMs: number;
  #retry: RetryOptions;
  readonly breaker: CircuitBreaker;
  readonly faults: FaultInjector | null;
  #queue: Entry[] = [];
  #scheduled = false;
  /**
   * Per-origin ordering state. An origin's state stays after it goes idle (up to
   * IDLE_ORIGINS_KEPT states): a Map with a set and a delete per batch is rebuilt by V8
   * again and again, and its obsolete tables keep what they held alive into old space
   * (see StorageServer.#inflight).
   */
  #origins = new Map<number, OriginState>();
  /**
   * Batches sent and not completed, unordered (removal swaps the last one in). Not a
   * Map keyed by id: see StorageServer.#inflight for why churn through a Map promotes
   * every request to old space.
   */
  #inflight: Outgoing[] = [];
  #backlog: Outgoing[] = [];
  /** Batches waiting while the breaker probes (half-open). */
  #parked: Outgoing[] = [];
  /** Delayed batches (fault injection) and batches waiting to be retried: each has a timer. */
  #limbo = new Set<Outgoing>();
  /** Batches fault injection dropped: no timer; the sweeper answers them at their deadline. */
  #dropped = new Set<Outgoing>();
  #sweeper: NodeJS.Timeout | null = null;
  #drainWaiters: Array<() => void> = [];
  #closed = false;
  #pumping = false;
  #retryTimer: NodeJS.Timeout | null = null;
  #retryDelayMs: number;
  #requests = 0;
  #completed = 0;
  #timeouts = 0;
  #failed = 0;
  #retried = 0;
  #fastMode: FastPathMode = 'off';
  #fastHits = 0;
  #fastMisses = 0;
  /** Auto mode: hits and attempts in the current window, and skipped requests since the last probe. */
  #windowHits = 0;
  #windowTries = 0;
  #fastOff = false;
  #skipped = 0;
  readonly #flush = (): void => this.flush();

  constructor(channel: MessageChannel, options: StorageClientOptions = {}) {
    this.#channel = channel;
    this.#batchSize = Math.max(1, options.batchSize ?? 100);
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#retryDelayMs = Math.max(1, options.retryDelayMs ?? 10);
    this.#retry = options.retry ?? DEFAULT_RETRY;
    this.breaker = new CircuitBreaker(options.breaker ?? DEFAULT_BREAKER);
    this.breaker.onTransition = (_from, to) => this.#onBreaker(to);
    const log = options.log ?? (() => {});
    this.faults = options.faults ? new FaultInjector(options.faults, log) : null;
  }

  get channel(): MessageChannel {
    return this.#channel;
  }

  get requestTimeoutMs(): number {
    return this.#timeoutMs;
  }

  set requestTimeoutMs(ms: number) {
    this.#timeoutMs = ms;
  }

  set batchSize(n: number) {
    this.#batchSize = Math.max(1, n);
  }

  set retryDelayMs(ms: number) {
    this.#retryDelayMs = Math.max(1, ms);
  }

  set readFastPath(mode: FastPathMode) {
    this.#fastMode = mode;
    this.#fastOff = false;
    this.#windowHits = this.#windowTries = 0;
  }

  /**
   * The read fast path, at flush time: the plain point reads of this turn whose
   * connection has nothing in flight (and nothing queued before them) are answered here,
   * with one memory-only MultiGet on this thread, when RocksDB has every key in memory;
   * otherwise they go to storage with the rest. Saves the storage threads' hand-off and
   * the completion's trip back. 'auto' does it only for small turns (where no batch
   * amortises that trip) and backs off while most attempts miss.
   */
  #answerFromMemory(queue: Entry[]): Entry[] {
    if ((this.#fastMode === 'auto' && queue.length > FAST_AUTO_MAX) || this.#closed) return queue;
    if (this.breaker.state !== 'closed' || this.faults?.active) return queue;
    if (this.#fastOff && ++this.#skipped < FAST_PROBE) return queue;
    this.#skipped = 0;
    const picked: Entry[] = [];
    let blocked: Set<number> | null = null;
    for (const e of queue) {
      const c = e.commands;
      const idle = e.origin === 0 || (!blocked?.has(e.origin) && this.#originIdle(e.origin));
      if (idle && !Array.isArray(c) && FAST_OPS.has(c.op)) picked.push(e);
      else if (e.origin !== 0) (blocked ??= new Set()).add(e.origin);
    }
    if (picked.length === 0) return queue;
    const replies = this.#channel.server.readFast(encodeBatch(picked.map((e) => e.commands as StorageCommand)));
    const hit = replies !== null && replies.length === picked.length;
    if (this.#fastMode === 'auto') this.#learn(hit);
    if (!hit) {
      this.#fastMisses += picked.length;
      return queue;
    }
    this.#fastHits += picked.length;
    const answered = new Set(picked);
    for (let i = 0; i < picked.length; i++) this.#deliver(picked[i], null, replies[i]);
    return picked.length === queue.length ? [] : queue.filter((e) => !answered.has(e));
  }

  #originIdle(origin: number): boolean {
    const state = this.#origins.get(origin);
    return state === undefined || (state.inflight === 0 && state.held.length === 0);
  }

  #learn(hit: boolean): void {
    // While off, only the probes (one turn in FAST_PROBE) fill the window, so a few lucky
    // probes over data mostly on disk do not turn it back on.
    if (hit) this.#windowHits++;
    if (++this.#windowTries < FAST_WINDOW) return;
    this.#fastOff = this.#windowHits / this.#windowTries < FAST_MIN_HIT_RATE;
    this.#windowHits = this.#windowTries = 0;
  }


  /**
   * Queues one request: a command, or an atomic group (see requests.ts atomic()). The
   * callback runs exactly once, always asynchronously.
   */
  enqueue(commands: StorageCommand | StorageCommand[], cb: ReplyCallback, options?: RequestOptions): void {
    const req = new CallbackRequest(commands, cb, options?.origin ?? 0, options?.priority ?? Priority.NORMAL);
    this.submit(req, options?.timeoutMs);
  }

  /**
   * Queues a caller-owned request (see StorageRequest). `now` lets a caller that has just
   * read the clock pass it in.
   */
  submit(entry: StorageRequest, timeoutMs = this.#timeoutMs, now = performance.now()): void {
    this.#requests++;
    if (this.#closed) {
      queueMicrotask(() => entry.complete(new ClosedError(), null));
      return;
    }
    entry.deadline = timeoutMs > 0 ? now + timeoutMs : Infinity;
    if (entry.origin !== 0) {
      const state = this.#origins.get(entry.origin);
      if (state !== undefined && (state.inflight > 0 || state.held.length > 0)) {
        state.held.push(entry);
        return;
      }
    }
    this.#push(entry);
  }

  sendRequest(command: StorageCommand | StorageCommand[], options?: RequestOptions): Promise<StorageReply> {
    return new Promise((resolve, reject) => {
      this.enqueue(command, (err, reply) => (err ? reject(err) : resolve(reply)), options);
    });
  }

  sendRequestWithTimeout(command: StorageCommand | StorageCommand[], timeoutMs: number, options?: RequestOptions): Promise<StorageReply> {
    return this.sendRequest(command, { ...options, timeoutMs });
  }

  #push(entry: Entry): void {
    this.#queue.push(entry);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    }
  }

  /** Sends everything queued now (normally called by setImmediate). */
  flush(): void {
    this.#scheduled = false;
    let queue = this.#queue;
    if (queue.length === 0) return;
    this.#queue = [];
    if (this.#fastMode !== 'off') {
      queue = this.#answerFromMemory(queue);
      if (queue.length === 0) return;
    }
    const current: Array<Outgoing | undefined> = [undefined, undefined, undefined];
    let byOrigin: Map<number, Outgoing> | null = null;
    const batches: Outgoing[] = [];
    for (const e of queue) {
      let batch: Outgoing | undefined;
      if (e.origin !== 0) batch = (byOrigin ??= new Map()).get(e.origin);
      if (batch === undefined) {
        batch = current[e.priority];
        // Low-priority requests (KEYS, SCAN, FLUSH...) are slow one by one: batching them
        // saves nothing and would run them in series on one thread.
        const limit = e.priority === Priority.LOW ? 1 : this.#batchSize;
        if (batch === undefined || batch.entries.length >= limit) {
          batch = { entries: [], priority: e.priority, origins: null, deadline: Infinity, id: 0, index: -1, encoded: null, attempt: 0, probe: false };
          current[e.priority] = batch;
          batches.push(batch);
        }
        if (e.origin !== 0) {
          byOrigin!.set(e.origin, batch);
          (batch.origins ??= []).push(e.origin);
          this.#originState(e.origin).inflight++;
        }
      }
      batch.entries.push(e);
      if (e.deadline < batch.deadline) batch.deadline = e.deadline;
    }
    for (const b of batches) this.#dispatch(b);
    this.#ensureSweeper();
    this.#scheduleBacklogRetry();
  }

  #originState(origin: number): OriginState {
    let state = this.#origins.get(origin);
    if (state === undefined) {
      state = { inflight: 0, held: [] };
      this.#origins.set(origin, state);
    }
    return state;
  }

  /** Through the breaker, then to storage (or the backlog when it is full). */
  #dispatch(out: Outgoing): void {
    switch (this.breaker.acquire()) {
      case 'reject':
        this.#finish(out, BREAKER_OPEN, null);
        return;
      case 'wait':
        if (this.#parked.length >= this.#channel.stats().capacity) this.#finish(out, BREAKER_OPEN, null);
        else this.#parked.push(out);
        this.#ensureSweeper();
        return;
      case 'probe':
        out.probe = true;
        break;
      case 'allow':
        break;
    }
    if (this.#backlog.length > 0 || !this.#send(out)) this.#backlog.push(out);
  }

  /** False when the storage queue is full (the batch stays with the caller). */
  #send(out: Outgoing): boolean {
    const now = performance.now();
    if (out.deadline <= now) {
      this.#finish(out, BatchStatus.DEADLINE_EXCEEDED, null);
      return true;
    }
    if (this.faults?.active) {
      const fault = this.faults.decide(out.entries.length);
      if (fault.drop) {
        // Never sent: the sweeper answers it as timed out at its deadline.
        this.#dropped.add(out);
        this.#ensureSweeper();
        return true;
      }
      if (fault.error || fault.delayMs > 0) {
        this.#limbo.add(out);
        setTimeout(() => {
          this.#limbo.delete(out);
          if (fault.error) this.#finish(out, INJECTED_ERROR, null);
          else if (!this.#submit(out)) this.#backlog.push(out);
        }, fault.delayMs).unref();
        return true;
      }
    }
    return this.#submit(out);
  }

  #submit(out: Outgoing): boolean {
    const now = performance.now();
    if (out.deadline <= now) {
      this.#finish(out, BatchStatus.DEADLINE_EXCEEDED, null);
      return true;
    }
    out.encoded ??= encodeBatch(flatten(out.entries.map((e) => e.commands)));
    const timeout = out.deadline === Infinity ? 0 : out.deadline - now;
    const sent = this.#channel.send(out.encoded, out.priority, timeout, (status, replies) => {
      this.#untrack(out);
      this.#finish(out, status, replies);
    });
    if (sent.result === 'backpressure') return false;
    if (sent.result === 'closed') {
      this.#finish(out, BatchStatus.CLOSED, null);
      return true;
    }
    out.id = sent.id;
    out.index = this.#inflight.length;
    this.#inflight.push(out);
    return true;
  }

  #untrack(out: Outgoing): void {
    const inflight = this.#inflight;
    const last = inflight.pop()!;
    if (last !== out) {
      inflight[out.index] = last;
      last.index = out.index;
    }
    out.index = -1;
  }

  #finish(out: Outgoing, status: number, replies: StorageReply[] | null): void {
    tick();
    const entries = out.entries;
    const retry: Entry[] = [];
    let storageFailure = false;
    if (status === BatchStatus.OK && replies !== null && replies.length === entries.length) {
      for (let i = 0; i < entries.length; i++) {
        const r = replies[i];
        const code = failureCode(r);
        if (code !== 0) storageFailure = true;
        if (code !== 0 && isTransientCode(code)) retry.push(entries[i]);
        else this.#deliver(entries[i], null, r);
      }
    } else if (status === INJECTED_ERROR) {
      storageFailure = true;
      retry.push(...entries);
    } else {
      storageFailure = status !== BatchStatus.CLOSED && status !== BREAKER_OPEN;
      const err = batchError(status);
      for (const e of entries) this.#deliver(e, err, null);
    }
    if (status !== BREAKER_OPEN && status !== BatchStatus.CLOSED) this.breaker.record(!storageFailure, out.probe);
    const keep = retry.length > 0 ? this.#scheduleRetry(out, retry, status === INJECTED_ERROR, replies) : null;
    this.#releaseOrigins(out, keep);
    this.#pumpBacklog();
    this.#notifyDrained();
  }

  #deliver(e: Entry, err: Error | null, reply: StorageReply): void {
    if (err === null) this.#completed++;
    else if (err instanceof TimeoutError) this.#timeouts++;
    else this.#failed++;
    e.complete(err, reply);
  }

  /**
   * Retries entries that did not run, in order, as one batch after a backoff. Returns
   * the origins that stay busy until the retry completes.
   */
  #scheduleRetry(out: Outgoing, entries: Entry[], injected: boolean, replies: StorageReply[] | null): Set<number> | null {
    const attempt = out.attempt + 1;
    const delay = backoffDelay(attempt, this.#retry.baseDelayMs, this.#retry.maxDelayMs);
    const deadline = Math.min(...entries.map((e) => e.deadline));
    if (attempt > this.#retry.maxRetries || performance.now() + delay >= deadline) {
      const err = injected ? new InjectedFaultError() : null;
      entries.forEach((e) => this.#deliver(e, err, err ? null : lastReply(out.entries.indexOf(e), replies)));
      return null;
    }
    const origins = new Set(entries.map((e) => e.origin).filter((o) => o !== 0));
    const next: Outgoing = {
      entries, priority: out.priority, origins: origins.size > 0 ? [...origins] : null, deadline, id: 0, index: -1, encoded: null, attempt, probe: false,
    };
    this.#retried += entries.length;
    this.#limbo.add(next);
    setTimeout(() => {
      this.#limbo.delete(next);
      this.#dispatch(next);
      this.#ensureSweeper();
    }, delay).unref();
    return origins;
  }

  /** Ends the batch's hold on its origins, except those a retry keeps busy. */
  #releaseOrigins(out: Outgoing, keep: Set<number> | null): void {
    if (out.origins === null) return;
    for (const origin of out.origins) {
      if (keep?.has(origin)) continue;
      const state = this.#origins.get(origin);
      if (state === undefined || --state.inflight > 0) continue;
      if (state.held.length === 0) {
        if (this.#origins.size > IDLE_ORIGINS_KEPT) this.#origins.delete(origin);
        continue;
      }
      const held = state.held;
      state.held = [];
      for (const e of held) this.#push(e);
    }
  }

  #onBreaker(to: string): void {
    if (to === 'half_open' || this.#parked.length === 0) return;
    const parked = this.#parked;
    this.#parked = [];
    // Closed: the parked batches go now. Open again: they fail now (they never ran).
    for (const out of parked) {
      if (to === 'closed') this.#dispatch(out);
      else this.#finish(out, BREAKER_OPEN, null);
    }
  }

  #pumpBacklog(): void {
    // #send may finish a batch, whose completion pumps again: one pump at a time.
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#backlog.length > 0) {
        const next = this.#backlog[0];
        if (!this.#send(next)) break;
        if (this.#backlog[0] === next) this.#backlog.shift();
      }
    } finally {
      this.#pumping = false;
    }
  }

  // Completions pump the backlog; this timer covers the case where none is due soon.
  #scheduleBacklogRetry(): void {
    if (this.#retryTimer !== null || this.#backlog.length === 0) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#pumpBacklog();
      this.#scheduleBacklogRetry();
    }, this.#retryDelayMs);
    this.#retryTimer.unref();
  }

  #ensureSweeper(): void {
    if (this.#sweeper !== null || !this.#sweepable()) return;
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_INTERVAL_MS);
    this.#sweeper.unref();
  }

  #sweepable(): boolean {
    return this.#inflight.length > 0 || this.#backlog.length > 0 || this.#parked.length > 0 || this.#limbo.size > 0 || this.#dropped.size > 0;
  }

  // Cancels queued batches past their deadline. The storage side checks deadlines too,
  // but only when a thread takes the batch; this catches batches stuck behind slow work,
  // in the backlog, parked by the breaker, or dropped by fault injection.
  #sweep(): void {
    const now = performance.now();
    // cancel() never completes a batch synchronously, so #inflight holds still here.
    for (const out of this.#inflight) {
      if (out.deadline <= now) this.#channel.cancel(out.id);
    }
    this.#backlog = this.#expire(this.#backlog, now, BatchStatus.DEADLINE_EXCEEDED);
    this.#parked = this.#expire(this.#parked, now, BatchStatus.DEADLINE_EXCEEDED);
    // Delayed and retrying batches (#limbo) are answered by their own timers, not here.
    for (const out of this.#dropped) {
      if (out.deadline <= now) {
        this.#dropped.delete(out);
        this.#finish(out, DROPPED, null);
      }
    }
    if (!this.#sweepable() && this.#sweeper !== null) {
      clearInterval(this.#sweeper);
      this.#sweeper = null;
    }
  }

  #expire(list: Outgoing[], now: number, status: number): Outgoing[] {
    if (!list.some((b) => b.deadline <= now)) return list;
    const keep: Outgoing[] = [];
    for (const b of list) {
      if (b.deadline <= now) this.#finish(b, status, null);
      else keep.push(b);
    }
    return keep;
  }

  get idle(): boolean {
    return this.#queue.length === 0 && !this.#sweepable() && !this.#anyOriginBusy();
  }

  // Only asked while someone waits for a drain (shutdown), so a scan is cheap enough.
  #anyOriginBusy(): boolean {
    for (const s of this.#origins.values()) if (s.inflight > 0 || s.held.length > 0) return true;
    return false;
  }

  #notifyDrained(): void {
    if (this.#drainWaiters.length === 0 || !this.idle) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when every request issued so far has been answered. */
  drain(): Promise<void> {
    if (this.#queue.length > 0) this.flush();
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Refuses new requests; those already issued still complete. */
  close(): void {
    this.#closed = true;
  }

  stats(): StorageClientStats {
    let held = 0;
    for (const s of this.#origins.values()) held += s.held.length;
    return {
      requests: this.#requests,
      completed: this.#completed,
      timeouts: this.#timeouts,
      failed: this.#failed,
      retried: this.#retried,
      queued: this.#queue.length,
      held,
      backlog: this.#backlog.length,
      parked: this.#parked.length,
      inflightBatches: this.#inflight.length,
      breaker: this.breaker.stats(),
      faults: this.faults ? { ...this.faults.counts } : null,
      fastPath: { hits: this.#fastHits, misses: this.#fastMisses },
    };
  }
}
