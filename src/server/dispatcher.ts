// The dispatcher alone does lookup, authentication, arity, parse and exec (Redis'
// processCommand), then routes the outcome: a reply now, a storage call answered later
// through the connection's slot, or a promise.
import { errorReplyText, RedisError, ReplyError, StorageReadOnlyError, unknownCommand, unknownSubcommand, wrongArity } from '../errors.js';
import type { Reply } from '../commands/reply.js';
import { StorageCall, type CommandRow, type ExecContext, type ServerContext } from '../commands/types.js';
import type { StorageReply } from '../storage/codec.js';
import { coarseNow, tick } from '../clock.js';
import { CommandStats, type CommandStat } from './command-stats.js';
import type { Connection } from './connection.js';

const PRIORITY = { high: 0, normal: 1, low: 2 } as const;

/** Redis' busy-reply-threshold (lua-time-limit) default. */
const BUSY_REPLY_THRESHOLD_MS = 5000;

/** Commands Redis flags may_replicate without write: CLIENT PAUSE WRITE pauses them too. */
const MAY_REPLICATE = new Set(['publish', 'spublish', 'pfcount', 'eval', 'evalsha', 'fcall', 'script|load', 'script|flush', 'function|load', 'function|delete', 'function|flush', 'function|restore', 'exec']);

interface Prepared {
  row: CommandRow<any>;
  noAuth: boolean;
  write: boolean;
  /** Paused by CLIENT PAUSE WRITE: writes and what Redis marks may-replicate. */
  mayReplicate: boolean;
  /** Shown to MONITOR clients (not admin or skip_monitor commands). */
  monitored: boolean;
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
      allowBusy: row.flags.includes('allow_busy'),
    };
  }

  #context(conn: Connection): ExecContext {
    let ctx = this.#contexts.get(conn);
    if (ctx === undefined) {
      ctx = { client: conn, server: this.#server };
      this.#contexts.set(conn, ctx);
    }
    return ctx;
  }

  dispatch(conn: Connection, id: number, argv: Buffer[], authRequired: boolean): void {
    this.#server.stats.totalCommands++;
    let p = id !== 0 ? this.#byId[id] : undefined;
    if (p === undefined) {
      const name = argv[0].toString('latin1');
      p = this.#byName.get(name.toLowerCase());
      if (p === undefined) {
        conn.reply(new ReplyError(unknownCommand(name, argv.slice(1).map((a) => a.toString('latin1')))));
        return;
      }
    }
    // Redis' processCommand order: the (sub)command is resolved and its arity checked
    // before authentication, so those errors come first even for a client without AUTH.
    if (p.subcommands !== null && argv.length >= 2) {
      const sub = p.subcommands.get(argv[1].toString('latin1').toLowerCase());
      if (sub === undefined) {
        conn.reply(new ReplyError(unknownSubcommand(argv[1].toString('latin1'), p.row.name)));
        return;
      }
      p = sub;
    }
    const arity = p.row.arity;
    if (arity > 0 ? argv.length !== arity : argv.length < -arity) {
      p.stat.rejected++;
      conn.reply(new ReplyError(wrongArity(p.row.name)));
      return;
    }
    if (authRequired && !p.noAuth) {
      p.stat.rejected++;
      conn.reply(new ReplyError(RedisError.noAuth));
      return;
    }
    // A script running past busy-reply-threshold (Redis' default 5 s): other clients get
    // BUSY, except for what Redis allows then (SCRIPT KILL, AUTH...).
    const scripts = this.#server.scripts;
    if (scripts !== null && !p.allowBusy && scripts.busyMs() > BUSY_REPLY_THRESHOLD_MS) {
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
    if (outcome instanceof StorageCall) {
      outcome.slot = conn.reserve();
      outcome.owner = conn;
      outcome.stat = p;
      outcome.started = started;
      outcome.ctx = ctx;
      outcome.origin = conn.id;
      outcome.priority = this.#priorities ? p.priority : PRIORITY.normal;
      outcome.onDone = this.#onStorageDone;
      outcome.argv = argv;
      this.#server.storage.submit(outcome, undefined, started);
    } else if (outcome instanceof Promise) {
      const slot = conn.reserve();
      outcome.then(
        (r) => {
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
      // The coarse clock has not moved during a synchronous command; a slow one (DEBUG
      // SLEEP, a big INFO) reads the real clock, a 'fast' one is not worth the read.
      const ended = p.fast ? coarseNow() : tick();
      this.#answer(conn, -1, p.stat, started, outcome);
      this.#finished(conn, p, argv, started, ended);
    }
  }

  /** Where every executed command ends: the slow log and the latency monitor (SLOWLOG, LATENCY). */
  #finished(conn: Connection, p: Prepared, argv: Buffer[], started: number, ended: number): void {
    this.#server.slowCommands.record((ended - started) * 1000, p.row.name, argv, p.fast, conn);
  }

  // One shared function for every storage completion: no closure per command.
  readonly #onStorageDone = (call: StorageCall, err: Error | null, r: StorageReply): void => {
    const p = call.stat as Prepared;
    const reply = err ? new ReplyError(errorReplyText(err)) : this.#map(call, r, call.ctx!, p.stat.name);
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
