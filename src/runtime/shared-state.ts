// SharedState: everything several network runtimes (worker threads) share, in one module,
// so that features which span connections on different runtimes use one mechanism
// instead of each inventing its own cross-thread messaging.
//
// Two parts:
//   - Counters in a SharedArrayBuffer, read and changed with Atomics from any thread
//     without a message: client ids (unique across runtimes), connected clients (for
//     maxclients and INFO), and the storage channel's fill and pause flag (so
//     backpressure is one decision for every runtime).
//   - A message bus between the runtimes and the composition root (the main thread,
//     which relays: workers talk only to it). Three verbs:
//       send(target, topic, payload)      fire and forget;
//       request(target, topic, payload)   every target answers; resolves with the
//                                         answers in runtime order;
//       on(topic, handler)                handles both (a request's answer is the
//                                         handler's return value, or what it resolves to).
//     Targets: 'main', 'all' (every network runtime, this one included), 'others'
//     (every network runtime but this one) or a runtime index.
//
// Users today: the client registry (CLIENT LIST/KILL gather every runtime's clients),
// INFO, /metrics and /health (each runtime's counters), CONFIG SET (every runtime applies
// it before OK), backpressure, shutdown. Meant for the next ones too:
//   - pub/sub: PUBLISH does request('all', 'publish', { channel, message }) and sums the
//     receiver counts each runtime answers; a runtime delivers to its own subscribers.
//   - blocking commands: a write that may serve a blocked client does
//     send('all', 'key-ready', { db, key }); the runtime holding the blocked client wakes
//     it, which then retries its pop through storage (so only one waiter wins).
//   - WATCH: every write group's keys go out as send('others', 'touched', keys) (and are
//     applied locally at once), so a runtime marks the watching transactions dirty; the
//     origin's own EXEC sees it first because the local flag is set synchronously.
//   Messages from one runtime to another arrive in the order they were sent.
import type { MessagePort } from 'node:worker_threads';
import type { Bus, BusHandler as Handler, BusTarget as Target } from '../commands/types.js';
import type { ChannelShare } from '../storage/message-channel.js';

/** The composition root's index on the bus. */
export const MAIN = -1;

interface Envelope {
  kind: 'send' | 'req' | 'res';
  topic?: string;
  payload?: unknown;
  /** Where a send or request goes (set by the sender; the main thread relays). */
  to?: Target;
  from: number;
  id?: number;
  ok?: boolean;
  error?: string;
}

const COUNTER_SLOTS = { connectedClients: 0, storagePending: 1, storagePaused: 2, monitors: 3, pauseMode: 4 } as const;
export type CounterName = keyof typeof COUNTER_SLOTS;

/** Counters every thread reads and changes with Atomics; created once, shared by reference. */
export class SharedCounters {
  readonly buffer: SharedArrayBuffer;
  readonly #ints: Int32Array;
  readonly #ids: BigInt64Array;
  /** [0]: the end of a CLIENT PAUSE, ms since the epoch. */
  readonly #times: Float64Array;
  readonly #slowlogIds: BigInt64Array;

  constructor(buffer = new SharedArrayBuffer(64)) {
    this.buffer = buffer;
    this.#ids = new BigInt64Array(buffer, 0, 1);
    this.#ints = new Int32Array(buffer, 8, 8);
    this.#times = new Float64Array(buffer, 40, 1);
    this.#slowlogIds = new BigInt64Array(buffer, 48, 1);
  }

