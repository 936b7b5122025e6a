// MessageChannel: the bounded channel between the network runtime and the storage
// runtime. It counts requests (commands) in flight, and when storage falls behind it
// emits 'pause' at the high-water mark and 'resume' once below the low-water mark, so
// the server stops reading sockets instead of queueing without bound. One completion
// arrives per request.
import { EventEmitter } from 'node:events';
import type { EncodedBatch, StorageReply } from './codec.js';
import { BatchStatus, SubmitResult } from './ops.js';
import type { StorageServer } from './storage-server.js';

export interface ChannelOptions {
  /** channel_buffer_size: requests the storage queue holds. */
  capacity: number;
  /** Fraction of capacity at which to pause reading (default 0.8). */
  highWater?: number;
  /** Fraction of capacity below which to resume (default 0.5). */
  lowWater?: number;
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
  #paused = false;
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

  get paused(): boolean {
    return this.#paused;
  }

  /** Fill of the channel, 0..1 (may exceed 1 briefly: parsed requests are never dropped). */
  get fill(): number {
    return this.#pending / this.#capacity;
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
      this.#received += batch.commands;
      if (status === BatchStatus.DEADLINE_EXCEEDED || status === BatchStatus.CANCELLED) {
        this.#timeouts += batch.commands;
      } else {
        this.#responses += batch.commands;
      }
      this.#processingMs += performance.now() - started;
      this.#batchesDone++;
      if (this.#paused && this.#pending <= this.#low) {
        this.#paused = false;
        this.emit('resume');
      }
      onDone(status, replies);
    });
    if (id < 0) {
      if (id === -SubmitResult.BACKPRESSURE) {
        this.#backpressure++;
        this.#pauseIfNeeded(true);
        return { result: 'backpressure', id: 0 };
      }
      this.#sendFailures += batch.commands;
      return { result: 'closed', id: 0 };
    }
    this.#pending += batch.commands;
    this.#sent += batch.commands;
    this.#pauseIfNeeded(false);
    return { result: 'sent', id };
  }

  cancel(id: number): boolean {
    return this.#server.cancel(id);
  }

  #pauseIfNeeded(force: boolean): void {
    if (this.#paused || (!force && this.#pending < this.#high)) return;
    this.#paused = true;
    this.emit('pause');
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
      paused: this.#paused,
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
