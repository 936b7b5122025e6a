// Every configuration key: its TOML path, type, default and bounds, in one table. Loading,
// validation, CONFIG GET/SET, config.example.toml and the README's reference all read
// this table, so a key cannot exist in one place and be missing from another.
import { availableParallelism } from 'node:os';
import { normalizeNotifyFlags } from './notify-events.js';
import { DEFAULT_OUTPUT_LIMITS, mergeOutputLimits } from './output-limits.js';

export type KeyType = 'int' | 'number' | 'bool' | 'string' | 'size' | 'duration' | 'enum' | 'list';

export interface KeySpec {
  /** Dotted TOML path, e.g. "runtime.batch_size". */
  path: string;
  type: KeyType;
  default: unknown;
  min?: number;
  max?: number;
  values?: readonly string[];
  doc: string;
  /** Strings that must not be empty. */
  nonEmpty?: boolean;
  /**
   * For strings with a format of their own: validates `raw` against the current value and
   * returns the value to store (throws the reason). CONFIG SET of some Redis settings
   * changes part of the value (client-output-buffer-limit).
   */
  normalize?: (raw: string, previous: string | undefined) => string;
  /** Name under CONFIG GET/SET, when it can be read (and, if `mutable`, changed) at run time. */
  configName?: string;
  /** A second CONFIG name for the same value (Redis 7's old *-ziplist-* names). */
  alias?: string;
  mutable?: boolean;
  /**
   * A Redis parameter: CONFIG SET reports a bad value in Redis' words, with these bounds
   * as Redis prints them (LONG_MAX does not fit a double exactly).
   */
  redis?: { min: string; max: string };
}

/** The architecture's default network runtimes: a quarter of the cores, at least 1, at most 4. */
export function defaultNetworkThreads(cores = availableParallelism()): number {
  return Math.min(4, Math.max(1, Math.floor(cores / 4)));
}

/** The architecture's default: half the cores, at least 2, at most 8. */
export function defaultStorageThreads(cores = availableParallelism()): number {
  return Math.min(8, Math.max(2, Math.floor(cores / 2)));
}

const MB = 1024 * 1024;
const LLONG_MAX = '9223372036854775807';
const LONG_RANGE = { min: '0', max: LLONG_MAX };
const INT_MAX = 2_147_483_647;

/** Redis 7's encoding settings (7.2's set-max-listpack-* included), with Redis' defaults. */
const ENCODING_KEYS: readonly KeySpec[] = (
  [
    ['hash_max_listpack_entries', 512, 'hash-max-ziplist-entries'],
    ['hash_max_listpack_value', 64, 'hash-max-ziplist-value'],
    ['set_max_intset_entries', 512],
    ['set_max_listpack_entries', 128],
    ['set_max_listpack_value', 64],
    ['zset_max_listpack_entries', 128, 'zset-max-ziplist-entries'],
    ['zset_max_listpack_value', 64, 'zset-max-ziplist-value'],
  ] as const
).map(([name, value, alias]: readonly [string, number, string?]): KeySpec => ({
  // The *-value settings are sizes in Redis (CONFIG SET hash-max-listpack-value 1kb).
  path: `encoding.${name}`, type: name.endsWith('_value') ? 'size' : 'int', default: value, min: 0, max: Number.MAX_SAFE_INTEGER,
  doc: `Redis' ${name.replace(/_/g, '-')}; accepted and reported, no effect in kiwi.`, configName: name.replace(/_/g, '-'), alias, mutable: true, redis: LONG_RANGE,
})).concat([
  { path: 'encoding.list_max_listpack_size', type: 'int', default: -2, min: -INT_MAX - 1, max: INT_MAX, doc: "Redis' list-max-listpack-size; accepted and reported, no effect in kiwi.", configName: 'list-max-listpack-size', alias: 'list-max-ziplist-size', mutable: true, redis: { min: '-2147483648', max: '2147483647' } },
  { path: 'encoding.list_compress_depth', type: 'int', default: 0, min: 0, max: INT_MAX, doc: "Redis' list-compress-depth; accepted and reported, no effect in kiwi.", configName: 'list-compress-depth', mutable: true, redis: { min: '0', max: '2147483647' } },
]);

