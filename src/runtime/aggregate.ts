// Every network runtime's numbers added up, for INFO, /metrics and /health: counters are
// summed, states take the worst, and each runtime's own line is kept where it says
// something a sum cannot (event-loop delay, connections).
import type { ServerStats } from '../commands/types.js';
import type { ChannelStats } from '../storage/message-channel.js';
import type { StorageClientStats } from '../storage/storage-client.js';
import type { CommandStatSnapshot, RuntimeSnapshot } from './network-runtime.js';
import type { PubSubCounts } from './pubsub.js';
import { emptyStats } from './server-context.js';

export interface Aggregate {
  runtimes: RuntimeSnapshot[];
  stats: ServerStats;
  commands: CommandStatSnapshot[];
  channel: ChannelStats;
  client: StorageClientStats;
  eventLoopDelayP99Ms: number;
  connections: number;
  /** Every runtime sees every subscription: the largest view (one just applied a change the others will). */
  pubsub: PubSubCounts;
}

const BREAKER_RANK = { closed: 0, half_open: 1, open: 2 } as const;

function sumInto<T extends object>(into: T, add: T): void {
  for (const k of Object.keys(add) as Array<keyof T>) {
    if (typeof add[k] === 'number' && typeof into[k] === 'number') (into[k] as number) += add[k] as number;
  }
}

/** `own`: the main thread's channel and client (health pings, keyspace counts). */
export function aggregate(runtimes: RuntimeSnapshot[], own: { channel: ChannelStats; client: StorageClientStats }): Aggregate {
  const stats = emptyStats();
  const commands = new Map<string, CommandStatSnapshot>();
  const channel: ChannelStats = { ...own.channel };
  const client: StorageClientStats = {
    ...own.client, breaker: { ...own.client.breaker }, faults: own.client.faults ? { ...own.client.faults } : null, fastPath: { ...own.client.fastPath },
  };
  let delay = 0;
  let connections = 0;
  const pubsub: PubSubCounts = { channels: 0, patterns: 0, shardChannels: 0 };
  for (const r of runtimes) {
    for (const k of Object.keys(pubsub) as Array<keyof PubSubCounts>) pubsub[k] = Math.max(pubsub[k], r.pubsub[k]);
    sumInto(stats, r.stats);
    for (const c of r.commands) {
      const into = commands.get(c.name);
      if (into === undefined) {
        commands.set(c.name, { ...c, buckets: [...c.buckets] });
        continue;
      }
      into.calls += c.calls;
      into.failed += c.failed;
      into.rejected += c.rejected;
      into.usec += c.usec;
      c.buckets.forEach((n, i) => (into.buckets[i] += n));
    }
    // The queue is shared: its fill and pause state are the same for every channel.
    const { pending: _p, paused: _q, capacity: _c, avgProcessingMs: _a, pendingBatches, ...counts } = r.channel;
    sumInto(channel, { ...counts, pendingBatches } as ChannelStats);
    channel.pending += r.channel.pending;
    sumInto(client, r.client);
    sumInto(client.breaker, r.client.breaker);
    if (BREAKER_RANK[r.client.breaker.state] > BREAKER_RANK[client.breaker.state]) client.breaker.state = r.client.breaker.state;
    if (r.client.faults && client.faults) sumInto(client.faults, r.client.faults);
    sumInto(client.fastPath, r.client.fastPath);
    delay = Math.max(delay, r.eventLoopDelayP99Ms);
    connections += r.connections;
  }
  return { runtimes, stats, commands: [...commands.values()], channel, client, eventLoopDelayP99Ms: delay, connections, pubsub };
}
