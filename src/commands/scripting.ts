// Scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT. Scripts run on the storage
// runtime's script thread with the keyspace held exclusively (native/src/script); the
// commands they call come back to src/server/script-host.ts. See README, "Scripting".
import { RedisError, ReplyError, subcommandSyntax, unknownSubcommand } from '../errors.js';
import { int64Arg, is, lower } from './args.js';
import { MapReply, StatusReply, type Reply } from './reply.js';
import { defineCommand, type CommandFlag, type CommandRow, type ExecContext, type ScriptTaskOp } from './types.js';

const row = <A>(r: Omit<CommandRow<A>, 'group' | 'firstKey' | 'lastKey' | 'step'>): CommandRow<A> =>
  defineCommand({ group: 'scripting', firstKey: 0, lastKey: 0, step: 0, acl: ['@scripting'], ...r });

export const SCRIPT_ERRORS = {
  tooManyKeys: "ERR Number of keys can't be greater than number of args",
  negativeKeys: "ERR Number of keys can't be negative",
  notBusy: 'NOTBUSY No scripts in execution right now.',
  unkillable: 'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.',
  flushMode: 'ERR SCRIPT FLUSH only support SYNC|ASYNC option',
  functionFlushMode: 'ERR FUNCTION FLUSH only supports SYNC|ASYNC option',
  libraryNameMissing: 'ERR library name argument was not given',
  restorePolicy: 'ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.',
  unavailable: 'ERR scripting is not available in this runtime',
} as const;

/** SCRIPT KILL and FUNCTION KILL: each stops only its own kind (Redis' scriptKill). */
function kill(ctx: ExecContext, func: boolean): Reply {
  const r = ctx.server.scripts?.kill(func) ?? 0;
  if (r === 1) return new StatusReply('OK');
  if (r === 3) return new ReplyError(func ? RedisError.busy : RedisError.busyFunction);
  return new ReplyError(r === 0 ? SCRIPT_ERRORS.notBusy : SCRIPT_ERRORS.unkillable);
}

interface EvalArgs {
  body: Buffer;
  keys: Buffer[];
  args: Buffer[];
}

/** EVAL's numkeys split, with Redis' checks (evalGenericCommand). */
function parseEval(argv: Buffer[]): EvalArgs | ReplyError {
  const n = int64Arg(argv[2]);
  if (n instanceof ReplyError) return n;
  if (n > argv.length - 3) return new ReplyError(SCRIPT_ERRORS.tooManyKeys);
  if (n < 0) return new ReplyError(SCRIPT_ERRORS.negativeKeys);
  const k = Number(n);
  return { body: argv[1], keys: argv.slice(3, 3 + k), args: argv.slice(3 + k) };
}

function evalKeys(argv: Buffer[]): Buffer[] {
  const n = Number(argv[2]?.toString());
  return Number.isInteger(n) && n > 0 ? argv.slice(3, 3 + n) : [];
}

function run(ctx: ExecContext, op: ScriptTaskOp, body: Buffer | null, keys: Buffer[], args: Buffer[], readOnly: boolean): Promise<Reply> | Reply {
  const scripts = ctx.server.scripts;
  if (scripts === null) return new ReplyError(SCRIPT_ERRORS.unavailable);
  return scripts.run(op, body, keys, args, ctx, readOnly);
}

const EVAL_FLAGS: CommandFlag[] = ['noscript', 'stale', 'skip_monitor', 'no_mandatory_keys', 'movablekeys'];
const EVAL_RO_FLAGS: CommandFlag[] = ['readonly', 'noscript', 'stale', 'skip_monitor', 'no_mandatory_keys', 'movablekeys'];

function evalRow(name: string, sha: boolean, readOnly: boolean, summary: string, since: string): CommandRow<EvalArgs> {
  return row({
    name, arity: -3, flags: readOnly ? EVAL_RO_FLAGS : EVAL_FLAGS, since, summary, complexity: 'Depends on the script that is executed.',
    parse: parseEval,
    exec: (a, ctx) => run(ctx, sha ? 1 : 0, a.body, a.keys, a.args, readOnly),
    keys: evalKeys,
  });
}

const flushArg = (error: string) => (argv: Buffer[]) =>
  argv.length === 2 || (argv.length === 3 && (is(argv[2], 'sync') || is(argv[2], 'async'))) ? null : new ReplyError(error);

const HELP = [
  'SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
  'HELP',
  '    Prints this help.',
];

