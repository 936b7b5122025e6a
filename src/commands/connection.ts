// Connection commands: PING ECHO QUIT SELECT HELLO AUTH RESET and CLIENT.
import { timingSafeEqual } from 'node:crypto';
import { RedisError, ReplyError, unknownSubcommand } from '../errors.js';
import { argText, int64Arg, is, lower, parseInt64, rangeArg, syntaxError } from './args.js';
import { MapReply, OK, PONG, StatusReply, VerbatimReply, type Reply } from './reply.js';
import { defineCommand, type ServerContext, type ClientInfo, type ClientState, type CommandFlag, type CommandRow, type ExecContext } from './types.js';

const row = <A>(r: Omit<CommandRow<A>, 'group' | 'firstKey' | 'lastKey' | 'step'>): CommandRow<A> =>
  defineCommand({ group: 'connection', firstKey: 0, lastKey: 0, step: 0, ...r });
const sub = <A>(r: Omit<CommandRow<A>, 'group' | 'firstKey' | 'lastKey' | 'step' | 'since'> & { since?: string }): CommandRow<A> =>
  row({ since: '2.4.0', ...r });
const ADMIN: CommandFlag[] = ['admin', 'noscript', 'loading', 'stale'];
const CONN: CommandFlag[] = ['noscript', 'loading', 'stale'];

/** Whether the client still has to authenticate (the server's dispatch asks this too). */
export function authRequired(client: ClientState, server: ServerContext): boolean {
  return server.config.values.server.requirepass !== '' && !client.authenticated;
}

function passwordMatches(ctx: ExecContext, password: Buffer): boolean {
  const expected = Buffer.from(ctx.server.config.values.server.requirepass);
  return expected.length === password.length && timingSafeEqual(expected, password);
}

const DEFAULT_USER = Buffer.from('default');

/**
 * ACL-less AUTH: only the default user exists. Without requirepass it is a "nopass"
 * user, so AUTH default <anything> succeeds while the one-argument form is refused.
 */
function authenticate(ctx: ExecContext, user: Buffer | null, password: Buffer): ReplyError | null {
  const noPassword = ctx.server.config.values.server.requirepass === '';
  if (noPassword && user === null) return new ReplyError(RedisError.authNotConfigured);
  if ((user !== null && !user.equals(DEFAULT_USER)) || (!noPassword && !passwordMatches(ctx, password))) {
    return new ReplyError(RedisError.wrongPass);
  }
  ctx.client.authenticated = true;
  return null;
}

/** Redis getClientTypeByName; every client here is a normal one. */
const CLIENT_TYPES = ['normal', 'slave', 'replica', 'pubsub', 'master'];

function clientType(v: Buffer): string | ReplyError {
  const type = lower(v);
  return CLIENT_TYPES.includes(type) ? type : new ReplyError(`ERR Unknown client type '${argText(v)}'`);
}

/** Redis validateClientName: printable ASCII without spaces. */
function validName(name: Buffer): boolean {
  for (const c of name) if (c < 0x21 || c > 0x7e) return false;
  return true;
}
const BAD_NAME = 'ERR Client names cannot contain spaces, newlines or special characters.';

/**
 * One CLIENT LIST line: Redis 7.0's fields in its order; lib-name and lib-ver follow (as
 * Redis 7.2 shows them) only once the client named its library with CLIENT SETINFO, so a
 * client that does not is shown exactly as Redis 7.0 shows it. Real values where kiwi has them
 * (fd, age, idle, flags, db, qbuf, oll, omem, tot-mem, events, cmd, resp); buffers kiwi
 * does not have (qbuf-free, argv-mem, rbs, rbp, obl) read 0.
 */
export function clientLine(c: ClientInfo, now: number): string {
  const fields: Array<[string, string | number]> = [
    ['id', c.id], ['addr', c.addr], ['laddr', c.laddr], ['fd', c.fd], ['name', c.name],
    ['age', Math.floor((now - c.createdAt) / 1000)], ['idle', Math.floor((now - c.lastInteraction) / 1000)],
    ['flags', c.flags], ['db', c.db], ['sub', 0], ['psub', 0], ['ssub', 0], ['multi', -1],
    ['qbuf', c.inputBytes], ['qbuf-free', 0], ['argv-mem', 0], ['multi-mem', 0], ['rbs', 0], ['rbp', 0],
    ['obl', 0], ['oll', c.pendingReplies], ['omem', c.outputBytes], ['tot-mem', c.inputBytes + c.outputBytes],
    ['events', c.events], ['cmd', c.lastCommand || 'NULL'], ['user', 'default'], ['redir', -1], ['resp', c.resp],
  ];
  if (c.libName || c.libVer) fields.push(['lib-name', c.libName], ['lib-ver', c.libVer]);
  return fields.map(([k, v]) => `${k}=${v}`).join(' ');
}

