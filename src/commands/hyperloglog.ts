// HyperLogLog commands (Redis hyperloglog.c). The storage runtime keeps Redis' own
// representation (native/src/types/hyperloglog.cc), so values move between Redis and
// kiwi with GET and SET.
import { Op } from '../storage/ops.js';
import { storageCommand } from '../storage/requests.js';
import { generic } from './storage-reply.js';
import { defineCommand, StorageCall, type CommandRow, type ExecContext } from './types.js';

const row = <A>(r: Omit<CommandRow<A>, 'group' | 'lastKey' | 'step'> & { lastKey?: number }): CommandRow<A> =>
  defineCommand({ group: 'hyperloglog', lastKey: 1, step: 1, ...r });

const sparseMax = (ctx: ExecContext): number => ctx.server.config.values.server.hllSparseMaxBytes;

export const hyperloglogCommands: readonly CommandRow<any>[] = [
  row({
    name: 'pfadd', arity: -2, flags: ['write', 'denyoom', 'fast'], firstKey: 1, since: '2.8.9', summary: 'Adds elements to a HyperLogLog key. Creates the key if it doesn\'t exist.',
    complexity: 'O(1) to add every element.',
    parse: (argv) => argv.slice(1),
    exec: (args, ctx) => new StorageCall(storageCommand(Op.PFADD, ctx.client.db, args, 0, 0, sparseMax(ctx)), generic('pfadd')),
  }),
  row({
    // readonly as in Redis, although counting one key stores the cardinality it computed.
    name: 'pfcount', arity: -2, flags: ['readonly'], firstKey: 1, lastKey: -1, since: '2.8.9', summary: 'Returns the approximated cardinality of the set(s) observed by the HyperLogLog key(s).',
    complexity: 'O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.',
    parse: (argv) => argv.slice(1),
    exec: (keys, ctx) => new StorageCall(storageCommand(Op.PFCOUNT, ctx.client.db, keys), generic('pfcount')),
  }),
  row({
    name: 'pfmerge', arity: -2, flags: ['write', 'denyoom'], firstKey: 1, lastKey: -1, since: '2.8.9', summary: 'Merges one or more HyperLogLog values into a single key.',
    complexity: 'O(N) to merge N HyperLogLogs, but with high constant times.',
    parse: (argv) => argv.slice(1),
    exec: (keys, ctx) => new StorageCall(storageCommand(Op.PFMERGE, ctx.client.db, keys, 0, 0, sparseMax(ctx)), generic('pfmerge')),
  }),
];
