// Introspection and persistence commands: SLOWLOG, LATENCY (Redis slowlog.c, latency.c:
// the dispatcher records, src/server/slow-commands.ts keeps), LASTSAVE, SAVE and BGSAVE
// (a RocksDB checkpoint in <dir>/backup, native/src/db.cc) and SWAPDB.
import { RedisError, ReplyError, unknownSubcommand } from '../errors.js';
import { OpError, type StorageReply } from '../storage/codec.js';
import { Flag, Op } from '../storage/ops.js';
import { storageCommand } from '../storage/requests.js';
import { intInRange, is, parseInt64, syntaxError } from './args.js';
import { OK, StatusReply, VerbatimReply, type Reply } from './reply.js';
import { storageErrorReply, toReply } from './storage-reply.js';
import { defineCommand, StorageCall, type CommandFlag, type CommandRow, type ExecContext, type SlowCommandLog } from './types.js';

const row = <A>(r: Omit<CommandRow<A>, 'group' | 'firstKey' | 'lastKey' | 'step'>): CommandRow<A> =>
  defineCommand({ group: 'server', firstKey: 0, lastKey: 0, step: 0, ...r });
const ADMIN: CommandFlag[] = ['admin', 'loading', 'stale'];
const ADMIN_NOSCRIPT: CommandFlag[] = ['admin', 'noscript', 'loading', 'stale'];

/** Redis addReplyHelp: the header, the lines, then HELP. */
const help = (command: string, lines: string[]): Reply =>
  [`${command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`, ...lines, 'HELP', '    Prints this help.'].map((l) => new StatusReply(l));

/** A container row whose own parse reports an unknown subcommand. */
const container = (name: string, since: string, summary: string, subcommands: CommandRow<any>[]) =>
  row({
    name, arity: -2, flags: [], since, summary, complexity: 'Depends on subcommand.',
    parse: (argv) => new ReplyError(unknownSubcommand(argv[1].toString(), name)),
    exec: () => null,
    subcommands,
  });

const slowlog = (ctx: ExecContext): SlowCommandLog => ctx.server.slowCommands;

const slowlogSubcommands = [
  row({
    name: 'slowlog|get', arity: -2, flags: ADMIN, since: '2.2.12', summary: 'Returns the slow log\'s entries.', complexity: 'O(N) where N is the number of entries returned',
    parse: (argv) => {
      // Redis' arity is -2, but more than one argument is refused as an unknown subcommand.
      if (argv.length > 3) return new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${argv[1].toString()}'. Try SLOWLOG HELP.`);
      return argv.length === 3 ? intInRange(argv[2], -1, Number.MAX_SAFE_INTEGER, 'ERR count should be greater than or equal to -1') : 10;
    },
    exec: async (count, ctx): Promise<Reply> =>
      (await slowlog(ctx).slowlog(count === -1 ? Number.MAX_SAFE_INTEGER : count)).map((e) => [e.id, e.time, e.usec, [...e.argv], e.addr, e.name]),
  }),
  row({ name: 'slowlog|len', arity: 2, flags: ADMIN, since: '2.2.12', summary: 'Returns the number of entries in the slow log.', complexity: 'O(1)', parse: () => null, exec: (_a, ctx) => slowlog(ctx).slowlogLength() }),
  row({ name: 'slowlog|reset', arity: 2, flags: ADMIN, since: '2.2.12', summary: 'Clears all entries from the slow log.', complexity: 'O(N) where N is the number of entries in the slowlog', parse: () => null, exec: async (_a, ctx) => (await slowlog(ctx).resetSlowlog(), OK) }),
  row({
    name: 'slowlog|help', arity: 2, flags: ['loading', 'stale'], since: '6.2.0', summary: 'Show helpful text about the different subcommands', complexity: 'O(1)',
    parse: () => null,
    exec: () => help('SLOWLOG', [
      'GET [<count>]', '    Return top <count> entries from the slowlog (default: 10, -1 mean all).', '    Entries are made of:',
      '    id, timestamp, time in microseconds, arguments array, client IP and port,', '    client name', 'LEN', '    Return the length of the slowlog.', 'RESET', '    Reset the slowlog.',
    ]),
  }),
];

/** Redis analyzeLatencyForEvent: samples, average, mean deviation, period (seconds). */
function analyze(samples: readonly { time: number; latency: number }[]): { n: number; avg: number; mad: number; period: number } {
  const n = samples.length;
  if (n === 0) return { n, avg: 0, mad: 0, period: 0 };
  const avg = Math.floor(samples.reduce((s, x) => s + x.latency, 0) / n);
  const oldest = Math.min(...samples.map((x) => x.time));
  const period = Math.floor(Date.now() / 1000) - oldest || 1;
  const mad = Math.floor(samples.reduce((s, x) => s + Math.abs(avg - x.latency), 0) / n);
  return { n, avg, mad, period };
}