function helloReply(ctx: ExecContext): MapReply {
  return new MapReply([
    ['server', 'redis'],
    ['version', ctx.server.version],
    ['proto', ctx.client.resp],
    ['id', ctx.client.id],
    ['mode', 'standalone'],
    ['role', 'master'],
    ['modules', []],
  ]);
}

interface KillFilter {
  id?: number | bigint;
  addr?: string;
  laddr?: string;
  /** A type other than normal, or a user other than default: matches no client here. */
  none?: boolean;
  /** Seconds: only clients connected longer than this (Redis 7.4's MAXAGE). */
  maxAge?: number | bigint;
  skipMe: boolean;
  legacy: boolean;
}

/** Redis clientKillCommand's filters, checked one pair at a time in order. */
function parseKill(argv: Buffer[]): KillFilter | ReplyError {
  if (argv.length === 3) return { addr: argv[2].toString(), skipMe: false, legacy: true };
  const f: KillFilter = { skipMe: true, legacy: false };
  for (let i = 2; i < argv.length; i += 2) {
    if (i + 1 >= argv.length) return syntaxError();
    const v = argv[i + 1];
    if (is(argv[i], 'id')) {
      const id = parseInt64(v);
      if (id === undefined || id < 1) return new ReplyError('ERR client-id should be greater than 0');
      f.id = id;
    } else if (is(argv[i], 'type')) {
      const type = clientType(v);
      if (type instanceof ReplyError) return type;
      if (type !== 'normal') f.none = true;
    } else if (is(argv[i], 'user')) {
      if (!v.equals(DEFAULT_USER)) return new ReplyError(`ERR No such user '${argText(v)}'`);
    } else if (is(argv[i], 'maxage')) {
      const age = int64Arg(v);
      if (age instanceof ReplyError) return age;
      f.maxAge = age;
    } else if (is(argv[i], 'addr')) f.addr = v.toString();
    else if (is(argv[i], 'laddr')) f.laddr = v.toString();
    else if (is(argv[i], 'skipme')) {
      if (is(v, 'yes')) f.skipMe = true;
      else if (is(v, 'no')) f.skipMe = false;
      else return syntaxError();
    } else return syntaxError();
  }
  return f;
}

/** Every runtime's clients are candidates; the kill reaches whichever runtime holds each. */
async function killClients(f: KillFilter, ctx: ExecContext): Promise<Reply> {
  const victims: number[] = [];
  const now = Date.now();
  for (const c of f.none ? [] : await ctx.server.clients.list()) {
    if (f.none) break;
    if (f.id !== undefined && c.id !== Number(f.id)) continue;
    if (f.maxAge !== undefined && (now - c.createdAt) / 1000 <= Number(f.maxAge)) continue;
    if (f.addr !== undefined && c.addr !== f.addr) continue;
    if (f.laddr !== undefined && c.laddr !== f.laddr) continue;
    if (f.skipMe && c.id === ctx.client.id) continue;
    victims.push(c.id);
  }
  const others = victims.filter((id) => id !== ctx.client.id);
  if (others.length < victims.length) ctx.client.closeAfterReply();
  if (others.length > 0) await ctx.server.clients.kill(others);
  if (f.legacy) return victims.length > 0 ? OK : new ReplyError('ERR No such client');
  return victims.length;
}

