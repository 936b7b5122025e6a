// A network runtime: one thread (a worker) with its own event loop, RESP parser instance,
// connections, dispatcher and StorageClient, attached to the storage runtime the main
// thread opened. RuntimeManager (the composition root, on the main thread) starts
// several and talks to them over the bus (shared-state.ts); they share its storage
// queue, client ids and backpressure state through SharedCounters.
//
// Connections reach a runtime in one of two ways (runtime.accept_mode): its own
// listening socket bound with SO_REUSEPORT (the kernel spreads connections), or
// descriptors the main thread accepted and handed over ('adopt' messages).
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Config } from '../config/config.js';
import { buildCommandTable } from '../commands/registry.js';
import type { ClientDirectory, ClientInfo, InfoSection, ServerStats } from '../commands/types.js';
import { Logger, type LogLevel } from '../logger.js';
import { commandNames } from '../protocol/request-parser.js';
import { Dispatcher } from '../server/dispatcher.js';
import { NetworkServer } from '../server/network-server.js';
import { loadAddon } from '../storage/native.js';
import { MessageChannel, type ChannelStats } from '../storage/message-channel.js';
import { StorageClient, type StorageClientStats } from '../storage/storage-client.js';
import { StorageServer } from '../storage/storage-server.js';
import type { Wake } from '../storage/codec.js';
import { ScriptClient } from '../storage/script-client.js';
import { ScriptHost } from '../server/script-host.js';
import { RuntimeBus, SharedCounters } from './shared-state.js';
import { serveSlowLog } from './slow-log.js';
import { KiwiServerContext } from './server-context.js';
import { PubSubRegistry, type PubSubCounts } from './pubsub.js';
import { StatusReply } from '../commands/reply.js';

/** What a worker is started with (structured-cloned workerData). */
export interface RuntimeData {
  index: number;
  config: { entries: Array<[string, unknown]>; preset: string };
  storageToken: number;
  counters: SharedArrayBuffer;
  /** SO_REUSEPORT sockets to listen on, or none (connections are handed over). */
  listenFds: number[];
  startedAt: number;
  readOnly: string | null;
}

export interface CommandStatSnapshot {
  name: string;
  calls: number;
  failed: number;
  rejected: number;
  usec: number;
  buckets: number[];
}

/** One runtime's numbers, gathered by the main thread for INFO, /metrics and /health. */
export interface RuntimeSnapshot {
  index: number;
  connections: number;
  readingPaused: boolean;
  /** Times this runtime paused its sockets for storage backpressure. */
  readingPauses: number;
  eventLoopDelayP99Ms: number;
  stats: ServerStats;
  commands: CommandStatSnapshot[];
  channel: ChannelStats;
  client: StorageClientStats;
  /** This runtime's view of every runtime's subscriptions. */
  pubsub: PubSubCounts;
}

export class NetworkRuntime {
  readonly index: number;
  readonly config: Config;
  readonly log: Logger;
  readonly bus: RuntimeBus;
  readonly #data: RuntimeData;
  readonly #counters: SharedCounters;
  readonly #storage: StorageServer;
  readonly #channel: MessageChannel;
  readonly #client: StorageClient;
  readonly #context: KiwiServerContext;
  readonly #dispatcher: Dispatcher;
  readonly #network: NetworkServer;
  readonly #pubsub: PubSubRegistry;
  #loopDelay: IntervalHistogram | null = null;
  #loopDelayP99Ms = 0;
  #loopTimer: NodeJS.Timeout | null = null;
  #readOnly: string | null;

