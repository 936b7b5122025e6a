// One connection's blocking commands (BLPOP BRPOP BRPOPLPUSH BLMOVE BLMPOP).
//
// The pop goes to storage behind a BLOCK header (Executor::RunBlock): if a key has
// elements it pops at once; otherwise the storage runtime registers this client as a
// waiter on its keys, in the order clients blocked (native/src/blocking.h), and answers
// nil. The connection then holds its later commands, as Redis does for a blocked client.
// A push that may serve it comes back as a wake (through whichever runtime pushed, over
// the bus); the client retries its pop with BLOCK_RETRY, which the storage runtime only
// runs while the client still waits with this very command. Its timeout (the one timer
// it has), CLIENT UNBLOCK and disconnecting send BLOCK_CANCEL; a retry already in flight
// runs before it (one origin's requests run in order), so an element popped for the
// client is always delivered to it, never lost.
import { errorReplyText, ReplyError } from '../errors.js';
import type { Reply } from '../commands/reply.js';
import { StorageCall, type BlockingControl, type ExecContext, type Outcome } from '../commands/types.js';
import type { StorageCommand, StorageReply } from '../storage/codec.js';
import { Flag, Op } from '../storage/ops.js';
import { storageCommand } from '../storage/requests.js';
import { HoldReason, type Connection } from './connection.js';

const MAX_TIMER = 2 ** 31 - 1;

export const UNBLOCKED_ERROR = 'UNBLOCKED client unblocked via CLIENT UNBLOCK';

interface Waiting {
  seq: number;
  call: StorageCall;
  inner: StorageCommand;
  keys: Buffer[];
  onTimeout: Reply;
  resolve: (r: Reply) => void;
  timer: NodeJS.Timeout | null;
  /** Registered as a waiter in the storage runtime (its first attempt found nothing). */
  parked: boolean;
  /** A BLOCK_CANCEL is on its way: its reply when nothing serves it first. */
  cancelled: Reply | undefined;
}

export class Blocker implements BlockingControl {
  readonly #ctx: ExecContext;
  readonly #conn: Connection;
  #seq = 0;
  #waiting: Waiting | null = null;

  constructor(ctx: ExecContext, conn: Connection) {
    this.#ctx = ctx;
    this.#conn = conn;
  }

  /** Blocked now (CLIENT LIST flag b). */
  get blocked(): boolean {
    return this.#waiting?.parked === true;
  }

  block(call: StorageCall, keys: Buffer[], timeoutMs: number, onTimeout: Reply): Outcome {
    const inner = call.commands;
    // Inside MULTI (EXEC runs it) a blocking command never blocks: the pop runs once.
    if (this.#ctx.tx.active || Array.isArray(inner)) return call;
    this.#conn.holdForBlock();
    return new Promise<Reply>((resolve) => {
      const w: Waiting = {
        seq: (this.#seq = (this.#seq + 1) >>> 0), call, inner, keys, onTimeout, resolve, timer: null, parked: false, cancelled: undefined,
      };
      this.#waiting = w;
      this.#attempt(w, false, timeoutMs);
    });
  }

  #attempt(w: Waiting, retry: boolean, timeoutMs = 0): void {
    const header = storageCommand(Op.BLOCK, this.#ctx.server.bus.self, w.keys, retry ? Flag.BLOCK_RETRY : 0, w.seq, this.#conn.id);
    this.#ctx.server.storage.enqueue([header, w.inner], (err, r) => this.#attempted(w, retry, timeoutMs, err, r), { origin: this.#conn.id });
  }

  #attempted(w: Waiting, retry: boolean, timeoutMs: number, err: Error | null, r: StorageReply): void {
    if (this.#waiting !== w) return;
    if (err !== null) return this.#finish(w, new ReplyError(errorReplyText(err)));
    if (r === 'STALE') return;
    if (r !== null) {
      let reply: Reply;
      try {
        reply = w.call.map(r, this.#ctx);
      } catch (e) {
        reply = new ReplyError(errorReplyText(e));
      }
      return this.#finish(w, reply);
    }
    if (retry || w.parked) return; // nothing for us this time: wait on
    w.parked = true;
    this.#ctx.server.blockedChanged(1);
    if (w.cancelled === undefined && timeoutMs > 0) this.#arm(w, Date.now() + timeoutMs);
  }

  /** The timeout's timer; Node's timers go up to 2^31-1 ms, so a longer one re-arms. */
  #arm(w: Waiting, at: number): void {
    const left = at - Date.now();
    w.timer = left > MAX_TIMER ? setTimeout(() => this.#arm(w, at), MAX_TIMER) : setTimeout(() => this.#cancel(w, w.onTimeout), Math.max(left, 0));
  }

  /** A push may serve command `seq`: try again. */
  wake(seq: number): void {
    const w = this.#waiting;
    if (w !== null && w.seq === seq && w.cancelled === undefined) this.#attempt(w, true);
  }

  /** CLIENT UNBLOCK: true if the client was blocked. */
  unblock(error: boolean): boolean {
    const w = this.#waiting;
    if (w === null || !w.parked || w.cancelled !== undefined) return false;
    this.#cancel(w, error ? new ReplyError(UNBLOCKED_ERROR) : w.onTimeout);
    return true;
  }

  /** The connection closed: the storage runtime forgets the waiter. */
  close(): void {
    const w = this.#waiting;
    if (w === null) return;
    this.#cancel(w, w.onTimeout);
  }

  #cancel(w: Waiting, reply: Reply): void {
    if (w.cancelled !== undefined) return;
    w.cancelled = reply;
    if (w.timer !== null) clearTimeout(w.timer);
    const cancel = storageCommand(Op.BLOCK_CANCEL, 0, [], 0, 0, this.#conn.id);
    // Answered after any retry already sent: if that retry served us, its reply won.
    this.#ctx.server.storage.enqueue(cancel, () => {
      if (this.#waiting === w) this.#finish(w, reply);
    }, { origin: this.#conn.id });
  }

  #finish(w: Waiting, reply: Reply): void {
    this.#waiting = null;
    if (w.timer !== null) clearTimeout(w.timer);
    if (w.parked) this.#ctx.server.blockedChanged(-1);
    w.resolve(reply);
    this.#conn.release(HoldReason.BLOCKED);
  }
}
