// COMMAND and its subcommands: the table describes itself, so redis-cli hints and client
// libraries (key positions, arity) work against it.
import { ReplyError, unknownSubcommand } from '../errors.js';
import { is, lower, syntaxError } from './args.js';
import { MapReply, SetReply, StatusReply, type Reply } from './reply.js';
import { defineCommand, type CommandFlag, type CommandRow, type ExecContext } from './types.js';

const row = <A>(r: Omit<CommandRow<A>, 'group' | 'firstKey' | 'lastKey' | 'step'>): CommandRow<A> =>
  defineCommand({ group: 'server', firstKey: 0, lastKey: 0, step: 0, ...r });

const GROUP_CATEGORY: Record<string, string> = { string: '@string', generic: '@keyspace', connection: '@connection', hash: '@hash', set: '@set', list: '@list', 'sorted-set': '@sortedset', bitmap: '@bitmap', hyperloglog: '@hyperloglog', transactions: '@transaction', geo: '@geo', stream: '@stream' };

// The orders Redis lists them in: addReplyCommandFlags() and ACLCommandCategories[].
const FLAG_ORDER: readonly CommandFlag[] = [
  'write', 'readonly', 'denyoom', 'admin', 'pubsub', 'noscript', 'blocking', 'loading', 'stale', 'skip_monitor', 'skip_slowlog', 'fast', 'no_auth', 'no_mandatory_keys', 'no_async_loading', 'no_multi', 'allow_busy', 'movablekeys',
];
const CATEGORY_ORDER = [
  '@keyspace', '@read', '@write', '@set', '@sortedset', '@list', '@hash', '@string', '@bitmap', '@hyperloglog', '@geo', '@stream',
  '@pubsub', '@admin', '@fast', '@slow', '@blocking', '@dangerous', '@connection', '@transaction', '@scripting',
];
const byOrder = <T>(order: readonly T[]) => (a: T, b: T) => order.indexOf(a) - order.indexOf(b);

/** Explicit categories plus those Redis' setImplicitACLCategories() derives from flags. */
export function categories(r: CommandRow): string[] {
  const family = r.subcommands?.length ? undefined : GROUP_CATEGORY[r.group];
  const c = new Set<string>(r.acl ?? (family ? [family] : []));
  const has = (f: CommandFlag) => r.flags.includes(f);
  if (has('write')) c.add('@write');
  // Redis leaves @read off scripting commands (EVAL_RO, FCALL_RO): a script may do anything.
  if (has('readonly') && !c.has('@scripting')) c.add('@read');
  if (has('admin')) c.add('@admin').add('@dangerous');
  if (has('pubsub')) c.add('@pubsub');
  if (has('blocking')) c.add('@blocking');
  c.add(has('fast') ? '@fast' : '@slow');
  return [...c].sort(byOrder(CATEGORY_ORDER));
}

export function commandInfo(r: CommandRow): Reply {
  return [
    r.name,
    r.arity,
    new SetReply([...r.flags].sort(byOrder(FLAG_ORDER)).map((f) => new StatusReply(f))),
    r.firstKey,
    r.lastKey,
    r.step,
    new SetReply(categories(r).map((c) => new StatusReply(c))),
    // Tips and key specifications are not implemented; Redis sends both as sets (RESP3 ~),
    // and subcommands as an array, or an empty set when there are none.
    new SetReply([]),
    new SetReply([]),
    r.subcommands?.length ? r.subcommands.map(commandInfo) : new SetReply([]),
  ];
}

function commandDocs(r: CommandRow): Reply {
  const entries: Array<[Reply, Reply]> = [
    ['summary', r.summary],
    ['since', r.since],
    ['group', r.group],
  ];
  if (r.complexity) entries.push(['complexity', r.complexity]);
  if (r.deprecated) {
    entries.push(['doc_flags', new SetReply([new StatusReply('deprecated')])], ['deprecated_since', r.deprecated.since], ['replaced_by', r.deprecated.replacedBy]);
  }
  if (r.subcommands?.length) entries.push(['subcommands', new MapReply(r.subcommands.map((s) => [s.name, commandDocs(s)] as const))]);
  return new MapReply(entries);
}

/** A command row by name, "container|sub" or "container sub". */
function find(ctx: ExecContext, name: string): CommandRow | undefined {
  const [top, sub] = name.toLowerCase().split(/[| ]/);
  const r = ctx.server.commands.get(top);
  if (!sub || !r) return r;
  return r.subcommands?.find((s) => s.name === `${top}|${sub}`);
}

