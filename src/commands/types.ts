// The shape of a command table row, and what a command may see of the server. The
// server (src/server) and the runtime (src/runtime) implement these interfaces; commands
// never import them, which keeps the layering one-way.
import type { StorageCommand, StorageReply } from '../storage/codec.js';
import type { RequestOptions, ReplyCallback, StorageRequest } from '../storage/storage-client.js';
import type { Config } from '../config/config.js';
import type { Reply, ReplyError } from './reply.js';

/** Redis command flags we use (a subset of Redis 7's). */
export type CommandFlag =
  | 'write'
  | 'readonly'
  | 'denyoom'
  | 'admin'
  | 'pubsub'
  | 'noscript'
  | 'blocking'
  | 'loading'
  | 'stale'
  | 'skip_monitor'
  | 'skip_slowlog'
  | 'fast'
  | 'no_auth'
  | 'no_mandatory_keys'
  | 'no_async_loading'
  | 'no_multi'
  | 'allow_busy'
  | 'movablekeys';

export type Priority = 'high' | 'normal' | 'low';

/** A connection as commands see it. */
export interface ClientState {
  readonly id: number;
  readonly addr: string;
  readonly laddr: string;
  readonly createdAt: number;
  name: string;
  db: number;
  resp: 2 | 3;
  authenticated: boolean;
  lastCommand: string;
  readonly lastInteraction: number;
  /** Close after the replies already queued are written (QUIT, protocol errors). */
  closeAfterReply(): void;
  /** CLIENT REPLY ON | OFF | SKIP. */
  setReplyMode(mode: 'on' | 'off' | 'skip'): void;
  libName: string;
  libVer: string;
  /** In MONITOR mode: it receives every command the server runs. */
  monitor: boolean;
  readonly fd: number;
  readonly events: string;
  readonly pendingReplies: number;
  /** Redis' client flag letters (N normal, O monitor, ...). */
  readonly flags: string;
  /** Bytes queued for writing and held for an incomplete command (CLIENT LIST). */
  readonly outputBytes: number;
  readonly inputBytes: number;
  /** Channels, patterns and shard channels it subscribes to (CLIENT LIST sub/psub/ssub). */
  readonly subscriptions: { channel: number; pattern: number; shard: number };
  /** A pub/sub message or confirmation, outside any command's reply order. */
  push(r: Reply): void;
  /** Resolves once the replies owed now are filled (null: none owed). Scripts wait for it. */
  earlierAnswered?(): Promise<void> | null;
  /** Later commands of this client wait until the returned function is called. */
  holdLater?(): () => void;
}

/** What CLIENT LIST shows of a connection: plain data, so it can cross threads. */
export interface ClientInfo {
  readonly id: number;
  readonly addr: string;
  readonly laddr: string;
  readonly fd: number;
  /** Redis' client flags letters (N normal, O monitor...). */
  readonly flags: string;
  readonly events: string;
  /** Replies owed and not ready yet (oll). */
  readonly pendingReplies: number;
  readonly libName: string;
  readonly libVer: string;
  readonly createdAt: number;
  readonly name: string;
  readonly db: number;
  readonly resp: 2 | 3;
  readonly lastCommand: string;
  readonly lastInteraction: number;
  readonly outputBytes: number;
  readonly inputBytes: number;
  readonly sub: number;
  readonly psub: number;
  readonly ssub: number;
}

/** Every client of every network runtime. */
export interface ClientDirectory {
  /** Snapshots of every client, by ascending id. */
  list(): Promise<ClientInfo[]>;
  /** Clients connected now, on every runtime. */
  count(): number;
  /** Closes these clients at once wherever they are (CLIENT KILL); resolves with how many were found. */
  kill(ids: number[]): Promise<number>;
  /** CLIENT UNBLOCK wherever the client is: 1 if it was blocked, else 0. */
  unblock(id: number, error: boolean): Promise<number>;
}

export type BusTarget = 'main' | 'all' | 'others' | number;
export type BusHandler = (payload: any, from: number) => unknown;

/**
 * Messages between the network runtimes and the composition root (see
 * src/runtime/shared-state.ts for who uses it and how): send is fire and forget, request
 * gathers one answer per target, on registers the handler for a topic.
 */
