// Connection commands: PING ECHO QUIT SELECT HELLO AUTH RESET and CLIENT.
import { timingSafeEqual } from 'node:crypto';
import { RedisError, ReplyError, unknownSubcommand } from '../errors.js';
import { intInRange, is, lower, syntaxError } from './args.js';
import { MapReply, OK, PONG, StatusReply, VerbatimReply, type Reply } from './reply.js';
import { defineCommand, type ClientState, type CommandFlag, type CommandRow, type ExecContext } from './types.js';

const row = <A>(r: Omit<CommandRow<A>, 'group' | 'firstKey' | 'lastKey' | 'step'>): CommandRow<A> =>
  defineCommand({ group: 'connection', firstKey: 0, lastKey: 0, step: 0, ...r });
const sub = <A>(r: Omit<CommandRow<A>, 'group' | 'firstKey' | 'lastKey' | 'step' | 'since'> & { since?: string }): CommandRow<A> =>
  row({ since: '2.4.0', ...r });
const ADMIN: CommandFlag[] = ['admin', 'noscript', 'loading', 'stale'];
const CONN: CommandFlag[] = ['noscript', 'loading', 'stale'];

/** Whether the client still has to authenticate. */
export function authRequired(client: ClientState, ctx: ExecContext): boolean {
  return ctx.server.config.values.server.requirepass !== '' && !client.authenticated;
}

function passwordMatches(ctx: ExecContext, password: Buffer): boolean {
  const expected = Buffer.from(ctx.server.config.values.server.requirepass);
  return expected.length === password.length && timingSafeEqual(expected, password);
}

/**
 * ACL-less AUTH: only the default user exists. Without requirepass it is Redis' "nopass"
 * default user, which accepts any password when named (AUTH default x, HELLO 3 AUTH
 * default x); only the one-argument form is refused, with Redis' explanation.
 */
function authenticate(ctx: ExecContext, user: Buffer | null, password: Buffer): ReplyError | null {
  const noPassword = ctx.server.config.values.server.requirepass === '';
  if (noPassword && user === null) return new ReplyError(RedisError.authNotConfigured);
  if ((user !== null && user.toString() !== 'default') || (!noPassword && !passwordMatches(ctx, password))) {
    return new ReplyError(RedisError.wrongPass);
  }
  ctx.client.authenticated = true;
  return null;
}

/** Redis validateClientName: printable ASCII without spaces. */
function validName(name: Buffer): boolean {
  for (const c of name) if (c < 0x21 || c > 0x7e) return false;
  return true;
}
const BAD_NAME = 'ERR Client names cannot contain spaces, newlines or special characters.';
// Redis 7.0's wording (7.2 changed it to "HELLO <proto> AUTH").
const HELLO_NOAUTH =
  'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time';
const CLIENT_TYPES = ['normal', 'master', 'replica', 'slave', 'pubsub'];

/** CLIENT LIST/KILL TYPE: Redis' error for an unknown type; every client here is 'normal'. */
function clientType(v: Buffer): string | ReplyError {
  const t = lower(v);
  return CLIENT_TYPES.includes(t) ? t : new ReplyError(`ERR Unknown client type '${v.toString()}'`);
}

/** One CLIENT LIST line, in Redis 7.0's field order. */
export function clientLine(c: ClientState, now: number): string {
  const fields: Array<[string, string | number]> = [
    ['id', c.id], ['addr', c.addr], ['laddr', c.laddr], ['fd', -1], ['name', c.name],
    ['age', Math.floor((now - c.createdAt) / 1000)], ['idle', Math.floor((now - c.lastInteraction) / 1000)],
    ['flags', 'N'], ['db', c.db], ['sub', 0], ['psub', 0], ['ssub', 0], ['multi', -1],
    ['qbuf', c.inputBytes], ['qbuf-free', 0], ['argv-mem', 0], ['multi-mem', 0], ['rbs', 0], ['rbp', 0],
    ['obl', 0], ['oll', 0], ['omem', c.outputBytes], ['tot-mem', c.inputBytes + c.outputBytes],
    ['events', 'r'], ['cmd', c.lastCommand || 'NULL'], ['user', 'default'], ['redir', -1], ['resp', c.resp],
  ];
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
  id?: number;
  addr?: string;
  laddr?: string;
  /** TYPE other than normal, or USER other than default: matches no client here. */
  matchesNone?: boolean;
  skipMe: boolean;
  legacy: boolean;
}

function parseKill(argv: Buffer[]): KillFilter | ReplyError {
  if (argv.length === 3) return { addr: argv[2].toString(), skipMe: false, legacy: true };
  const f: KillFilter = { skipMe: true, legacy: false };
  if (argv.length % 2 !== 0) return syntaxError();
  for (let i = 2; i < argv.length; i += 2) {
    const v = argv[i + 1];
    if (is(argv[i], 'id')) {
      const id = intInRange(v, 1, Number.MAX_SAFE_INTEGER, 'ERR client-id should be greater than 0');
      if (id instanceof ReplyError) return id;
      f.id = id;
    } else if (is(argv[i], 'addr')) f.addr = v.toString();
    else if (is(argv[i], 'laddr')) f.laddr = v.toString();
    else if (is(argv[i], 'skipme')) {
      if (is(v, 'yes')) f.skipMe = true;
      else if (is(v, 'no')) f.skipMe = false;
      else return syntaxError();
    } else if (is(argv[i], 'type')) {
      // Every client here is a normal one.
      const t = clientType(v);
      if (t instanceof ReplyError) return t;
      if (t !== 'normal') f.matchesNone = true;
    } else if (is(argv[i], 'user')) {
      // Only the default user exists (Redis looks the user up and fails the same way).
      if (v.toString() !== 'default') return new ReplyError(`ERR No such user '${v.toString()}'`);
    } else if (is(argv[i], 'maxage')) {
      // Accepted (Redis 7.4); age filters are not implemented, so it filters nothing.
    } else return syntaxError();
  }
  return f;
}

