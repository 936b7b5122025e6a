// StorageServer: the TS face of the storage runtime (the native addon). It opens and
// closes the database, submits encoded batches and routes each completion to its caller.
// It holds every in-flight batch's buffers, which is what keeps them alive and unchanged
// while storage threads read them in place.
import { ClosedError, StorageError } from '../errors.js';
import { decodeReplies, type EncodedBatch, type StorageReply, type Wake } from './codec.js';
import {
  loadAddon,
  type CompletionCallback,
  type NativeStorageAttach,
  type NativeStorageOpen,
  type NativeHealth,
  type NativeOptions,
  type NativeStats,
  type NativeStorageHandle,
} from './native.js';
import { BatchStatus, SubmitResult } from './ops.js';

export interface StorageOptions extends NativeOptions {
  dir: string;
}

/** Called once per batch: replies index-aligned with the batch's top-level commands. */
export type BatchCallback = (status: number, replies: StorageReply[] | null) => void;

interface InFlight {
  batch: EncodedBatch;
  onDone: BatchCallback;
}

export class StorageServer {
  #native: NativeStorageHandle;
  /**
   * In-flight batches, indexed by id. An id is a slot reused once its batch completes:
   * unique among batches in flight, which is all the addon and cancel() need. Not a Map:
   * insert/delete churn makes V8 rehash a Map into a new table again and again, each in
   * old space once the Map's table got there, and each obsolete table keeps the batches
   * it held (with their commands and argv) alive through scavenges until the next
   * mark-compact. That promoted nearly every request to old space (~215 bytes per GET).
   */
  #inflight: (InFlight | undefined)[] = [undefined];
  /** Free ids below #inflight.length (id 0 is never used: ids are positive). */
  #freeIds: number[] = [];
  #stopping: Promise<void> | null = null;
  #drainWaiters: Array<() => void> = [];
  /** Blocked clients a batch's writes may serve (native/src/blocking.h): the runtime routes them. */
  onWakes: ((wakes: Wake[]) => void) | null = null;
  readonly dir: string;

  readonly #attached: boolean;

  private constructor(native: NativeStorageHandle, dir: string, attached: boolean) {
    this.#native = native;
    this.dir = dir;
    this.#attached = attached;
  }

  /** Opens (or creates) the database. Synchronous: start-up has nothing else to do yet. */
  static open(options: StorageOptions): StorageServer {
    const { NativeStorage } = loadAddon();
    const { dir, ...native } = options;
    return StorageServer.#make((onComplete) => new (NativeStorage as NativeStorageOpen)(dir, native, onComplete), dir, false);
  }

  /**
   * Attaches this thread (a network runtime's worker) to a database another thread opened
   * (see token): the same storage threads and queue, completions delivered here.
   */
  static attach(token: number): StorageServer {
    const { NativeStorage } = loadAddon();
    return StorageServer.#make((onComplete) => new (NativeStorage as NativeStorageAttach)(token, onComplete), '', true);
  }

