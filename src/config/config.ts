// Loading and validating configuration: defaults, then a preset, then the TOML file, then
// command-line flags. Any invalid key stops start-up with a ConfigError that names the
// key, the value and the reason.
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { ConfigError } from '../errors.js';
import { parseOutputLimits, type OutputLimits } from './output-limits.js';
import { defaultNetworkThreads, defaultStorageThreads, KEY_BY_CONFIG_NAME, KEY_BY_PATH, KEYS, PRESETS, type KeySpec } from './schema.js';

export interface KiwiConfig {
  server: {
    bind: string[];
    port: number;
    dir: string;
    requirepass: string;
    maxclients: number;
    timeout: number;
    databases: number;
    protoMaxBulkLen: number;
    hllSparseMaxBytes: number;
    slowlogLogSlowerThan: number;
    slowlogMaxLen: number;
    busyReplyThresholdMs: number;
    latencyMonitorThreshold: number;
    logLevel: string;
    shutdownTimeoutMs: number;
    clientOutputBufferLimit: OutputLimits;
    /** notify-keyspace-events, canonical (src/config/notify-events.ts). */
    notifyKeyspaceEvents: string;
    clientOutputBudget: number;
  };
  runtime: {
    networkThreads: number;
    acceptMode: 'reuseport' | 'acceptor';
    readFastPath: 'on' | 'off' | 'auto';
    storageThreads: number;
    channelBufferSize: number;
    requestTimeoutMs: number;
    batchSize: number;
    batchTimeoutMs: number;
    healthCheckIntervalMs: number;
    backpressureHighWater: number;
    backpressureLowWater: number;
    maxEventLoopDelayMs: number;
    scaling: {
      enabled: boolean;
      minStorageThreads: number;
      maxStorageThreads: number;
      scaleUpThreshold: number;
      scaleDownThreshold: number;
      scaleIncrement: number;
      evaluationIntervalMs: number;
    };
    priority: { enabled: boolean; highWeight: number; normalWeight: number; lowWeight: number };
    faultInjection: { enabled: boolean; errorRate: number; delayMs: number; dropRate: number; logEvents: boolean };
    retry: { maxRetries: number; baseDelayMs: number; maxDelayMs: number };
    breaker: {
      enabled: boolean;
      failureThreshold: number;
      failureRate: number;
      minimumRequests: number;
      windowMs: number;
      cooldownMs: number;
      halfOpenProbes: number;
    };
    recovery: { resumeIntervalMs: number };
  };
  storage: {
    blockCacheBytes: number;
    writeBufferBytes: number;
    compression: string;
    backgroundJobs: number;
    sync: 'always' | 'everysec' | 'no';
    expireCycleMs: number;
  };
  http: { port: number; bind: string };
  preset: string;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1, k: 1000, kb: 1024, m: 1000 ** 2, mb: 1024 ** 2, g: 1000 ** 3, gb: 1024 ** 3, t: 1000 ** 4, tb: 1024 ** 4,
};
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses and bounds-checks one value for a key; throws ConfigError naming it. */
export function coerce(spec: KeySpec, raw: unknown, name = spec.path, previous?: unknown): unknown {
  const fail = (reason: string): never => {
    throw new ConfigError(name, raw, reason);
  };
  let value: unknown;
  switch (spec.type) {
    case 'bool':
      if (typeof raw === 'boolean') value = raw;
      else if (typeof raw === 'string' && /^(yes|true|1)$/i.test(raw)) value = true;
      else if (typeof raw === 'string' && /^(no|false|0)$/i.test(raw)) value = false;
      else fail('expected true or false (or yes/no)');
      break;
    case 'int':
    case 'number': {
      const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      if (typeof n === 'bigint') fail('out of range');
      if (typeof n !== 'number' || !Number.isFinite(n)) fail(spec.type === 'int' ? 'expected an integer' : 'expected a number');
      if (spec.type === 'int' && !Number.isInteger(n)) fail('expected an integer');
      value = n;
      break;
    }
    case 'size': {
      if (typeof raw === 'number' && Number.isInteger(raw)) value = raw;
      else if (typeof raw === 'string') {
        const m = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(raw);
        const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
        if (!m || unit === undefined) fail('expected a size such as 67108864, "64mb" or "1gb"');
        value = Number(m![1]) * unit!;
      } else fail('expected a size such as 67108864, "64mb" or "1gb"');
      break;
    }
    case 'duration': {
      if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 0) value = raw;
      else if (typeof raw === 'string') {
        const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(raw);
        if (!m) fail('expected milliseconds or a duration such as "30s", "10ms", "1m"');
        value = Number(m![1]) * DURATION_UNITS[(m![2] ?? 'ms').toLowerCase()];
      } else fail('expected milliseconds or a duration such as "30s", "10ms", "1m"');
      break;
    }
    case 'string':
      if (typeof raw !== 'string') fail('expected a string');
      if (spec.nonEmpty && (raw as string).trim() === '') fail('must not be empty');
      value = raw;
      if (spec.normalize) {
        try {
          value = spec.normalize(raw as string, previous as string | undefined);
        } catch (err) {
          fail((err as Error).message);
        }
      }
      break;
    case 'enum': {
      const s = typeof raw === 'string' ? raw.toLowerCase() : undefined;
      if (s === undefined || !spec.values!.includes(s)) fail(`expected one of ${spec.values!.join(', ')}`);
      value = s;
      break;
    }
    case 'list': {
      const items = typeof raw === 'string' ? raw.split(/[\s,]+/).filter(Boolean) : raw;
      // An empty item would reach listen() as host '' and bind every interface.
      if (!Array.isArray(items) || items.length === 0 || !items.every((i) => typeof i === 'string' && i.trim() !== '')) {
        fail('expected a string or a non-empty list of non-empty strings');
      }
      value = items;
      break;
    }
  }
  if (typeof value === 'number') {
    if (spec.min !== undefined && value < spec.min) fail(`must be at least ${spec.min}`);
    if (spec.max !== undefined && value > spec.max) fail(`must be at most ${spec.max}`);
  }
  return value;
}

