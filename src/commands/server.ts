// Server commands: INFO, CONFIG, TIME, DEBUG, SHUTDOWN.
import { arch, hostname, release, type as osType } from 'node:os';
import { ConfigError, RedisError, ReplyError, unknownSubcommand, wrongArity } from '../errors.js';
import type { StorageReply } from '../storage/codec.js';
import { Flag, Op } from '../storage/ops.js';
import { storageCommand } from '../storage/requests.js';
import { saveInfo } from './admin.js';
import { toReply } from './storage-reply.js';
import { keyForConfigName } from '../config/config.js';
import { KEYS, type KeySpec } from '../config/schema.js';
import { is, lower, syntaxError } from './args.js';
import { MapReply, NO_REPLY, OK, StatusReply, VerbatimReply, type Reply } from './reply.js';
import { defineCommand, StorageCall, type CommandFlag, type CommandRow, type ExecContext, type InfoSection, type ServerStats } from './types.js';

const row = <A>(r: Omit<CommandRow<A>, 'group' | 'firstKey' | 'lastKey' | 'step'>): CommandRow<A> =>
  defineCommand({ group: 'server', firstKey: 0, lastKey: 0, step: 0, ...r });
const ADMIN: CommandFlag[] = ['admin', 'noscript', 'loading', 'stale'];

