// One client connection: socket in, parser, dispatch, replies out in request order.
//
// Replies are kept in order with a queue of slots. A command answered at once writes its
// reply straight to the output buffer when nothing is pending before it; otherwise (and
// for storage commands, answered later) it takes a slot that is filled when the answer
// comes, and filled slots at the head of the queue are written as soon as they are ready.
// Output is flushed once per burst of work (a socket read, or a storage completion).
//
// Commands can be held back, in order, instead of dispatched: while CLIENT PAUSE is in
// force for them (the dispatcher postpones them), and while the client owes more replies
// than its output budget allows (replies written but unread, plus replies in flight
// estimated from its recent reply sizes). Reading stops while anything is held, so
// memory stays bounded for a client that pipelines without reading.
import type { Socket } from 'node:net';
import { tick } from '../clock.js';
import { ReplyError } from '../errors.js';
import { NO_REPLY, type Reply } from '../commands/reply.js';
import type { ClientState } from '../commands/types.js';
import type { OutputClass, OutputLimits } from '../commands/types.js';
import { RequestParser } from '../protocol/request-parser.js';
import { RespWriter } from './resp-writer.js';

const PENDING = Symbol('pending');
/** A slot whose reply is not sent (CLIENT REPLY OFF/SKIP). */
const NOTHING = Symbol('nothing');
type Slot = Reply | typeof PENDING | typeof NOTHING;

export const PauseReason = {
  STORAGE_BACKPRESSURE: 1,
  OUTPUT_BACKPRESSURE: 2,
  /** Commands are held (CLIENT PAUSE, output budget): read no more until they run. */
  HELD: 4,
  /** A protocol error: nothing more is read; the connection closes after the reply. */
  CLOSING: 8,
} as const;

/** Why commands are held back. */
export const HoldReason = {
  PAUSE: 1,
  OUTPUT_BUDGET: 2,
  /** A blocking command (BLPOP...) waits: later commands run once it is answered. */
  BLOCKED: 4,
  /** A script runs (EVAL, FCALL...): later commands run once it is answered. */
  SCRIPT: 8,
} as const;

/**
 * Replies a connection may owe before it stops reading. Redis reads on while it answers
 * in order; here answers wait for storage, so a client that pipelines without reading
 * would otherwise make the server read, parse and hold requests without bound.
 */
export const MAX_PENDING_REPLIES = 4096;

/** What a connection needs from the server that owns it. */
export interface ConnectionHost {
  dispatch(conn: Connection, id: number, argv: Buffer[]): void;
  onClose(conn: Connection): void;
  /** Protocol error seen (for INFO stats). */
  onProtocolError(): void;
  onBytes(input: number, output: number): void;
  authRequired(conn: Connection): boolean;
  readonly maxBulkLength: number;
  log(level: 'debug' | 'verbose' | 'notice' | 'warning', message: string): void;
  /** Bytes of replies a client may owe before its commands are held (client-output-budget). */
  readonly outputBudget: number;
  readonly outputLimits: OutputLimits;
}

interface Held {
  id: number;
  argv: Buffer[];
  /** Whether its reply is to be dropped (CLIENT REPLY SKIP before it). */
  skip: boolean;
}

/**
 * Connections holding pub/sub messages not yet written. They are written together once the
 * event loop has handled every socket that was ready (setImmediate: as Redis writes in
 * beforeSleep), so one write carries every message a burst of publishers sent a
 * subscriber, instead of one write per message.
 */
const pushed = new Set<Connection>();
let pushFlushQueued = false;
function flushPushed(): void {
  pushFlushQueued = false;
  for (const c of pushed) c.flush();
  pushed.clear();
}

export class Connection implements ClientState {
  readonly id: number;
  readonly addr: string;
  readonly laddr: string;
  readonly createdAt = Date.now();
  name = '';
  db = 0;
  resp: 2 | 3 = 2;
  #authenticated = false;
  lastCommand = '';
  lastInteraction = Date.now();
  /** CLIENT SETINFO. */
  libName = '';
  libVer = '';
  /** In MONITOR mode. */
  monitor = false;
  /** MULTI/WATCH state, made by the dispatcher with the connection's first command. */
  transaction: { readonly active: boolean } | null = null;
  /** Blocking-command state, made by the dispatcher with the transaction. */
  blocking: { readonly blocked: boolean; wake(seq: number): void; unblock(error: boolean): boolean; close(): void } | null = null;
  /** Pub/sub subscriptions by kind (the registry in src/runtime/pubsub.ts keeps them). */
  readonly subscriptions = { channel: 0, pattern: 0, shard: 0 };