export interface Bus {
  /** This runtime's index (-1 on the composition root). */
  readonly self: number;
  on(topic: string, handler: BusHandler): void;
  send(target: BusTarget, topic: string, payload?: unknown): void;
  request<T = unknown>(target: BusTarget, topic: string, payload?: unknown, timeoutMs?: number): Promise<T[]>;
}

/** Channels, patterns (PSUBSCRIBE) and shard channels (SSUBSCRIBE) are separate namespaces. */
export type PubSubKind = 'channel' | 'pattern' | 'shard';

/**
 * The subscription registry of every network runtime (src/runtime/pubsub.ts). Changes
 * apply here at once; synced() resolves once every other runtime has them too, so a
 * confirmation sent after it means a PUBLISH anywhere reaches the subscriber.
 */
export interface PubSub {
  /** Adds a subscription; false if the client had it already. */
  add(client: ClientState, kind: PubSubKind, name: Buffer): boolean;
  /** Removes a subscription; false if the client did not have it. */
  remove(client: ClientState, kind: PubSubKind, name: Buffer): boolean;
  /** Every subscription of the client goes, without confirmations (RESET, disconnect). */
  drop(client: ClientState): void;
  /** The client's subscriptions of a kind, in the order they were made. */
  of(client: ClientState, kind: PubSubKind): Buffer[];
  synced(): Promise<void>;
  /** Delivers to subscribers on every runtime; returns how many receive it. */
  publish(kind: 'channel' | 'shard', channel: Buffer, message: Buffer): number;
  /** Channels (or shard channels) with subscribers anywhere, matching `pattern` if given. */
  channels(kind: 'channel' | 'shard', pattern: Buffer | null): Buffer[];
  /** Subscribers of a channel (or shard channel) on every runtime. */
  numsub(kind: 'channel' | 'shard', channel: Buffer): number;
  /** Distinct patterns subscribed to on every runtime. */
  numpat(): number;
}

/** The storage runtime as commands reach it. */
export interface StorageGateway {
  enqueue(commands: StorageCommand | StorageCommand[], cb: ReplyCallback, options?: RequestOptions): void;
  submit(request: StorageRequest, timeoutMs?: number, now?: number): void;
  sendRequest(command: StorageCommand | StorageCommand[], options?: RequestOptions): Promise<StorageReply>;
}

/**
 * Script thread operations: 0 EVAL, 1 EVALSHA, 2 SCRIPT LOAD, 3 SCRIPT EXISTS, 4 SCRIPT FLUSH,
 * 5 FUNCTION LOAD, 6 FCALL, 7 FUNCTION LIST, 8 FUNCTION DELETE, 9 FUNCTION FLUSH.
 */
export type ScriptTaskOp = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11;

/** Scripting as commands reach it (src/server/script-host.ts). */
export interface ScriptGateway {
  /** Runs a script task; the reply is already encoded for the caller's protocol. */
  run(op: ScriptTaskOp, body: Buffer | null, keys: Buffer[], args: Buffer[], ctx: ExecContext, readOnly: boolean): Promise<Reply>;
  /** SCRIPT KILL (func false) or FUNCTION KILL: 0 none running, 1 killed, 2 it has written, 3 the other kind runs. */
  kill(func: boolean): 0 | 1 | 2 | 3;
  /** The running script (kind 0 none, 1 EVAL, 2 FCALL) and the loaded function counts. */
  running(): { kind: 0 | 1 | 2; ms: number; name: string; command: Buffer[]; libraries: number; functions: number };
  /** How long the running script has run (ms), 0 when none. */
  busyMs(): number;
}

/** Counters the server keeps for INFO stats. */
export interface ServerStats {
  totalConnections: number;
  rejectedConnections: number;
  totalCommands: number;
  protocolErrors: number;
  errorReplies: number;
  keyspaceHits: number;
  keyspaceMisses: number;
  expiredKeys: number;
  netInputBytes: number;
  netOutputBytes: number;
}

/** A SLOWLOG entry (Redis slowlog.c): arguments already trimmed and redacted. */
export interface SlowLogEntry {
  readonly id: number;
  /** Unix time in seconds. */
  readonly time: number;
  readonly usec: number;
  readonly argv: readonly Buffer[];
  readonly addr: string;
  readonly name: string;
}