function killClients(f: KillFilter, ctx: ExecContext): Reply {
  const victims: number[] = [];
  for (const c of f.matchesNone ? [] : ctx.server.clients.list()) {
    if (f.id !== undefined && c.id !== f.id) continue;
    if (f.addr !== undefined && c.addr !== f.addr) continue;
    if (f.laddr !== undefined && c.laddr !== f.laddr) continue;
    if (f.skipMe && c.id === ctx.client.id) continue;
    victims.push(c.id);
  }
  for (const id of victims) {
    if (id === ctx.client.id) ctx.client.closeAfterReply();
    else ctx.server.clients.kill(id);
  }
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
    parse: (argv) => (is(argv[2], 'lib-name') || is(argv[2], 'lib-ver') ? null : new ReplyError(`ERR Unrecognized option '${argv[2].toString()}'`)),
    exec: () => OK,
  }),
  sub({
    name: 'client|info', arity: 2, flags: CONN, since: '6.2.0', summary: 'Returns information about the connection.',
    parse: () => null, exec: (_a, ctx) => new VerbatimReply(`${clientLine(ctx.client, Date.now())}\n`),
  }),
  sub({
    name: 'client|list', arity: -2, flags: ADMIN, summary: 'Lists open connections.',
    parse: (argv) => {
      const ids = new Set<number>();
      let none = false;
      for (let i = 2; i < argv.length; i++) {
        if (is(argv[i], 'type') && i + 1 < argv.length) {
          const t = clientType(argv[++i]);
          if (t instanceof ReplyError) return t;
          none ||= t !== 'normal';
        } else if (is(argv[i], 'id') && i + 1 < argv.length) {
          for (i++; i < argv.length; i++) {
            // Any integer is a valid ID to ask for (Redis: getLongLongFromObjectOrReply).
            const id = intInRange(argv[i], -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'ERR Invalid client ID');
            if (id instanceof ReplyError) return id;
            ids.add(id);
          }
        } else return syntaxError();
      }
      return { ids, none };
    },
    exec: ({ ids, none }, ctx) => {
      const now = Date.now();
      let text = '';
      if (!none) for (const c of ctx.server.clients.list()) if (ids.size === 0 || ids.has(c.id)) text += `${clientLine(c, now)}\n`;
      return new VerbatimReply(text);
    },
  }),
  sub({ name: 'client|kill', arity: -3, flags: ADMIN, summary: 'Terminates open connections.', parse: parseKill, exec: killClients }),
  sub({
    name: 'client|no-evict', arity: 3, flags: ADMIN, since: '7.0.0', summary: 'Sets the client eviction mode of the connection.',
    parse: (argv) => (is(argv[2], 'on') || is(argv[2], 'off') ? null : syntaxError()),
    exec: () => OK,
  }),
  sub({
    name: 'client|help', arity: 2, flags: CONN, since: '5.0.0', summary: 'Returns helpful text about the different subcommands.',
    parse: () => null,
    exec: () => ['CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:', 'GETNAME', 'SETNAME <name>', 'ID', 'INFO', 'LIST [TYPE normal] [ID id ...]', 'KILL <ip:port> | ID <id> | ADDR <ip:port> | LADDR <ip:port> | SKIPME yes|no', 'NO-EVICT ON|OFF', 'SETINFO LIB-NAME|LIB-VER <value>', 'HELP'].map((s) => new StatusReply(s)),
  }),
];

export const connectionCommands: readonly CommandRow<any>[] = [
  row({
    name: 'ping', arity: -1, flags: ['fast', 'stale', 'loading'], since: '1.0.0', priority: 'high', summary: 'Returns the server\'s liveliness response.', complexity: 'O(1)',
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
      const id = intInRange(argv[1], -2147483648, 2147483647);
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
        const v = intInRange(argv[1], -Infinity, Infinity, 'ERR Protocol version is not an integer or out of range');
        if (v instanceof ReplyError) return v;
        if (v < 2 || v > 3) return new ReplyError(RedisError.unsupportedProtocol);
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
          return new ReplyError(`ERR Syntax error in HELLO option '${argv[i].toString()}'`);
        }
      }
      return { ver, auth, name };
    },
    exec: (a, ctx) => {
      if (a.auth) {
        const err = authenticate(ctx, a.auth.user, a.auth.password);
        if (err) return err;
      }
      if (authRequired(ctx.client, ctx)) {
        return new ReplyError(HELLO_NOAUTH);
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
    parse: (argv) => new ReplyError(unknownSubcommand(argv[1].toString(), 'client')),
    exec: () => null,
    subcommands: clientSubcommands,
  }),
];