const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace', 'runtime', 'channel', 'storage', 'circuit_breaker'];
// Sections only `INFO all` / `INFO everything` (or their name) bring, as in Redis.
const EXTRA_SECTIONS = ['commandstats'];
const runId = Array.from({ length: 40 }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('');
let peakMemory = 0;

function human(bytes: number): string {
  const units = ['B', 'K', 'M', 'G', 'T'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v}B` : `${v.toFixed(2)}${units[i]}`;
}

/**
 * The port the server listens on. With `port 0` the configured value says nothing, so it
 * is read from the connection asking: every bound address shares one port.
 */
function boundPort(ctx: ExecContext): number {
  const port = Number(ctx.client.laddr.slice(ctx.client.laddr.lastIndexOf(':') + 1));
  return Number.isInteger(port) && port > 0 ? port : ctx.server.config.values.server.port;
}

/** INFO clients (the runtime fills it with every network runtime's count). */
export function clientsSection(connected: number, maxclients: number): InfoSection {
  return [['connected_clients', connected], ['cluster_connections', 0], ['maxclients', maxclients], ['blocked_clients', 0], ['tracking_clients', 0], ['clients_in_timeout_table', 0]];
}

/** INFO stats from counters (the runtime passes every network runtime's, added up). */
export function statsSection(st: ServerStats): InfoSection {
  return [
    ['total_connections_received', st.totalConnections], ['total_commands_processed', st.totalCommands], ['total_net_input_bytes', st.netInputBytes],
    ['total_net_output_bytes', st.netOutputBytes], ['rejected_connections', st.rejectedConnections], ['expired_keys', st.expiredKeys], ['evicted_keys', 0],
    ['keyspace_hits', st.keyspaceHits], ['keyspace_misses', st.keyspaceMisses], ['total_error_replies', st.errorReplies], ['protocol_errors', st.protocolErrors],
  ];
}

/** The sections a network runtime itself knows; the rest come from infoSections(). */
function builtinSection(name: string, ctx: ExecContext): InfoSection | Promise<InfoSection> | undefined {
  const s = ctx.server;
  const now = Date.now();
  switch (name) {
    case 'server': {
      const uptime = Math.floor((now - s.startedAt) / 1000);
      return [
        ['redis_version', s.version], ['kiwi_version', process.env.npm_package_version ?? '0.1.0'], ['redis_mode', 'standalone'],
        ['os', `${osType()} ${release()} ${arch()}`], ['arch_bits', 64], ['multiplexing_api', 'libuv'], ['node_version', process.versions.node],
        ['process_id', process.pid], ['run_id', runId], ['hostname', hostname()], ['tcp_port', boundPort(ctx)],
        ['server_time_usec', now * 1000], ['uptime_in_seconds', uptime], ['uptime_in_days', Math.floor(uptime / 86400)],
        ['executable', process.argv[1] ?? ''], ['config_file', ''],
      ];
    }
    case 'clients':
      return clientsSection(s.clients.count(), s.config.values.server.maxclients);
    case 'memory': {
      const m = process.memoryUsage();
      const used = m.heapUsed + m.external;
      peakMemory = Math.max(peakMemory, used);
      return [
        ['used_memory', used], ['used_memory_human', human(used)], ['used_memory_rss', m.rss], ['used_memory_rss_human', human(m.rss)],
        ['used_memory_peak', peakMemory], ['used_memory_peak_human', human(peakMemory)], ['maxmemory', 0], ['maxmemory_human', '0B'],
        ['maxmemory_policy', 'noeviction'], ['mem_allocator', 'node'],
      ];
    }
    case 'persistence':
      return persistenceSection(ctx);
    case 'stats':
      return statsSection(s.stats);
    case 'replication':
      return [['role', 'master'], ['connected_slaves', 0], ['master_failover_state', 'no-failover'], ['master_replid', runId], ['master_repl_offset', 0]];
    case 'cpu': {
      const u = process.cpuUsage();
      return [['used_cpu_sys', (u.system / 1e6).toFixed(6)], ['used_cpu_user', (u.user / 1e6).toFixed(6)]];
    }
    case 'modules':
    case 'errorstats':
      return [];
    case 'cluster':
      return [['cluster_enabled', 0]];
    default:
      return undefined;
  }
}

/** SAVE and BGSAVE make a RocksDB checkpoint (in <dir>/backup): their state, from storage. */
async function persistenceSection(ctx: ExecContext): Promise<InfoSection> {
  const save = await saveInfo(ctx);
  const ok = !('code' in save);
  const inProgress = ok && save.inProgress ? 1 : 0;
  const lastSave = ok ? Math.floor(save.lastSaveMs / 1000) : Math.floor(ctx.server.startedAt / 1000);
  const duration = ok && save.lastDurationMs >= 0 ? Math.round(save.lastDurationMs / 1000) : -1;
  return [
    ['loading', 0], ['async_loading', 0], ['rdb_changes_since_last_save', 0], ['rdb_bgsave_in_progress', inProgress], ['rdb_last_save_time', lastSave],
    ['rdb_last_bgsave_status', ok && save.lastOk ? 'ok' : 'err'], ['rdb_last_bgsave_time_sec', duration], ['aof_enabled', 0], ['aof_rewrite_in_progress', 0], ['aof_last_write_status', 'ok'],
    ['kiwi_wal_sync', ctx.server.config.values.storage.sync],
  ];
}

function title(name: string): string {
  return name === 'cpu' ? 'CPU' : name.charAt(0).toUpperCase() + name.slice(1);
}

async function info(sections: string[], ctx: ExecContext): Promise<Reply> {
  const providers = ctx.server.infoSections();
  let wanted = sections.length === 0 ? ['default'] : sections;
  const all = wanted.some((w) => w === 'all' || w === 'everything');
  if (all || wanted.includes('default')) {
    const extra = all ? [...EXTRA_SECTIONS, ...[...providers.keys()].filter((k) => !DEFAULT_SECTIONS.includes(k) && !EXTRA_SECTIONS.includes(k))] : [];
    wanted = [...DEFAULT_SECTIONS, ...extra, ...wanted.filter((w) => !['all', 'everything', 'default'].includes(w))];
  }
  const parts: string[] = [];
  for (const name of new Set(wanted)) {
    const provider = providers.get(name);
    const fields = provider ? await provider() : await builtinSection(name, ctx);
    if (fields === undefined) continue;
    parts.push(`# ${title(name)}\r\n${fields.map(([k, v]) => `${k}:${v}\r\n`).join('')}`);
  }
  return new VerbatimReply(parts.join('\r\n'));
}

// Redis names clients and tools ask for that have fixed answers here.
const COMPAT_CONFIG: Record<string, string> = { save: '', appendonly: 'no', 'maxmemory': '0', 'maxmemory-policy': 'noeviction', 'cluster-enabled': 'no' };

function formatConfigValue(spec: KeySpec, value: unknown): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.join(' ');
  if (spec.path === 'storage.sync') return value === 'always' ? 'always' : value === 'no' ? 'no' : 'everysec';
  return String(value);
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