  readonly #socket: Socket;
  readonly #host: ConnectionHost;
  readonly #parser: RequestParser;
  readonly #writer = new RespWriter();
  #slots: Slot[] = [];
  #head = 0;
  /** Absolute number of slots[0], so slot numbers survive compaction. */
  #base = 0;
  #closeAfterReply = false;
  #closed = false;
  #flushQueued = false;
  #paused = 0;
  #held: Held[] = [];
  #hold = 0;
  #answeredWaiters: Array<{ at: number; resolve: () => void }> = [];
  /** CLIENT REPLY: OFF drops every reply; SKIP drops the next command's. */
  #replyOff = false;
  #skipNext = false;
  #skipThis = false;
  #dropThis = false;
  #mutedSlots: Set<number> | null = null;
  /**
   * Recent encoded reply size (bytes), to estimate what replies in flight will cost. It
   * starts high (a sixteenth of the budget: a new client has at most 16 commands in
   * flight until its replies show their size), jumps up at once on a bigger reply and
   * comes down by a quarter of the gap per smaller one.
   */
  #replySize: number;
  /** Since when the output has been over the soft limit (0: it is not). */
  #softSince = 0;
  readonly #onCommand = (id: number, argv: Buffer[]): void => {
    if (this.#closeAfterReply || this.#closed) return;
    // Behind held commands it waits for them, whatever holds them (it adds no reason of
    // its own: UNPAUSE must release a paused command and what was read after it).
    if (this.#held.length > 0 || this.#hold !== 0) {
      this.#holdBack({ id, argv, skip: false }, 0);
      return;
    }
    if (this.#overBudget()) {
      this.#holdBack({ id, argv, skip: false }, HoldReason.OUTPUT_BUDGET);
      return;
    }
    this.#run(id, argv, false);
  };
  readonly #flushNow = (): void => {
    this.#flushQueued = false;
    this.flush();
  };

  constructor(id: number, socket: Socket, host: ConnectionHost) {
    this.id = id;
    this.#socket = socket;
    this.#host = host;
    this.addr = `${socket.remoteAddress}:${socket.remotePort}`;
    this.laddr = `${socket.localAddress}:${socket.localPort}`;
    this.#parser = new RequestParser({ maxBulkLength: host.maxBulkLength });
    this.#replySize = host.outputBudget / 16;
    // Each read sets the parser's pre-AUTH limits from the live configuration (#onData).
    this.#authenticated = !host.authRequired(this);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => this.#onDrain());
    socket.on('error', (err) => host.log('verbose', `client ${this.addr}: ${err.message}`));
    socket.on('close', () => this.#onClose());
  }

  get authenticated(): boolean {
    return this.#authenticated;
  }

  set authenticated(value: boolean) {
    this.#authenticated = value;
    this.#parser.authenticated = value || !this.#host.authRequired(this);
  }

  get closed(): boolean {
    return this.#closed;
  }


  get outputBytes(): number {
    return this.#writer.pending + this.#socket.writableLength;
  }

  /** Replies owed and not yet ready (CLIENT LIST oll, the output budget). */
  get pendingReplies(): number {
    return this.#slots.length - this.#head;
  }

  /** The socket's descriptor (CLIENT LIST fd), or -1. */
  get fd(): number {
    const fd = (this.#socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    return typeof fd === 'number' ? fd : -1;
  }

  /** CLIENT LIST events: r while its input is read, w while output waits. */
  get events(): string {
    return `${this.#paused === 0 ? 'r' : ''}${this.outputBytes > 0 ? 'w' : ''}`;
  }

  /** Subscribed to any channel, pattern or shard channel (Redis' CLIENT_PUBSUB flag). */
  get subscribed(): boolean {
    const s = this.subscriptions;
    return s.channel + s.pattern + s.shard > 0;
  }

  /** Which client-output-buffer-limit applies: subscribers have their own (Redis getClientType). */
  get outputClass(): OutputClass {
    return this.subscribed ? 'pubsub' : 'normal';
  }

  /** CLIENT LIST flags in Redis' order: O in MONITOR mode, P subscribed, x inside MULTI, b blocked; N for none. */
  get flags(): string {
    const f = `${this.monitor ? 'O' : ''}${this.subscribed ? 'P' : ''}${this.transaction?.active ? 'x' : ''}${this.blocking?.blocked ? 'b' : ''}`;
    return f === '' ? 'N' : f;
  }

  /** Commands held back now (CLIENT PAUSE: blocked_clients). */
  get postponed(): boolean {
    return (this.#hold & HoldReason.PAUSE) !== 0;
  }

  /** CLIENT REPLY ON | OFF | SKIP, as Redis' clientCommand sets its flags. */
  setReplyMode(mode: 'on' | 'off' | 'skip'): void {
    if (mode === 'on') {
      this.#replyOff = false;
      this.#skipNext = false;
    } else if (mode === 'off') {
      this.#replyOff = true;
    } else if (!this.#replyOff) {
      this.#skipNext = true;
    }
    // OFF and SKIP are not answered themselves.
    if (mode !== 'on') this.#dropThis = true;
  }

  get #muted(): boolean {
    return this.#replyOff || this.#skipThis || this.#dropThis;
  }

  /** Dispatches a command; the reply mode it runs under moves on as Redis' does per command. */
  #run(id: number, argv: Buffer[], skip: boolean): void {
    this.#skipThis = skip || this.#skipNext;
    this.#skipNext = false;
    this.#dropThis = false;
    this.#host.dispatch(this, id, argv);
    this.#skipThis = false;
    this.#dropThis = false;
  }

  /** The dispatcher postpones the command it was given (CLIENT PAUSE). */
  postpone(id: number, argv: Buffer[]): void {
    // It runs first once released: commands read after it are behind it.
    this.#held.unshift({ id, argv, skip: this.#skipThis });
    this.#hold |= HoldReason.PAUSE;
    this.pause(PauseReason.HELD);
  }

  /** A blocking command runs: commands after it wait (Redis reads none while blocked). */
  holdForBlock(): void {
    this.#hold |= HoldReason.BLOCKED;
    this.pause(PauseReason.HELD);
  }

  #holdBack(cmd: Held, reason: number): void {
    this.#held.push(cmd);
    this.#hold |= reason;
    this.pause(PauseReason.HELD);
  }

  /** Runs held commands in order while nothing holds them; reads again once none is left. */
  release(reason: number): void {
    if ((this.#hold & reason) === 0) return;
    this.#hold &= ~reason;
    while (this.#held.length > 0 && this.#hold === 0 && !this.#closed && !this.#closeAfterReply) {
      if (this.#overBudget()) {
        this.#hold |= HoldReason.OUTPUT_BUDGET;
        break;
      }
      const next = this.#held.shift()!;
      this.#run(next.id, next.argv, next.skip);
    }
    if (this.#held.length === 0 && this.#hold === 0) this.resume(PauseReason.HELD);
    this.flush();
  }

  /**
   * Whether the client owes more than its budget: output not yet taken by the socket,
   * plus replies in flight at its recent reply size. Answers wait for storage, so a
   * client that pipelines big reads without reading them would otherwise make the
   * server hold their replies without bound.
   */
  #overBudget(): boolean {
    const pending = this.#slots.length - this.#head;
    if (pending >= MAX_PENDING_REPLIES) return true;
    return this.outputBytes + pending * this.#replySize > this.#host.outputBudget;
  }

  #write(r: Reply): void {
    const before = this.#writer.pending;
    this.#writer.write(r, this.resp);
    const size = this.#writer.pending - before;
    if (size > 0) this.#replySize = size > this.#replySize ? size : this.#replySize + (size - this.#replySize) / 4;
  }

  get inputBytes(): number {
    return this.#parser.pendingBytes;
  }

  #onData(chunk: Buffer): void {
    tick();
    this.lastInteraction = Date.now();
    this.#host.onBytes(chunk.length, 0);
    // Limits that CONFIG SET may have changed since the last read (requirepass, and
    // proto-max-bulk-len) apply to open connections too, as in Redis.
    this.#parser.authenticated = !this.#host.authRequired(this);
    const maxBulk = this.#host.maxBulkLength;
    if (this.#parser.maxBulkLength !== maxBulk) this.#parser.maxBulkLength = maxBulk;
    const error = this.#parser.feed(chunk, this.#onCommand);
    if (error !== null && !this.#closeAfterReply) {
      this.#host.onProtocolError();
      this.#host.log('verbose', `protocol error from ${this.addr}: ${error.text}`);
      // As Redis: the error, then the connection closes; nothing more is read, so a peer
      // that keeps writing finds its writes failing instead of being accepted.
      this.#replyOff = false;
      this.#dropThis = false;
      this.#skipThis = false;
      this.reply(new ReplyError(error.text));
      this.pause(PauseReason.CLOSING);
      this.closeAfterReply();
    }
    this.flush();
  }

  /** Queues a reply that is ready now. */
  reply(r: Reply): void {
    if (this.#muted || r === NO_REPLY) return;
    if (this.#head === this.#slots.length) {
      this.#write(r);
    } else {
      this.#slots.push(r);
    }
  }

  /**
   * A pub/sub message: after every reply already owed (as Redis appends it to the output
   * buffer), dropped under CLIENT REPLY OFF as Redis does, written with the other
   * messages of this event-loop turn (flushPushed).
   */
  push(r: Reply): void {
    if (this.#closed || this.#replyOff) return;
    const before = this.eventsSlot - this.#base;
    if (before >= this.#head && before < this.#slots.length) {
      // This client's own keyspace event: Redis adds it to the output while the command
      // runs, so it goes out just before the command's reply, not after it.
      this.#before ??= new Map();
      const list = this.#before.get(this.eventsSlot);
      if (list === undefined) this.#before.set(this.eventsSlot, [r]);
      else list.push(r);
    } else if (this.#head === this.#slots.length) this.#write(r);
    else this.#slots.push(r);
    pushed.add(this);
    if (!pushFlushQueued) {
      pushFlushQueued = true;
      setImmediate(flushPushed);
    }
  }

  /**
   * The slot of the command whose keyspace events are being published (-1: none), set by
   * the dispatcher around publishing: push() puts this client's own events before it.
   */
  eventsSlot = -1;
  #before: Map<number, Reply[]> | null = null;

  #writeBefore(slot: number): void {
    const list = this.#before!.get(slot);
    if (list === undefined) return;
    this.#before!.delete(slot);
    for (const r of list) this.#write(r);
  }

  /**
   * Resolves once every reply owed now has been filled (null when none is owed): a script
   * starts only after the commands sent before it have run, as Redis runs them in order.
   */
  earlierAnswered(): Promise<void> | null {
    const at = this.#base + this.#slots.length;
    if (this.#base + this.#head >= at || this.#closed) return null;
    return new Promise<void>((resolve) => this.#answeredWaiters.push({ at, resolve }));
  }

  #wakeAnswered(all: boolean): void {
    const head = this.#base + this.#head;
    const waiting = this.#answeredWaiters;
    this.#answeredWaiters = [];
    for (const w of waiting) {
      if (all || w.at <= head) w.resolve();
      else this.#answeredWaiters.push(w);
    }
  }

  /** Commands read after now wait until the returned function is called (a script runs). */
  holdLater(): () => void {
    this.#hold |= HoldReason.SCRIPT;
    this.pause(PauseReason.HELD);
    return () => this.release(HoldReason.SCRIPT);
  }

  /** Takes a slot for a reply that comes later; returns its number for fill(). */
  reserve(): number {
    this.#slots.push(PENDING);
    const slot = this.#base + this.#slots.length - 1;
    if (this.#muted) (this.#mutedSlots ??= new Set()).add(slot);
    return slot;
  }

  /** Fills a slot, writes every ready reply at the head, and schedules a flush. */
  fill(slot: number, r: Reply): void {
    if (this.#closed) return;
    this.#slots[slot - this.#base] = this.#mutedSlots?.delete(slot) || r === NO_REPLY ? NOTHING : r;
    let head = this.#head;
    const slots = this.#slots;
    while (head < slots.length && slots[head] !== PENDING) {
      if (this.#before !== null && this.#before.size > 0) this.#writeBefore(this.#base + head);
      if (slots[head] !== NOTHING) this.#write(slots[head] as Reply);
      head++;
    }
    if (head === slots.length) {
      this.#base += slots.length;
      this.#slots = [];
      this.#head = 0;
    } else {
      this.#head = head;
    }
    if (this.#answeredWaiters.length > 0) this.#wakeAnswered(false);
    if ((this.#hold & HoldReason.OUTPUT_BUDGET) !== 0 && !this.#overBudget()) {
      this.release(HoldReason.OUTPUT_BUDGET);
      return;
    }
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(this.#flushNow);
    }
  }

  /** Writes what is encoded; closes if QUIT or an error asked for it and all is sent. */
  flush(): void {
    if (this.#closed) return;
    if (this.#writer.pending > 0) {
      const out = this.#writer.take();
      let bytes = 0;
      if (out.length === 1) {
        bytes = out[0].length;
        this.#socket.write(out[0]);
      } else {
        this.#socket.cork();
        for (const b of out) {
          bytes += b.length;
          this.#socket.write(b);
        }
        this.#socket.uncork();
      }
      this.#host.onBytes(0, bytes);
      // A client that does not read its replies stops being read from.
      if (this.#socket.writableNeedDrain) this.pause(PauseReason.OUTPUT_BACKPRESSURE);
      if (this.#overLimit()) return;
    }
    if (this.#closeAfterReply && this.#head === this.#slots.length) {
      this.#closed = true;
      // Close once the replies are handed to the kernel (QUIT's +OK, a protocol error).
      this.#socket.end(() => this.#socket.destroy());
    }
  }

  get errorReplies(): number {
    return this.#writer.errors;
  }

  closeAfterReply(): void {
    this.#closeAfterReply = true;
  }

  /**
   * client-output-buffer-limit for this client's class: over the hard limit, or over the
   * soft one for longer than its seconds, the client is closed (Redis' wording in the log).
   */
  #overLimit(): boolean {
    const limit = this.#host.outputLimits[this.outputClass];
    if (limit.hard === 0 && limit.soft === 0) return false;
    const owed = this.outputBytes;
    let over = limit.hard > 0 && owed > limit.hard;
    if (!over && limit.soft > 0 && owed > limit.soft) {
      const now = Date.now();
      if (this.#softSince === 0) this.#softSince = now;
      over = now - this.#softSince > limit.seconds * 1000;
    } else if (owed <= limit.soft) {
      this.#softSince = 0;
    }
    if (!over) return false;
    this.#host.log('warning', `Client id=${this.id} addr=${this.addr} closed for overcoming of output buffer limits (${owed} bytes owed, class ${this.outputClass}).`);
    this.kill();
    return true;
  }

  /** Closes at once, dropping unsent replies (CLIENT KILL, shutdown, idle timeout). */
  kill(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#wakeAnswered(true);
    this.#socket.destroy();
  }

  pause(reason: number): void {
    if (this.#paused === 0) this.#socket.pause();
    this.#paused |= reason;
  }

  resume(reason: number): void {
    if (this.#paused === 0) return;
    this.#paused &= ~reason;
    if (this.#paused === 0 && !this.#closed) this.#socket.resume();
  }

  #onDrain(): void {
    this.#softSince = 0;
    this.resume(PauseReason.OUTPUT_BACKPRESSURE);
    if ((this.#hold & HoldReason.OUTPUT_BUDGET) !== 0 && !this.#overBudget()) this.release(HoldReason.OUTPUT_BUDGET);
  }

  #onClose(): void {
    this.#closed = true;
    this.#wakeAnswered(true);
    this.#host.onClose(this);
  }
}