/** LATENCY DOCTOR (Redis createLatencyReport), for the events kiwi records: command and fast-command. */
async function latencyReport(ctx: ExecContext): Promise<string> {
  const log = slowlog(ctx);
  const events = await log.latencyEvents();
  if (events.size === 0 && log.latencyThreshold === 0) {
    return 'I\'m sorry, Dave, I can\'t do that. Latency monitoring is disabled in this Redis instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren\'t in a deep space mission I\'d suggest to take a look at https://redis.io/topics/latency-monitor.\n';
  }
  let report = '';
  let eventnum = 0;
  const advise = { slowlogEnabled: false, slowlogTuning: false, slowlogInspect: false, scheduler: false, largeObjects: false };
  let advices = 0;
  for (const [event, ts] of events) {
    eventnum++;
    if (eventnum === 1) report += 'Dave, I have observed latency spikes in this Redis instance. You don\'t mind talking about it, do you Dave?\n\n';
    const ls = analyze(ts.samples);
    report += `${eventnum}. ${event}: ${ls.n} latency spikes (average ${ls.avg}ms, mean deviation ${ls.mad}ms, period ${(ls.period / ls.n).toFixed(2)} sec). Worst all time event ${ts.max}ms.`;
    if (event === 'command') {
      if (log.slowerThan < 0) {
        advise.slowlogEnabled = true;
        advices++;
      } else if (Math.floor(log.slowerThan / 1000) > log.latencyThreshold) {
        advise.slowlogTuning = true;
        advices++;
      }
      advise.slowlogInspect = advise.largeObjects = true;
      advices += 2;
    }
    if (event === 'fast-command') {
      advise.scheduler = true;
      advices++;
    }
    report += '\n';
  }
  if (eventnum === 0 && advices === 0) {
    return `${report}Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n`;
  }
  const threshold = log.latencyThreshold * 1000;
  report += '\nI have a few advices for you:\n\n';
  if (advise.slowlogEnabled) report += `- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than ${threshold}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n`;
  if (advise.slowlogTuning) report += `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${threshold}'.\n`;
  if (advise.slowlogInspect) report += '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n';
  if (advise.scheduler) {
    report += '- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n'
      + '  1) Lower the system load.\n  2) Use a computer / VM just for Redis if you are running other software in the same system.\n  3) Check if you have a "noisy neighbour" problem.\n'
      + '  4) Check with \'redis-cli --intrinsic-latency 100\' what is the intrinsic latency in your system.\n'
      + '  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n';
  }
  if (advise.largeObjects) report += '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n';
  return report;
}

const latencySubcommands = [
  row({
    name: 'latency|latest', arity: 2, flags: ADMIN_NOSCRIPT, since: '2.8.13', summary: 'Returns the latest latency samples for all events.', complexity: 'O(1)',
    parse: () => null,
    exec: async (_a, ctx): Promise<Reply> => [...(await slowlog(ctx).latencyEvents())].map(([event, ts]) => {
      const last = ts.samples[ts.samples.length - 1];
      return [event, last.time, last.latency, ts.max];
    }),
  }),
  row({
    name: 'latency|history', arity: 3, flags: ADMIN_NOSCRIPT, since: '2.8.13', summary: 'Returns timestamp-latency samples for an event.', complexity: 'O(1)',
    parse: (argv) => argv[2].toString(),
    exec: async (event, ctx): Promise<Reply> => ((await slowlog(ctx).latencyEvents()).get(event)?.samples ?? []).map((s) => [s.time, s.latency]),
  }),
  row({
    name: 'latency|reset', arity: -2, flags: ADMIN_NOSCRIPT, since: '2.8.13', summary: 'Resets the latency data for one or more events.', complexity: 'O(1)',
    parse: (argv) => argv.slice(2).map((b) => b.toString()),
    exec: (events, ctx) => slowlog(ctx).resetLatency(events),
  }),
  row({
    name: 'latency|doctor', arity: 2, flags: ADMIN_NOSCRIPT, since: '2.8.13', summary: 'Returns a human-readable latency analysis report.', complexity: 'O(1)',
    parse: () => null,
    exec: async (_a, ctx) => new VerbatimReply(await latencyReport(ctx)),
  }),
  row({
    name: 'latency|help', arity: 2, flags: ['loading', 'stale'], since: '2.8.13', summary: 'Returns helpful text about the different subcommands.', complexity: 'O(1)',
    parse: () => null,
    exec: () => help('LATENCY', [
      'DOCTOR', '    Return a human readable latency analysis report.', 'HISTORY <event>', '    Return time-latency samples for the <event> class.',
      'LATEST', '    Return the latest latency samples for all events.', 'RESET [<event> ...]', '    Reset latency data of one or more <event> classes.',
      '    (default: reset all data for all event classes)',
    ]),
  }),
];

