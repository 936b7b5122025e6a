// Transactions (Redis multi.c): MULTI EXEC DISCARD WATCH UNWATCH. The rows only parse;
// the connection's transaction (ctx.tx, src/server/transaction.ts) queues commands and
// sends EXEC to the storage runtime as one isolated group that also checks the WATCHes.
import { defineCommand, type CommandFlag, type CommandRow } from './types.js';

const row = <A>(r: Omit<CommandRow<A>, 'group' | 'firstKey' | 'lastKey' | 'step' | 'since'> & Partial<CommandRow<A>>): CommandRow<A> =>
  defineCommand({ group: 'transactions', firstKey: 0, lastKey: 0, step: 0, since: '1.2.0', ...r });
const FLAGS: CommandFlag[] = ['noscript', 'loading', 'stale', 'fast', 'allow_busy'];

export const transactionCommands: readonly CommandRow<any>[] = [
  row({
    name: 'multi', arity: 1, flags: FLAGS, summary: 'Starts a transaction.', complexity: 'O(1)',
    parse: () => null,
    exec: (_a, ctx) => ctx.tx.multi(),
  }),
  row({
    name: 'exec', arity: 1, flags: ['noscript', 'loading', 'stale', 'skip_slowlog'], summary: 'Executes all commands in a transaction.',
    complexity: 'Depends on commands in the transaction',
    parse: () => null,
    exec: (_a, ctx) => ctx.tx.exec(),
  }),
  row({
    name: 'discard', arity: 1, flags: FLAGS, since: '2.0.0', summary: 'Discards a transaction.', complexity: 'O(N), when N is the number of queued commands',
    parse: () => null,
    exec: (_a, ctx) => ctx.tx.discard(),
  }),
  row({
    name: 'watch', arity: -2, flags: FLAGS, firstKey: 1, lastKey: -1, step: 1, since: '2.2.0',
    summary: 'Monitors changes to keys to determine the execution of a transaction.', complexity: 'O(1) for every key.',
    parse: (argv) => argv.slice(1),
    exec: (keys, ctx) => ctx.tx.watch(keys),
  }),
  row({
    name: 'unwatch', arity: 1, flags: FLAGS, since: '2.2.0', summary: 'Forgets about watched keys of a transaction.', complexity: 'O(1)',
    parse: () => null,
    exec: (_a, ctx) => ctx.tx.unwatch(),
  }),
];