export const KEYS: readonly KeySpec[] = [
  // [server]
  { path: 'server.bind', type: 'list', default: ['127.0.0.1'], doc: 'Addresses to listen on (a string or a list).', configName: 'bind' },
  { path: 'server.port', type: 'int', default: 7379, min: 0, max: 65535, doc: 'TCP port; 0 picks a free one.', configName: 'port' },
  { path: 'server.dir', type: 'string', nonEmpty: true, default: './kiwi-data', doc: 'Data directory (RocksDB files). ":memory:" keeps everything in memory (RocksDB\'s in-memory Env): nothing on disk, gone at exit.', configName: 'dir' },
  { path: 'server.requirepass', type: 'string', default: '', doc: 'Password for AUTH; empty means no authentication.', configName: 'requirepass', mutable: true },
  { path: 'server.maxclients', type: 'int', default: 10000, min: 1, max: 1_000_000, doc: 'Maximum simultaneous clients.', configName: 'maxclients', mutable: true },
  { path: 'server.timeout', type: 'int', default: 0, min: 0, max: 2_147_483_647, doc: 'Close clients idle this many seconds; 0 never.', configName: 'timeout', mutable: true },
  { path: 'server.databases', type: 'int', default: 16, min: 1, max: 16, doc: 'Number of logical databases (SELECT 0..N-1).', configName: 'databases' },
  { path: 'server.proto_max_bulk_len', type: 'size', default: 512 * MB, min: 1024 * 1024, max: 2 ** 32 - 2, doc: 'Largest bulk string a client may send, and largest string value.', configName: 'proto-max-bulk-len', mutable: true },
  { path: 'server.log_level', type: 'enum', default: 'notice', values: ['debug', 'verbose', 'notice', 'warning', 'nothing'], doc: 'Log verbosity, as Redis names it.', configName: 'loglevel', mutable: true },
  {
    path: 'server.client_output_buffer_limit', type: 'string', default: DEFAULT_OUTPUT_LIMITS, normalize: mergeOutputLimits,
    doc: 'Redis\' client-output-buffer-limit: "<class> <hard> <soft> <seconds>" for normal, replica (slave) and pubsub clients (sizes in bytes or with kb/mb/gb). A client that owes more than hard bytes, or more than soft bytes for longer than seconds, is disconnected; 0 turns a limit off.',
    configName: 'client-output-buffer-limit', mutable: true,
  },
  {
    path: 'server.notify_keyspace_events', type: 'string', default: '', normalize: (raw) => normalizeNotifyFlags(raw),
    doc: 'Redis\' notify-keyspace-events: which keyspace events are published, in its letters: K (__keyspace@<db>__ channels), E (__keyevent@<db>__ channels), and the classes g generic, $ string, l list, s set, h hash, z sorted set, x expired, e evicted, t stream, m key miss, d module, n new key, A (g$lshzxetd). Empty: none.',
    configName: 'notify-keyspace-events', mutable: true,
  },
  {
    path: 'server.client_output_budget', type: 'size', default: 8 * MB, min: 64 * 1024, max: 2 ** 40,
    doc: 'Bytes of replies a client may owe (written but not yet read, plus in-flight replies estimated from its recent reply sizes) before kiwi stops reading its commands; it reads on once the client catches up. Keeps memory bounded for clients that pipeline without reading.',
    configName: 'client-output-budget', mutable: true,
  },
  { path: 'server.hll_sparse_max_bytes', type: 'size', default: 3000, min: 0, max: Number.MAX_SAFE_INTEGER, doc: 'Largest sparse HyperLogLog value (header included) before it is converted to the dense representation, as in Redis.', configName: 'hll-sparse-max-bytes', mutable: true, redis: LONG_RANGE },
  { path: 'server.slowlog_log_slower_than', type: 'int', default: 10_000, min: -1, max: Number.MAX_SAFE_INTEGER, doc: 'Commands that take at least this many microseconds (from dispatch to reply) enter the slow log; 0 logs every command, -1 none.', configName: 'slowlog-log-slower-than', mutable: true, redis: { min: '-1', max: LLONG_MAX } },
  { path: 'server.slowlog_max_len', type: 'int', default: 128, min: 0, max: Number.MAX_SAFE_INTEGER, doc: 'Entries the slow log keeps; the oldest go first.', configName: 'slowlog-max-len', mutable: true, redis: LONG_RANGE },
  { path: 'server.busy_reply_threshold', type: 'int', default: 5000, min: 0, max: Number.MAX_SAFE_INTEGER, doc: 'Milliseconds a script or function may run before other clients get BUSY replies and SCRIPT KILL / FUNCTION KILL may stop it; 0 answers BUSY as soon as a script runs.', configName: 'busy-reply-threshold', alias: 'lua-time-limit', mutable: true, redis: LONG_RANGE },
  { path: 'server.latency_monitor_threshold', type: 'int', default: 0, min: 0, max: Number.MAX_SAFE_INTEGER, doc: 'Commands that take at least this many milliseconds are recorded as latency events (LATENCY LATEST/HISTORY); 0 turns the monitor off.', configName: 'latency-monitor-threshold', mutable: true, redis: { min: '0', max: LLONG_MAX } },
  { path: 'server.shutdown_timeout', type: 'duration', default: 30_000, min: 0, max: 600_000, doc: 'Longest wait for in-flight requests to drain at shutdown.' },

  // [runtime]: the dual-runtime architecture (Kiwi's RuntimeConfig).
  { path: 'runtime.network_threads', type: 'int', default: 0, min: 0, max: 64, doc: 'Network runtimes: threads, each with its own event loop, parser, connections and dispatcher, sharing one storage runtime; 0 = a quarter of the cores, min 1, max 4.' },
  { path: 'runtime.accept_mode', type: 'enum', default: 'reuseport', values: ['reuseport', 'acceptor'], doc: 'How connections reach the network runtimes: a listening socket per runtime with SO_REUSEPORT (the kernel spreads them), or one acceptor on the main thread handing them out in turn.' },
  { path: 'runtime.read_fast_path', type: 'enum', default: 'auto', values: ['on', 'off', 'auto'], doc: 'Answer point reads (GET, MGET, EXISTS, TTL, STRLEN...) on the network thread when RocksDB has the keys in memory and the connection has nothing in flight; auto uses it for small turns and not while most keys are on disk.', configName: 'read-fast-path', mutable: true },
  { path: 'runtime.storage_threads', type: 'int', default: 0, min: 0, max: 256, doc: 'Storage threads; 0 = half the cores, min 2, max 8.', configName: 'storage-threads', mutable: true },
  { path: 'runtime.channel_buffer_size', type: 'int', default: 10000, min: 1, max: 10_000_000, doc: 'Requests the storage queue holds before backpressure.', configName: 'channel-buffer-size', mutable: true },
  { path: 'runtime.request_timeout', type: 'duration', default: 30_000, min: 1, max: 3_600_000, doc: 'A storage request still queued after this long fails with a timeout (it never runs).', configName: 'request-timeout', mutable: true },
  { path: 'runtime.batch_size', type: 'int', default: 100, min: 1, max: 100_000, doc: 'Most requests in one storage batch.', configName: 'batch-size', mutable: true },
  { path: 'runtime.batch_timeout', type: 'duration', default: 10, min: 1, max: 10_000, doc: 'Batches form within one event-loop turn and never wait to fill; this is how long a batch the full storage queue refused waits before it is offered again.', configName: 'batch-timeout', mutable: true },
  { path: 'runtime.health_check_interval', type: 'duration', default: 1000, min: 10, max: 3_600_000, doc: 'How often RuntimeManager checks both runtimes.' },
  { path: 'runtime.backpressure_high_water', type: 'number', default: 0.8, min: 0.01, max: 1, doc: 'Channel fill at which the server stops reading client sockets.' },
  { path: 'runtime.backpressure_low_water', type: 'number', default: 0.5, min: 0, max: 0.99, doc: 'Channel fill below which reading resumes.' },
  { path: 'runtime.max_event_loop_delay', type: 'duration', default: 1000, min: 1, max: 3_600_000, doc: 'Event-loop delay (p99 of the last interval) above which the network runtime is unhealthy.' },

  // [runtime.scaling]
  { path: 'runtime.scaling.enabled', type: 'bool', default: false, doc: 'Grow and shrink the storage threads with queue fill.', configName: 'scaling-enabled', mutable: true },
  { path: 'runtime.scaling.min_storage_threads', type: 'int', default: 2, min: 1, max: 256, doc: 'Fewest storage threads when scaling.' },
  { path: 'runtime.scaling.max_storage_threads', type: 'int', default: 8, min: 1, max: 256, doc: 'Most storage threads when scaling.' },
  { path: 'runtime.scaling.scale_up_threshold', type: 'int', default: 80, min: 1, max: 100, doc: 'Queue fill (%) that adds threads.' },
  { path: 'runtime.scaling.scale_down_threshold', type: 'int', default: 20, min: 0, max: 99, doc: 'Queue fill (%) that removes threads.' },
  { path: 'runtime.scaling.scale_increment', type: 'int', default: 1, min: 1, max: 64, doc: 'Threads added or removed per evaluation.' },
  { path: 'runtime.scaling.evaluation_interval', type: 'duration', default: 1000, min: 10, max: 3_600_000, doc: 'How often scaling is evaluated.' },

  // [runtime.priority]
  { path: 'runtime.priority.enabled', type: 'bool', default: true, doc: 'Serve high (PING, INFO, admin), normal (point reads/writes) and low (KEYS, SCAN, FLUSH) requests from separate weighted queues.' },
  { path: 'runtime.priority.high_priority_weight', type: 'int', default: 3, min: 1, max: 1000, doc: 'Share of the storage threads for high-priority requests.' },
  { path: 'runtime.priority.normal_priority_weight', type: 'int', default: 2, min: 1, max: 1000, doc: 'Share for normal-priority requests.' },
  { path: 'runtime.priority.low_priority_weight', type: 'int', default: 1, min: 1, max: 1000, doc: 'Share for low-priority requests (which also never hold every thread).' },

  // [runtime.retry]
  { path: 'runtime.retry.max_retries', type: 'int', default: 3, min: 0, max: 20, doc: 'Retries of a storage request that failed transiently without running (busy, stall, injected error).' },
  { path: 'runtime.retry.base_delay', type: 'duration', default: 10, min: 1, max: 60_000, doc: 'First retry backoff; it doubles per attempt, with full jitter.' },
  { path: 'runtime.retry.max_delay', type: 'duration', default: 1000, min: 1, max: 600_000, doc: 'Longest retry backoff.' },

  // [runtime.circuit_breaker]
  { path: 'runtime.circuit_breaker.enabled', type: 'bool', default: true, doc: 'Fail storage requests at once after repeated storage failures, instead of letting them pile up.' },
  { path: 'runtime.circuit_breaker.failure_threshold', type: 'int', default: 5, min: 1, max: 1_000_000, doc: 'Consecutive failed storage batches that open the breaker.' },
  { path: 'runtime.circuit_breaker.failure_rate', type: 'number', default: 0.5, min: 0.01, max: 1, doc: 'Failure ratio over the window that opens the breaker...' },
  { path: 'runtime.circuit_breaker.minimum_requests', type: 'int', default: 20, min: 1, max: 1_000_000, doc: '...once the window holds at least this many batches.' },
  { path: 'runtime.circuit_breaker.window', type: 'duration', default: 10_000, min: 100, max: 3_600_000, doc: 'Window of the failure ratio.' },
  { path: 'runtime.circuit_breaker.cooldown', type: 'duration', default: 5000, min: 10, max: 3_600_000, doc: 'Time open before probe requests are let through (half-open).' },
  { path: 'runtime.circuit_breaker.half_open_probes', type: 'int', default: 1, min: 1, max: 1000, doc: 'Probe batches at once while half-open; others wait, each until its deadline.' },

  // [runtime.recovery]
  { path: 'runtime.recovery.resume_interval', type: 'duration', default: 1000, min: 10, max: 3_600_000, doc: 'After a RocksDB background error (e.g. disk full) the database is read-only; resume is retried from this interval, doubling up to 30 s.' },

  // [runtime.fault_injection]
  { path: 'runtime.fault_injection.enabled', type: 'bool', default: false, doc: 'Allow fault injection (tests only; also --fault-injection).' },
  { path: 'runtime.fault_injection.error_rate', type: 'number', default: 0, min: 0, max: 1, doc: 'Fraction of storage batches failed with an injected error.', configName: 'fault-injection-error-rate', mutable: true },
  { path: 'runtime.fault_injection.delay_ms', type: 'int', default: 0, min: 0, max: 600_000, doc: 'Delay injected before each storage batch.', configName: 'fault-injection-delay-ms', mutable: true },
  { path: 'runtime.fault_injection.drop_rate', type: 'number', default: 0, min: 0, max: 1, doc: 'Fraction of storage batches dropped (answered as timed out, never run).', configName: 'fault-injection-drop-rate', mutable: true },
  { path: 'runtime.fault_injection.log_events', type: 'bool', default: true, doc: 'Log every injected fault.' },

  // [storage]: RocksDB.
  { path: 'storage.block_cache_size', type: 'size', default: 256 * MB, min: 1 * MB, max: 2 ** 50, doc: 'RocksDB block cache (data blocks). Index and filter blocks are held outside it, about 1% of the data for 1 KB values.' },
  { path: 'storage.write_buffer_size', type: 'size', default: 16 * MB, min: 1 * MB, max: 2 ** 40, doc: 'RocksDB memtable size (up to 4 memtables). Smaller than RocksDB\'s 64 MB default: a shallower skip list makes each small write and memtable read faster; measured 1.5x SET throughput at 16 MB.' },
  { path: 'storage.compression', type: 'enum', default: 'lz4', values: ['none', 'snappy', 'lz4', 'zstd', 'zlib'], doc: 'Block compression.' },
  { path: 'storage.background_jobs', type: 'int', default: 2, min: 1, max: 64, doc: 'RocksDB flush and compaction threads.' },
  { path: 'storage.sync', type: 'enum', default: 'everysec', values: ['always', 'everysec', 'no'], doc: "WAL fsync: per write, once a second (Redis' appendfsync everysec), or left to the OS.", configName: 'appendfsync' },
  { path: 'storage.expire_cycle', type: 'duration', default: 100, min: 0, max: 3_600_000, doc: 'Interval of the background expiry cycle; 0 turns it off (the compaction filter still reclaims space).' },

  // [encoding]: Redis' encoding thresholds. Tools and client setups tune them; kiwi keeps
  // every type in RocksDB and has no such encodings, so they are accepted and reported
  // but change nothing (README, known differences).
  ...ENCODING_KEYS,

  // [http]: observability.
  { path: 'http.port', type: 'int', default: 0, min: 0, max: 65535, doc: 'Port for GET /health and GET /metrics; 0 disables (also --http-port).' },
  { path: 'http.bind', type: 'string', nonEmpty: true, default: '127.0.0.1', doc: 'Address of the HTTP endpoint.' },
];