const scriptSubcommands: readonly CommandRow<any>[] = [
  row({
    name: 'script|load', arity: 3, flags: ['noscript', 'stale'], since: '2.6.0', summary: 'Loads a server-side Lua script to the script cache.', complexity: 'O(N) with N being the length in bytes of the script body.',
    parse: (argv) => argv[2],
    exec: (body: Buffer, ctx) => run(ctx, 2, body, [], [], false),
  }),
  row({
    name: 'script|exists', arity: -3, flags: ['noscript'], since: '2.6.0', summary: 'Determines whether server-side Lua scripts exist in the script cache.', complexity: 'O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).',
    parse: (argv) => argv.slice(2),
    exec: (shas: Buffer[], ctx) => run(ctx, 3, null, [], shas, false),
  }),
  row({
    name: 'script|flush', arity: -2, flags: ['noscript'], since: '2.6.0', summary: 'Removes all server-side Lua scripts from the script cache.', complexity: 'O(N) with N being the number of scripts in cache',
    // ASYNC and SYNC both flush at once: the cache is small and the script thread frees it.
    parse: flushArg(SCRIPT_ERRORS.flushMode),
    exec: (_a, ctx) => run(ctx, 4, null, [], [], false),
  }),
  row({
    name: 'script|kill', arity: 2, flags: ['noscript', 'allow_busy'], since: '2.6.0', summary: 'Terminates a server-side Lua script during execution.', complexity: 'O(1)',
    parse: () => null,
    exec: (_a, ctx) => kill(ctx, false),
  }),
  row({
    name: 'script|help', arity: 2, flags: ['loading', 'stale'], since: '5.0.0', summary: 'Returns helpful text about the different subcommands.', complexity: 'O(1)',
    parse: () => null,
    exec: () => HELP.map((s) => new StatusReply(s)),
  }),
];

const FUNCTION_HELP = [
  'FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'HELP',
  '    Prints this help.',
];

