// One connection's MULTI/EXEC/WATCH state (Redis multi.c).
//
// - MULTI: the dispatcher queues every later command (after lookup, arity and
//   authentication: errors there abort the transaction, as Redis' flagTransaction) and
//   answers +QUEUED, until EXEC or DISCARD.
// - EXEC runs each queued command's parse and exec in order, as the dispatcher would.
//   Commands answered without storage (PING, ECHO, SELECT, CLIENT, CONFIG...) answer
//   there; storage commands are collected into ONE storage request: an EXEC header and
//   the commands after it. The storage runtime (Executor::RunExec) locks every key they
//   declare (a keyless one such as FLUSHALL or DBSIZE locks the whole keyspace), checks
//   this client's WATCHes under those locks, and runs them as one atomic group; so no
//   other client's command runs between them, whichever network runtime it came from.
// - WATCH is kept by the storage runtime, per client id (native/src/watch.h): every write
//   commits there, so writes from any network runtime, from other EXECs, FLUSHALL, and
//   expiry all reach it. The connection only remembers that it watches something, to
//   send UNWATCH when it leaves (EXEC, DISCARD, UNWATCH, RESET, disconnect).
import { errorReplyText, RedisError, ReplyError } from '../errors.js';
import { NULL_ARRAY, OK, type Reply } from '../commands/reply.js';
import { storageErrorReply } from '../commands/storage-reply.js';
import { StorageCall, type ExecContext, type Outcome, type TransactionControl } from '../commands/types.js';
import { OpError, type StorageCommand, type StorageReply } from '../storage/codec.js';
import { Flag, Op } from '../storage/ops.js';
import { storageCommand } from '../storage/requests.js';

/** A command queued inside MULTI; `run` parses and executes it as the dispatcher does. */
export interface QueuedCommand {
  readonly argv: Buffer[];
  run(): Outcome;
  /** Called with the command's reply once EXEC has it (command statistics). */
  done(reply: Reply): void;
}

/** Where a storage command's reply sits in the EXEC reply. */
interface Placed {
  index: number;
  call: StorageCall;
  /** Its first reply in the storage group's replies. */
  at: number;
  /** -1: one command; otherwise the size of its own atomic group (one array reply). */
  group: number;
}

const okOrError = (command: string) => (r: StorageReply): Reply => (r instanceof OpError ? storageErrorReply(r, command) : OK);
const watchReply = okOrError('watch');
const unwatchReply = okOrError('unwatch');

export class Transaction implements TransactionControl {
  readonly #ctx: ExecContext;
  readonly #clientId: number;
  #active = false;
  #aborted = false;
  #watching = false;
  #queue: QueuedCommand[] = [];

  constructor(ctx: ExecContext, clientId: number) {
    this.#ctx = ctx;
    this.#clientId = clientId;
  }

  get active(): boolean {
    return this.#active;
  }

  get watching(): boolean {
    return this.#watching;
  }

  /** Queued while in MULTI (the dispatcher answers +QUEUED). */
  queue(command: QueuedCommand): void {
    this.#queue.push(command);
  }

