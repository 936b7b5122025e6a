// One client connection: socket in, parser, dispatch, replies out in request order.
//
// Replies are kept in order with a queue of slots. A command answered at once writes its
// reply straight to the output buffer when nothing is pending before it; otherwise (and
// for storage commands, answered later) it takes a slot that is filled when the answer
// comes, and filled slots at the head of the queue are written as soon as they are ready.
// Output is flushed once per burst of work (a socket read, or a storage completion).
import type { Socket } from 'node:net';
import { tick } from '../clock.js';
import { ReplyError } from '../errors.js';
import type { Reply } from '../commands/reply.js';
import type { ClientState } from '../commands/types.js';
import { RequestParser } from '../protocol/request-parser.js';
import { RespWriter } from './resp-writer.js';

const PENDING = Symbol('pending');
type Slot = Reply | typeof PENDING;

export const PauseReason = {
  STORAGE_BACKPRESSURE: 1,
  OUTPUT_BACKPRESSURE: 2,
  PENDING_REPLIES: 4,
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
  readonly #onCommand = (id: number, argv: Buffer[]): void => {
    if (this.#closeAfterReply || this.#closed) return;
    this.#host.dispatch(this, id, argv);
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
    // Each read sets the parser's pre-AUTH limits from the live configuration (#onData).
    this.#authenticated = !host.authRequired(this);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => this.resume(PauseReason.OUTPUT_BACKPRESSURE));
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
      this.reply(new ReplyError(error.text));
      this.closeAfterReply();
    }
    if (this.#slots.length - this.#head > MAX_PENDING_REPLIES) this.pause(PauseReason.PENDING_REPLIES);
    this.flush();
  }

  /** Queues a reply that is ready now. */
  reply(r: Reply): void {
    if (this.#head === this.#slots.length) {
      this.#writer.write(r, this.resp);
    } else {
      this.#slots.push(r);
    }
  }

  /** Takes a slot for a reply that comes later; returns its number for fill(). */
  reserve(): number {
    this.#slots.push(PENDING);
    return this.#base + this.#slots.length - 1;
  }

  /** Fills a slot, writes every ready reply at the head, and schedules a flush. */
  fill(slot: number, r: Reply): void {
    if (this.#closed) return;
    this.#slots[slot - this.#base] = r;
    let head = this.#head;
    const slots = this.#slots;
    while (head < slots.length && slots[head] !== PENDING) {
      this.#writer.write(slots[head] as Reply, this.resp);
      head++;
    }
    if (head === slots.length) {
      this.#base += slots.length;
      this.#slots = [];
      this.#head = 0;
    } else {
      this.#head = head;
    }
    if ((this.#paused & PauseReason.PENDING_REPLIES) !== 0 && this.#slots.length - this.#head <= MAX_PENDING_REPLIES / 2) {
      this.resume(PauseReason.PENDING_REPLIES);
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
    }
    if (this.#closeAfterReply && this.#head === this.#slots.length) {
      this.#socket.end();
      this.#closed = true;
    }
  }

  get errorReplies(): number {
    return this.#writer.errors;
  }

  closeAfterReply(): void {
    this.#closeAfterReply = true;
  }

  /** Closes at once, dropping unsent replies (CLIENT KILL, shutdown, idle timeout). */
  kill(): void {
    if (this.#closed) return;
    this.#closed = true;
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

  #onClose(): void {
    this.#closed = true;
    this.#host.onClose(this);
  }
}