function getKeys(argv: Buffer[], ctx: ExecContext): Reply {
  let r = ctx.server.commands.get(lower(argv[0]));
  if (!r) return new ReplyError('ERR Invalid command specified');
  if (r.subcommands && argv.length > 1) r = r.subcommands.find((s) => s.name.endsWith(`|${lower(argv[1])}`)) ?? r;
  if ((r.arity > 0 && argv.length !== r.arity) || argv.length < -r.arity) return new ReplyError('ERR Invalid number of arguments specified for command');
  if (r.keys) {
    const keys = r.keys(argv);
    return keys.length > 0 ? keys : new ReplyError('ERR Invalid arguments specified for command');
  }
  if (r.firstKey === 0) return new ReplyError('ERR The command has no key arguments');
  const last = r.lastKey < 0 ? argv.length + r.lastKey : r.lastKey;
  const keys: Buffer[] = [];
  for (let i = r.firstKey; i <= last && i < argv.length; i += r.step) keys.push(argv[i]);
  return keys;
}

const subcommands: readonly CommandRow<any>[] = [
  row({ name: 'command|count', arity: 2, flags: ['loading', 'stale'], acl: ['@connection'], since: '2.8.13', summary: 'Returns a count of commands.', parse: () => null, exec: (_a, ctx) => ctx.server.commands.size }),
  row({
    name: 'command|info', arity: -2, flags: ['loading', 'stale'], acl: ['@connection'], since: '2.8.13', summary: 'Returns information about one, multiple or all commands.',
    parse: (argv) => argv.slice(2).map((b) => b.toString()),
    exec: (names, ctx) => {
      if (names.length === 0) return [...ctx.server.commands.values()].map(commandInfo);
      return names.map((n) => {
        const r = find(ctx, n);
        return r ? commandInfo(r) : null;
      });
    },
  }),
  row({
    name: 'command|docs', arity: -2, flags: ['loading', 'stale'], acl: ['@connection'], since: '7.0.0', summary: 'Returns documentary information about one, multiple or all commands.',
    parse: (argv) => argv.slice(2).map((b) => b.toString()),
    exec: (names, ctx) => {
      const rows = names.length === 0 ? [...ctx.server.commands.values()] : names.map((n) => find(ctx, n)).filter((r): r is CommandRow => r !== undefined);
      return new MapReply(rows.map((r) => [r.name, commandDocs(r)] as const));
    },
  }),
  row({
    name: 'command|list', arity: -2, flags: ['loading', 'stale'], acl: ['@connection'], since: '7.0.0', summary: 'Returns a list of command names.',
    parse: (argv) => {
      if (argv.length === 2) return null;
      if (argv.length !== 5 || !is(argv[2], 'filterby')) return syntaxError();
      const kind = lower(argv[3]);
      if (kind !== 'pattern' && kind !== 'aclcat' && kind !== 'module') return syntaxError();
      return { kind, value: argv[4].toString() };
    },
    exec: (filter, ctx) => {
      const rows = [...ctx.server.commands.values()];
      if (filter === null) return rows.map((r) => r.name);
      if (filter.kind === 'module') return [];
      if (filter.kind === 'aclcat') return rows.filter((r) => categories(r).includes(`@${filter.value.toLowerCase()}`)).map((r) => r.name);
      const re = new RegExp(`^${filter.value.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
      return rows.map((r) => r.name).filter((n) => re.test(n));
    },
  }),
  row({
    name: 'command|getkeys', arity: -4, flags: ['loading', 'stale'], acl: ['@connection'], since: '2.8.13', summary: 'Extracts the key names from an arbitrary command.',
    parse: (argv) => argv.slice(2),
    exec: getKeys,
  }),
  row({
    name: 'command|help', arity: 2, flags: ['loading', 'stale'], acl: ['@connection'], since: '5.0.0', summary: 'Returns helpful text about the different subcommands.',
    parse: () => null,
    exec: () => ['COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:', '(no subcommand)', 'COUNT', 'INFO [<command-name> ...]', 'DOCS [<command-name> ...]', 'LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]', 'GETKEYS <full-command>', 'HELP'].map((s) => new StatusReply(s)),
  }),
];

export const commandCommands: readonly CommandRow<any>[] = [
  row({
    name: 'command', arity: -1, flags: ['loading', 'stale'], acl: ['@connection'], since: '2.8.13', summary: 'Returns detailed information about all commands.', complexity: 'O(N) where N is the total number of Redis commands',
    // With no subcommand: every command's info. With an unknown one: Redis' error.
    parse: (argv) => (argv.length === 1 ? null : new ReplyError(unknownSubcommand(argv[1].toString(), 'command'))),
    exec: (_a, ctx) => [...ctx.server.commands.values()].map(commandInfo),
    subcommands,
  }),
];