export interface LatencySample {
  readonly time: number;
  latency: number;
}

export interface LatencySeries {
  readonly samples: readonly LatencySample[];
  readonly max: number;
}

/**
 * The slow log and the latency monitor. The dispatcher records into its own network
 * runtime's; SLOWLOG and LATENCY read and reset those of every runtime.
 */
export interface SlowCommandLog {
  /** A command (by its full name) finished `usec` microseconds after it was dispatched. */
  record(usec: number, name: string, argv: readonly Buffer[], fast: boolean, client: { readonly addr: string; readonly name: string }): void;
  readonly slowerThan: number;
  readonly latencyThreshold: number;
  /** The newest entries first, at most `count` (and slowlog-max-len in all). */
  slowlog(count: number): Promise<SlowLogEntry[]>;
  slowlogLength(): Promise<number>;
  resetSlowlog(): Promise<void>;
  latencyEvents(): Promise<Map<string, LatencySeries>>;
  /** Forgets the events named (all when none is); resolves with how many there were. */
  resetLatency(events: readonly string[]): Promise<number>;
}

/** One INFO section: ordered name/value fields. */
export type InfoSection = Array<[string, string | number]>;

export interface ServerContext {
  readonly config: Config;
  readonly storage: StorageGateway;
  /** EVAL and SCRIPT; null where no storage runtime is attached. */
  readonly scripts: ScriptGateway | null;
  readonly clients: ClientDirectory;
  readonly stats: ServerStats;
  readonly startedAt: number;
  readonly version: string;
  /** INFO sections the runtime provides (storage, runtime, channel...), by lowercase name. */
  infoSections(): Map<string, () => InfoSection | Promise<InfoSection>>;
  /** Graceful shutdown (SHUTDOWN); resolves when done. */
  shutdown(reason: string): Promise<void>;
  /** Why storage refuses writes now (after a background error), or null. */
  storageReadOnly(): string | null;
  /** Every command row, for COMMAND. */
  readonly commands: ReadonlyMap<string, CommandRow>;
  /** CONFIG RESETSTAT: every runtime's counters. */
  resetStats(): Promise<void>;
  /**
   * CONFIG SET applied here (already validated and stored); resolves once every other
   * network runtime and the composition root have applied it too.
   */
  configChanged(changes: Array<[path: string, value: unknown]>): Promise<void>;
  /** Messages to and from the other network runtimes. */
  readonly bus: Bus;
  /** CLIENT PAUSE on every runtime until `untilMs` (the stronger mode and later end win). */
  pauseClients(mode: 'write' | 'all', untilMs: number): void;
  /** CLIENT UNPAUSE: postponed commands on every runtime run now. */
  unpauseClients(): void;
  /** The pause in force now: 0 none, 1 writes, 2 everything. */
  pauseMode(): 0 | 1 | 2;
  /** MONITOR clients on every runtime: add or remove one. */
  monitorsChanged(delta: number): void;
  /** Whether any client of any runtime is in MONITOR mode (cheap: asked per command). */
  hasMonitors(): boolean;
  /** A MONITOR line (without its '+') to every monitoring client of every runtime. */
  feedMonitors(line: string): void;
  /** A client of this runtime blocked (+1) or stopped blocking (-1): INFO blocked_clients. */
  blockedChanged(delta: number): void;
  /** Clients blocked on keys now, on every runtime. */
  blockedClients(): number;
  /** Pub/sub subscriptions of every runtime. */
  readonly pubsub: PubSub;
  readonly slowCommands: SlowCommandLog;
  /** SWAPDB took effect: what the runtime keeps per database (INFO keyspace) follows it. */
  swappedDatabases(a: number, b: number): void;
}

/**
 * MULTI/EXEC/WATCH state of one connection, as the transaction commands see it
 * (src/server/transaction.ts implements it; the dispatcher queues commands while active).
 */
