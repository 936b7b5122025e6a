// The INFO sections the composition root provides, from every network runtime's numbers
// (Aggregate) and its own view of storage: clients, stats, keyspace, runtime (with each
// network runtime's event-loop delay), channel, storage, circuit_breaker (with recovery
// and scaling) and commandstats. Holds no state.
import { clientsSection, statsSection } from '../commands/server.js';
import type { InfoSection } from '../commands/types.js';
import { loadAddon } from '../storage/native.js';
import type { Aggregate } from './aggregate.js';
import { round, type RuntimeManager } from './runtime-manager.js';

export function runtimeInfoSections(rt: RuntimeManager, agg: Aggregate): Map<string, () => InfoSection> {
  return new Map<string, () => InfoSection>([
    ['clients', () => clientsSection(rt.counters.get('connectedClients'), rt.config.values.server.maxclients, rt.counters.get('blockedClients'))],
    ['stats', () => statsSection({ ...agg.stats, expiredKeys: rt.storageStats()?.expiredKeys ?? 0 }, agg.pubsub)],
    ['keyspace', () => rt.keyspaceSection()],
    ['runtime', () => runtimeSection(rt, agg)],
    ['channel', () => channelSection(agg)],
    ['storage', () => storageSection(rt)],
    ['circuit_breaker', () => breakerSection(rt, agg)],
    ['commandstats', () => commandStatsSection(agg)],
  ]);
}

function runtimeSection(rt: RuntimeManager, agg: Aggregate): InfoSection {
  const c = rt.config.values;
  const s = rt.stats(agg);
  const h = rt.health();
  const fast = agg.client.fastPath;
  const out: InfoSection = [
    ['preset', c.preset], ['network_threads', c.runtime.networkThreads], ['network_threads_live', rt.liveRuntimes], ['accept_mode', c.runtime.acceptMode],
    ['storage_threads', rt.storageStats()?.threads ?? 0],
    ['active_tasks', s.activeTasks], ['total_tasks', s.totalTasks], ['uptime_ms', s.uptimeMs], ['health_status', s.health],
    ['last_health_check_ms_ago', h.checkedAt === null ? -1 : Date.now() - h.checkedAt], ['event_loop_delay_p99_ms', round(agg.eventLoopDelayP99Ms)],
    ['main_event_loop_delay_p99_ms', round(rt.mainLoopDelayP99Ms)],
    ['storage_ping_ms', h.storage.pingMs ?? -1], ['batch_size', c.runtime.batchSize], ['batch_timeout_ms', c.runtime.batchTimeoutMs],
    ['request_timeout_ms', c.runtime.requestTimeoutMs], ['priority_enabled', c.runtime.priority.enabled ? 1 : 0], ['scaling_enabled', c.runtime.scaling.enabled ? 1 : 0],
    ['read_fast_path', c.runtime.readFastPath], ['fast_path_hits', fast.hits], ['fast_path_misses', fast.misses],
  ];
  for (const r of agg.runtimes) {
    out.push([`network_runtime_${r.index}`, `connections=${r.connections},event_loop_delay_p99_ms=${round(r.eventLoopDelayP99Ms)},commands=${r.stats.totalCommands},reading_paused=${r.readingPaused ? 1 : 0},reading_pauses=${r.readingPauses}`]);
  }
  return out;
}

function commandStatsSection(agg: Aggregate): InfoSection {
  const out: InfoSection = [];
  for (const st of agg.commands) {
    if (st.calls + st.rejected === 0) continue;
    const perCall = st.calls > 0 ? (st.usec / st.calls).toFixed(2) : '0.00';
    out.push([`cmdstat_${st.name}`, `calls=${st.calls},usec=${Math.round(st.usec)},usec_per_call=${perCall},rejected_calls=${st.rejected},failed_calls=${st.failed}`]);
  }
  return out;
}