const clientSubcommands: readonly CommandRow<any>[] = [
  sub({ name: 'client|id', arity: 2, flags: CONN, since: '5.0.0', summary: 'Returns the unique client ID of the connection.', parse: () => null, exec: (_a, ctx) => ctx.client.id }),
  sub({ name: 'client|getname', arity: 2, flags: CONN, since: '2.6.9', summary: 'Returns the name of the connection.', parse: () => null, exec: (_a, ctx) => ctx.client.name || null }),
  sub({
    name: 'client|setname', arity: 3, flags: CONN, since: '2.6.9', summary: 'Sets the connection name.',
    parse: (argv) => (validName(argv[2]) ? argv[2].toString() : new ReplyError(BAD_NAME)),
    exec: (name, ctx) => ((ctx.client.name = name), OK),
  }),
  sub({
    name: 'client|setinfo', arity: 4, flags: CONN, since: '7.2.0', summary: 'Sets information specific to the client or connection.',
    // Redis 7.2: the value may not contain spaces, newlines or special characters.
    parse: (argv) => {
      if (!is(argv[2], 'lib-name') && !is(argv[2], 'lib-ver')) return new ReplyError(`ERR Unrecognized option '${argText(argv[2])}'`);
      if (argv[3].length > 0 && !validName(argv[3])) return new ReplyError(`ERR ${is(argv[2], 'lib-name') ? 'lib-name' : 'lib-ver'} cannot contain spaces, newlines or special characters.`);
      return { name: is(argv[2], 'lib-name'), value: argv[3].toString('latin1') };
    },
    exec: (a, ctx) => {
      if (a.name) ctx.client.libName = a.value;
      else ctx.client.libVer = a.value;
      return OK;
    },
  }),
  sub({
    name: 'client|info', arity: 2, flags: CONN, since: '6.2.0', summary: 'Returns information about the connection.',
    parse: () => null, exec: (_a, ctx) => new VerbatimReply(`${clientLine(ctx.client, Date.now())}\n`),
  }),
  sub({
    name: 'client|list', arity: -2, flags: ADMIN, summary: 'Lists open connections.',
    // Redis: exactly TYPE <type>, or ID followed by one or more ids, or nothing.
    parse: (argv): { type: string | null; ids: Set<number> | null } | ReplyError => {
      if (argv.length === 4 && is(argv[2], 'type')) {
        const type = clientType(argv[3]);
        return type instanceof ReplyError ? type : { type, ids: null };
      }
      if (argv.length > 3 && is(argv[2], 'id')) {
        const ids = new Set<number>();
        for (let i = 3; i < argv.length; i++) {
          const id = parseInt64(argv[i]);
          if (id === undefined) return new ReplyError('ERR Invalid client ID');
          ids.add(Number(id));
        }
        return { type: null, ids };
      }
      return argv.length === 2 ? { type: null, ids: null } : syntaxError();
    },
    exec: async (a, ctx): Promise<Reply> => {
      if (a.type !== null && a.type !== 'normal') return new VerbatimReply('');
      const clients = await ctx.server.clients.list();
      const now = Date.now();
      let text = '';
      for (const c of clients) if (a.ids === null || a.ids.has(c.id)) text += `${clientLine(c, now)}\n`;
      return new VerbatimReply(text);
    },
  }),
  sub({ name: 'client|kill', arity: -3, flags: ADMIN, summary: 'Terminates open connections.', parse: parseKill, exec: killClients }),
  sub({
    name: 'client|reply', arity: 3, flags: CONN, since: '3.2.0', summary: 'Instructs the server whether to reply to commands.',
    parse: (argv) => {
      const mode = lower(argv[2]);
      return mode === 'on' || mode === 'off' || mode === 'skip' ? mode : syntaxError();
    },
    exec: (mode, ctx) => {
      ctx.client.setReplyMode(mode);
      return OK;
    },
  }),
  sub({
    name: 'client|pause', arity: -3, flags: ADMIN, since: '3.0.0', summary: 'Suspends commands processing.',
    parse: (argv) => {
      const timeout = parseInt64(argv[2]);
      if (timeout === undefined) return new ReplyError('ERR timeout is not an integer or out of range');
      if (timeout < 0) return new ReplyError(RedisError.timeoutNegative);
      if (argv.length > 4) return syntaxError();
      let mode: 'write' | 'all' = 'all';
      if (argv.length === 4) {
        if (is(argv[3], 'write')) mode = 'write';
        else if (!is(argv[3], 'all')) return new ReplyError('ERR CLIENT PAUSE mode must be WRITE or ALL');
      }
      return { ms: Math.min(Number(timeout), 8_640_000_000_000_000 - Date.now()), mode };
    },
    exec: (a, ctx) => {
      ctx.server.pauseClients(a.mode, Date.now() + a.ms);
      return OK;
    },
  }),
  sub({
    name: 'client|unpause', arity: 2, flags: ADMIN, since: '6.2.0', summary: 'Resumes processing commands from paused clients.',
    parse: () => null,
    exec: (_a, ctx) => {
      ctx.server.unpauseClients();
      return OK;
    },
  }),
  sub({
    name: 'client|no-evict', arity: 3, flags: ADMIN, since: '7.0.0', summary: 'Sets the client eviction mode of the connection.',
    parse: (argv) => (is(argv[2], 'on') || is(argv[2], 'off') ? null : syntaxError()),
    exec: () => OK,
  }),
  sub({
    name: 'client|help', arity: 2, flags: ['loading', 'stale'], since: '5.0.0', summary: 'Returns helpful text about the different subcommands.',
    parse: () => null,
    exec: () => ['CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:', 'GETNAME', 'SETNAME <name>', 'ID', 'INFO', 'LIST [TYPE normal] [ID id ...]', 'KILL <ip:port> | ID <id> | ADDR <ip:port> | LADDR <ip:port> | SKIPME yes|no', 'NO-EVICT ON|OFF', 'PAUSE <timeout> [WRITE|ALL]', 'UNPAUSE', 'REPLY ON|OFF|SKIP', 'SETINFO LIB-NAME|LIB-VER <value>', 'HELP'].map((s) => new StatusReply(s)),
  }),
];