  constructor(data: RuntimeData, bus: RuntimeBus) {
    this.index = data.index;
    this.#data = data;
    this.bus = bus;
    this.#readOnly = data.readOnly;
    this.config = new Config(new Map(data.config.entries), data.config.preset);
    const c = this.config.values;
    // Lines go to the main thread's logger, which owns the output.
    this.log = new Logger(c.server.logLevel, (line) => bus.send('main', 'log', line));
    this.#counters = new SharedCounters(data.counters);
    this.#storage = StorageServer.attach(data.storageToken);
    this.#channel = new MessageChannel(this.#storage, {
      capacity: c.runtime.channelBufferSize,
      highWater: c.runtime.backpressureHighWater,
      lowWater: c.runtime.backpressureLowWater,
      share: this.#counters.channelShare(),
    });
    this.#client = createStorageClient(this.#channel, this.config, (level, message) => this.#log(level, message));
    this.#client.readFastPath = c.runtime.readFastPath;
    this.#pubsub = new PubSubRegistry(bus);
    const commands = buildCommandTable();
    this.#context = new KiwiServerContext({
      pubsub: this.#pubsub,
      config: this.config,
      storage: this.#client,
      scripts: new ScriptHost(new ScriptClient(this.#storage), () => commands),
      commands,
      bus,
      sections: () => this.#infoSections(),
      shutdown: async (reason) => {
        await bus.request('main', 'shutdown', reason, 0);
      },
      resetStats: async () => {
        await bus.request('main', 'reset-stats');
      },
      configChanged: async (changes) => {
        await bus.request('main', 'config', changes);
      },
      readOnly: () => this.#readOnly,
      pauseClients: (mode, untilMs) => {
        this.#counters.pause(mode === 'all' ? 2 : 1, untilMs);
        bus.send('all', 'pause-changed');
      },
      unpauseClients: () => {
        this.#counters.unpause();
        bus.send('all', 'pause-changed');
      },
      pauseMode: () => this.#counters.pauseMode(Date.now()),
      monitorsChanged: (delta) => void this.#counters.add('monitors', delta),
      hasMonitors: () => this.#counters.get('monitors') > 0,
      blockedChanged: (delta) => void this.#counters.add('blockedClients', delta),
      blockedClients: () => this.#counters.get('blockedClients'),
      feedMonitors: (line) => {
        const reply = new StatusReply(line);
        this.#network.feedMonitors(reply);
        bus.send('others', 'monitor', line);
      },
      // INFO keyspace's counts live on the main thread; messages keep their order, so an
      // INFO after the swap sees it.
      swappedDatabases: (a, b) => bus.send('main', 'swapdb', [a, b]),
      nextSlowlogId: () => this.#counters.nextSlowlogId(),
    });
    this.#context.clients = this.#directory();
    this.#dispatcher = new Dispatcher(this.#context, commandNames);
    this.#dispatcher.priorities = c.runtime.priority.enabled;
    this.#dispatcher.onError = (err, command) => this.#log('warning', `command ${command} failed: ${(err as Error)?.stack ?? String(err)}`);
    this.#network = new NetworkServer(this.#context, this.#dispatcher, {
      bind: c.server.bind,
      port: c.server.port,
      log: (level, message) => this.#log(level, message),
      nextClientId: () => this.#counters.nextClientId(),
      clientCount: (delta) => this.#counters.add('connectedClients', delta),
      closed: (conn) => this.#pubsub.drop(conn),
    });
    // Storage backpressure is one state for every runtime: whoever sees it change
    // announces it, and every runtime follows the shared flag.
    this.#channel.on('pause', () => {
      this.#log('verbose', 'storage is behind: pausing client reads');
      this.#followBackpressure();
      bus.send('others', 'backpressure');
    });
    this.#channel.on('resume', () => {
      this.#followBackpressure();
      bus.send('others', 'backpressure');
    });
    // Blocked clients our writes may serve: ours are woken here, others' on their runtime.
    this.#storage.onWakes = (wakes) => {
      for (const w of wakes) {
        if (w.runtime === this.index) this.#network.wake(w.client, w.seq);
        else bus.send(w.runtime, 'block-wake', w);
      }
    };
    this.config.onChange((path, value) => this.#applyChange(path, value));
    this.#handle();
  }

  #log(level: LogLevel, message: string): void {
    this.log.log(level, `[net-${this.index}] ${message}`);
  }

  async start(): Promise<void> {
    loadAddon().setThreadName(`kiwi-net-${this.index}`);
    // A runtime started late (a replacement) learns the others' subscriptions first.
    await this.#pubsub.join();
    if (this.#data.listenFds.length > 0) await this.#network.listenOnFds(this.#data.listenFds);
    else this.#network.startAccepting();
    this.#loopDelay = monitorEventLoopDelay({ resolution: 10 });
    this.#loopDelay.enable();
    this.#loopTimer = setInterval(() => this.#sampleLoopDelay(), this.config.values.runtime.healthCheckIntervalMs);
    this.#loopTimer.unref();
    this.#followBackpressure();
  }

  #sampleLoopDelay(): void {
    if (this.#loopDelay === null) return;
    this.#loopDelayP99Ms = this.#loopDelay.percentile(99) / 1e6;
    this.#loopDelay.reset();
  }

  #pauseTimer: NodeJS.Timeout | null = null;

  /** A pause began, grew or ended: release postponed commands at its end (or now). */
  #followPause(): void {
    if (this.#pauseTimer) clearTimeout(this.#pauseTimer);
    this.#pauseTimer = null;
    const left = this.#counters.pauseUntil - Date.now();
    if (this.#counters.pauseMode(Date.now()) === 0 || left <= 0) {
      this.#network.releasePaused();
      return;
    }
    this.#pauseTimer = setTimeout(() => this.#followPause(), Math.min(left + 1, 2 ** 31 - 1));
    this.#pauseTimer.unref();
  }

  #followBackpressure(): void {
    if (this.#counters.get('storagePaused') === 1) this.#network.pauseReading();
    else this.#network.resumeReading();
  }

  /** The cluster-wide client registry, as commands see it. */
  #directory(): ClientDirectory {
    const bus = this.bus;
    return {
      async list() {
        const parts = await bus.request<ClientInfo[]>('all', 'clients');
        return parts.flatMap((p) => p ?? []).sort((a, b) => a.id - b.id);
      },
      count: () => this.#counters.get('connectedClients'),
      async kill(ids) {
        const counts = await bus.request<number>('all', 'kill', ids);
        return counts.reduce((a, n) => a + (n ?? 0), 0);
      },
      async unblock(id, error) {
        const counts = await bus.request<number>('all', 'unblock', { id, error });
        return counts.reduce((a, n) => a + (n ?? 0), 0);
      },
    };
  }

  /** INFO sections the main thread computes (it sees storage and every runtime). */
  #infoSections(): Map<string, () => Promise<InfoSection>> {
    let all: Promise<Record<string, InfoSection>> | null = null;
    const fetch = () => (all ??= this.bus.request<Record<string, InfoSection>>('main', 'info').then((a) => a[0] ?? {}));
    const names = ['clients', 'stats', 'keyspace', 'runtime', 'channel', 'storage', 'circuit_breaker', 'commandstats'];
    return new Map(names.map((name) => [name, async () => (await fetch())[name] ?? []]));
  }

  #handle(): void {
    const bus = this.bus;
    bus.on('snapshot', () => this.snapshot());
    bus.on('clients', () => this.#network.snapshot());
    bus.on('kill', (ids: number[]) => this.#network.kill(ids));
    bus.on('unblock', (u: { id: number; error: boolean }) => this.#network.unblock(u.id, u.error));
    bus.on('block-wake', (w: Wake) => this.#network.wake(w.client, w.seq));
    serveSlowLog(bus, this.#context.slowCommands.local);
    bus.on('config', (changes: Array<[string, unknown]>) => {
      for (const [path, value] of changes) this.config.set(path, value);
    });
    bus.on('reset-stats', () => {
      Object.assign(this.#context.stats, emptyStatsOf(this.#context.stats));
      this.#channel.resetStats();
      this.#dispatcher.stats.reset();
    });
    bus.on('backpressure', () => this.#followBackpressure());
    bus.on('read-only', (reason: string | null) => {
      this.#readOnly = reason;
    });
    bus.on('adopt', (fd: number) => this.#network.adopt(fd));
    bus.on('monitor', (line: string) => this.#network.feedMonitors(new StatusReply(line)));
    bus.on('pause-changed', () => this.#followPause());
    bus.on('stop-accepting', () => this.#network.stopAccepting());
    bus.on('drain', () => this.#client.drain());
    bus.on('close', () => this.close());
  }

  snapshot(): RuntimeSnapshot {
    return {
      index: this.index,
      connections: this.#network.count(),
      readingPaused: this.#network.readingPaused,
      readingPauses: this.#network.readingPauses,
      eventLoopDelayP99Ms: this.#loopDelayP99Ms,
      stats: { ...this.#context.stats },
      commands: [...this.#dispatcher.stats.all()].map((s) => ({
        name: s.name, calls: s.calls, failed: s.failed, rejected: s.rejected, usec: s.usec, buckets: [...s.buckets],
      })),
      channel: this.#channel.stats(),
      client: this.#client.stats(),
      pubsub: this.#pubsub.counts(),
    };
  }

  /** After a drain: refuse new requests, send what is queued, close every connection, leave storage. */
  close(): void {
    if (this.#loopTimer) clearInterval(this.#loopTimer);
    this.#loopDelay?.disable();
    this.#client.close();
    this.#network.stopAccepting();
    this.#network.closeAll();
    this.#storage.detach();
  }

  #applyChange(path: string, value: unknown): void {
    const c = this.config.values;
    switch (path) {
      case 'runtime.request_timeout':
        this.#client.requestTimeoutMs = c.runtime.requestTimeoutMs;
        break;
      case 'runtime.batch_size':
        this.#client.batchSize = c.runtime.batchSize;
        break;
      case 'runtime.batch_timeout':
        this.#client.retryDelayMs = c.runtime.batchTimeoutMs;
        break;
      case 'runtime.channel_buffer_size':
        this.#channel.setCapacity(c.runtime.channelBufferSize);
        break;
      case 'runtime.read_fast_path':
        this.#client.readFastPath = c.runtime.readFastPath;
        break;
      case 'server.log_level':
        this.log.level = String(value);
        break;
      case 'runtime.fault_injection.error_rate':
      case 'runtime.fault_injection.delay_ms':
      case 'runtime.fault_injection.drop_rate': {
        const fi = c.runtime.faultInjection;
        if (this.#client.faults) this.#client.faults.settings = { errorRate: fi.errorRate, delayMs: fi.delayMs, dropRate: fi.dropRate, logEvents: fi.logEvents };
        break;
      }
      default:
        break;
    }
  }
}

function emptyStatsOf(stats: ServerStats): ServerStats {
  const out = { ...stats };
  for (const k of Object.keys(out) as Array<keyof ServerStats>) out[k] = 0;
  return out;
}

/** A StorageClient configured from `config` (every runtime and the main thread make one). */
export function createStorageClient(channel: MessageChannel, config: Config, log: (level: LogLevel, message: string) => void): StorageClient {
  const c = config.values;
  const fi = c.runtime.faultInjection;
  const client = new StorageClient(channel, {
    batchSize: c.runtime.batchSize,
    requestTimeoutMs: c.runtime.requestTimeoutMs,
    retryDelayMs: c.runtime.batchTimeoutMs,
    retry: c.runtime.retry,
    breaker: c.runtime.breaker,
    faults: fi.enabled ? { errorRate: fi.errorRate, delayMs: fi.delayMs, dropRate: fi.dropRate, logEvents: fi.logEvents } : undefined,
    log: (message) => log('notice', message),
  });
  const previous = client.breaker.onTransition;
  client.breaker.onTransition = (from, to) => {
    previous(from, to);
    log(to === 'open' ? 'warning' : 'notice', `storage circuit breaker: ${from} -> ${to}`);
  };
  return client;
}
