// SORT and SORT_RO (Redis sort.c): the options are parsed here, in Redis' order; the
// storage runtime loads, sorts and reads the BY/GET patterns (native/src/types/sort.cc).
// SORT runs as a read on one snapshot; with STORE it is a write whose locks cover the
// key and the destination, and the keys its patterns name are read unlocked.
import { ReplyError } from '../errors.js';
import { Flag, Op } from '../storage/ops.js';
import { storageCommand } from '../storage/requests.js';
import { int64Arg, is, syntaxError } from './args.js';
import { generic } from './storage-reply.js';
import { defineCommand, StorageCall, type CommandRow } from './types.js';

interface SortArgs {
  key: Buffer;
  store: Buffer | null;
  by: Buffer | null;
  gets: Buffer[];
  flags: number;
  offset: number | bigint;
  count: number | bigint;
}

/** Whether a pattern has a '*' before any NUL (Redis' strchr): if not, BY does not sort. */
const hasStar = (b: Buffer): boolean => {
  const star = b.indexOf(0x2a);
  const nul = b.indexOf(0);
  return star >= 0 && (nul < 0 || star < nul);
};

/** sortCommandGeneric's option loop. SORT_RO knows no STORE. */
function parseSort(argv: Buffer[], readonly: boolean): SortArgs | ReplyError {
  const a: SortArgs = { key: argv[1], store: null, by: null, gets: [], flags: 0, offset: 0, count: -1 };
  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const opt = argv[j];
    if (is(opt, 'asc')) {
      a.flags &= ~Flag.SORT_DESC;
    } else if (is(opt, 'desc')) {
      a.flags |= Flag.SORT_DESC;
    } else if (is(opt, 'alpha')) {
      a.flags |= Flag.SORT_ALPHA;
    } else if (is(opt, 'limit') && left >= 2) {
      const offset = int64Arg(argv[j + 1]);
      if (offset instanceof ReplyError) return offset;
      const count = int64Arg(argv[j + 2]);
      if (count instanceof ReplyError) return count;
      a.offset = offset;
      a.count = count;
      j += 2;
    } else if (!readonly && is(opt, 'store') && left >= 1) {
      a.store = argv[++j];
    } else if (is(opt, 'by') && left >= 1) {
      a.by = argv[++j];
      // Redis never clears this once a BY without '*' was seen.
      if (!hasStar(a.by)) a.flags |= Flag.SORT_DONTSORT;
    } else if (is(opt, 'get') && left >= 1) {
      a.gets.push(argv[++j]);
    } else {
      return syntaxError();
    }
  }
  if (a.by) a.flags |= Flag.SORT_BY;
  return a;
}

/** Redis sortGetKeys: the key, and the last STORE destination. */
function sortKeys(argv: Buffer[]): Buffer[] {
  const keys = [argv[1]];
  let store: Buffer | null = null;
  for (let i = 2; i < argv.length; i++) {
    if (is(argv[i], 'limit')) i += 2;
    else if (is(argv[i], 'get') || is(argv[i], 'by')) i += 1;
    else if (is(argv[i], 'store') && i + 1 < argv.length) store = argv[i + 1];
  }
  return store ? [...keys, store] : keys;
}

const COMPLEXITY =
  'O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N). (kiwi: every element is held in memory while sorting; each BY and GET pattern costs a point read per element.)';
const ACL = ['@set', '@sortedset', '@list', '@dangerous'];

function sortCall(a: SortArgs, db: number) {
  const tail = a.by ? [a.by, ...a.gets] : a.gets;
  if (a.store) return new StorageCall(storageCommand(Op.SORT_STORE, db, [a.key, a.store, ...tail], a.flags, a.offset, a.count), generic('sort'));
  return new StorageCall(storageCommand(Op.SORT, db, [a.key, ...tail], a.flags, a.offset, a.count), generic('sort'));
}

export const sortCommands: readonly CommandRow<any>[] = [
  defineCommand({
    name: 'sort', arity: -2, flags: ['write', 'denyoom', 'movablekeys'], firstKey: 1, lastKey: 1, step: 1, group: 'generic', acl: ACL,
    since: '1.0.0', summary: 'Sorts the elements in a list, a set, or a sorted set, optionally storing the result.', complexity: COMPLEXITY,
    keys: sortKeys,
    parse: (argv) => parseSort(argv, false),
    exec: (a, ctx) => sortCall(a, ctx.client.db),
  }),
  defineCommand({
    name: 'sort_ro', arity: -2, flags: ['readonly', 'movablekeys'], firstKey: 1, lastKey: 1, step: 1, group: 'generic', acl: ACL,
    since: '7.0.0', summary: 'Returns the sorted elements of a list, a set, or a sorted set.', complexity: COMPLEXITY,
    keys: (argv) => [argv[1]],
    parse: (argv) => parseSort(argv, true),
    exec: (a, ctx) => sortCall(a, ctx.client.db),
  }),
];