export const connectionCommands: readonly CommandRow<any>[] = [
  row({
    name: 'ping', arity: -1, flags: ['fast'], since: '1.0.0', priority: 'high', summary: 'Returns the server\'s liveliness response.', complexity: 'O(1)',
    parse: (argv) => (argv.length > 2 ? new ReplyError("ERR wrong number of arguments for 'ping' command") : argv[1] ?? null),
    exec: (msg) => msg ?? PONG,
  }),
  row({
    name: 'echo', arity: 2, flags: ['fast', 'stale', 'loading'], since: '1.0.0', summary: 'Returns the given string.', complexity: 'O(1)',
    parse: (argv) => argv[1],
    exec: (msg) => msg,
  }),
  row({
    name: 'quit', arity: -1, flags: ['no_auth', 'noscript', 'loading', 'stale', 'fast', 'allow_busy'], since: '1.0.0', summary: 'Closes the connection.', complexity: 'O(1)',
    parse: () => null,
    exec: (_a, ctx) => (ctx.client.closeAfterReply(), OK),
  }),
  row({
    name: 'select', arity: 2, flags: ['loading', 'stale', 'fast'], since: '1.0.0', summary: 'Changes the selected database.', complexity: 'O(1)',
    parse: (argv, ctx) => {
      const id = rangeArg(argv[1], -2147483648, 2147483647);
      if (id instanceof ReplyError) return id;
      if (id < 0 || id >= ctx.server.config.values.server.databases) return new ReplyError(RedisError.dbIndexOutOfRange);
      return id;
    },
    exec: (db, ctx) => ((ctx.client.db = db), OK),
  }),
  row({
    name: 'auth', arity: -2, flags: ['no_auth', 'noscript', 'loading', 'stale', 'fast', 'allow_busy'], since: '1.0.0', summary: 'Authenticates the connection.', complexity: 'O(N) where N is the number of passwords defined for the user',
    parse: (argv) => (argv.length > 3 ? syntaxError() : argv.length === 3 ? { user: argv[1], password: argv[2] } : { user: null, password: argv[1] }),
    exec: (a, ctx) => authenticate(ctx, a.user, a.password) ?? OK,
  }),
  row({
    name: 'hello', arity: -1, flags: ['no_auth', 'noscript', 'loading', 'stale', 'fast', 'allow_busy'], since: '6.0.0', summary: 'Handshakes with the Redis server.', complexity: 'O(1)',
    parse: (argv) => {
      let ver: number | null = null;
      let i = 1;
      if (argv.length >= 2) {
        const v = parseInt64(argv[1]);
        if (v === undefined) return new ReplyError('ERR Protocol version is not an integer or out of range');
        if (v !== 2 && v !== 3) return new ReplyError(RedisError.unsupportedProtocol);
        ver = v;
        i = 2;
      }
      let auth: { user: Buffer; password: Buffer } | null = null;
      let name: string | null = null;
      for (; i < argv.length; i++) {
        const more = argv.length - 1 - i;
        if (is(argv[i], 'auth') && more >= 2) {
          auth = { user: argv[i + 1], password: argv[i + 2] };
          i += 2;
        } else if (is(argv[i], 'setname') && more >= 1) {
          if (!validName(argv[i + 1])) return new ReplyError(BAD_NAME);
          name = argv[++i].toString();
        } else {
          return new ReplyError(`ERR Syntax error in HELLO option '${argText(argv[i])}'`);
        }
      }
      return { ver, auth, name };
    },
    exec: (a, ctx) => {
      if (a.auth) {
        const err = authenticate(ctx, a.auth.user, a.auth.password);
        if (err) return err;
      }
      if (authRequired(ctx.client, ctx.server)) {
        return new ReplyError(RedisError.helloNoAuth);
      }
      if (a.name !== null) ctx.client.name = a.name;
      if (a.ver !== null) ctx.client.resp = a.ver as 2 | 3;
      return helloReply(ctx);
    },
  }),
  row({
    name: 'reset', arity: 1, flags: ['no_auth', 'noscript', 'loading', 'stale', 'fast', 'allow_busy'], since: '6.2.0', summary: 'Resets the connection.', complexity: 'O(1)',
    parse: () => null,
    exec: (_a, ctx) => {
      const c = ctx.client;
      c.db = 0;
      c.resp = 2;
      c.name = '';
      c.authenticated = ctx.server.config.values.server.requirepass === '';
      return new StatusReply('RESET');
    },
  }),
  row({
    name: 'client', arity: -2, flags: [], since: '2.4.0', summary: 'A container for client connection commands.', complexity: 'Depends on subcommand.',
    parse: (argv) => new ReplyError(unknownSubcommand(argText(argv[1]), 'client')),
    exec: () => null,
    subcommands: clientSubcommands,
  }),
];
