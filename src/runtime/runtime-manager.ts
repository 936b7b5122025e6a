// RuntimeManager: the composition root, on the main thread. It opens the storage runtime
// (the native addon behind StorageServer), starts runtime.network_threads network
// runtimes (worker threads, network-runtime.ts) attached to it, spreads connections over
// them, supervises them (a runtime that fails is logged and replaced; storage goes on),
// serves /health and /metrics, applies configuration, checks health, and runs the
// start-up and shutdown sequences. It talks to the runtimes over the bus
// (shared-state.ts).
//
// Every network runtime is a worker, also when there is one: one code path, and a
// failure in network code never reaches the thread that owns the database. The main
// thread keeps its own small StorageClient for health pings and keyspace counts.
import { existsSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config/config.js';
import type { InfoSection } from '../commands/types.js';
import type { BoundAddress } from '../server/network-server.js';
import { loadAddon } from '../storage/native.js';
import { MessageChannel } from '../storage/message-channel.js';
import { Priority } from '../storage/ops.js';
import { Cmd } from '../storage/requests.js';
import type { StorageClient } from '../storage/storage-client.js';
import { StorageServer } from '../storage/storage-server.js';
import { Logger } from '../logger.js';
import { aggregate, type Aggregate } from './aggregate.js';
import { KeyspaceStats } from './keyspace-stats.js';
import { HttpEndpoint } from './http-server.js';
import { runtimeInfoSections } from './info-sections.js';
import { createMetrics } from './metrics.js';
import { createStorageClient, type RuntimeData, type RuntimeSnapshot } from './network-runtime.js';
import { RecoveryManager } from './recovery.js';
import { StorageScaler } from './scaler.js';
import { MAIN, RuntimeBus, SharedCounters } from './shared-state.js';

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface RuntimeHealth {
  index: number;
  alive: boolean;
  eventLoopDelayP99Ms: number;
  connections: number;
  readingPaused: boolean;
}

export interface HealthReport {
  status: HealthStatus;
  checkedAt: number | null;
  network: {
    status: HealthStatus;
    /** The worst runtime's. */
    eventLoopDelayP99Ms: number;
    connections: number;
    readingPaused: boolean;
    runtimes: RuntimeHealth[];
  };
  storage: {
    status: HealthStatus;
    pingMs: number | null;
    lastError: string | null;
    degraded: boolean;
    breaker: string;
    recovery: string;
    readOnly: string | null;
  };
  channel: { status: HealthStatus; pending: number; capacity: number; fill: number };
}

export interface RuntimeStats {
  activeTasks: number;
  totalTasks: number;
  uptimeMs: number;
  health: HealthStatus;
  lastHealthCheck: number | null;
}

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/** A network runtime as the main thread sees it. */
interface RuntimeSlot {
  index: number;
  worker: Worker | null;
  ready: boolean;
  /** Recent failures (times), to stop replacing a runtime that keeps failing. */
  failures: number[];
}

const RESTARTS_PER_MINUTE = 5;
const LISTEN_BACKLOG = 511;

/** The worker entry: built JS next to this file, or dist/ when running from src/ (tests). */
function workerEntry(): URL {
  const here = new URL('./network-worker.js', import.meta.url);
  if (existsSync(here)) return here;
  return new URL('../../dist/runtime/network-worker.js', import.meta.url);
}

export class RuntimeManager {
  readonly config: Config;
  readonly log: Logger;
  readonly bus = new RuntimeBus(MAIN);
  readonly counters = new SharedCounters();
  #state: State = 'new';
  #storage: StorageServer | null = null;
  #channel: MessageChannel | null = null;
  #client: StorageClient | null = null;
  #keyspace: KeyspaceStats | null = null;
  #recovery: RecoveryManager | null = null;
  #scaler: StorageScaler | null = null;
  #http: HttpEndpoint | null = null;
  #runtimes: RuntimeSlot[] = [];
  #acceptors: Server[] = [];
  #nextRuntime = 0;
  #addresses: BoundAddress[] = [];
  #startedAt = 0;
  #healthTimer: NodeJS.Timeout | null = null;
  #loopDelay: IntervalHistogram | null = null;
  #health: HealthReport = initialHealth();
  #lastReadOnly: string | null = null;
  #stopping: Promise<void> | null = null;
  #stopListeners: Array<(reason: string) => void> = [];
  #aggregate: { at: number; value: Promise<Aggregate> } | null = null;

  constructor(config: Config, options: { logger?: Logger } = {}) {
    this.config = config;
    this.log = options.logger ?? new Logger(config.values.server.logLevel);
    this.#handleBus();
  }

  get state(): State {
    return this.#state;
  }

  get addresses(): readonly BoundAddress[] {
    return this.#addresses;
  }

  /** The storage runtime and the main thread's own channel and client. */
  initializeStorageComponents(): void {
    if (this.#storage) return;
    const c = this.config.values;
    this.#storage = StorageServer.open({
      dir: c.server.dir,
      threads: c.runtime.storageThreads,
      capacity: c.runtime.channelBufferSize,
      blockCacheBytes: c.storage.blockCacheBytes,
      writeBufferBytes: c.storage.writeBufferBytes,
      compression: c.storage.compression,
      backgroundJobs: c.storage.backgroundJobs,
      sync: c.storage.sync === 'everysec' ? 'periodic' : c.storage.sync === 'no' ? 'none' : 'always',
      expireCycleMs: c.storage.expireCycleMs,
      weights: [c.runtime.priority.highWeight, c.runtime.priority.normalWeight, c.runtime.priority.lowWeight],
    });
    this.#channel = new MessageChannel(this.#storage, {
      capacity: c.runtime.channelBufferSize,
      highWater: c.runtime.backpressureHighWater,
      lowWater: c.runtime.backpressureLowWater,
      share: this.counters.channelShare(),
    });
    // The main thread's own requests count toward backpressure too; runtimes follow the flag.
    this.#channel.on('pause', () => this.bus.send('all', 'backpressure'));
    this.#channel.on('resume', () => this.bus.send('all', 'backpressure'));
    this.#client = createStorageClient(this.#channel, this.config, (level, message) => this.log.log(level, message));
    this.#keyspace = new KeyspaceStats(this.#client, c.server.databases);
    this.#recovery = new RecoveryManager(this.#storage, c.runtime.recovery.resumeIntervalMs, (level, message) => this.log.log(level, message));
    this.#scaler = new StorageScaler(this.#storage, () => this.config.values.runtime.scaling, (message) => this.log.log('notice', message));
  }

  /** The main thread's StorageClient (health pings, keyspace counts, tests). */
  storageClient(): StorageClient {
    if (!this.#client) throw new Error('storage components are not initialized: call start() or initializeStorageComponents()');
    return this.#client;
  }

  /** The start-up sequence. Resolves once every network runtime accepts connections. */
  async start(): Promise<void> {
    if (this.#state !== 'new') throw new Error(`cannot start a runtime that is ${this.#state}`);
    this.#state = 'starting';
    this.#startedAt = Date.now();
    try {
      this.initializeStorageComponents();
      const c = this.config.values;
      this.config.onChange((path, value) => this.#applyChange(path, value));
      this.#runtimes = Array.from({ length: c.runtime.networkThreads }, (_, index) => ({ index, worker: null, ready: false, failures: [] }));
      if (c.runtime.acceptMode === 'acceptor') this.#addresses = await this.#listenAcceptor();
      else this.#addresses = this.#reservePort(await this.#probePort());
      await Promise.all(this.#runtimes.map((slot) => this.#spawn(slot)));
      if (c.http.port > 0) {
        this.#http = new HttpEndpoint(() => this.checkHealth(), createMetrics(this), (m) => this.log.log('warning', m));
        const port = await this.#http.listen(c.http.port, c.http.bind);
        this.log.log('notice', `health and metrics on http://${c.http.bind}:${port}/health and /metrics`);
      }
      this.#startHealthChecks();
      this.#scaler!.start();
      this.#keyspace!.refresh().catch(() => {});
      this.#state = 'running';
      this.log.log('notice', `kiwi-server ready: ${this.#addresses.map((a) => `${a.address}:${a.port}`).join(', ')}; data in ${c.server.dir} (RocksDB ${loadAddon().rocksdbVersion}, ${c.runtime.networkThreads} network runtime${c.runtime.networkThreads === 1 ? '' : 's'} accepting by ${c.runtime.acceptMode}, ${c.runtime.storageThreads} storage threads)`);
    } catch (err) {
      this.#state = 'stopping';
      await this.#teardown();
      this.#state = 'stopped';
      throw err;
    }
  }

  /**
   * SO_REUSEPORT: every runtime gets a socket of its own per address, all bound to the
   * same port (the first one's, when port 0 picks one); the kernel spreads connections
   * over them. Opened here, before any runtime starts, so a bad address fails start-up.
   */
  #reservePort(port: number): BoundAddress[] {
    const c = this.config.values;
    const requested = c.server.bind.map((host) => ({ address: host, port, family: host.includes(':') ? 'IPv6' : 'IPv4' }));
    const first = this.#openListeners(requested);
    const bound = requested.map((a) => ({ ...a, port: first.port }));
    this.#listenerFds.set(0, first.fds);
    for (let i = 1; i < this.#runtimes.length; i++) this.#listenerFds.set(i, this.#openListeners(bound).fds);
    return bound;
  }

  /**
   * Binds every address the ordinary way first, and lets go: SO_REUSEPORT would let a
   * second server of the same user bind the same port and silently take half of the
   * connections, while an ordinary bind fails on a port anyone holds (with Node's own
   * EADDRINUSE message). Also picks the port when it is 0.
   */
  async #probePort(): Promise<number> {
    const c = this.config.values;
    let port = c.server.port;
    const probes: Server[] = [];
    try {
      for (const host of c.server.bind) {
        const server = createServer();
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host, port, exclusive: true }, () => resolve());
        });
        probes.push(server);
        const a = server.address();
        if (a !== null && typeof a === 'object') port = a.port;
      }
    } finally {
      await Promise.all(probes.map((s) => new Promise((resolve) => s.close(resolve))));
    }
    return port;
  }

  /** Descriptors opened for a runtime and not yet handed to it. */
  readonly #listenerFds = new Map<number, number[]>();

  /** One SO_REUSEPORT socket per address; port 0 on the first picks the port for all. */
  #openListeners(addresses: BoundAddress[]): { fds: number[]; port: number } {
    const addon = loadAddon();
    const fds: number[] = [];
    let port = addresses[0]?.port ?? 0;
    try {
      for (const a of addresses) {
        const s = addon.listenReusePort(a.address, port, LISTEN_BACKLOG);
        port = s.port;
        fds.push(s.fd);
      }
    } catch (err) {
      for (const fd of fds) addon.closeFd(fd);
      throw err;
    }
    return { fds, port };
  }

  #listenFds(index: number): number[] {
    if (this.config.values.runtime.acceptMode === 'acceptor') return [];
    const fds = this.#listenerFds.get(index) ?? this.#openListeners(this.#addresses).fds;
    this.#listenerFds.delete(index);
    return fds;
  }

  /** Acceptor mode: the main thread accepts and hands each connection to a runtime in turn. */
  async #listenAcceptor(): Promise<BoundAddress[]> {
    const c = this.config.values;
    let port = c.server.port;
    const bound: BoundAddress[] = [];
    for (const host of c.server.bind) {
      const server = createServer({ pauseOnConnect: true, noDelay: true }, (socket) => this.#handOver(socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port, backlog: LISTEN_BACKLOG }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      server.on('error', (err) => this.log.log('warning', `listener ${host}: ${err.message}`));
      this.#acceptors.push(server);
      const a = server.address();
      if (a !== null && typeof a === 'object') {
        bound.push({ address: a.address, port: a.port, family: a.family });
        port = a.port;
      }
    }
    return bound;
  }

  #handOver(socket: Socket): void {
    const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
    const ready = this.#runtimes.filter((r) => r.ready);
    if (fd < 0 || ready.length === 0 || this.#state !== 'running') {
      socket.destroy();
      return;
    }
    const addon = loadAddon();
    let copy = -1;
    try {
      copy = addon.dupFd(fd);
    } catch (err) {
      this.log.log('warning', `cannot hand over a connection: ${(err as Error).message}`);
    }
    // Closes this thread's descriptor only; the connection lives on in the copy.
    socket.destroy();
    if (copy < 0) return;
    const slot = ready[this.#nextRuntime++ % ready.length];
    this.bus.send(slot.index, 'adopt', copy);
  }

  /** Starts (or restarts) one network runtime; resolves when it accepts connections. */
  #spawn(slot: RuntimeSlot): Promise<void> {
    const c = this.config;
    const data: RuntimeData = {
      index: slot.index,
      config: { entries: c.entries(), preset: c.preset },
      storageToken: this.#storage!.token,
      counters: this.counters.buffer,
      listenFds: this.#listenFds(slot.index),
      startedAt: this.#startedAt,
      readOnly: this.#recovery?.readOnlyReason ?? null,
    };
    const worker = new Worker(workerEntry(), { workerData: data, name: `kiwi-net-${slot.index}` });
    slot.worker = worker;
    slot.ready = false;
    this.bus.attach(slot.index, worker);
    return new Promise((resolve, reject) => {
      let started = false;
      this.#onReady.set(slot.index, () => {
        started = true;
        slot.ready = true;
        resolve();
      });
      worker.on('error', (err) => {
        if (!started) {
          reject(err);
          return;
        }
        // Fault isolation: the runtime's connections are gone, storage and the others go on.
        this.log.log('warning', `network runtime ${slot.index} failed: ${err?.stack ?? String(err)}`);
      });
      worker.on('exit', (code) => {
        slot.ready = false;
        if (slot.worker === worker) slot.worker = null;
        this.bus.detach(slot.index);
        if (!started) {
          reject(new Error(`network runtime ${slot.index} exited (code ${code}) while starting`));
          return;
        }
        if (this.#state === 'running') this.#replace(slot);
      });
    });
  }

  readonly #onReady = new Map<number, () => void>();

  #replace(slot: RuntimeSlot): void {
    const now = Date.now();
    slot.failures = slot.failures.filter((t) => now - t < 60_000);
    slot.failures.push(now);
    if (slot.failures.length > RESTARTS_PER_MINUTE) {
      this.log.log('warning', `network runtime ${slot.index} failed ${slot.failures.length} times within a minute; not replacing it`);
      return;
    }
    this.log.log('notice', `replacing network runtime ${slot.index}`);
    this.#spawn(slot).catch((err) => this.log.log('warning', `network runtime ${slot.index} could not be replaced: ${(err as Error).message}`));
  }

  #handleBus(): void {
    const bus = this.bus;
    bus.on('ready', (index: number) => {
      this.#onReady.get(index)?.();
      this.#onReady.delete(index);
    });
    bus.on('log', (line: string) => this.log.write(line));
    bus.on('info', async () => {
      const sections = runtimeInfoSections(this, await this.aggregate(0));
      const out: Record<string, InfoSection> = {};
      for (const [name, f] of sections) out[name] = f();
      return out;
    });
    bus.on('config', async (changes: Array<[string, unknown]>, from: number) => {
      for (const [path, value] of changes) this.config.set(path, value);
      await Promise.all(bus.peers.filter((p) => p !== from).map((p) => bus.request(p, 'config', changes)));
    });
    bus.on('reset-stats', async () => {
      this.#channel?.resetStats();
      await bus.request('all', 'reset-stats');
    });
    bus.on('shutdown', (reason: string) => this.stop(reason));
    bus.on('swapdb', ([a, b]: [number, number]) => this.#keyspace?.swap(a, b));
  }

  #applyChange(path: string, value: unknown): void {
    const c = this.config.values;
    switch (path) {
      case 'runtime.storage_threads':
        this.#storage?.setThreads(c.runtime.storageThreads);
        break;
      case 'runtime.channel_buffer_size':
        this.#channel?.setCapacity(c.runtime.channelBufferSize);
        break;
      case 'runtime.request_timeout':
        if (this.#client) this.#client.requestTimeoutMs = c.runtime.requestTimeoutMs;
        break;
      case 'server.log_level':
        this.log.level = String(value);
        break;
      case 'runtime.scaling.enabled':
        this.#scaler?.start();
        break;
      case 'runtime.fault_injection.error_rate':
      case 'runtime.fault_injection.delay_ms':
      case 'runtime.fault_injection.drop_rate':
        this.log.log('notice', `fault injection: ${path.split('.').pop()} = ${String(value)}`);
        break;
      default:
        break;
    }
  }

  onStop(listener: (reason: string) => void): void {
    this.#stopListeners.push(listener);
  }

  /**
   * The shutdown sequence: every runtime stops accepting and reading, pending requests
   * drain (shutdown_timeout), every runtime closes its connections and leaves storage,
   * then storage runs what it accepted, flushes and closes. Idempotent.
   */
  stop(reason = 'stop requested'): Promise<void> {
    this.#stopping ??= this.#shutdown(reason);
    return this.#stopping;
  }

  async #shutdown(reason: string): Promise<void> {
    if (this.#state === 'new') {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'stopping';
    this.log.log('notice', `shutting down (${reason})`);
    // After this tick, so a listener may call stop() and get this same promise.
    queueMicrotask(() => {
      for (const l of this.#stopListeners) l(reason);
    });
    for (const s of this.#acceptors) s.close();
    const timeout = this.config.values.server.shutdownTimeoutMs;
    await this.bus.request('all', 'stop-accepting', undefined, 5000).catch(() => {});
    const drained = await this.#withTimeout(Promise.all([this.bus.request('all', 'drain', undefined, 0), this.#client?.drain()]), timeout);
    if (!drained) this.log.log('warning', 'pending requests did not drain in time; closing anyway (they still run before RocksDB closes)');
    this.#client?.close();
    await this.#teardown();
    this.#state = 'stopped';
    this.log.log('notice', 'kiwi-server is now ready to exit, bye bye...');
  }

  async #teardown(): Promise<void> {
    if (this.#healthTimer) clearInterval(this.#healthTimer);
    this.#scaler?.stop();
    this.#loopDelay?.disable();
    for (const s of this.#acceptors) s.close();
    await this.#stopRuntimes();
    for (const fds of this.#listenerFds.values()) for (const fd of fds) loadAddon().closeFd(fd);
    this.#listenerFds.clear();
    if (this.#storage?.running) {
      const closed = this.#storage.stop();
      // Closing runs every accepted batch and flushes; it must finish for durability,
      // but a slow close is worth a warning.
      const inTime = await this.#withTimeout(closed, 10_000);
      if (!inTime) {
        this.log.log('warning', 'storage is taking more than 10 s to close; waiting for it');
        await closed;
      }
    }
    await this.#http?.close();
  }

  /** Each runtime closes its connections and detaches from storage, then its thread ends. */
  async #stopRuntimes(): Promise<void> {
    const workers = this.#runtimes.map((r) => r.worker).filter((w): w is Worker => w !== null);
    await this.bus.request('all', 'close', undefined, 5000).catch((err) => this.log.log('warning', `closing network runtimes: ${(err as Error).message}`));
    // A worker that is terminated detaches from storage as its environment goes away.
    await Promise.all(workers.map((w) => w.terminate().catch(() => 0)));
  }

  async #withTimeout(p: Promise<unknown>, ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    try {
      return await Promise.race([p.then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  #startHealthChecks(): void {
    this.#loopDelay = monitorEventLoopDelay({ resolution: 10 });
    this.#loopDelay.enable();
    const interval = this.config.values.runtime.healthCheckIntervalMs;
    this.#healthTimer = setInterval(() => void this.checkHealth(), interval);
    this.#healthTimer.unref();
    void this.checkHealth();
  }

  /**
   * Every runtime's numbers added up; `maxAgeMs` lets one scrape's metrics share a
   * gather. A runtime that does not answer in time counts as absent.
   */
  aggregate(maxAgeMs = 50): Promise<Aggregate> {
    const now = performance.now();
    if (this.#aggregate && now - this.#aggregate.at <= maxAgeMs) return this.#aggregate.value;
    const value = this.bus
      .request<RuntimeSnapshot>('all', 'snapshot', undefined, 2000)
      .catch(() => [] as RuntimeSnapshot[])
      .then((snaps) => aggregate(snaps.filter((s): s is RuntimeSnapshot => s !== undefined && s !== null), {
        channel: this.#channel!.stats(),
        client: this.#client!.stats(),
      }));
    this.#aggregate = { at: now, value };
    return value;
  }

  /** One health check of every runtime, storage and the channel; also run by /health. */
  async checkHealth(): Promise<HealthReport> {
    const c = this.config.values;
    this.#loopDelay?.reset();
    let pingMs: number | null = null;
    let pingError: string | null = null;
    const gathered = this.#storage?.running && this.#state !== 'stopped' ? this.aggregate(0) : null;
    if (this.#client && this.#storage?.running) {
      const t0 = performance.now();
      try {
        await this.#client.sendRequestWithTimeout(Cmd.ping(), Math.max(100, c.runtime.healthCheckIntervalMs), { priority: Priority.HIGH });
        pingMs = performance.now() - t0;
      } catch (err) {
        pingError = (err as Error).message;
      }
    }
    const agg = gathered ? await gathered : null;
    this.#recovery?.check();
    this.#announceReadOnly();
    const native = this.#storage?.running ? this.#storage.health() : null;
    const breaker = agg?.client.breaker.state ?? this.#client?.breaker.state ?? 'closed';
    const channel = this.#channel;
    const fill = channel ? channel.fill : 0;
    const runtimes: RuntimeHealth[] = this.#runtimes.map((slot) => {
      const snap = agg?.runtimes.find((r) => r.index === slot.index);
      return { index: slot.index, alive: slot.ready && snap !== undefined, eventLoopDelayP99Ms: round(snap?.eventLoopDelayP99Ms ?? 0), connections: snap?.connections ?? 0, readingPaused: snap?.readingPaused ?? false };
    });
    const delayMs = agg?.eventLoopDelayP99Ms ?? 0;
    const allAlive = runtimes.every((r) => r.alive);
    const networkStatus: HealthStatus = delayMs > c.runtime.maxEventLoopDelayMs || !runtimes.some((r) => r.alive) ? 'unhealthy' : allAlive ? 'healthy' : 'degraded';
    const storageStatus: HealthStatus =
      pingError !== null || !this.#storage?.running || breaker === 'open' ? 'unhealthy' : native?.degraded || breaker === 'half_open' ? 'degraded' : 'healthy';
    const channelStatus: HealthStatus = channel?.paused || fill >= c.runtime.backpressureHighWater ? 'degraded' : 'healthy';
    const all = [networkStatus, storageStatus, channelStatus];
    const worst = all.includes('unhealthy') ? 'unhealthy' : all.includes('degraded') ? 'degraded' : 'healthy';
    this.#health = {
      status: worst,
      checkedAt: Date.now(),
      network: {
        status: networkStatus, eventLoopDelayP99Ms: round(delayMs), connections: agg?.connections ?? 0,
        readingPaused: channel?.paused ?? false, runtimes,
      },
      storage: {
        status: storageStatus, pingMs: pingMs === null ? null : round(pingMs), lastError: pingError ?? native?.lastError ?? null,
        degraded: native?.degraded ?? false, breaker, recovery: this.#recovery?.state ?? 'ok', readOnly: this.#recovery?.readOnlyReason ?? null,
      },
      channel: { status: channelStatus, pending: Math.round(fill * c.runtime.channelBufferSize), capacity: c.runtime.channelBufferSize, fill: round(fill) },
    };
    return this.#health;
  }

  /** Runtimes refuse writes fast while storage is read-only: tell them when that changes. */
  #announceReadOnly(): void {
    const reason = this.#recovery?.readOnlyReason ?? null;
    if (reason === this.#lastReadOnly) return;
    this.#lastReadOnly = reason;
    this.bus.send('all', 'read-only', reason);
  }

  health(): HealthReport {
    return this.#health;
  }

  get httpPort(): number {
    return this.#http?.port ?? 0;
  }

  /** Network runtimes accepting connections now. */
  get liveRuntimes(): number {
    return this.#runtimes.filter((r) => r.ready).length;
  }

  get mainLoopDelayP99Ms(): number {
    return this.#loopDelay ? this.#loopDelay.percentile(99) / 1e6 : 0;
  }

  storageStats() {
    return this.#storage?.running ? this.#storage.stats() : null;
  }

  storageHealth() {
    return this.#storage?.running ? this.#storage.health() : null;
  }

  storageProperty(name: string): string | undefined {
    return this.#storage?.running ? this.#storage.property(name) : undefined;
  }

  stats(agg: Aggregate): RuntimeStats {
    return {
      activeTasks: agg.channel.pending,
      totalTasks: agg.channel.requestsSent,
      uptimeMs: this.#startedAt ? Date.now() - this.#startedAt : 0,
      health: this.#health.status,
      lastHealthCheck: this.#health.checkedAt,
    };
  }

  recoveryStats() {
    return this.#recovery?.stats() ?? null;
  }

  scalerStats() {
    return this.#scaler?.stats() ?? null;
  }

  keyspaceSection(): InfoSection {
    return this.#keyspace?.section() ?? [];
  }

  get storageDir(): string {
    return this.#storage?.dir ?? this.config.values.server.dir;
  }
}

export function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function initialHealth(): HealthReport {
  return {
    status: 'healthy',
    checkedAt: null,
    network: { status: 'healthy', eventLoopDelayP99Ms: 0, connections: 0, readingPaused: false, runtimes: [] },
    storage: { status: 'healthy', pingMs: null, lastError: null, degraded: false, breaker: 'closed', recovery: 'ok', readOnly: null },
    channel: { status: 'healthy', pending: 0, capacity: 0, fill: 0 },
  };
}
