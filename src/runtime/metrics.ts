// GET /metrics: Prometheus text via prom-client. Hot-path numbers are kept by the
// components themselves (plain counters and arrays, in each network runtime); at scrape
// time one gather collects every runtime's (RuntimeManager.aggregate, shared by all the
// collectors of a scrape), so serving metrics adds nothing per command.
import { collectDefaultMetrics, Registry } from 'prom-client';
import { LATENCY_BUCKETS_US } from '../server/command-stats.js';
import type { Aggregate } from './aggregate.js';
import type { RuntimeManager } from './runtime-manager.js';

type Sample = { labels?: Record<string, string | number>; value: number; metricName?: string };
type Values = (agg: Aggregate) => Sample[];

export function createMetrics(runtime: RuntimeManager): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'kiwi_process_' });
  const add = (name: string, help: string, type: 'gauge' | 'counter' | 'histogram', values: Values) =>
    registry.registerMetric({ name, help, type, get: async () => ({ name, help, type, values: values(await runtime.aggregate()), aggregator: 'sum' }) } as never);
  const one = (v: number | undefined | null): Sample[] => [{ value: v ?? 0 }];

  const perCommand = (agg: Aggregate, field: 'calls' | 'failed' | 'rejected'): Sample[] =>
    agg.commands.filter((s) => s.calls + s.rejected > 0).map((s) => ({ labels: { command: s.name }, value: s[field] }));
  add('kiwi_commands_total', 'Commands executed, by command.', 'counter', (a) => perCommand(a, 'calls'));
  add('kiwi_command_errors_total', 'Commands answered with an error, by command.', 'counter', (a) => perCommand(a, 'failed'));
  add('kiwi_command_rejected_total', 'Commands refused before execution (arity, auth, read-only), by command.', 'counter', (a) => perCommand(a, 'rejected'));
  add('kiwi_command_duration_seconds', 'Command latency from dispatch to reply, by command.', 'histogram', (a) => {
    const out: Sample[] = [];
    for (const s of a.commands) {
      if (s.calls === 0) continue;
      let cumulative = 0;
      LATENCY_BUCKETS_US.forEach((le, i) => {
        cumulative += s.buckets[i];
        out.push({ metricName: 'kiwi_command_duration_seconds_bucket', labels: { command: s.name, le: le / 1e6 }, value: cumulative });
      });
      out.push({ metricName: 'kiwi_command_duration_seconds_bucket', labels: { command: s.name, le: '+Inf' }, value: s.calls });
      out.push({ metricName: 'kiwi_command_duration_seconds_sum', labels: { command: s.name }, value: s.usec / 1e6 });
      out.push({ metricName: 'kiwi_command_duration_seconds_count', labels: { command: s.name }, value: s.calls });
    }
    return out;
  });

  add('kiwi_connected_clients', 'Open client connections.', 'gauge', () => one(runtime.counters.get('connectedClients')));
  add('kiwi_connections_received_total', 'Connections accepted.', 'counter', (a) => one(a.stats.totalConnections));
  add('kiwi_connections_rejected_total', 'Connections refused (maxclients).', 'counter', (a) => one(a.stats.rejectedConnections));
  add('kiwi_net_input_bytes_total', 'Bytes read from clients.', 'counter', (a) => one(a.stats.netInputBytes));
  add('kiwi_net_output_bytes_total', 'Bytes written to clients.', 'counter', (a) => one(a.stats.netOutputBytes));
  add('kiwi_network_runtimes', 'Network runtimes accepting connections.', 'gauge', () => one(runtime.liveRuntimes));
  add('kiwi_runtime_connections', 'Open client connections, by network runtime.', 'gauge', (a) =>
    a.runtimes.map((r) => ({ labels: { runtime: r.index }, value: r.connections })));
  add('kiwi_runtime_event_loop_delay_p99_seconds', 'Event-loop delay of each network runtime (p99 of the last health interval).', 'gauge', (a) =>
    a.runtimes.map((r) => ({ labels: { runtime: r.index }, value: r.eventLoopDelayP99Ms / 1000 })));
  add('kiwi_read_fast_path_total', 'Point reads tried on the read fast path, by outcome (hit: answered from memory on the network thread).', 'counter', (a) => [
    { labels: { outcome: 'hit' }, value: a.client.fastPath.hits },
    { labels: { outcome: 'miss' }, value: a.client.fastPath.misses },
  ]);

  const health = () => runtime.health();
  add('kiwi_up', '1 when the last health check was healthy or degraded, 0 when unhealthy.', 'gauge', () => one(health().status === 'unhealthy' ? 0 : 1));
  add('kiwi_event_loop_delay_p99_seconds', 'Event-loop delay of the slowest network runtime (p99 of the last health interval).', 'gauge', (a) => one(a.eventLoopDelayP99Ms / 1000));
  add('kiwi_storage_ping_seconds', 'Round trip of the last storage health ping.', 'gauge', () => one((health().storage.pingMs ?? 0) / 1000));

  add('kiwi_channel_pending_requests', 'Requests in the MessageChannels (sent, not answered).', 'gauge', (a) => one(a.channel.pending));
  add('kiwi_channel_capacity_requests', 'MessageChannel capacity (channel_buffer_size).', 'gauge', (a) => one(a.channel.capacity));
  add('kiwi_channel_paused', '1 while client reads are paused by storage backpressure.', 'gauge', (a) => one(a.channel.paused ? 1 : 0));
  add('kiwi_channel_requests_total', 'Requests sent to the storage runtime.', 'counter', (a) => one(a.channel.requestsSent));
  add('kiwi_channel_timeouts_total', 'Requests that timed out before running.', 'counter', (a) => one(a.channel.timeouts));
  add('kiwi_channel_backpressure_events_total', 'Batches the full storage queue refused.', 'counter', (a) => one(a.channel.backpressureEvents));

  const storage = () => runtime.storageStats();
  add('kiwi_storage_threads', 'Storage runtime threads.', 'gauge', () => one(storage()?.threads));
  add('kiwi_storage_queue_depth', 'Requests queued for the storage threads.', 'gauge', () => one(storage()?.queueDepth));
  add('kiwi_storage_running_batches', 'Batches executing now.', 'gauge', () => one(storage()?.running));
  add('kiwi_storage_batches_total', 'Batches executed by the storage runtime.', 'counter', () => one(storage()?.completedBatches));
  add('kiwi_storage_failed_commands_total', 'Commands that ended in a storage error.', 'counter', () => one(storage()?.failedCommands));
  add('kiwi_storage_service_p99_seconds', 'p99 time a storage thread spends on a batch.', 'gauge', () => one((storage()?.serviceP99Us ?? 0) / 1e6));
  add('kiwi_storage_wait_p99_seconds', 'p99 time a batch waits for a storage thread.', 'gauge', () => one((storage()?.waitP99Us ?? 0) / 1e6));
  add('kiwi_expired_keys_total', 'Keys deleted by the expiry cycle.', 'counter', () => one(storage()?.expiredKeys));

  add('kiwi_circuit_breaker_state', 'Circuit breaker state (the worst of the runtimes\' breakers): 1 for the current one.', 'gauge', (a) =>
    (['closed', 'open', 'half_open'] as const).map((state) => ({ labels: { state }, value: a.client.breaker.state === state ? 1 : 0 })));
  add('kiwi_circuit_breaker_opened_total', 'Times a circuit breaker opened.', 'counter', (a) => one(a.client.breaker.opened));
  add('kiwi_circuit_breaker_rejected_total', 'Batches refused while a breaker was open.', 'counter', (a) => one(a.client.breaker.rejected));
  add('kiwi_storage_retries_total', 'Requests retried after a transient storage failure.', 'counter', (a) => one(a.client.retried));
  add('kiwi_storage_read_only', '1 while storage refuses writes after a background error.', 'gauge', () => one(health().storage.readOnly ? 1 : 0));

  const rocks = (prop: string) => () => one(Number(runtime.storageProperty(prop) ?? 0));
  add('kiwi_rocksdb_memtable_bytes', 'Memory of all memtables.', 'gauge', rocks('rocksdb.cur-size-all-mem-tables'));
  add('kiwi_rocksdb_block_cache_usage_bytes', 'Block cache in use.', 'gauge', rocks('rocksdb.block-cache-usage'));
  add('kiwi_rocksdb_block_cache_capacity_bytes', 'Block cache capacity.', 'gauge', rocks('rocksdb.block-cache-capacity'));
  add('kiwi_rocksdb_table_readers_bytes', 'Index and filter blocks held by open SST files, outside the block cache.', 'gauge', rocks('rocksdb.estimate-table-readers-mem'));
  add('kiwi_rocksdb_pending_compaction_bytes', 'Estimated bytes compaction still has to rewrite.', 'gauge', rocks('rocksdb.estimate-pending-compaction-bytes'));
  add('kiwi_rocksdb_sst_files_bytes', 'Size of all SST files.', 'gauge', rocks('rocksdb.total-sst-files-size'));
  add('kiwi_rocksdb_estimate_num_keys', 'RocksDB estimate of the keys in the data column family.', 'gauge', rocks('rocksdb.estimate-num-keys'));
  add('kiwi_rocksdb_write_stopped', '1 while RocksDB stops writes (too many L0 files or memtables).', 'gauge', rocks('rocksdb.is-write-stopped'));
  add('kiwi_rocksdb_stall_seconds_total', 'Time writes spent stalled by RocksDB.', 'counter', () => one((storage()?.stallMicros ?? 0) / 1e6));
  add('kiwi_rocksdb_background_errors_total', 'RocksDB background errors.', 'counter', () => one(runtime.storageHealth()?.backgroundErrors));
  return registry;
}