/** Flattens a parsed TOML document into dotted paths, refusing unknown keys. */
function flatten(doc: Record<string, unknown>, file: string, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  for (const [k, v] of Object.entries(doc)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (path === 'preset') {
      out.set(path, v);
    } else if (KEY_BY_PATH.has(path)) {
      out.set(path, v);
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) && isTable(path)) {
      flatten(v as Record<string, unknown>, file, path, out);
    } else {
      throw new ConfigError(path, v, `unknown configuration key (in ${file})`);
    }
  }
  return out;
}

/** Whether `path` is a table of the schema ([server], [runtime.scaling], ...). */
function isTable(path: string): boolean {
  return KEYS.some((k) => k.path.startsWith(`${path}.`));
}

export interface LoadOptions {
  file?: string;
  preset?: string;
  /** Dotted path -> raw value, applied last (command-line flags). */
  overrides?: Record<string, unknown>;
}

/** Holds the effective configuration; CONFIG SET changes it through set(). */
export class Config {
  #values = new Map<string, unknown>();
  #listeners: Array<(path: string, value: unknown) => void> = [];
  #typed!: KiwiConfig;
  readonly preset: string;

  constructor(values: Map<string, unknown>, preset: string) {
    this.#values = values;
    this.preset = preset;
    this.#rebuild();
  }

  get values(): KiwiConfig {
    return this.#typed;
  }

  get(path: string): unknown {
    return this.#values.get(path);
  }