const BGSAVE_RUNNING = 'ERR Background save already in progress';

/** [in progress, last save ms, last ok, last duration ms] from SAVE_INFO. */
export interface SaveInfo {
  inProgress: boolean;
  lastSaveMs: number;
  lastOk: boolean;
  lastDurationMs: number;
}

export async function saveInfo(ctx: ExecContext): Promise<SaveInfo | OpError> {
  const r = await ctx.server.storage.sendRequest(storageCommand(Op.SAVE_INFO, 0, []));
  if (!Array.isArray(r)) return r instanceof OpError ? r : new OpError(0, 'unexpected SAVE_INFO reply');
  const [inProgress, lastSaveMs, lastOk, lastDurationMs] = r as number[];
  return { inProgress: inProgress === 1, lastSaveMs, lastOk: lastOk === 1, lastDurationMs };
}

const mapSave = (r: StorageReply): Reply => (r === 0 ? new ReplyError(BGSAVE_RUNNING) : toReply(r, 'save'));
const mapBgsave = (r: StorageReply): Reply =>
  r === 1 ? new StatusReply('Background saving started') : r === 0 ? new ReplyError(BGSAVE_RUNNING) : toReply(r, 'bgsave');

/** SWAPDB's index: an int (else `error`), then within the configured databases. */
function dbIndex(buf: Buffer, error: string): number | ReplyError {
  const n = parseInt64(buf);
  if (typeof n !== 'number' || n < -2147483648 || n > 2147483647) return new ReplyError(error);
  return n;
}

export const adminCommands: readonly CommandRow<any>[] = [
  container('slowlog', '2.2.12', 'A container for slow log commands.', slowlogSubcommands),
  container('latency', '2.8.13', 'A container for latency diagnostics commands.', latencySubcommands),
  row({
    name: 'lastsave', arity: 1, flags: ['loading', 'stale', 'fast'], acl: ['@admin', '@dangerous'], since: '1.0.0', summary: 'Returns the Unix timestamp of the last successful save to disk.', complexity: 'O(1)',
    parse: () => null,
    exec: async (_a, ctx): Promise<Reply> => {
      const info = await saveInfo(ctx);
      return info instanceof OpError ? storageErrorReply(info, 'lastsave') : Math.floor(info.lastSaveMs / 1000);
    },
  }),
  row({
    name: 'save', arity: 1, flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'], since: '1.0.0', summary: 'Synchronously saves the database(s) to disk.', complexity: 'O(N) where N is the total number of keys in all databases',
    parse: () => null,
    exec: (_a, ctx) => new StorageCall(storageCommand(Op.SAVE, 0, []), mapSave),
  }),
  row({
    name: 'bgsave', arity: -1, flags: ['admin', 'noscript', 'no_async_loading'], since: '1.0.0', summary: 'Asynchronously saves the database(s) to disk.', complexity: 'O(N) where N is the total number of keys in all databases',
    // SCHEDULE matters in Redis only while another child (an AOF rewrite) runs; kiwi has none.
    parse: (argv) => (argv.length === 1 || (argv.length === 2 && is(argv[1], 'schedule')) ? null : syntaxError()),
    exec: (_a, ctx) => new StorageCall(storageCommand(Op.SAVE, 0, [], Flag.SAVE_BACKGROUND), mapBgsave),
  }),
  row({
    name: 'swapdb', arity: 3, flags: ['write', 'fast'], acl: ['@keyspace', '@dangerous'], since: '4.0.0', summary: 'Swaps two Redis databases.', complexity: 'O(1) (kiwi swaps the database numbers, not the data)',
    parse: (argv, ctx) => {
      const a = dbIndex(argv[1], 'ERR invalid first DB index');
      if (a instanceof ReplyError) return a;
      const b = dbIndex(argv[2], 'ERR invalid second DB index');
      if (b instanceof ReplyError) return b;
      const n = ctx.server.config.values.server.databases;
      if (a < 0 || a >= n || b < 0 || b >= n) return new ReplyError(RedisError.dbIndexOutOfRange);
      return [a, b];
    },
    exec: ([a, b], ctx) =>
      new StorageCall(storageCommand(Op.SWAPDB, 0, [], 0, a, b), (r) => {
        if (r === 'OK') ctx.server.swappedDatabases(a, b);
        return toReply(r, 'swapdb');
      }),
  }),
];
