// StorageClient: how the network runtime talks to storage.
//
// - Batching: requests issued in the same turn of the event loop leave together as
//   batches of up to `batchSize`, flushed by setImmediate, which runs right after the
//   poll phase that delivered them: a lone request never waits for a timer or a full batch.
// - Ordering: requests carry an origin (a connection id). An origin never has requests in
//   two batches at once: its requests in one flush share a batch (which runs them in
//   order), and later ones wait until that batch completes. So each connection's
//   commands execute in the order it sent them, while batches of different connections
//   run on several storage threads in parallel.
// - Deadlines: a batch still queued at its deadline is cancelled and its requests fail
//   with TimeoutError. A batch that has started always completes and is answered: no
//   caller is told "failed" about work that then executes.
// - Backpressure: a batch the storage queue refuses waits in a FIFO backlog and is
//   retried as completions free room; the MessageChannel pauses socket reads meanwhile.
import { ClosedError, StorageError, TimeoutError } from '../errors.js';
import { encodeBatch, type EncodedBatch, type StorageCommand, type StorageReply } from './codec.js';
import type { MessageChannel } from './message-channel.js';
import { BatchStatus, Priority } from './ops.js';

export type ReplyCallback = (err: Error | null, reply: StorageReply) => void;

export interface StorageClientOptions {
  /** Requests per batch (batch_size). */
  batchSize?: number;
  /** Default request timeout in ms (request_timeout); 0 = none. */
  requestTimeoutMs?: number;
  /** How soon a batch the full storage queue refused is offered again (batch_timeout). */
  retryDelayMs?: number;
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
  queued: number;
  held: number;
  backlog: number;
  inflightBatches: number;
}

interface Entry {
  commands: StorageCommand | StorageCommand[];
  cb: ReplyCallback;
  origin: number;
  priority: number;
  deadline: number;
}

interface Outgoing {
  entries: Entry[];
  priority: number;
  origins: number[] | null;
  deadline: number;
  id: number;
  encoded: EncodedBatch | null;
}

interface OriginState {
  inflight: number;
  held: Entry[];
}

const SWEEP_INTERVAL_MS = 25;

export class StorageClient {
  #channel: MessageChannel;
  #batchSize: number;
  #timeoutMs: number;
  #queue: Entry[] = [];
  #scheduled = false;
  #origins = new Map<number, OriginState>();
  #inflight = new Map<number, Outgoing>();
  #backlog: Outgoing[] = [];
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
  readonly #flush = (): void => this.flush();

  constructor(channel: MessageChannel, options: StorageClientOptions = {}) {
    this.#channel = channel;
    this.#batchSize = Math.max(1, options.batchSize ?? 100);
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#retryDelayMs = Math.max(1, options.retryDelayMs ?? 10);
  }

  set retryDelayMs(ms: number) {
    this.#retryDelayMs = Math.max(1, ms);
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

  /**
   * Queues one request: a command, or an atomic group (see requests.ts atomic()). The
   * callback runs exactly once, always asynchronously.
   */
  enqueue(commands: StorageCommand | StorageCommand[], cb: ReplyCallback, options?: RequestOptions): void {
    this.#requests++;
    if (this.#closed) {
      queueMicrotask(() => cb(new ClosedError(), null));
      return;
    }
    const timeout = options?.timeoutMs ?? this.#timeoutMs;
    const entry: Entry = {
      commands,
      cb,
      origin: options?.origin ?? 0,
      priority: options?.priority ?? Priority.NORMAL,
      deadline: timeout > 0 ? performance.now() + timeout : Infinity,
    };
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
    const queue = this.#queue;
    if (queue.length === 0) return;
    this.#queue = [];
    const current: Array<Outgoing | undefined> = [undefined, undefined, undefined];
    let byOrigin: Map<number, Outgoing> | null = null;
    const batches: Outgoing[] = [];
    for (const e of queue) {
      let batch: Outgoing | undefined;
      if (e.origin !== 0) batch = (byOrigin ??= new Map()).get(e.origin);
      if (batch === undefined) {
        batch = current[e.priority];
        if (batch === undefined || batch.entries.length >= this.#batchSize) {
          batch = { entries: [], priority: e.priority, origins: null, deadline: Infinity, id: 0, encoded: null };
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
    for (const b of batches) {
      if (this.#backlog.length > 0 || !this.#trySend(b)) this.#backlog.push(b);
    }
    this.#ensureSweeper();
    this.#scheduleRetry();
  }

  #originState(origin: number): OriginState {
    let state = this.#origins.get(origin);
    if (state === undefined) {
      state = { inflight: 0, held: [] };
      this.#origins.set(origin, state);
    }
    return state;
  }

  /** False when the storage queue is full (the batch stays with the caller). */
  #trySend(out: Outgoing): boolean {
    const now = performance.now();
    if (out.deadline <= now) {
      this.#finish(out, BatchStatus.DEADLINE_EXCEEDED, null);
      return true;
    }
    out.encoded ??= encodeBatch(flatten(out.entries));
    const timeout = out.deadline === Infinity ? 0 : out.deadline - now;
    const sent = this.#channel.send(out.encoded, out.priority, timeout, (status, replies) => {
      this.#inflight.delete(out.id);
      this.#finish(out, status, replies);
    });
    if (sent.result === 'backpressure') return false;
    if (sent.result === 'closed') {
      this.#finish(out, BatchStatus.CLOSED, null);
      return true;
    }
    out.id = sent.id;
    this.#inflight.set(out.id, out);
    return true;
  }

  #finish(out: Outgoing, status: number, replies: StorageReply[] | null): void {
    const entries = out.entries;
    if (status === BatchStatus.OK && replies !== null && replies.length === entries.length) {
      this.#completed += entries.length;
      for (let i = 0; i < entries.length; i++) entries[i].cb(null, replies[i]);
    } else {
      const err = batchError(status);
      if (err instanceof TimeoutError) this.#timeouts += entries.length;
      else this.#failed += entries.length;
      for (const e of entries) e.cb(err, null);
    }
    this.#releaseOrigins(out);
    this.#pumpBacklog();
    this.#notifyDrained();
  }