  /** A command was rejected while queuing: EXEC will answer EXECABORT. */
  abort(): void {
    if (this.#active) this.#aborted = true;
  }

  multi(): Reply {
    if (this.#active) return new ReplyError(RedisError.multiNested);
    this.#active = true;
    return OK;
  }

  discard(): Outcome {
    if (!this.#active) return new ReplyError(RedisError.discardWithoutMulti);
    this.#leave();
    return this.unwatch();
  }

  reset(): void {
    this.#leave();
    this.#forget();
  }

  /** The connection closed: the storage runtime forgets its watches. */
  close(): void {
    this.#leave();
    this.#forget();
  }

  watch(keys: Buffer[]): Outcome {
    if (this.#active) return new ReplyError(RedisError.watchInsideMulti);
    this.#watching = true;
    return new StorageCall(storageCommand(Op.WATCH, this.#ctx.client.db, keys, 0, 0, this.#clientId), watchReply);
  }

  unwatch(): Outcome {
    if (!this.#watching) return OK;
    this.#watching = false;
    return new StorageCall(storageCommand(Op.UNWATCH, 0, [], 0, 0, this.#clientId), unwatchReply);
  }

  exec(): Outcome {
    if (!this.#active) return new ReplyError(RedisError.execWithoutMulti);
    const queued = this.#queue;
    if (this.#aborted) {
      this.#leave();
      this.#forget();
      return new ReplyError(RedisError.execAbort);
    }
    const results: Array<Reply | Promise<Reply>> = new Array(queued.length);
    const placed: Placed[] = [];
    const commands: StorageCommand[] = [];
    for (let i = 0; i < queued.length; i++) {
      const outcome = queued[i].run();
      if (outcome instanceof StorageCall) {
        const c = outcome.commands;
        if (!Array.isArray(c)) {
          placed.push({ index: i, call: outcome, at: commands.length, group: -1 });
          commands.push(c);
        } else {
          // An atomic group of its own ([BATCH n, ...]): its commands join ours, and its
          // n replies become the one array reply it expects.
          const own = c[0]?.op === Op.BATCH ? c.slice(1) : c;
          placed.push({ index: i, call: outcome, at: commands.length, group: own.length });
          commands.push(...own);
        }
      } else {
        results[i] = outcome;
      }
    }
    // As Redis: the client is in MULTI (flag x) while its commands run.
    this.#leave();
    const watched = this.#watching;
    this.#watching = false;
    if (commands.length === 0 && !watched) return this.#settle(queued, results);
    const header = storageCommand(Op.EXEC, 0, [], watched ? Flag.EXEC_WATCHED : 0, commands.length, this.#clientId);
    return new Promise<Reply>((resolve) => {
      this.#ctx.server.storage.enqueue(
        [header, ...commands],
        (err, r) => {
          if (err !== null) {
            resolve(new ReplyError(errorReplyText(err)));
          } else if (r === null) {
            resolve(NULL_ARRAY); // a watched key changed: nothing ran
          } else if (r instanceof OpError || !Array.isArray(r)) {
            resolve(r instanceof OpError ? storageErrorReply(r, 'exec') : new ReplyError('ERR unexpected EXEC reply'));
          } else {
            for (const p of placed) results[p.index] = this.#map(p, r);
            resolve(this.#settle(queued, results));
          }
        },
        { origin: this.#clientId },
      );
    });
  }

  #map(p: Placed, replies: StorageReply[]): Reply {
    try {
      return p.call.map(p.group < 0 ? replies[p.at] : replies.slice(p.at, p.at + p.group), this.#ctx);
    } catch (err) {
      return new ReplyError(errorReplyText(err));
    }
  }

  /** The EXEC array once every reply is known (INFO, CLIENT LIST... answer later). */
  #settle(queued: QueuedCommand[], results: Array<Reply | Promise<Reply>>): Reply | Promise<Reply> {
    const finish = (replies: Reply[]): Reply => {
      replies.forEach((r, i) => queued[i].done(r));
      return replies;
    };
    if (!results.some((r) => r instanceof Promise)) return finish(results as Reply[]);
    return Promise.all(results.map((r) => (r instanceof Promise ? r.catch((err) => new ReplyError(errorReplyText(err))) : r))).then(finish);
  }

  #leave(): void {
    this.#active = false;
    this.#aborted = false;
    this.#queue = [];
  }

  /** Sends UNWATCH without waiting for it (RESET, EXECABORT, disconnect). */
  #forget(): void {
    if (!this.#watching) return;
    this.#watching = false;
    this.#ctx.server.storage.enqueue(storageCommand(Op.UNWATCH, 0, [], 0, 0, this.#clientId), () => {}, { origin: this.#clientId });
  }
}
