// MessageChannel: the bounded channel between the network runtime and the storage
// runtime. It counts requests (commands) in flight, and when storage falls behind it
// emits 'pause' at the high-water mark and 'resume' once below the low-water mark, so
// the server stops reading sockets instead of queueing without bound. One completion
// arrives per request.
import { EventEmitter } from 'node:events';
import type { EncodedBatch, StorageReply } from './codec.js';
import { BatchStatus, SubmitResult } from './ops.js';
import type { StorageServer } from './storage-server.js';

/**
 * The fill and pause state several channels share when several network runtimes feed one
 * storage queue: backpressure is one decision for all of them. Without one, a channel
 * keeps its own.
 */
export interface ChannelShare {
  /** Adds `n` requests in flight (negative when answered); returns the total now. */
  add(n: number): number;
  /** Marks storage as paused; false if it already was (someone else announces it). */
  tryPause(): boolean;
  /** Clears the pause; false if it was not paused. */
  tryResume(): boolean;
  paused(): boolean;
}

function localShare(): ChannelShare {
  let pending = 0;
  let paused = false;
  return {
    add: (n) => (pending += n),
    tryPause: () => !paused && (paused = true),
    tryResume: () => paused && !(paused = false),
    paused: () => paused,
  };
}

export interface ChannelOptions {
  /** channel_buffer_size: requests the storage queue holds. */
  capacity: number;
  /** Fraction of capacity at which to pause reading (default 0.8). */
  highWater?: number;
  /** Fraction of capacity below which to resume (default 0.5). */
  lowWater?: number;
  share?: ChannelShare;
}

export interface ChannelStats {
  requestsSent: number;
  requestsReceived: number;
  responsesReceived: number;
  timeouts: number;
  sendFailures: number;
  backpressureEvents: number;
  pending: number;
  pendingBatches: number;
  paused: boolean;
  avgProcessingMs: number;
  capacity: number;
}

export type SendResult = 'sent' | 'backpressure' | 'closed';

export class MessageChannel extends EventEmitter {
  #server: StorageServer;
  #capacity: number;
  #high: number;
  #low: number;
  #highFraction: number;
  #lowFraction: number;
  #pending = 0;
  readonly #share: ChannelShare;
  #sent = 0;
  #received = 0;
  #responses = 0;
  #timeouts = 0;
  #sendFailures = 0;
  #backpressure = 0;
  #processingMs = 0;
  #batchesDone = 0;

  constructor(server: StorageServer, options: ChannelOptions) {
    super();
    this.#server = server;
    this.#capacity = options.capacity;
    this.#highFraction = options.highWater ?? 0.8;
    this.#lowFraction = options.lowWater ?? 0.5;
    this.#share = options.share ?? localShare();
    this.#high = 0;
    this.#low = 0;
    this.#thresholds();
  }

  #thresholds(): void {
    this.#high = Math.max(1, Math.floor(this.#capacity * this.#highFraction));
    this.#low = Math.min(this.#high - 1, Math.floor(this.#capacity * this.#lowFraction));
  }

  setCapacity(capacity: number): void {
    this.#capacity = capacity;
    this.#thresholds();
    this.#server.setCapacity(capacity);
  }

  get server(): StorageServer {
    return this.#server;
  }

  get pending(): number {
    return this.#pending;
  }

  /** Whether reading is paused for storage backpressure (on every runtime sharing the queue). */
  get paused(): boolean {
    return this.#share.paused();
  }

  /** Fill of the storage queue by every channel sharing it, 0..1 (may exceed 1 briefly). */
  get fill(): number {
    return Math.max(0, this.#share.add(0)) / this.#capacity;
  }

  /**
   * Sends a batch. On 'sent' the callback fires exactly once; on 'backpressure' or
   * 'closed' it never fires and the caller keeps the batch.
   */
  send(
    batch: EncodedBatch,
    priority: number,
    timeoutMs: number,
    onDone: (status: number, replies: StorageReply[] | null) => void,
  ): { result: SendResult; id: number } {
    const started = performance.now();
    const id = this.#server.submit(batch, priority, timeoutMs, (status, replies) => {
      this.#pending -= batch.commands;
      const total = this.#share.add(-batch.commands);
      this.#received += batch.commands;
      if (status === BatchStatus.DEADLINE_EXCEEDED || status === BatchStatus.CANCELLED) {
        this.#timeouts += batch.commands;
      } else {
        this.#responses += batch.commands;
      }
      this.#processingMs += performance.now() - started;
      this.#batchesDone++;
      if (total <= this.#low && this.#share.tryResume()) this.emit('resume');
      onDone(status, replies);
    });
    if (id < 0) {
      if (id === -SubmitResult.BACKPRESSURE) {
        this.#backpressure++;
        if (this.#share.tryPause()) this.emit('pause');
        return { result: 'backpressure', id: 0 };
      }
      this.#sendFailures += batch.commands;
      return { result: 'closed', id: 0 };
    }
    this.#pending += batch.commands;
    this.#sent += batch.commands;
    if (this.#share.add(batch.commands) >= this.#high && this.#share.tryPause()) this.emit('pause');
    return { result: 'sent', id };
  }

  cancel(id: number): boolean {
    return this.#server.cancel(id);
  }

  stats(): ChannelStats {
    const done = this.#received;
    return {
      requestsSent: this.#sent,
      requestsReceived: done,
      responsesReceived: this.#responses,
      timeouts: this.#timeouts,
      sendFailures: this.#sendFailures,
      backpressureEvents: this.#backpressure,
      pending: this.#pending,
      pendingBatches: this.#server.pending,
      paused: this.paused,
      avgProcessingMs: this.#batchesDone === 0 ? 0 : this.#processingMs / this.#batchesDone,
      capacity: this.#capacity,
    };
  }

  resetStats(): void {
    this.#sent = this.#received = this.#responses = this.#timeouts = 0;
    this.#sendFailures = this.#backpressure = 0;
    this.#processingMs = 0;
    this.#batchesDone = 0;
  }
}
