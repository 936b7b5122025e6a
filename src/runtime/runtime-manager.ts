// RuntimeManager: the composition root. It creates the storage runtime (the native addon
// behind StorageServer), the MessageChannel and StorageClient, the network runtime
// (dispatcher and TCP server on Node's event loop), checks their health, and runs the
// start-up and shutdown sequences.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Config } from '../config/config.js';
import { buildCommandTable } from '../commands/registry.js';
import type { InfoSection } from '../commands/types.js';
import { commandNames } from '../protocol/request-parser.js';
import { Dispatcher } from '../server/dispatcher.js';
import { NetworkServer, type BoundAddress } from '../server/network-server.js';
import { loadAddon } from '../storage/native.js';
import { MessageChannel } from '../storage/message-channel.js';
import { Priority } from '../storage/ops.js';
import { Cmd } from '../storage/requests.js';
import { StorageClient } from '../storage/storage-client.js';
import { StorageServer } from '../storage/storage-server.js';
import { Logger } from '../logger.js';
import { KeyspaceStats } from './keyspace-stats.js';
import { HttpEndpoint } from './http-server.js';
import { runtimeInfoSections } from './info-sections.js';
import { createMetrics } from './metrics.js';
import { RecoveryManager } from './recovery.js';
import { StorageScaler } from './scaler.js';
import { KiwiServerContext } from './server-context.js';

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface HealthReport {
  status: HealthStatus;
  checkedAt: number | null;
  network: { status: HealthStatus; eventLoopDelayP99Ms: number; connections: number; readingPaused: boolean };
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

export class RuntimeManager {
  readonly config: Config;
  readonly log: Logger;
  #state: State = 'new';
  #storage: StorageServer | null = null;
  #channel: MessageChannel | null = null;
  #client: StorageClient | null = null;
  #context: KiwiServerContext | null = null;
  #network: NetworkServer | null = null;
  #keyspace: KeyspaceStats | null = null;
  #recovery: RecoveryManager | null = null;
  #scaler: StorageScaler | null = null;
  #dispatcher: Dispatcher | null = null;
  #http: HttpEndpoint | null = null;
  #addresses: BoundAddress[] = [];
  #startedAt = 0;
  #healthTimer: NodeJS.Timeout | null = null;
  #loopDelay: IntervalHistogram | null = null;
  #health: HealthReport = initialHealth();
  #stopping: Promise<void> | null = null;
  #stopListeners: Array<(reason: string) => void> = [];

  constructor(config: Config, options: { logger?: Logger } = {}) {
    this.config = config;
    this.log = options.logger ?? new Logger(config.values.server.logLevel);
  }

  get state(): State {
    return this.#state;
  }

  get addresses(): readonly BoundAddress[] {
    return this.#addresses;
  }

  /** Storage runtime, channel and client (start-up steps 2, 3 and 5). */
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
    });
    const fi = c.runtime.faultInjection;
    this.#client = new StorageClient(this.#channel, {
      batchSize: c.runtime.batchSize,
      requestTimeoutMs: c.runtime.requestTimeoutMs,
      retryDelayMs: c.runtime.batchTimeoutMs,
      retry: c.runtime.retry,
      breaker: c.runtime.breaker,
      faults: fi.enabled ? { errorRate: fi.errorRate, delayMs: fi.delayMs, dropRate: fi.dropRate, logEvents: fi.logEvents } : undefined,
      log: (message) => this.log.log('notice', message),
    });
    this.#client.breaker.onTransition = ((previous) => (from, to) => {
      previous(from, to);
      this.log.log(to === 'open' ? 'warning' : 'notice', `storage circuit breaker: ${from} -> ${to}`);
    })(this.#client.breaker.onTransition);
    this.#keyspace = new KeyspaceStats(this.#client, c.server.databases);
    this.#recovery = new RecoveryManager(this.#storage, c.runtime.recovery.resumeIntervalMs, (level, message) => this.log.log(level, message));
    this.#scaler = new StorageScaler(this.#storage, () => this.config.values.runtime.scaling, (message) => this.log.log('notice', message));
  }

  storageClient(): StorageClient {
    if (!this.#client) throw new Error('storage components are not initialized: call start() or initializeStorageComponents()');
    return this.#client;
  }

  /** The start-up sequence. Resolves once the server accepts connections. */
  async start(): Promise<void> {
    if (this.#state !== 'new') throw new Error(`cannot start a runtime that is ${this.#state}`);
    this.#state = 'starting';
    this.#startedAt = Date.now();
    try {
      this.initializeStorageComponents();
      const c = this.config.values;
      const client = this.#client!;
      const commands = buildCommandTable();
      this.#context = new KiwiServerContext({
        config: this.config,
        storage: client,
        commands,
        sections: () => runtimeInfoSections(this),
        shutdown: (reason) => this.stop(reason),
        resetStats: () => {
          this.#channel?.resetStats();
          this.#dispatcher?.stats.reset();
        },
        readOnly: () => this.#recovery?.readOnlyReason ?? null,
      });
      const dispatcher = new Dispatcher(this.#context, commandNames);
      this.#dispatcher = dispatcher;
      dispatcher.priorities = c.runtime.priority.enabled;
      dispatcher.onError = (err, command) => this.log.log('warning', `command ${command} failed: ${(err as Error)?.stack ?? String(err)}`);
      this.#network = new NetworkServer(this.#context, dispatcher, {
        bind: c.server.bind,
        port: c.server.port,
        log: (level, message) => this.log.log(level, message),
      });
      this.#context.clients = this.#network;
      this.#channel!.on('pause', () => {
        this.log.log('verbose', 'storage is behind: pausing client reads');
        this.#network?.pauseReading();
      });
      this.#channel!.on('resume', () => this.#network?.resumeReading());
      this.config.onChange((path, value) => this.#applyChange(path, value));
      this.#addresses = await this.#network.listen();
      if (c.http.port > 0) {
        this.#http = new HttpEndpoint(() => this.checkHealth(), createMetrics(this, () => this.#dispatcher?.stats ?? null), (m) => this.log.log('warning', m));
        const port = await this.#http.listen(c.http.port, c.http.bind);
        this.log.log('notice', `health and metrics on http://${c.http.bind}:${port}/health and /metrics`);
      }
      this.#startHealthChecks();
      this.#scaler!.start();
      this.#keyspace!.refresh().catch(() => {});
      this.#state = 'running';
      this.log.log('notice', `kiwi-server ready: ${this.#addresses.map((a) => `${a.address}:${a.port}`).join(', ')}; data in ${c.server.dir} (RocksDB ${loadAddon().rocksdbVersion}, ${c.runtime.storageThreads} storage threads)`);
    } catch (err) {
      this.#state = 'stopping';
      await this.#teardown();
      this.#state = 'stopped';
      throw err;
    }
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
      case 'runtime.batch_size':
        if (this.#client) this.#client.batchSize = c.runtime.batchSize;
        break;
      case 'runtime.batch_timeout':
        if (this.#client) this.#client.retryDelayMs = c.runtime.batchTimeoutMs;
        break;
      case 'server.log_level':
        this.log.level = String(value);
        break;
      case 'runtime.scaling.enabled':
        this.#scaler?.start();
        break;
      case 'runtime.fault_injection.error_rate':
      case 'runtime.fault_injection.delay_ms':
      case 'runtime.fault_injection.drop_rate': {
        const fi = c.runtime.faultInjection;
        if (this.#client?.faults) this.#client.faults.settings = { errorRate: fi.errorRate, delayMs: fi.delayMs, dropRate: fi.dropRate, logEvents: fi.logEvents };
        this.log.log('notice', `fault injection: ${path.split('.').pop()} = ${String(value)}`);
        break;
      }
      default:
        break;
    }
  }

  onStop(listener: (reason: string) => void): void {
    this.#stopListeners.push(listener);
  }

  /**
   * The shutdown sequence: stop accepting, drain pending requests (shutdown_timeout),
   * stop the storage server (flush and close RocksDB), close the network side, stop the
   * runtimes' timers. Idempotent.
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
    this.#network?.stopAccepting();
    const drained = await this.#withTimeout(this.#client?.drain() ?? Promise.resolve(), this.config.values.server.shutdownTimeoutMs);
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
    this.#network?.closeAll();
    await this.#http?.close();
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

  /** One health check of both runtimes and the channel; also run by /health. */
  async checkHealth(): Promise<HealthReport> {
    const c = this.config.values;
    const delayMs = this.#loopDelay ? this.#loopDelay.percentile(99) / 1e6 : 0;
    this.#loopDelay?.reset();
    let pingMs: number | null = null;
    let pingError: string | null = null;
    if (this.#client && this.#storage?.running) {
      const t0 = performance.now();
      try {
        await this.#client.sendRequestWithTimeout(Cmd.ping(), Math.max(100, c.runtime.healthCheckIntervalMs), { priority: Priority.HIGH });
        pingMs = performance.now() - t0;
      } catch (err) {
        pingError = (err as Error).message;
      }
    }
    this.#recovery?.check();
    const native = this.#storage?.running ? this.#storage.health() : null;
    const breaker = this.#client?.breaker.state ?? 'closed';
    const channel = this.#channel;
    const fill = channel ? channel.fill : 0;
    const networkStatus: HealthStatus = delayMs > c.runtime.maxEventLoopDelayMs ? 'unhealthy' : 'healthy';
    const storageStatus: HealthStatus =
      pingError !== null || !this.#storage?.running || breaker === 'open' ? 'unhealthy' : native?.degraded || breaker === 'half_open' ? 'degraded' : 'healthy';
    const channelStatus: HealthStatus = channel?.paused || fill >= c.runtime.backpressureHighWater ? 'degraded' : 'healthy';
    const worst = [networkStatus, storageStatus, channelStatus].includes('unhealthy')
      ? 'unhealthy'
      : [networkStatus, storageStatus, channelStatus].includes('degraded') ? 'degraded' : 'healthy';
    if (this.#storage?.running && this.#context) this.#context.stats.expiredKeys = this.#storage.stats().expiredKeys;
    this.#health = {
      status: worst,
      checkedAt: Date.now(),
      network: { status: networkStatus, eventLoopDelayP99Ms: round(delayMs), connections: this.#network?.count() ?? 0, readingPaused: this.#network?.readingPaused ?? false },
      storage: {
        status: storageStatus, pingMs: pingMs === null ? null : round(pingMs), lastError: pingError ?? native?.lastError ?? null,
        degraded: native?.degraded ?? false, breaker, recovery: this.#recovery?.state ?? 'ok', readOnly: this.#recovery?.readOnlyReason ?? null,
      },
      channel: { status: channelStatus, pending: channel?.pending ?? 0, capacity: c.runtime.channelBufferSize, fill: round(fill) },
    };
    return this.#health;
  }

  health(): HealthReport {
    return this.#health;
  }

  get context(): KiwiServerContext | null {
    return this.#context;
  }

  get httpPort(): number {
    return this.#http?.port ?? 0;
  }

  channelStats() {
    return this.#channel?.stats() ?? null;
  }

  clientStats() {
    return this.#client?.stats() ?? null;
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

  stats(): RuntimeStats {
    const ch = this.#channel?.stats();
    return {
      activeTasks: ch?.pending ?? 0,
      totalTasks: ch?.requestsSent ?? 0,
      uptimeMs: this.#startedAt ? Date.now() - this.#startedAt : 0,
      health: this.#health.status,
      lastHealthCheck: this.#health.checkedAt,
    };
  }

  get commandStats() {
    return this.#dispatcher?.stats ?? null;
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
    network: { status: 'healthy', eventLoopDelayP99Ms: 0, connections: 0, readingPaused: false },
    storage: { status: 'healthy', pingMs: null, lastError: null, degraded: false, breaker: 'closed', recovery: 'ok', readOnly: null },
    channel: { status: 'healthy', pending: 0, capacity: 0, fill: 0 },
  };
}
