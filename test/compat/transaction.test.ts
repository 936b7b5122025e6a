// Differential tests of MULTI/EXEC/DISCARD/WATCH/UNWATCH against Debian's redis-server,
// RESP2 and RESP3: +QUEUED, the EXEC array with per-command errors, EXECABORT after a
// queuing error, the nil reply of a transaction whose watched key changed (here by the
// client itself: a write after WATCH counts whoever makes it), and the misplaced-command
// errors.
import { differential, norm } from './suite.js';
import type { Arg } from './harness.js';

/** COMMAND INFO up to the ACL categories (tips, key specs and subcommands not compared). */
const headOfInfo = (argv: Arg[]) => norm(argv, (v) => (Array.isArray(v) ? v.map((c) => (Array.isArray(c) ? c.slice(0, 7) : c)) : v));

differential('Transaction differential', (same) => {
  same('MULTI and EXEC', [['FLUSHALL'], ['MULTI'], ['SET', 'a', '1'], ['INCR', 'a'], ['GET', 'a'], ['EXEC'], ['GET', 'a']]);
  same('an empty transaction', [['MULTI'], ['EXEC']]);
  same('runtime errors are per command and roll nothing back', [
    ['FLUSHALL'], ['SET', 's', 'x'], ['MULTI'], ['INCR', 's'], ['SET', 'n', '1'], ['HSET', 's', 'f', 'v'], ['SET', 'x', '1', 'NX', 'XX'], ['EXPIRE', 'n', 'abc'], ['INCRBY', 'n', '4'], ['EXEC'], ['GET', 'n'],
  ]);
  same('EXECABORT after an unknown command, a wrong arity or a forbidden command', [
    ['FLUSHALL'], ['MULTI'], ['SET', 'a', '1'], ['NOSUCH', 'x'], ['EXEC'], ['EXISTS', 'a'],
    ['MULTI'], ['SET', 'a', '1'], ['GET'], ['EXEC'], ['EXISTS', 'a'],
    ['MULTI'], ['SET', 'a', '1'], ['CONFIG', 'NOSUCH'], ['EXEC'], ['EXISTS', 'a'],
    ['MULTI'], ['SHUTDOWN'], ['EXEC'],
  ]);
  same('MULTI nested and WATCH inside MULTI are errors that do not abort', [
    ['FLUSHALL'], ['MULTI'], ['MULTI'], ['WATCH', 'a'], ['SET', 'a', '1'], ['EXEC'], ['GET', 'a'],
  ]);
  same('EXEC, DISCARD without MULTI; WATCH and UNWATCH arity', [['EXEC'], ['DISCARD'], ['WATCH'], ['UNWATCH', 'x'], ['MULTI', 'x'], ['EXEC', 'x'], ['UNWATCH']]);
  same('DISCARD drops the queue', [['FLUSHALL'], ['MULTI'], ['SET', 'a', '1'], ['DISCARD'], ['EXISTS', 'a'], ['EXEC']]);
  same('WATCH: a write after it makes EXEC return nil', [
    ['FLUSHALL'], ['SET', 'w', '1'], ['WATCH', 'w'], ['SET', 'w', '2'], ['MULTI'], ['INCR', 'w'], ['EXEC'], ['GET', 'w'],
    ['WATCH', 'w'], ['MULTI'], ['INCR', 'w'], ['EXEC'], ['GET', 'w'],
  ]);
  same('WATCH: DEL, RENAME, FLUSHDB and a member write count; a failed SET NX does not', [
    ['FLUSHALL'], ['SET', 'w', '1'], ['WATCH', 'w'], ['DEL', 'w'], ['MULTI'], ['PING'], ['EXEC'],
    ['SET', 'w', '1'], ['WATCH', 'w'], ['RENAME', 'w', 'v'], ['MULTI'], ['PING'], ['EXEC'],
    ['SET', 'w', '1'], ['WATCH', 'w'], ['FLUSHDB'], ['MULTI'], ['PING'], ['EXEC'],
    ['HSET', 'h', 'f', '1'], ['WATCH', 'h'], ['HSET', 'h', 'f', '2'], ['MULTI'], ['PING'], ['EXEC'],
    ['SET', 'w', '1'], ['WATCH', 'w'], ['SET', 'w', '2', 'NX'], ['MULTI'], ['PING'], ['EXEC'],
  ]);
  same('UNWATCH forgets, and a watch on another database is not touched', [
    ['FLUSHALL'], ['WATCH', 'w'], ['UNWATCH'], ['SET', 'w', '1'], ['MULTI'], ['GET', 'w'], ['EXEC'],
    ['WATCH', 'w'], ['SELECT', '1'], ['SET', 'w', 'other'], ['MULTI'], ['GET', 'w'], ['SELECT', '0'], ['GET', 'w'], ['EXEC'], ['SELECT', '0'],
  ]);
  same('SELECT, ECHO, PING and keyless commands inside a transaction', [
    ['FLUSHALL'], ['MULTI'], ['SET', 'k', 'db0'], ['SELECT', '2'], ['SET', 'k', 'db2'], ['DBSIZE'], ['ECHO', 'e'], ['PING'], ['PING', 'x'], ['KEYS', '*'], ['FLUSHDB'], ['DBSIZE'], ['EXEC'],
    ['GET', 'k'], ['SELECT', '0'], ['GET', 'k'],
  ]);
  same('COMMAND INFO of the transaction and blocking commands', [
    headOfInfo(['COMMAND', 'INFO', 'multi', 'exec', 'discard', 'watch', 'unwatch', 'client|unblock']),
    headOfInfo(['COMMAND', 'INFO', 'blpop', 'brpop', 'brpoplpush', 'blmove', 'blmpop', 'bzpopmin', 'bzpopmax', 'bzmpop']),
    ['COMMAND', 'GETKEYS', 'BLMPOP', '0', '2', 'a', 'b', 'LEFT'], ['COMMAND', 'GETKEYS', 'BZMPOP', '0', '1', 'z', 'MIN'], ['COMMAND', 'GETKEYS', 'WATCH', 'a', 'b'],
    ['COMMAND', 'GETKEYS', 'BLPOP', 'a', 'b', '0'], ['COMMAND', 'GETKEYS', 'BLMOVE', 'a', 'b', 'LEFT', 'LEFT', '0'],
  ]);
  same('RESET leaves MULTI', [['MULTI'], ['SET', 'a', '1'], ['RESET'], ['EXEC'], ['EXISTS', 'a']]);
});
