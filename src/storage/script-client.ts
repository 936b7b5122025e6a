// The storage runtime's script thread as one network runtime sees it (native/src/script).
// A task (EVAL*, SCRIPT LOAD/EXISTS/FLUSH) goes to the script thread, which runs tasks of
// every runtime one at a time in submission order; while an EVAL runs, each redis.call
// comes back here as `onCall` and is answered with answer(). A call's storage work runs on
// this thread through runNow(): the script already holds the keyspace exclusively.
import { decodeReplies, encodeBatch, type StorageCommand, type StorageReply, type Wake } from './codec.js';
import type { StorageServer } from './storage-server.js';

/** Script thread operations (ScriptOp in native/src/script/script_runner.h). */
export const enum ScriptOp { Eval = 0, EvalSha = 1, Load = 2, Exists = 3, Flush = 4, FunctionLoad = 5, Fcall = 6, FunctionList = 7, FunctionDelete = 8, FunctionFlush = 9, FunctionDump = 10, FunctionRestore = 11 }

/** One redis.call of a running script: argv, the protocol it wants, the script's flags. */
export type ScriptCallHandler = (id: number, argv: Buffer[], resp: 2 | 3, flags: number) => void;

export interface ScriptRunning {
  /** 0 none, 1 EVAL, 2 FCALL. */
  kind: 0 | 1 | 2;
  ms: number;
  name: string;
  command: Buffer[];
  libraries: number;
  functions: number;
}

interface Pending {
  resolve: (reply: Buffer) => void;
  onCall: ScriptCallHandler | null;
}

export class ScriptClient {
  readonly #storage: StorageServer;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #ready = false;

  constructor(storage: StorageServer) {
    this.#storage = storage;
  }

  #setup(): void {
    if (this.#ready) return;
    this.#ready = true;
    this.#storage.native.scriptSetup((event, id, data, resp, flags) => {
      const p = this.#pending.get(id);
      if (p === undefined) return;
      if (event === 0) {
        p.onCall?.(id, data as Buffer[], resp === 3 ? 3 : 2, flags ?? 0);
      } else {
        this.#pending.delete(id);
        p.resolve(data as Buffer);
      }
    });
  }

  /** Runs a task; resolves with its reply, RESP-encoded for the caller's protocol. */
  submit(op: ScriptOp, body: Buffer | null, keys: Buffer[], args: Buffer[], resp: 2 | 3, readOnly: boolean, onCall: ScriptCallHandler | null): Promise<Buffer> {
    this.#setup();
    const id = this.#nextId++;
    return new Promise<Buffer>((resolve) => {
      this.#pending.set(id, { resolve, onCall });
      if (!this.#storage.native.scriptSubmit(id, op, body, keys, args, resp, readOnly)) {
        this.#pending.delete(id);
        resolve(Buffer.from('-ERR storage is closed\r\n'));
      }
    });
  }

  /** The reply to a redis.call (RESP bytes); `wrote`: it changed data (SCRIPT KILL then refuses). */
  answer(id: number, reply: Buffer, wrote: boolean): void {
    this.#storage.native.scriptAnswer(id, reply, wrote);
  }

  /** SCRIPT KILL (func false) or FUNCTION KILL: 0 none running, 1 killed, 2 it wrote, 3 the other kind runs. */
  kill(func: boolean): 0 | 1 | 2 | 3 {
    return this.#storage.native.scriptKill(func) as 0 | 1 | 2 | 3;
  }

  /** The running script (kind 0: none) and the function counts, for FUNCTION STATS and BUSY. */
  running(): ScriptRunning {
    return this.#storage.native.scriptRunning();
  }

  busyMs(): number {
    return this.#storage.native.scriptBusyMs();
  }

  /** A running script's storage commands, executed now on this thread. */
  runNow(commands: readonly StorageCommand[]): StorageReply[] {
    const batch = encodeBatch(commands);
    const out = this.#storage.native.runNow(batch.buffer, batch.blobs);
    if (out === null) throw new Error('storage is closed');
    // A script's push or XADD may serve blocked clients: their wakes follow the replies
    // and are routed as a batch's are (native/src/blocking.h).
    const wakes: Wake[] = [];
    const replies = decodeReplies(out, wakes);
    if (wakes.length > 0) this.#storage.onWakes?.(wakes);
    return replies;
  }
}