function breakerSection(rt: RuntimeManager, agg: Aggregate): InfoSection {
  const cl = agg.client;
  const b = cl.breaker;
  const r = rt.recoveryStats();
  const sc = rt.scalerStats();
  const out: InfoSection = [
    ['circuit_breaker_state', b.state], ['circuit_breaker_failures', b.failures], ['circuit_breaker_successes', b.successes],
    ['circuit_breaker_consecutive_failures', b.consecutiveFailures], ['circuit_breaker_opened', b.opened], ['circuit_breaker_rejected', b.rejected],
    ['retried_requests', cl.retried], ['parked_batches', cl.parked], ['request_timeouts', cl.timeouts], ['failed_requests', cl.failed],
    ['recovery_state', r?.state ?? 'ok'], ['recovery_reason', r?.reason ?? ''], ['recovery_attempts', r?.attempts ?? 0], ['recoveries', r?.recoveries ?? 0],
    ['scaling_enabled', sc?.enabled ? 1 : 0], ['scaling_last_fill_percent', sc?.lastFillPercent ?? 0], ['scaling_ups', sc?.scaleUps ?? 0], ['scaling_downs', sc?.scaleDowns ?? 0],
  ];
  if (cl.faults) out.push(['fault_injection_errors', cl.faults.errors], ['fault_injection_drops', cl.faults.drops], ['fault_injection_delays', cl.faults.delays]);
  return out;
}

function channelSection(agg: Aggregate): InfoSection {
  const ch = agg.channel;
  const cl = agg.client;
  return [
    ['channel_capacity', ch.capacity], ['channel_pending', ch.pending], ['channel_fill', round(ch.pending / ch.capacity)], ['channel_paused', ch.paused ? 1 : 0],
    ['requests_sent', ch.requestsSent], ['requests_received', ch.requestsReceived], ['responses_received', ch.responsesReceived], ['timeouts', ch.timeouts],
    ['send_failures', ch.sendFailures], ['backpressure_events', ch.backpressureEvents], ['avg_processing_ms', round(ch.avgProcessingMs)],
    ['client_backlog_batches', cl.backlog], ['client_held_requests', cl.held],
  ];
}

function storageSection(rt: RuntimeManager): InfoSection {
  const s = rt.storageStats();
  const h = rt.storageHealth();
  if (!s || !h) return [['storage_state', 'closed']];
  const prop = (name: string) => rt.storageProperty(name) ?? '0';
  return [
    ['rocksdb_version', loadAddon().rocksdbVersion], ['rocksdb_build', loadAddon().rocksdbBuild], ['storage_dir', rt.storageDir], ['storage_state', h.degraded ? 'degraded' : 'ok'],
    ['storage_threads', s.threads], ['queue_capacity', s.capacity], ['queue_depth', s.queueDepth], ['queue_high_water', s.queueHighWater],
    ['queued_high', s.queuedHigh], ['queued_normal', s.queuedNormal], ['queued_low', s.queuedLow], ['running_batches', s.running],
    ['submitted_batches', s.submittedBatches], ['submitted_commands', s.submittedCommands], ['completed_batches', s.completedBatches],
    ['completed_commands', s.completedCommands], ['failed_commands', s.failedCommands], ['deadline_exceeded', s.deadlineExceeded],
    ['cancelled_batches', s.cancelled], ['backpressure_events', s.backpressureEvents], ['service_avg_us', round(s.serviceAvgUs)],
    ['service_p99_us', s.serviceP99Us], ['wait_avg_us', round(s.waitAvgUs)], ['wait_p99_us', s.waitP99Us], ['expired_keys', s.expiredKeys],
    ['stall_micros', s.stallMicros],
    ['estimate_num_keys', prop('rocksdb.estimate-num-keys')], ['memtable_bytes', prop('rocksdb.cur-size-all-mem-tables')],
    ['block_cache_usage', prop('rocksdb.block-cache-usage')], ['block_cache_capacity', prop('rocksdb.block-cache-capacity')],
    ['table_readers_memory', prop('rocksdb.estimate-table-readers-mem')],
    ['pending_compaction_bytes', prop('rocksdb.estimate-pending-compaction-bytes')], ['sst_files_bytes', prop('rocksdb.total-sst-files-size')],
    ['write_stopped', prop('rocksdb.is-write-stopped')], ['background_errors', h.backgroundErrors], ['recoveries', h.recoveries],
    ['last_background_error', h.lastError ?? ''],
  ];
}