  /**
   * CLIENT PAUSE: mode 1 pauses writes, 2 everything, until `untilMs`. A pause never
   * weakens or shortens one in force (Redis: the stronger mode and the later end win).
   */
  pause(mode: 1 | 2, untilMs: number, now = Date.now()): void {
    // An expired pause counts as none: the new one replaces it whole.
    const inForce = this.pauseMode(now);
    const slot = COUNTER_SLOTS.pauseMode;
    if (inForce === 0) {
      Atomics.store(this.#ints, slot, mode);
      this.#times[0] = untilMs;
      return;
    }
    let current = Atomics.load(this.#ints, slot);
    while (current < mode && Atomics.compareExchange(this.#ints, slot, current, mode) !== current) current = Atomics.load(this.#ints, slot);
    // Float64 has no atomic max; pauses are rare admin commands, and a lost race only
    // keeps another runtime's (equally valid) end.
    if (this.#times[0] < untilMs) this.#times[0] = untilMs;
  }

  unpause(): void {
    Atomics.store(this.#ints, COUNTER_SLOTS.pauseMode, 0);
    this.#times[0] = 0;
  }

  /** The pause in force at `now`: 0 none, 1 writes, 2 everything. */
  pauseMode(now: number): 0 | 1 | 2 {
    const mode = Atomics.load(this.#ints, COUNTER_SLOTS.pauseMode) as 0 | 1 | 2;
    return mode !== 0 && now < this.#times[0] ? mode : 0;
  }

  get pauseUntil(): number {
    return this.#times[0];
  }

  /** A client id no runtime has handed out before (1, 2, 3...). */
  nextClientId(): number {
    return Number(Atomics.add(this.#ids, 0, 1n)) + 1;
  }

  /** A slow log entry id no runtime has used before (0, 1, 2...), as Redis numbers them. */
  nextSlowlogId(): number {
    return Number(Atomics.add(this.#slowlogIds, 0, 1n));
  }

  /** Adds `delta`; returns the new value. */
  add(name: CounterName, delta: number): number {
    return Atomics.add(this.#ints, COUNTER_SLOTS[name], delta) + delta;
  }

  get(name: CounterName): number {
    return Atomics.load(this.#ints, COUNTER_SLOTS[name]);
  }

  /** Sets `name` from `from` to `to`; false if it was not `from` (another thread won). */
  swap(name: CounterName, from: number, to: number): boolean {
    return Atomics.compareExchange(this.#ints, COUNTER_SLOTS[name], from, to) === from;
  }

  /** The storage channel's fill and pause flag, as every runtime's MessageChannel shares them. */
  channelShare(): ChannelShare {
    return {
      add: (n) => this.add('storagePending', n),
      tryPause: () => this.swap('storagePaused', 0, 1),
      tryResume: () => this.swap('storagePaused', 1, 0),
      paused: () => this.get('storagePaused') === 1,
    };
  }
}

/** A request waiting for answers. */
interface Pending {
  /** Who is asked, in answer order. */
  order: number[];
  waiting: Set<number>;
  answers: unknown[];
  resolve: (answers: unknown[]) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | null;
}

interface Port {
  postMessage(m: unknown): void;
  on(event: 'message', listener: (m: Envelope) => void): unknown;
}

/**
 * The bus over MessagePorts. In a network runtime it has one port, to the main thread;
 * on the main thread it has one port per runtime and relays what runtimes address to
 * each other. A runtime that is gone (or not yet started) is skipped by 'all'/'others',
 * and answers undefined to a request it was asked but could not answer.
 */
export class RuntimeBus implements Bus {
  readonly self: number;
  readonly #handlers = new Map<string, Handler>();
  /** Main: ports by runtime index. Runtime: the one port to main, at MAIN. */
  readonly #ports = new Map<number, Port>();
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  readonly #timeoutMs: number;

  constructor(self: number, defaultTimeoutMs = 10_000) {
    this.self = self;
    this.#timeoutMs = defaultTimeoutMs;
  }

  /** Connects a port (main: a runtime's; runtime: main's) and starts handling it. */
  attach(peer: number, port: MessagePort | Port): void {
    this.#ports.set(peer, port as Port);
    (port as Port).on('message', (m: Envelope) => this.#receive(m, peer));
  }

  /** A runtime is gone: requests still waiting for it get undefined as its answer. */
  detach(peer: number): void {
    this.#ports.delete(peer);
    for (const id of [...this.#pending.keys()]) this.#settle(id, peer, true, undefined);
  }

  /** Runtime indexes reachable now (main only). */
  get peers(): number[] {
    return [...this.#ports.keys()].filter((k) => k !== MAIN).sort((a, b) => a - b);
  }

  on(topic: string, handler: Handler): void {
    this.#handlers.set(topic, handler);
  }

  send(target: Target, topic: string, payload?: unknown): void {
    if (this.#relayed(target)) {
      this.#post(MAIN, { kind: 'send', topic, payload, to: target, from: this.self });
      if (target === 'all') this.#dispatchLocal(topic, payload, this.self);
      return;
    }
    for (const peer of this.#resolve(target, this.self)) {
      if (peer === this.self) this.#dispatchLocal(topic, payload, this.self);
      else this.#post(peer, { kind: 'send', topic, payload, from: this.self });
    }
  }

  request<T = unknown>(target: Target, topic: string, payload?: unknown, timeoutMs = this.#timeoutMs): Promise<T[]> {
    if (this.#relayed(target)) {
      // Main gathers the answers and sends them back as one.
      return this.#ask([MAIN], { kind: 'req', topic, payload, to: target, from: this.self }, timeoutMs).then((a) => (a[0] ?? []) as T[]);
    }
    return this.#ask(this.#resolve(target, this.self), { kind: 'req', topic, payload, from: this.self }, timeoutMs) as Promise<T[]>;
  }

  /** A runtime reaches other runtimes through main. */
  #relayed(target: Target): boolean {
    return this.self !== MAIN && target !== this.self && target !== 'main';
  }

  #resolve(target: Target, origin: number): number[] {
    if (target === 'main') return [MAIN];
    if (typeof target === 'number') return [target];
    const runtimes = this.self === MAIN ? this.peers : [this.self];
    return target === 'others' ? runtimes.filter((r) => r !== origin) : runtimes;
  }

  #ask(peers: number[], message: Envelope, timeoutMs: number): Promise<unknown[]> {
    if (peers.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const id = this.#nextId++;
      const p: Pending = { order: peers, waiting: new Set(peers), answers: new Array(peers.length), resolve, reject, timer: null };
      this.#pending.set(id, p);
      if (timeoutMs > 0) {
        p.timer = setTimeout(() => {
          this.#pending.delete(id);
          reject(new Error(`no answer to '${message.topic}' from runtime(s) ${[...p.waiting].join(', ')} within ${timeoutMs} ms`));
        }, timeoutMs);
        p.timer.unref();
      }
      for (const peer of peers) {
        if (peer === this.self) {
          this.#run(message.topic!, message.payload, message.from).then(
            (v) => this.#settle(id, peer, true, v),
            (err) => this.#settle(id, peer, false, undefined, errorText(err)),
          );
        } else if (this.#ports.has(peer)) {
          this.#post(peer, { ...message, id });
        } else {
          this.#settle(id, peer, true, undefined);
        }
      }
    });
  }

  #settle(id: number, peer: number, ok: boolean, value: unknown, error?: string): void {
    const p = this.#pending.get(id);
    if (p === undefined || !p.waiting.delete(peer)) return;
    if (!ok) {
      this.#pending.delete(id);
      if (p.timer) clearTimeout(p.timer);
      p.reject(new Error(error ?? 'request failed'));
      return;
    }
    p.answers[p.order.indexOf(peer)] = value;
    if (p.waiting.size > 0) return;
    this.#pending.delete(id);
    if (p.timer) clearTimeout(p.timer);
    p.resolve(p.answers);
  }

  #post(peer: number, m: Envelope): void {
    this.#ports.get(peer)?.postMessage(m);
  }

  async #run(topic: string, payload: unknown, from: number): Promise<unknown> {
    const h = this.#handlers.get(topic);
    if (h === undefined) throw new Error(`no handler for '${topic}' on runtime ${this.self}`);
    return h(payload, from);
  }

  #dispatchLocal(topic: string, payload: unknown, from: number): void {
    // Handled after the current task, as a message from another thread would be.
    queueMicrotask(() => {
      this.#run(topic, payload, from).catch(() => {});
    });
  }

  /** `port`: the peer whose port the message arrived on (where an answer goes back). */
  #receive(m: Envelope, port: number): void {
    if (m.kind === 'res') {
      this.#settle(m.id!, port, m.ok!, m.payload, m.error);
      return;
    }
    if (this.self === MAIN && m.to !== undefined && m.to !== 'main') {
      this.#relay(m, port);
      return;
    }
    if (m.kind === 'send') {
      this.#run(m.topic!, m.payload, m.from).catch(() => {});
      return;
    }
    this.#run(m.topic!, m.payload, m.from).then(
      (v) => this.#post(port, { kind: 'res', id: m.id, ok: true, payload: v, from: this.self }),
      (err) => this.#post(port, { kind: 'res', id: m.id, ok: false, error: errorText(err), from: this.self }),
    );
  }

  /** Main: a runtime addressed other runtimes (or all of them). */
  #relay(m: Envelope, port: number): void {
    const targets = this.#resolve(m.to!, m.from);
    if (m.kind === 'send') {
      // The sender handled its own copy of an 'all' send already.
      for (const peer of targets) if (peer !== m.from) this.#post(peer, { kind: 'send', topic: m.topic, payload: m.payload, from: m.from });
      return;
    }
    this.#ask(targets, { kind: 'req', topic: m.topic, payload: m.payload, from: m.from }, this.#timeoutMs).then(
      (answers) => this.#post(port, { kind: 'res', id: m.id, ok: true, payload: answers, from: MAIN }),
      (err) => this.#post(port, { kind: 'res', id: m.id, ok: false, error: errorText(err), from: MAIN }),
    );
  }
}

function errorText(err: unknown): string {
  return String((err as Error)?.message ?? err);
}
