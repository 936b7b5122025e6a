// The dispatcher alone does lookup, authentication, arity, parse and exec (Redis'
// processCommand), then routes the outcome: a reply now, a storage call answered later
// through the connection's slot, or a promise.
import { errorReplyText, RedisError, ReplyError, StorageReadOnlyError, subscribedOnly, unknownCommand, unknownSubcommand, wrongArity } from '../errors.js';
import { QUEUED, type Reply } from '../commands/reply.js';
import { StorageCall, type CommandRow, type ExecContext, type ServerContext } from '../commands/types.js';
import { KeysReport, type StorageReply } from '../storage/codec.js';
import { Flag } from '../storage/ops.js';
import { coarseNow, tick } from '../clock.js';
import { expiredEventsOn, notificationsOn, publishKeyspaceEvents, raisesEvents, reportsKeys } from '../commands/keyspace-events.js';
import { CommandStats, type CommandStat } from './command-stats.js';
import type { Connection } from './connection.js';
import { Blocker } from './blocking.js';
import { Transaction } from './transaction.js';

const PRIORITY = { high: 0, normal: 1, low: 2 } as const;

/** What a RESP2 client may run while subscribed (Redis processCommand). */
const SUBSCRIBED_MODE = new Set(['ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'quit', 'reset']);

/** Commands Redis flags may_replicate without write: CLIENT PAUSE WRITE pauses them too. */
/** What Redis runs at once inside MULTI instead of queuing (processCommand). */
const NOT_QUEUED = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

const MAY_REPLICATE = new Set(['publish', 'spublish', 'pfcount', 'eval', 'evalsha', 'fcall', 'script|load', 'script|flush', 'function|load', 'function|delete', 'function|flush', 'function|restore', 'exec']);

interface Prepared {
  row: CommandRow<any>;
  noAuth: boolean;
  write: boolean;
  /** Paused by CLIENT PAUSE WRITE: writes and what Redis marks may-replicate. */
  mayReplicate: boolean;
  /** Shown to MONITOR clients (not admin or skip_monitor commands). */
  monitored: boolean;
  /** Runs at once inside MULTI (EXEC, DISCARD...) instead of being queued. */
  notQueued: boolean;
  noMulti: boolean;
  /** Allowed in RESP2 subscribed mode. */
  subscribedMode: boolean;
  /** Raises keyspace events (notify-keyspace-events). */
  events: boolean;
  /** Asks storage what it did to each key while notifications are on (keyspace-events.ts). */
  reportsKeys: boolean;
  /** A read of keys: asks storage which it found expired while "expired" events are on. */
  readsKeys: boolean;
  /** Runs while a script is busy (SCRIPT KILL, AUTH...): Redis' allow_busy. */
  allowBusy: boolean;
  /** Redis' 'fast' flag: the latency monitor's fast-command event, and no clock read at the end. */
  fast: boolean;
  priority: number;
  subcommands: Map<string, Prepared> | null;
  stat: CommandStat;
}

export class Dispatcher {
  readonly #byId: (Prepared | undefined)[];
  readonly #byName = new Map<string, Prepared>();
  readonly #server: ServerContext;
  readonly #contexts = new WeakMap<Connection, ExecContext>();
  #priorities = true;
  readonly stats = new CommandStats();
  onError: (err: unknown, command: string) => void = () => {};

  constructor(server: ServerContext, commandNames: readonly string[]) {
    this.#server = server;
    for (const row of server.commands.values()) this.#byName.set(row.name, this.#prepare(row));
    // Rows by the parser's command id: the hot path makes no string for the name.
    this.#byId = commandNames.map((name) => this.#byName.get(name));
  }

  set priorities(enabled: boolean) {
    this.#priorities = enabled;
  }

  #prepare(row: CommandRow<any>): Prepared {
    const subs = row.subcommands?.length ? new Map(row.subcommands.map((s) => [s.name.split('|')[1], this.#prepare(s)] as const)) : null;
    return {
      row, noAuth: row.flags.includes('no_auth'), write: row.flags.includes('write'), fast: row.flags.includes('fast'), priority: PRIORITY[row.priority ?? 'normal'], subcommands: subs,
      stat: this.stats.get(row.name),
      mayReplicate: row.flags.includes('write') || MAY_REPLICATE.has(row.name),
      monitored: !row.flags.includes('admin') && !row.flags.includes('skip_monitor'),
      notQueued: NOT_QUEUED.has(row.name), noMulti: row.flags.includes('no_multi'),
      subscribedMode: SUBSCRIBED_MODE.has(row.name),
      events: raisesEvents(row.name),
      reportsKeys: reportsKeys(row.name),
      readsKeys: row.firstKey > 0 && !row.flags.includes('write') && !raisesEvents(row.name),
      allowBusy: row.flags.includes('allow_busy'),
    };
  }

  #context(conn: Connection): ExecContext {
    let ctx = this.#contexts.get(conn);
    if (ctx === undefined) {
      // The transaction runs its queued commands with this very context.
      const made: ExecContext = { client: conn, server: this.#server, tx: null as unknown as Transaction, blocking: null as unknown as Blocker };
      made.tx = conn.transaction = new Transaction(made, conn.id);
      made.blocking = conn.blocking = new Blocker(made, conn);
      ctx = made;
      this.#contexts.set(conn, ctx);
    }
    return ctx;
  }

  /** The connection closed: its transaction and watches go. */
  closed(conn: Connection): void {
    (conn.transaction as Transaction | null)?.close();
  }

  /**
   * A command rejected before it runs; inside MULTI it also aborts the transaction. A
   * rejected EXEC ends the transaction with the reason (Redis 7.0 execCommandAbort:
   * its own texts lose their ERR prefix, shared ones such as NOAUTH keep theirs).
   */
  #reject(conn: Connection, text: string, p?: Prepared): void {
    const tx = conn.transaction as Transaction | null;
    if (p?.row.name === 'exec') {
      tx?.reset();
      conn.reply(new ReplyError(`EXECABORT Transaction discarded because of: ${text.startsWith('ERR ') ? text.slice(4) : text}`));
      return;
    }
    tx?.abort();
    conn.reply(new ReplyError(text));
  }

  dispatch(conn: Connection, id: number, argv: Buffer[], authRequired: boolean): void {
    this.#server.stats.totalCommands++;
    let p = id !== 0 ? this.#byId[id] : undefined;
    if (p === undefined) {
      const name = argv[0].toString('latin1');
      p = this.#byName.get(name.toLowerCase());
      if (p === undefined) {
        this.#reject(conn, unknownCommand(name, argv.slice(1).map((a) => a.toString('latin1'))));
        return;
      }
    }
    // Redis' processCommand order: the (sub)command is resolved and its arity checked
    // before authentication, so those errors come first even for a client without AUTH.
    if (p.subcommands !== null && argv.length >= 2) {
      const sub = p.subcommands.get(argv[1].toString('latin1').toLowerCase());
      if (sub === undefined) {
        this.#reject(conn, unknownSubcommand(argv[1].toString('latin1'), p.row.name));
        return;
      }
      p = sub;
    }
    const arity = p.row.arity;
    if (arity > 0 ? argv.length !== arity : argv.length < -arity) {
      p.stat.rejected++;
      this.#reject(conn, wrongArity(p.row.name), p);
      return;
    }
    if (authRequired && !p.noAuth) {
      p.stat.rejected++;
      this.#reject(conn, RedisError.noAuth, p);
      return;
    }
    const tx = conn.transaction as Transaction | null;
    const queuing = tx !== null && tx.active && !p.notQueued;
    if (queuing && p.noMulti) {
      p.stat.rejected++;
      this.#reject(conn, RedisError.notAllowedInMulti);
      return;
    }
    // RESP2 has no room for messages beside replies: a subscribed client may only
    // (un)subscribe, PING, QUIT and RESET. RESP3 pushes messages and allows everything.
    if (conn.resp === 2 && !p.subscribedMode && conn.subscribed) {
      p.stat.rejected++;
      conn.reply(new ReplyError(subscribedOnly(p.row.name)));
      return;
    }
    // A script running past busy-reply-threshold (Redis' default 5 s): other clients get
    // BUSY, except for what Redis allows then (SCRIPT KILL, AUTH...).
    const scripts = this.#server.scripts;
    if (scripts !== null && !p.allowBusy && scripts.busyMs() > this.#server.config.values.server.busyReplyThresholdMs) {
      p.stat.rejected++;
      conn.reply(new ReplyError(scripts.running().kind === 2 ? RedisError.busyFunction : RedisError.busy));
      return;
    }
    // CLIENT PAUSE (Redis checks it last, after arity and authentication): the command
    // waits, in order, until the pause ends.
    const paused = this.#server.pauseMode();
    if (paused !== 0 && (paused === 2 || p.mayReplicate)) {
      conn.postpone(id, argv);
      return;
    }
    conn.lastCommand = p.row.name;
    if (queuing) {
      this.#queue(conn, tx, p, argv);
      return;
    }
    if (p.write) {
      // Like Redis' MISCONF: while storage is read-only, writes fail fast; reads go on.
      const reason = this.#server.storageReadOnly();
      if (reason !== null) {
        p.stat.rejected++;
        conn.reply(new ReplyError(errorReplyText(new StorageReadOnlyError(reason))));
        return;
      }
    }
    this.#run(conn, p, argv);
  }

  /** Inside MULTI: the command waits for EXEC, which runs it through #outcome. */
  #queue(conn: Connection, tx: Transaction, p: Prepared, argv: Buffer[]): void {
    const ctx = this.#context(conn);
    // The database when EXEC runs it (a queued SELECT may change it), for its keyspace events.
    let db = -1;
    tx.queue({
      argv,
      run: () => {
        if (p.write) {
          const reason = this.#server.storageReadOnly();
          if (reason !== null) return new ReplyError(errorReplyText(new StorageReadOnlyError(reason)));
        }
        db = conn.db;
        return this.#outcome(conn, p, argv, ctx);
      },
      done: (r) => {
        p.stat.record(0, r instanceof ReplyError);
        // Derived from the arguments and reply only: EXEC does not ask for the key report.
        if (p.events && db >= 0 && notificationsOn(this.#server)) this.#notify(p.row.name, argv, db, r);
      },
    });
    conn.reply(QUEUED);
  }

  /** Parse and exec: a reply, a storage call or a promise (a thrown error becomes a reply). */
  #outcome(conn: Connection, p: Prepared, argv: Buffer[], ctx: ExecContext) {
    try {
      const args = p.row.parse(argv, ctx);
      if (args instanceof ReplyError) return args;
      const outcome = p.row.exec(args, ctx);
      if (p.monitored && this.#server.hasMonitors()) this.#server.feedMonitors(monitorLine(conn, p.row.name, argv));
      return outcome;
    } catch (err) {
      this.onError(err, p.row.name);
      return new ReplyError(errorReplyText(err));
    }
  }

  #run(conn: Connection, p: Prepared, argv: Buffer[]): void {
    const ctx = this.#context(conn);
    const started = coarseNow();
    let outcome;
    try {
      const args = p.row.parse(argv, ctx);
      if (args instanceof ReplyError) {
        p.stat.rejected++;
        conn.reply(args);
        this.#finished(conn, p, argv, started, coarseNow());
        return;
      }
      outcome = p.row.exec(args, ctx);
      if (p.monitored && this.#server.hasMonitors()) this.#server.feedMonitors(monitorLine(conn, p.row.name, argv));
    } catch (err) {
      this.onError(err, p.row.name);
      this.#answer(conn, -1, p.stat, started, new ReplyError(errorReplyText(err)));
      this.#finished(conn, p, argv, started, tick());
      return;
    }
    // Keyspace events come from the arguments and the reply, once the reply is known.
    const notifyDb = (p.events || p.readsKeys) && notificationsOn(this.#server) ? conn.db : -1;
    if (outcome instanceof StorageCall) {
      outcome.slot = conn.reserve();
      outcome.owner = conn;
      outcome.stat = p;
      outcome.started = started;
      outcome.ctx = ctx;
      outcome.origin = conn.id;
      outcome.priority = this.#priorities ? p.priority : PRIORITY.normal;
      outcome.notifyDb = notifyDb;
      // The command object is the row's own: flag a copy (only while notifications are on).
      if (notifyDb >= 0 && (p.reportsKeys || (p.readsKeys && expiredEventsOn(this.#server))) && !Array.isArray(outcome.commands)) {
        (outcome as { commands: StorageCall['commands'] }).commands = { ...outcome.commands, flags: outcome.commands.flags | Flag.REPORT_KEYS };
      }
      outcome.onDone = this.#onStorageDone;
      outcome.argv = argv;
      this.#server.storage.submit(outcome, undefined, started);
    } else if (outcome instanceof Promise) {
      const slot = conn.reserve();
      outcome.then(
        (r) => {
          if (notifyDb >= 0) this.#notify(p.row.name, argv, notifyDb, r, undefined, conn, slot);
          this.#answer(conn, slot, p.stat, started, r);
          this.#finished(conn, p, argv, started, tick());
        },
        (err) => {
          this.onError(err, p.row.name);
          this.#answer(conn, slot, p.stat, started, new ReplyError(errorReplyText(err)));
          this.#finished(conn, p, argv, started, tick());
        },
      );
    } else {
      if (notifyDb >= 0) this.#notify(p.row.name, argv, notifyDb, outcome);
      // The coarse clock has not moved during a synchronous command; a slow one (DEBUG
      // SLEEP, a big INFO) reads the real clock, a 'fast' one is not worth the read.
      const ended = p.fast ? coarseNow() : tick();
      this.#answer(conn, -1, p.stat, started, outcome);
      this.#finished(conn, p, argv, started, ended);
    }
  }

  /** `conn` and `slot`: the writer and its reply's slot, so its own events go before the reply. */
  #notify(command: string, argv: Buffer[], db: number, reply: Reply, report?: KeysReport, conn?: Connection, slot = -1): void {
    const failed = reply instanceof ReplyError;
    if (failed && report === undefined) return;
    if (conn !== undefined) conn.eventsSlot = slot;
    try {
      publishKeyspaceEvents(this.#server, command, argv, reply, db, report, failed, conn === undefined ? undefined : () => (conn.eventsSlot = -1));
    } catch (err) {
      this.onError(err, command);
    } finally {
      if (conn !== undefined) conn.eventsSlot = -1;
    }
  }

  /** Where every executed command ends: the slow log and the latency monitor (SLOWLOG, LATENCY). */
  #finished(conn: Connection, p: Prepared, argv: Buffer[], started: number, ended: number): void {
    this.#server.slowCommands.record((ended - started) * 1000, p.row.name, argv, p.fast, conn);
  }

  // One shared function for every storage completion: no closure per command.
  readonly #onStorageDone = (call: StorageCall, err: Error | null, r: StorageReply): void => {
    const p = call.stat as Prepared;
    let report: KeysReport | undefined;
    if (r instanceof KeysReport) {
      report = r;
      r = r.reply;
    }
    const reply = err ? new ReplyError(errorReplyText(err)) : this.#map(call, r, call.ctx!, p.stat.name);
    if (call.notifyDb >= 0) this.#notify(p.row.name, call.argv!, call.notifyDb, reply, report, call.owner as Connection, call.slot);
    this.#answer(call.owner as Connection, call.slot, p.stat, call.started, reply);
    this.#finished(call.owner as Connection, p, call.argv!, call.started, coarseNow());
  };

  /** Records the command's latency and queues its reply (slot -1: reply now). */
  #answer(conn: Connection, slot: number, stat: CommandStat, started: number, r: Reply): void {
    stat.record((coarseNow() - started) * 1000, r instanceof ReplyError);
    if (slot < 0) conn.reply(r);
    else conn.fill(slot, r);
  }

  #map(call: StorageCall, r: StorageReply, ctx: ExecContext, command: string): Reply {
    try {
      return call.map(r, ctx);
    } catch (err) {
      this.onError(err, command);
      return new ReplyError(errorReplyText(err));
    }
  }
}

/** Redis sdscatrepr: a quoted string with C escapes, non-printable bytes as \\xHH. */
function repr(b: Buffer): string {
  let out = '"';
  for (const c of b) {
    switch (c) {
      case 0x5c: out += '\\\\'; break;
      case 0x22: out += '\\"'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      case 0x07: out += '\\a'; break;
      case 0x08: out += '\\b'; break;
      default:
        out += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
    }
  }
  return `${out}"`;
}

const REDACTED = Buffer.from('(redacted)');

/**
 * A MONITOR line as Redis' replicationFeedMonitors writes it: time with microseconds,
 * [db client-address], then every argument quoted. Passwords (AUTH, HELLO ... AUTH) are
 * redacted as Redis does.
 */
function monitorLine(conn: Connection, name: string, argv: Buffer[]): string {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  let args = argv;
  if (name === 'auth') args = argv.map((a, i) => (i === 0 ? a : REDACTED));
  else if (name === 'hello') {
    const at = argv.findIndex((a, i) => i > 0 && a.length === 4 && a.toString('latin1').toLowerCase() === 'auth');
    if (at > 0) args = argv.map((a, i) => (i > at && i <= at + 2 ? REDACTED : a));
  }
  return `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')} [${conn.db} ${conn.addr}] ${args.map(repr).join(' ')}`;
}