  static #make(create: (onComplete: CompletionCallback) => NativeStorageHandle, dir: string, attached: boolean): StorageServer {
    let server: StorageServer | undefined;
    const onComplete = (id: number, status: number, result: Buffer | null): void => {
      server!.#complete(id, status, result);
    };
    try {
      server = new StorageServer(create(onComplete), dir, attached);
    } catch (err) {
      const e = err as Error & { storageCode?: string };
      throw new StorageError(e.storageCode ?? 'UNKNOWN', e.message);
    }
    return server;
  }

  /** What another thread attaches with (StorageServer.attach). */
  get token(): number {
    return this.#native.token();
  }

  /**
   * The read fast path: answers a batch of plain point reads on this thread if RocksDB
   * has every key in memory; null means "submit it". Never blocks on storage threads.
   */
  readFast(batch: EncodedBatch): StorageReply[] | null {
    if (this.#stopping) return null;
    const result = this.#native.readFast(batch.buffer, batch.blobs);
    return result === null ? null : decodeReplies(result);
  }

  /** The addon handle, for ScriptClient (script-client.ts). */
  get native(): NativeStorageHandle {
    return this.#native;
  }

  get running(): boolean {
    return this.#stopping === null;
  }

  /** Batches submitted and not yet completed. */
  get pending(): number {
    // Every slot but id 0 is either in flight or free.
    return this.#inflight.length - 1 - this.#freeIds.length;
  }

  /**
   * Submits a batch. Returns its id, or a negative SubmitResult when not accepted:
   * -BACKPRESSURE when the storage queue is full, -CLOSED after stop().
   */
  submit(batch: EncodedBatch, priority: number, timeoutMs: number, onDone: BatchCallback): number {
    if (this.#stopping) return -SubmitResult.CLOSED;
    const freeIds = this.#freeIds;
    const id = freeIds.length > 0 ? freeIds[freeIds.length - 1] : this.#inflight.length;
    const result = this.#native.submit(id, priority, batch.buffer, batch.blobs, timeoutMs);
    if (result !== SubmitResult.ACCEPTED) return -result;
    if (id === this.#inflight.length) this.#inflight.push({ batch, onDone });
    else this.#inflight[freeIds.pop()!] = { batch, onDone };
    return id;
  }

  /** Removes a batch that has not started; it completes as CANCELLED. */
  cancel(id: number): boolean {
    return this.#stopping === null && this.#native.cancel(id);
  }

  #complete(id: number, status: number, result: Buffer | null): void {
    const entry = this.#inflight[id];
    if (entry === undefined) return;
    this.#inflight[id] = undefined;
    this.#freeIds.push(id);
    let replies: StorageReply[] | null = null;
    let finalStatus = status;
    const wakes: Wake[] = [];
    if (status === BatchStatus.OK && result !== null) {
      try {
        replies = decodeReplies(result, wakes);
      } catch {
        finalStatus = BatchStatus.BAD_REQUEST;
      }
    }
    entry.onDone(finalStatus, replies);
    if (wakes.length > 0) this.onWakes?.(wakes);
    if (this.pending === 0 && this.#drainWaiters.length > 0) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Resolves once every submitted batch has completed. */
  drain(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /**
   * An attached handle leaves: batches still queued are cancelled, running ones finish
   * (this waits for them), nothing more is delivered. Drain first.
   */
  detach(): void {
    if (!this.#attached || this.#stopping) return;
    this.#stopping = Promise.resolve();
    this.#native.detach();
  }

  /** Runs every accepted batch, flushes and closes the database. Idempotent. */
  stop(): Promise<void> {
    if (this.#attached) {
      this.detach();
      return this.#stopping!;
    }
    this.#stopping ??= new Promise((resolve, reject) => {
      this.#native.close((err) => (err ? reject(new StorageError('CLOSE', err.message)) : resolve()));
    });
    return this.#stopping;
  }

  stats(): NativeStats {
    return this.#native.stats();
  }

  health(): NativeHealth {
    return this.#native.health();
  }

  /** A RocksDB property of the data column family (e.g. rocksdb.estimate-num-keys). */
  property(name: string): string | undefined {
    return this.#stopping ? undefined : this.#native.property(name);
  }

  setThreads(n: number): void {
    this.#native.setThreads(n);
  }

  /**
   * Keys the expiry cycle deleted since the last call, as [db, key] (keyspace
   * notifications); `keep` says whether to go on collecting them.
   */
  takeExpired(keep: boolean): { keys: Array<[db: number, key: Buffer]>; dropped: number } {
    if (this.#stopping) return { keys: [], dropped: 0 };
    const { keys, dropped } = this.#native.takeExpired(keep);
    return { keys: keys.map((k) => [k[0], k.subarray(1)]), dropped };
  }

  /** The most requests queued since the last call (the scaler's signal). */
  takeQueuePeak(): number {
    return this.#stopping ? 0 : this.#native.takeQueuePeak();
  }

  setCapacity(n: number): void {
    this.#native.setCapacity(n);
  }

  /** DB::Resume after a background error; throws if the cause persists. */
  resume(): void {
    if (this.#stopping) throw new ClosedError();
    const err = this.#native.resume();
    if (err) throw new StorageError('RESUME', err.message);
  }
}