const functionSubcommands: readonly CommandRow<any>[] = [
  row({
    name: 'function|load', arity: -3, flags: ['write', 'denyoom', 'noscript'], since: '7.0.0', summary: 'Creates a library.', complexity: 'O(1) (considering compilation time is redundant)',
    parse: (argv) => {
      let replace = false;
      for (const a of argv.slice(2, -1)) {
        if (!is(a, 'replace')) return new ReplyError(`ERR Unknown option given: ${a.toString('latin1')}`);
        replace = true;
      }
      return { code: argv[argv.length - 1], replace };
    },
    exec: (a: { code: Buffer; replace: boolean }, ctx) => run(ctx, 5, a.code, [], a.replace ? [Buffer.from('REPLACE')] : [], false),
  }),
  row({
    name: 'function|delete', arity: 3, flags: ['write', 'noscript'], since: '7.0.0', summary: 'Deletes a library and its functions.', complexity: 'O(1)',
    parse: (argv) => argv[2],
    exec: (name: Buffer, ctx) => run(ctx, 8, name, [], [], false),
  }),
  row({
    name: 'function|flush', arity: -2, flags: ['write', 'noscript'], since: '7.0.0', summary: 'Deletes all libraries and functions.', complexity: 'O(N) where N is the number of functions deleted',
    // ASYNC and SYNC both flush at once on the script thread.
    parse: flushArg(SCRIPT_ERRORS.functionFlushMode),
    exec: (_a, ctx) => run(ctx, 9, null, [], [], false),
  }),
  row({
    name: 'function|list', arity: -2, flags: ['noscript'], since: '7.0.0', summary: 'Returns information about all libraries.', complexity: 'O(N) where N is the number of functions',
    parse: (argv) => {
      let withCode = false;
      let pattern: Buffer | null = null;
      for (let i = 2; i < argv.length; i++) {
        if (is(argv[i], 'withcode') && !withCode) withCode = true;
        else if (is(argv[i], 'libraryname') && pattern === null) {
          if (i + 1 >= argv.length) return new ReplyError(SCRIPT_ERRORS.libraryNameMissing);
          pattern = argv[++i];
        } else return new ReplyError(`ERR Unknown argument ${argv[i].toString('latin1')}`);
      }
      return { withCode, pattern };
    },
    exec: (a: { withCode: boolean; pattern: Buffer | null }, ctx) => run(ctx, 7, null, [], a.pattern ? [Buffer.from(a.withCode ? '1' : '0'), a.pattern] : [Buffer.from(a.withCode ? '1' : '0')], false),
  }),
  row({
    name: 'function|dump', arity: 2, flags: ['noscript'], since: '7.0.0', summary: 'Dumps all libraries into a serialized binary payload.', complexity: 'O(N) where N is the number of functions',
    parse: () => null,
    exec: (_a, ctx) => run(ctx, 10, null, [], [], false),
  }),
  row({
    name: 'function|restore', arity: -3, flags: ['write', 'denyoom', 'noscript'], since: '7.0.0', summary: 'Restores all libraries from a payload.', complexity: 'O(N) where N is the number of functions on the payload',
    // Redis' order of checks: argument count, then the policy, then the payload.
    parse: (argv) => {
      if (argv.length > 4) return new ReplyError(subcommandSyntax(argv));
      if (argv.length === 3) return { payload: argv[2], policy: 'APPEND' };
      const policy = ['append', 'replace', 'flush'].find((p) => is(argv[3], p));
      return policy === undefined ? new ReplyError(SCRIPT_ERRORS.restorePolicy) : { payload: argv[2], policy: policy.toUpperCase() };
    },
    exec: (a: { payload: Buffer; policy: string }, ctx) => run(ctx, 11, a.payload, [], [Buffer.from(a.policy)], false),
  }),
  row({
    name: 'function|stats', arity: 2, flags: ['noscript', 'allow_busy'], since: '7.0.0', summary: 'Returns information about a function during execution.', complexity: 'O(1)',
    parse: () => null,
    exec: (_a, ctx) => {
      const r = ctx.server.scripts?.running();
      if (r === undefined) return new ReplyError(SCRIPT_ERRORS.unavailable);
      const script = r.kind === 2 ? new MapReply([['name', r.name], ['command', r.command], ['duration_ms', r.ms]]) : null;
      return new MapReply([['running_script', script], ['engines', new MapReply([['LUA', new MapReply([['libraries_count', r.libraries], ['functions_count', r.functions]])]])]]);
    },
  }),
  row({
    name: 'function|kill', arity: 2, flags: ['noscript', 'allow_busy'], since: '7.0.0', summary: 'Terminates a function during execution.', complexity: 'O(1)',
    parse: () => null,
    exec: (_a, ctx) => kill(ctx, true),
  }),
  row({
    name: 'function|help', arity: 2, flags: ['loading', 'stale'], since: '7.0.0', summary: 'Returns helpful text about the different subcommands.', complexity: 'O(1)',
    parse: () => null,
    exec: () => FUNCTION_HELP.map((s) => new StatusReply(s)),
  }),
];

function fcallRow(name: string, readOnly: boolean, summary: string): CommandRow<EvalArgs> {
  return row({
    name, arity: -3, flags: readOnly ? EVAL_RO_FLAGS : EVAL_FLAGS, since: '7.0.0', summary, complexity: 'Depends on the function that is executed.',
    parse: parseEval,
    exec: (a, ctx) => run(ctx, 6, a.body, a.keys, a.args, readOnly),
    keys: evalKeys,
  });
}

export const scriptingCommands: readonly CommandRow<any>[] = [
  evalRow('eval', false, false, 'Executes a server-side Lua script.', '2.6.0'),
  evalRow('evalsha', true, false, 'Executes a server-side Lua script by SHA1 digest.', '2.6.0'),
  evalRow('eval_ro', false, true, 'Executes a read-only server-side Lua script.', '7.0.0'),
  evalRow('evalsha_ro', true, true, 'Executes a read-only server-side Lua script by SHA1 digest.', '7.0.0'),
  row({
    name: 'script', arity: -2, flags: [], since: '2.6.0', summary: 'A container for Lua scripts management commands.', acl: [],
    parse: (argv) => new ReplyError(unknownSubcommand(lower(argv[1]), 'script')),
    exec: () => null,
    subcommands: scriptSubcommands,
  }),
  fcallRow('fcall', false, 'Invokes a function.'),
  fcallRow('fcall_ro', true, 'Invokes a read-only function.'),
  row({
    name: 'function', arity: -2, flags: [], since: '7.0.0', summary: 'A container for function commands.', acl: [],
    parse: (argv) => new ReplyError(unknownSubcommand(lower(argv[1]), 'function')),
    exec: () => null,
    subcommands: functionSubcommands,
  }),
];