  #releaseOrigins(out: Outgoing): void {
    if (out.origins === null) return;
    for (const origin of out.origins) {
      const state = this.#origins.get(origin);
      if (state === undefined || --state.inflight > 0) continue;
      if (state.held.length === 0) {
        this.#origins.delete(origin);
        continue;
      }
      const held = state.held;
      state.held = [];
      for (const e of held) this.#push(e);
    }
  }

  #pumpBacklog(): void {
    // #trySend may finish a batch, whose completion pumps again: one pump at a time.
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#backlog.length > 0) {
        const next = this.#backlog[0];
        if (!this.#trySend(next)) break;
        if (this.#backlog[0] === next) this.#backlog.shift();
      }
    } finally {
      this.#pumping = false;
    }
  }

  // Completions pump the backlog; this timer covers the case where none is due soon.
  #scheduleRetry(): void {
    if (this.#retryTimer !== null || this.#backlog.length === 0) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#pumpBacklog();
      this.#scheduleRetry();
    }, this.#retryDelayMs);
    this.#retryTimer.unref();
  }

  #ensureSweeper(): void {
    if (this.#sweeper !== null || (this.#inflight.size === 0 && this.#backlog.length === 0)) return;
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_INTERVAL_MS);
    this.#sweeper.unref();
  }

  // Cancels queued batches past their deadline. The storage side checks deadlines too,
  // but only when a thread takes the batch; this catches batches stuck behind slow work.
  #sweep(): void {
    const now = performance.now();
    for (const out of this.#inflight.values()) {
      if (out.deadline <= now) this.#channel.cancel(out.id);
    }
    if (this.#backlog.length > 0) {
      const expired = this.#backlog.filter((b) => b.deadline <= now);
      if (expired.length > 0) {
        this.#backlog = this.#backlog.filter((b) => b.deadline > now);
        for (const b of expired) this.#finish(b, BatchStatus.DEADLINE_EXCEEDED, null);
      }
    }
    if (this.#inflight.size === 0 && this.#backlog.length === 0 && this.#sweeper !== null) {
      clearInterval(this.#sweeper);
      this.#sweeper = null;
    }
  }

  get idle(): boolean {
    return this.#queue.length === 0 && this.#inflight.size === 0 && this.#backlog.length === 0 && this.#origins.size === 0;
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
      queued: this.#queue.length,
      held,
      backlog: this.#backlog.length,
      inflightBatches: this.#inflight.size,
    };
  }
}

function flatten(entries: Entry[]): StorageCommand[] {
  const out: StorageCommand[] = [];
  for (const e of entries) {
    if (Array.isArray(e.commands)) {
      for (const c of e.commands) out.push(c);
    } else {
      out.push(e.commands);
    }
  }
  return out;
}

function batchError(status: number): Error {
  switch (status) {
    case BatchStatus.DEADLINE_EXCEEDED:
    case BatchStatus.CANCELLED:
      return new TimeoutError('storage request timed out before it ran');
    case BatchStatus.CLOSED:
      return new ClosedError();
    default:
      return new StorageError('BAD_REQUEST', 'storage rejected a malformed batch');
  }
}
