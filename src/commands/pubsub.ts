// Pub/sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH, the sharded
// SSUBSCRIBE SUNSUBSCRIBE SPUBLISH, and PUBSUB. Subscriptions live in the registry every
// network runtime shares (src/runtime/pubsub.ts); these rows only shape Redis' replies
// (pubsub.c: one confirmation per channel, RESP3 push or RESP2 array).
import { ReplyError, subcommandSyntax, unknownSubcommand } from '../errors.js';
import { argText } from './args.js';
import { PushReply, ReplySequence, StatusReply, type Reply } from './reply.js';
import { defineCommand, type ClientState, type CommandFlag, type CommandRow, type ExecContext, type PubSubKind } from './types.js';

type RowSpec<A> = Omit<CommandRow<A>, 'group' | 'firstKey' | 'lastKey' | 'step'> & Partial<Pick<CommandRow<A>, 'firstKey' | 'lastKey' | 'step'>>;
const row = <A>(r: RowSpec<A>): CommandRow<A> => defineCommand({ group: 'pubsub', firstKey: 0, lastKey: 0, step: 0, ...r });

const SUBSCRIBE: CommandFlag[] = ['pubsub', 'noscript', 'loading', 'stale'];
// Redis also marks these may_replicate, which COMMAND does not show (the dispatcher's
// MAY_REPLICATE list pauses them under CLIENT PAUSE WRITE).
const PUBLISH: CommandFlag[] = ['pubsub', 'loading', 'stale', 'fast'];
const INTROSPECT: CommandFlag[] = ['pubsub', 'loading', 'stale'];

/** The confirmation words, and what the count in a confirmation counts, by kind. */
const WORDS: Record<PubSubKind, { on: Buffer; off: Buffer }> = {
  channel: { on: Buffer.from('subscribe'), off: Buffer.from('unsubscribe') },
  pattern: { on: Buffer.from('psubscribe'), off: Buffer.from('punsubscribe') },
  shard: { on: Buffer.from('ssubscribe'), off: Buffer.from('sunsubscribe') },
};

/** Redis clientSubscriptionsCount (channels and patterns), or the shard count for shard channels. */
function countFor(client: ClientState, kind: PubSubKind): number {
  const s = client.subscriptions;
  return kind === 'shard' ? s.shard : s.channel + s.pattern;
}

/**
 * SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE: one confirmation per name (repeats included), sent
 * once every network runtime knows the subscriptions, so a PUBLISH anywhere after the
 * client sees them reaches it.
 */
function subscribe(kind: PubSubKind, names: Buffer[], ctx: ExecContext): Promise<Reply> {
  const { client, server } = ctx;
  const replies: Reply[] = [];
  for (const name of names) {
    server.pubsub.add(client, kind, name);
    replies.push(new PushReply([WORDS[kind].on, name, countFor(client, kind)]));
  }
  return server.pubsub.synced().then(() => new ReplySequence(replies));
}

/** UNSUBSCRIBE and friends; without names, every subscription of the kind (one nil confirmation if none). */
function unsubscribe(kind: PubSubKind, names: Buffer[], ctx: ExecContext): Reply {
  const { client, server } = ctx;
  const all = names.length === 0;
  const list = all ? server.pubsub.of(client, kind) : names;
  if (all && list.length === 0) return new PushReply([WORDS[kind].off, null, countFor(client, kind)]);
  const replies: Reply[] = [];
  for (const name of list) {
    server.pubsub.remove(client, kind, name);
    replies.push(new PushReply([WORDS[kind].off, name, countFor(client, kind)]));
  }
  return new ReplySequence(replies);
}

const names = (argv: Buffer[]) => argv.slice(1);

/** A kind's subscribe and unsubscribe rows ([summary, complexity] each); shard channels are keys, as in Redis. */
function subscribeRows(kind: PubSubKind, since: string, on: [string, string], off: [string, string]): CommandRow<Buffer[]>[] {
  const keys = kind === 'shard' ? { firstKey: 1, lastKey: -1, step: 1 } : {};
  return [
    row({ name: WORDS[kind].on.toString(), arity: -2, flags: SUBSCRIBE, since, summary: on[0], complexity: on[1], ...keys, parse: names, exec: (list, ctx) => subscribe(kind, list, ctx) }),
    row({ name: WORDS[kind].off.toString(), arity: -1, flags: SUBSCRIBE, since, summary: off[0], complexity: off[1], ...keys, parse: names, exec: (list, ctx) => unsubscribe(kind, list, ctx) }),
  ];
}