export interface TransactionControl {
  /** Inside MULTI: commands are queued. */
  readonly active: boolean;
  /** Some key is WATCHed (the storage runtime keeps the watch; see native/src/watch.h). */
  readonly watching: boolean;
  multi(): Reply;
  exec(): Outcome;
  discard(): Outcome;
  watch(keys: Buffer[]): Outcome;
  unwatch(): Outcome;
  /** RESET: leaves MULTI and forgets watched keys. */
  reset(): void;
}

/** Blocking commands (BLPOP...) as the command rows see them (src/server/blocking.ts). */
export interface BlockingControl {
  /**
   * Runs `call` (a pop) now; if it finds nothing, the client blocks until a push serves
   * it or `timeoutMs` passes (0: never), then answers `onTimeout`. Inside MULTI it runs
   * `call` once and answers what it gives, as Redis does.
   */
  block(call: StorageCall, keys: Buffer[], timeoutMs: number, onTimeout: Reply): Outcome;
}

export interface ExecContext {
  client: ClientState;
  server: ServerContext;
  tx: TransactionControl;
  blocking: BlockingControl;
}

/** Turns a storage reply into the client's reply. Usually a shared function, not a closure per call. */
export type ReplyMapper = (reply: StorageReply, ctx: ExecContext) => Reply;

/**
 * A command's work for the storage runtime and how to turn its reply into a Reply. It is
 * also the request object StorageClient queues: the dispatcher fills in where the reply
 * goes and passes it on as is, so a storage command costs one object here, not three.
 */
export class StorageCall implements StorageRequest {
  readonly commands: StorageCommand | StorageCommand[];
  readonly map: ReplyMapper;
  origin = 0;
  priority = 1;
  deadline = Infinity;
  /** Dispatch state, opaque to commands. */
  slot = 0;
  started = 0;
  owner: unknown = null;
  stat: unknown = null;
  ctx: ExecContext | null = null;
  /** The command's arguments, for the slow log (and keyspace events). */
  argv: Buffer[] | null = null;
  /** The client's database while keyspace notifications are on (events are derived once it answers); -1: off. */
  notifyDb = -1;
  onDone: ((call: StorageCall, err: Error | null, reply: StorageReply) => void) | null = null;

  constructor(request: StorageCommand | StorageCommand[], map: ReplyMapper) {
    this.commands = request;
    this.map = map;
  }

  /** Storage answered (or failed): hands over to whoever dispatched the call. */
  complete(err: Error | null, reply: StorageReply): void {
    this.onDone!(this, err, reply);
  }
}

export type Outcome = Reply | StorageCall | Promise<Reply>;

export interface CommandRow<A = unknown> {
  /** Lowercase; subcommands are "container|sub" (Redis 7 fullname). */
  name: string;
  /** Redis rule: N means exactly N arguments (name included), -N at least N. */
  arity: number;
  flags: readonly CommandFlag[];
  firstKey: number;
  lastKey: number;
  step: number;
  group: string;
  since: string;
  summary: string;
  complexity?: string;
  /**
   * Redis' explicit ACL categories (acl_categories in its command JSON). Unset: the
   * family's own (@string, @keyspace, @connection), none for a container. Those implied
   * by the flags (@write, @read, @admin, @fast or @slow...) are added by COMMAND.
   */
  acl?: readonly string[];
  /** COMMAND DOCS: the Redis version that deprecated the command, and what replaces it. */
  deprecated?: { since: string; replacedBy: string };
  /** Storage queue for this command (default normal). */
  priority?: Priority;
  /** Pure: validates and types the arguments, or returns the reply error. */
  parse(argv: Buffer[], ctx: ExecContext): A | ReplyError;
  exec(args: A, ctx: ExecContext): Outcome;
  /** Key arguments of a command whose keys move (movablekeys: numkeys, options). */
  keys?(argv: Buffer[]): Buffer[];
  /** Container commands (CONFIG, CLIENT...) dispatch on argv[1] to these rows. */
  subcommands?: readonly CommandRow<any>[];
}

/** Ties parse's result type to exec's argument type. */
export function defineCommand<A>(row: CommandRow<A>): CommandRow<A> {
  return row;
}

// The server layer sees the output-limit types through here (it may not import config).
export type { OutputClass, OutputLimit, OutputLimits } from '../config/output-limits.js';