  /** Every key's value, to build the same configuration in another thread. */
  entries(): Array<[string, unknown]> {
    return [...this.#values.entries()];
  }

  /** Validates, stores and announces a new value. Throws ConfigError. */
  set(path: string, raw: unknown, name = path): void {
    const spec = KEY_BY_PATH.get(path);
    if (!spec) throw new ConfigError(name, raw, 'unknown configuration key');
    const previous = this.#values.get(path);
    const value = coerce(spec, raw, name, previous);
    this.#values.set(path, value);
    try {
      this.#rebuild();
    } catch (err) {
      this.#values.set(path, previous);
      this.#rebuild();
      throw err;
    }
    for (const l of this.#listeners) l(path, value);
  }

  onChange(listener: (path: string, value: unknown) => void): void {
    this.#listeners.push(listener);
  }

  #rebuild(): void {
    this.#typed = build(this.#values, this.preset);
    crossCheck(this.#typed);
  }
}

export function loadConfig(options: LoadOptions = {}): Config {
  let fromFile = new Map<string, unknown>();
  if (options.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (err) {
      throw new ConfigError('--config', options.file, `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    let doc: Record<string, unknown>;
    try {
      doc = parseToml(text) as Record<string, unknown>;
    } catch (err) {
      const e = err as Error & { line?: number; column?: number };
      const where = e.line !== undefined ? ` at line ${e.line}, column ${e.column}` : '';
      throw new ConfigError('--config', options.file, `not valid TOML${where}: ${e.message.split('\n')[0]}`);
    }
    fromFile = flatten(doc, options.file);
  }
  const presetName = String(options.preset ?? fromFile.get('preset') ?? 'default');
  const preset = PRESETS[presetName];
  if (!preset) throw new ConfigError('preset', presetName, `unknown preset; expected one of ${Object.keys(PRESETS).join(', ')}`);
  fromFile.delete('preset');

  const values = new Map<string, unknown>();
  for (const spec of KEYS) values.set(spec.path, spec.default);
  const layers: Array<[Map<string, unknown> | Record<string, unknown>, string]> = [
    [preset, `preset ${presetName}`],
    [fromFile, options.file ?? ''],
    [options.overrides ?? {}, 'command line'],
  ];
  for (const [layer] of layers) {
    const entries = layer instanceof Map ? [...layer.entries()] : Object.entries(layer);
    for (const [path, raw] of entries) {
      if (raw === undefined) continue;
      const spec = KEY_BY_PATH.get(path);
      if (!spec) throw new ConfigError(path, raw, 'unknown configuration key');
      values.set(path, coerce(spec, raw, path, values.get(path)));
    }
  }
  return new Config(values, presetName);
}

/** CONFIG GET/SET name -> schema key. */
export function keyForConfigName(name: string): KeySpec | undefined {
  return KEY_BY_CONFIG_NAME.get(name.toLowerCase());
}

function build(v: Map<string, unknown>, preset: string): KiwiConfig {
  const n = (p: string) => v.get(p) as number;
  const b = (p: string) => v.get(p) as boolean;
  const s = (p: string) => v.get(p) as string;
  const storageThreads = n('runtime.storage_threads') || defaultStorageThreads();
  return {
    server: {
      bind: v.get('server.bind') as string[],
      port: n('server.port'),
      dir: s('server.dir'),
      requirepass: s('server.requirepass'),
      maxclients: n('server.maxclients'),
      timeout: n('server.timeout'),
      databases: n('server.databases'),
      protoMaxBulkLen: n('server.proto_max_bulk_len'),
      hllSparseMaxBytes: n('server.hll_sparse_max_bytes'),
      slowlogLogSlowerThan: n('server.slowlog_log_slower_than'),
      slowlogMaxLen: n('server.slowlog_max_len'),
      busyReplyThresholdMs: n('server.busy_reply_threshold'),
      latencyMonitorThreshold: n('server.latency_monitor_threshold'),
      logLevel: s('server.log_level'),
      shutdownTimeoutMs: n('server.shutdown_timeout'),
      clientOutputBufferLimit: parseOutputLimits(s('server.client_output_buffer_limit')),
      notifyKeyspaceEvents: s('server.notify_keyspace_events'),
      clientOutputBudget: n('server.client_output_budget'),
    },
    runtime: {
      networkThreads: n('runtime.network_threads') || defaultNetworkThreads(),
      acceptMode: s('runtime.accept_mode') as 'reuseport' | 'acceptor',
      readFastPath: s('runtime.read_fast_path') as 'on' | 'off' | 'auto',
      storageThreads,
      channelBufferSize: n('runtime.channel_buffer_size'),
      requestTimeoutMs: n('runtime.request_timeout'),
      batchSize: n('runtime.batch_size'),
      batchTimeoutMs: n('runtime.batch_timeout'),
      healthCheckIntervalMs: n('runtime.health_check_interval'),
      backpressureHighWater: n('runtime.backpressure_high_water'),
      backpressureLowWater: n('runtime.backpressure_low_water'),
      maxEventLoopDelayMs: n('runtime.max_event_loop_delay'),
      scaling: {
        enabled: b('runtime.scaling.enabled'),
        minStorageThreads: n('runtime.scaling.min_storage_threads'),
        maxStorageThreads: n('runtime.scaling.max_storage_threads'),
        scaleUpThreshold: n('runtime.scaling.scale_up_threshold'),
        scaleDownThreshold: n('runtime.scaling.scale_down_threshold'),
        scaleIncrement: n('runtime.scaling.scale_increment'),
        evaluationIntervalMs: n('runtime.scaling.evaluation_interval'),
      },
      priority: {
        enabled: b('runtime.priority.enabled'),
        highWeight: n('runtime.priority.high_priority_weight'),
        normalWeight: n('runtime.priority.normal_priority_weight'),
        lowWeight: n('runtime.priority.low_priority_weight'),
      },
      faultInjection: {
        enabled: b('runtime.fault_injection.enabled'),
        errorRate: n('runtime.fault_injection.error_rate'),
        delayMs: n('runtime.fault_injection.delay_ms'),
        dropRate: n('runtime.fault_injection.drop_rate'),
        logEvents: b('runtime.fault_injection.log_events'),
      },
      retry: {
        maxRetries: n('runtime.retry.max_retries'),
        baseDelayMs: n('runtime.retry.base_delay'),
        maxDelayMs: n('runtime.retry.max_delay'),
      },
      breaker: {
        enabled: b('runtime.circuit_breaker.enabled'),
        failureThreshold: n('runtime.circuit_breaker.failure_threshold'),
        failureRate: n('runtime.circuit_breaker.failure_rate'),
        minimumRequests: n('runtime.circuit_breaker.minimum_requests'),
        windowMs: n('runtime.circuit_breaker.window'),
        cooldownMs: n('runtime.circuit_breaker.cooldown'),
        halfOpenProbes: n('runtime.circuit_breaker.half_open_probes'),
      },
      recovery: { resumeIntervalMs: n('runtime.recovery.resume_interval') },
    },
    storage: {
      blockCacheBytes: n('storage.block_cache_size'),
      writeBufferBytes: n('storage.write_buffer_size'),
      compression: s('storage.compression'),
      backgroundJobs: n('storage.background_jobs'),
      sync: s('storage.sync') as 'always' | 'everysec' | 'no',
      expireCycleMs: n('storage.expire_cycle'),
    },
    http: { port: n('http.port'), bind: s('http.bind') },
    preset,
  };
}

function crossCheck(c: KiwiConfig): void {
  const sc = c.runtime.scaling;
  if (sc.maxStorageThreads < sc.minStorageThreads) {
    throw new ConfigError('runtime.scaling.max_storage_threads', sc.maxStorageThreads, `must be >= runtime.scaling.min_storage_threads (${sc.minStorageThreads})`);
  }
  if (sc.scaleDownThreshold >= sc.scaleUpThreshold) {
    throw new ConfigError('runtime.scaling.scale_down_threshold', sc.scaleDownThreshold, `must be < runtime.scaling.scale_up_threshold (${sc.scaleUpThreshold})`);
  }
  if (c.runtime.backpressureLowWater >= c.runtime.backpressureHighWater) {
    throw new ConfigError('runtime.backpressure_low_water', c.runtime.backpressureLowWater, `must be < runtime.backpressure_high_water (${c.runtime.backpressureHighWater})`);
  }
  for (const [key, v] of [['runtime.fault_injection.error_rate', c.runtime.faultInjection.errorRate], ['runtime.fault_injection.drop_rate', c.runtime.faultInjection.dropRate], ['runtime.fault_injection.delay_ms', c.runtime.faultInjection.delayMs]] as const) {
    if (v !== 0 && !c.runtime.faultInjection.enabled) {
      throw new ConfigError(key, v, 'fault injection is off; start with --fault-injection or set runtime.fault_injection.enabled = true');
    }
  }
}