/** PUBSUB CHANNELS and SHARDCHANNELS: [pattern]. */
function channelsRow(kind: 'channel' | 'shard', sub: string, since: string, summary: string, complexity: string): CommandRow<Buffer | null> {
  return row({
    name: `pubsub|${sub}`, arity: -2, flags: INTROSPECT, since, summary, complexity,
    parse: (argv) => (argv.length > 3 ? new ReplyError(subcommandSyntax(argv)) : argv[2] ?? null),
    exec: (pattern, ctx) => ctx.server.pubsub.channels(kind, pattern),
  });
}

/** PUBSUB NUMSUB and SHARDNUMSUB: [channel ...] -> channel, count, ... */
function numsubRow(kind: 'channel' | 'shard', sub: string, since: string, summary: string, complexity: string): CommandRow<Buffer[]> {
  return row({
    name: `pubsub|${sub}`, arity: -2, flags: INTROSPECT, since, summary, complexity,
    parse: (argv) => argv.slice(2),
    exec: (channels, ctx) => channels.flatMap((c) => [c, ctx.server.pubsub.numsub(kind, c)]),
  });
}

const pubsubSubcommands: readonly CommandRow<any>[] = [
  channelsRow('channel', 'channels', '2.8.0', 'Returns the active channels.',
    'O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)'),
  numsubRow('channel', 'numsub', '2.8.0', 'Returns a count of subscribers to channels.', 'O(N) for the NUMSUB subcommand, where N is the number of requested channels'),
  row({
    name: 'pubsub|numpat', arity: 2, flags: INTROSPECT, since: '2.8.0', summary: 'Returns a count of unique pattern subscriptions.', complexity: 'O(1)',
    parse: () => null,
    exec: (_a, ctx) => ctx.server.pubsub.numpat(),
  }),
  channelsRow('shard', 'shardchannels', '7.0.0', 'Returns the active shard channels.',
    'O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).'),
  numsubRow('shard', 'shardnumsub', '7.0.0', 'Returns the count of subscribers of shard channels.', 'O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels'),
  row({
    name: 'pubsub|help', arity: 2, flags: ['loading', 'stale'], since: '6.2.0', summary: 'Returns helpful text about the different subcommands.', complexity: 'O(1)',
    parse: () => null,
    exec: () => [
      'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
      'CHANNELS [<pattern>]',
      "    Return the currently active channels matching a <pattern> (default: '*').",
      'NUMPAT',
      '    Return number of subscriptions to patterns.',
      'NUMSUB [<channel> ...]',
      '    Return the number of subscribers for the specified channels, excluding',
      '    pattern subscriptions(default: no channels).',
      'SHARDCHANNELS [<pattern>]',
      '    Return the currently active shard level channels matching a <pattern> (default: \'*\').',
      'SHARDNUMSUB [<shardchannel> ...]',
      '    Return the number of subscribers for the specified shard level channel(s)',
      'HELP',
      '    Prints this help.',
    ].map((s) => new StatusReply(s)),
  }),
];

export const pubsubCommands: readonly CommandRow<any>[] = [
  ...subscribeRows('channel', '2.0.0',
    ['Listens for messages published to channels.', 'O(N) where N is the number of channels to subscribe to.'],
    ['Stops listening to messages posted to channels.', 'O(N) where N is the number of clients already subscribed to a channel.']),
  ...subscribeRows('pattern', '2.0.0',
    ['Listens for messages published to channels that match one or more patterns.', 'O(N) where N is the number of patterns the client is already subscribed to.'],
    ['Stops listening to messages published to channels that match one or more patterns.', 'O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).']),
  ...subscribeRows('shard', '7.0.0',
    ['Listens for messages published to shard channels.', 'O(N) where N is the number of shard channels to subscribe to.'],
    ['Stops listening to messages posted to shard channels.', 'O(N) where N is the number of clients already subscribed to a shard channel.']),
  row({
    name: 'publish', arity: 3, flags: PUBLISH, since: '2.0.0', summary: 'Posts a message to a channel.', complexity: 'O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).',
    parse: (argv) => argv,
    exec: (argv, ctx) => ctx.server.pubsub.publish('channel', argv[1], argv[2]),
  }),
  row({
    name: 'spublish', arity: 3, flags: PUBLISH, since: '7.0.0', summary: 'Post a message to a shard channel', complexity: 'O(N) where N is the number of clients subscribed to the receiving shard channel.',
    firstKey: 1, lastKey: 1, step: 1,
    parse: (argv) => argv,
    exec: (argv, ctx) => ctx.server.pubsub.publish('shard', argv[1], argv[2]),
  }),
  row({
    name: 'pubsub', arity: -2, flags: [], since: '2.8.0', summary: 'A container for Pub/Sub commands.', complexity: 'Depends on subcommand.',
    parse: (argv) => new ReplyError(unknownSubcommand(argText(argv[1]), 'pubsub')),
    exec: () => null,
    subcommands: pubsubSubcommands,
  }),
];