function configGet(patterns: string[], ctx: ExecContext): Reply {
  const out = new Map<string, string>();
  const config = ctx.server.config;
  for (const p of patterns) {
    // A name without glob characters is looked up as it is and answered as the client
    // spelled it, as Redis does.
    if (!/[*?[]/.test(p)) {
      const spec = keyForConfigName(p);
      if (spec) out.set(p, formatConfigValue(spec, config.get(spec.path)));
      else if (Object.hasOwn(COMPAT_CONFIG, p.toLowerCase())) out.set(p, COMPAT_CONFIG[p.toLowerCase()]);
      continue;
    }
    const re = globToRegExp(p);
    for (const spec of KEYS) {
      for (const name of [spec.configName, spec.alias]) {
        if (name && re.test(name)) out.set(name, formatConfigValue(spec, config.get(spec.path)));
      }
    }
    for (const [name, value] of Object.entries(COMPAT_CONFIG)) if (re.test(name) && !out.has(name)) out.set(name, value);
  }
  return new MapReply([...out.entries()]);
}

async function configSet(pairs: Buffer[], ctx: ExecContext): Promise<Reply> {
  const config = ctx.server.config;
  const fail = (name: string, reason: string) => new ReplyError(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${reason}`);
  const changes: Array<[KeySpec, string, string]> = [];
  const seen = new Set<string>();
  for (let i = 0; i < pairs.length; i += 2) {
    const name = lower(pairs[i]);
    const spec = keyForConfigName(name);
    if (!spec) return new ReplyError(`ERR Unknown option or number of arguments for CONFIG SET - '${name}'`);
    if (!spec.mutable) return fail(name, "can't set immutable config");
    if (seen.has(name)) return fail(name, 'duplicate parameter');
    seen.add(name);
    changes.push([spec, name, pairs[i + 1].toString()]);
  }
  const applied: Array<[KeySpec, unknown]> = [];
  for (const [spec, name, value] of changes) {
    const before = config.get(spec.path);
    try {
      config.set(spec.path, value, name);
      applied.push([spec, before]);
    } catch (err) {
      // All or nothing, as Redis 7 does for multi-parameter CONFIG SET.
      for (const [s, v] of applied.reverse()) config.set(s.path, v);
      return fail(name, err instanceof ConfigError ? configErrorReason(spec, err) : 'invalid value');
    }
  }
  // Validated here; every other runtime applies the same values before the OK.
  await ctx.server.configChanged(changes.map(([spec]) => [spec.path, config.get(spec.path)]));
  return OK;
}

/** Why a CONFIG SET value was refused: Redis' words for Redis' parameters, kiwi's for its own. */
function configErrorReason(spec: KeySpec, err: ConfigError): string {
  const reason = err.message.replace(/^invalid configuration: [^:]+: /, '');
  if (!spec.redis) return reason;
  if (/^must be at (least|most)/.test(reason)) return `argument must be between ${spec.redis.min} and ${spec.redis.max} inclusive`;
  return spec.type === 'size' ? 'argument must be a memory value' : "argument couldn't be parsed into an integer";
}

const configSubcommands: readonly CommandRow<any>[] = [
  row({ name: 'config|get', arity: -3, flags: ADMIN, since: '2.0.0', summary: 'Returns the effective values of configuration parameters.', parse: (argv) => argv.slice(2).map((b) => b.toString()), exec: configGet }),
  row({
    name: 'config|set', arity: -4, flags: ['admin', 'noscript', 'loading', 'stale'], since: '2.0.0', summary: 'Sets configuration parameters in-flight.',
    parse: (argv) => (argv.length % 2 !== 0 ? new ReplyError(wrongArity('config|set')) : argv.slice(2)),
    exec: configSet,
  }),
  row({ name: 'config|resetstat', arity: 2, flags: ADMIN, since: '2.0.0', summary: 'Resets the server\'s statistics.', parse: () => null, exec: async (_a, ctx) => (await ctx.server.resetStats(), OK) }),
  row({
    name: 'config|rewrite', arity: 2, flags: ADMIN, since: '2.8.0', summary: 'Persists the effective configuration to file.',
    parse: () => null, exec: () => new ReplyError('ERR CONFIG REWRITE is not supported by kiwi-server; edit the TOML file'),
  }),
  row({
    name: 'config|help', arity: 2, flags: ['loading', 'stale'], since: '5.0.0', summary: 'Returns helpful text about the different subcommands.',
    parse: () => null,
    exec: () => ['CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:', 'GET <pattern> [<pattern> ...]', 'SET <directive> <value> [<directive> <value> ...]', 'RESETSTAT', 'HELP'].map((s) => new StatusReply(s)),
  }),
];

type DebugArgs = { sleepMs: number; panic: boolean } | { object: Buffer } | { activeExpire: number };

/**
 * DEBUG OBJECT in Redis' line format with kiwi's values: no object address or LRU clock
 * (kiwi tracks neither), serializedlength the bytes kiwi stores for the value.
 */
const mapDebugObject = (r: StorageReply): Reply => {
  if (r === null) return new ReplyError(RedisError.noSuchKey);
  if (!Array.isArray(r)) return toReply(r, 'debug');
  const [encoding, refcount, length] = r as [string, number, number];
  return new StatusReply(`Value at:0x0 refcount:${refcount} encoding:${encoding} serializedlength:${length} lru:0 lru_seconds_idle:0`);
};

function sleepBlocking(ms: number): void {
  // DEBUG SLEEP blocks the whole server in Redis; so it does here.
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export const serverCommands: readonly CommandRow<any>[] = [
  row({
    name: 'info', arity: -1, flags: ['loading', 'stale'], acl: ['@dangerous'], since: '1.0.0', priority: 'high', summary: 'Returns information and statistics about the server.', complexity: 'O(1)',
    parse: (argv) => argv.slice(1).map(lower),
    exec: info,
  }),
  row({
    name: 'config', arity: -2, flags: [], since: '2.0.0', summary: 'A container for server configuration commands.', complexity: 'Depends on subcommand.',
    parse: (argv) => new ReplyError(unknownSubcommand(argv[1].toString(), 'config')),
    exec: () => null,
    subcommands: configSubcommands,
  }),
  row({
    name: 'monitor', arity: 1, flags: ['admin', 'noscript', 'loading', 'stale'], since: '1.0.0', summary: 'Listens for all requests received by the server in real-time.',
    parse: () => null,
    // Redis ignores a second MONITOR (no reply at all).
    exec: (_a, ctx) => {
      if (ctx.client.monitor) return NO_REPLY;
      ctx.client.monitor = true;
      ctx.server.monitorsChanged(1);
      return OK;
    },
  }),
  row({
    name: 'time', arity: 1, flags: ['loading', 'stale', 'fast'], since: '2.6.0', summary: 'Returns the server time.', complexity: 'O(1)',
    parse: () => null,
    exec: () => {
      const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
      return [String(Math.floor(us / 1e6)), String(us % 1e6)];
    },
  }),
  row({
    name: 'debug', arity: -2, flags: ['admin', 'noscript', 'loading', 'stale'], since: '1.0.0', summary: 'A container for debugging commands.', complexity: 'Depends on subcommand.',
    parse: (argv, ctx): DebugArgs | ReplyError => {
      if (is(argv[1], 'sleep') && argv.length === 3) {
        const secs = Number(argv[2].toString());
        if (!Number.isFinite(secs) || argv[2].length === 0) return new ReplyError('ERR value is not a valid float');
        return { sleepMs: Math.max(0, secs * 1000), panic: false };
      }
      if (is(argv[1], 'panic') && argv.length === 2) {
        // Fault-isolation tests: an uncaught error in this network runtime. Never in production.
        if (!ctx.server.config.values.runtime.faultInjection.enabled) return new ReplyError('ERR DEBUG PANIC needs fault injection (--fault-injection)');
        return { sleepMs: 0, panic: true };
      }
      if (is(argv[1], 'object') && argv.length === 3) return { object: argv[2] };
      // Redis reads the flag with atoi(): anything not starting with a number is 0.
      if (is(argv[1], 'set-active-expire') && argv.length === 3) return { activeExpire: Number.parseInt(argv[2].toString(), 10) || 0 };
      return new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${argv[1].toString()}'. Try DEBUG HELP.`);
    },
    exec: (a, ctx) => {
      if ('object' in a) return new StorageCall(storageCommand(Op.OBJECT, ctx.client.db, [a.object], Flag.OBJECT_DEBUG), mapDebugObject);
      if ('activeExpire' in a) return new StorageCall(storageCommand(Op.ACTIVE_EXPIRE, 0, [], 0, a.activeExpire ? 1 : 0), (r) => toReply(r, 'debug'));
      if (a.panic) {
        setImmediate(() => {
          throw new Error(`DEBUG PANIC called at Unix time ${Math.floor(Date.now() / 1000)}`);
        });
        return null;
      }
      sleepBlocking(a.sleepMs);
      return OK;
    },
  }),
  row({
    name: 'shutdown', arity: -1, flags: ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'allow_busy'], since: '1.0.0', summary: 'Synchronously saves the database(s) to disk and shuts down the Redis server.',
    complexity: 'O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)',
    parse: (argv) => {
      for (const a of argv.slice(1)) {
        if (is(a, 'abort')) return new ReplyError('ERR No shutdown in progress.');
        if (!is(a, 'nosave') && !is(a, 'save') && !is(a, 'now') && !is(a, 'force')) return syntaxError();
      }
      return null;
    },
    // No reply on success: the connection closes with the server, as in Redis.
    exec: async (_a, ctx): Promise<Reply> => {
      try {
        await ctx.server.shutdown('SHUTDOWN command');
        return null;
      } catch {
        return new ReplyError('ERR Errors trying to SHUTDOWN. Check logs.');
      }
    },
  }),
];