export const KEY_BY_PATH: ReadonlyMap<string, KeySpec> = new Map(KEYS.map((k) => [k.path, k]));
export const KEY_BY_CONFIG_NAME: ReadonlyMap<string, KeySpec> = new Map(
  KEYS.flatMap((k) => [k.configName, k.alias].filter((n): n is string => n !== undefined).map((n) => [n, k] as const)),
);

/** Presets: named overrides on top of the defaults (Kiwi's high_throughput / low_latency). */
export const PRESETS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  default: {},
  'high-throughput': {
    'runtime.storage_threads': Math.min(12, Math.max(4, availableParallelism())),
    'runtime.channel_buffer_size': 50_000,
    'runtime.request_timeout': 60_000,
    'runtime.batch_size': 500,
    'runtime.batch_timeout': 5,
    'runtime.scaling.enabled': true,
    'runtime.scaling.min_storage_threads': Math.min(8, Math.max(4, availableParallelism())),
    'runtime.scaling.max_storage_threads': Math.min(32, Math.max(16, availableParallelism())),
    'runtime.scaling.scale_up_threshold': 75,
    'runtime.scaling.scale_down_threshold': 25,
    'runtime.scaling.scale_increment': 2,
    'runtime.scaling.evaluation_interval': 500,
    'runtime.priority.high_priority_weight': 4,
    'runtime.priority.normal_priority_weight': 2,
    'runtime.priority.low_priority_weight': 1,
  },
  'low-latency': {
    'runtime.storage_threads': Math.min(6, Math.max(2, availableParallelism())),
    'runtime.channel_buffer_size': 5000,
    'runtime.request_timeout': 10_000,
    'runtime.batch_size': 10,
    'runtime.batch_timeout': 1,
  },
};
