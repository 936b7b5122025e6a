// The network runtime's TCP side: listening, accepting, the client table, pausing every
// socket while storage is behind, idle timeouts, and closing in order at shutdown. With
// several network runtimes each has one of these; its clients are its own, and ids and
// the maxclients count come from counters the runtimes share (options).
import { createServer, Socket, type Server } from 'node:net';
import { authRequired } from '../commands/connection.js';
import { StatusReply } from '../commands/reply.js';
import type { ClientInfo, ServerContext } from '../commands/types.js';
import type { OutputLimits } from '../commands/types.js';
import { Connection, HoldReason, PauseReason, type ConnectionHost } from './connection.js';
import type { Dispatcher } from './dispatcher.js';

/** What CLIENT LIST shows of a connection, as plain data that can cross threads. */
export function clientInfo(c: Connection): ClientInfo {
  return {
    id: c.id, addr: c.addr, laddr: c.laddr, fd: c.fd, createdAt: c.createdAt, name: c.name, db: c.db, resp: c.resp,
    lastCommand: c.lastCommand, lastInteraction: c.lastInteraction, outputBytes: c.outputBytes, inputBytes: c.inputBytes,
    pendingReplies: c.pendingReplies, events: c.events, flags: c.flags, libName: c.libName, libVer: c.libVer,
  };
}

export interface NetworkOptions {
  bind: string[];
  port: number;
  log: ConnectionHost['log'];
  /** Where client ids come from (unique across runtimes); default: counts from 1. */
  nextClientId?: () => number;
  /** Adds `delta` to the clients connected on every runtime; returns the total. */
  clientCount?: (delta: number) => number;
}

export interface BoundAddress {
  address: string;
  port: number;
  family: string;
}

export class NetworkServer implements ConnectionHost {
  readonly #context: ServerContext;
  readonly #dispatcher: Dispatcher;
  readonly #options: NetworkOptions;
  readonly #servers: Server[] = [];
  readonly #clients = new Map<number, Connection>();
  readonly #nextClientId: () => number;
  readonly #clientCount: (delta: number) => number;
  #storagePaused = false;
  /** Times reading was paused for storage backpressure (INFO, tests). */
  readingPauses = 0;
  #idleTimer: NodeJS.Timeout | null = null;
  #accepting = false;

  constructor(context: ServerContext, dispatcher: Dispatcher, options: NetworkOptions) {
    this.#context = context;
    this.#dispatcher = dispatcher;
    this.#options = options;
    let nextId = 1;
    let count = 0;
    this.#nextClientId = options.nextClientId ?? (() => nextId++);
    this.#clientCount = options.clientCount ?? ((delta) => (count += delta));
  }

  get maxBulkLength(): number {
    return this.#context.config.values.server.protoMaxBulkLen;
  }

  get outputBudget(): number {
    return this.#context.config.values.server.clientOutputBudget;
  }

  get outputLimits(): OutputLimits {
    return this.#context.config.values.server.clientOutputBufferLimit;
  }

  log(level: 'debug' | 'verbose' | 'notice' | 'warning', message: string): void {
    this.#options.log(level, message);
  }

  async listen(): Promise<BoundAddress[]> {
    let port = this.#options.port;
    const bound: BoundAddress[] = [];
    for (const host of this.#options.bind) {
      const a = await this.#listen({ host, port }, host);
      if (a !== null) {
        bound.push(a);
        // Port 0 on several addresses: every address gets the port the first one got.
        port = a.port;
      }
    }
    this.startAccepting();
    return bound;
  }

  /** Listens on sockets opened elsewhere (SO_REUSEPORT sockets the addon opened). */
  async listenOnFds(fds: number[]): Promise<void> {
    for (const fd of fds) await this.#listen({ fd }, `fd ${fd}`);
    this.startAccepting();
  }

  async #listen(options: { host: string; port: number } | { fd: number }, name: string): Promise<BoundAddress | null> {
    const server = createServer({ noDelay: true }, (socket) => this.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.log('warning', `listener ${name}: ${err.message}`));
    this.#servers.push(server);
    const a = server.address();
    return a !== null && typeof a === 'object' ? { address: a.address, port: a.port, family: a.family } : null;
  }

  /** Accepts from now on (listening sockets, or connections handed over with adopt()). */
  startAccepting(): void {
    this.#accepting = true;
    this.#idleTimer ??= setInterval(() => this.#closeIdle(), 1000);
    this.#idleTimer.unref();
  }

  /** A connection another thread accepted: its descriptor is this runtime's now. */
  adopt(fd: number): void {
    this.#accept(new Socket({ fd, readable: true, writable: true }));
  }

  #accept(socket: Socket): void {
    const stats = this.#context.stats;
    if (!this.#accepting) {
      socket.destroy();
      return;
    }
    if (this.#clientCount(0) >= this.#context.config.values.server.maxclients) {
      stats.rejectedConnections++;
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    stats.totalConnections++;
    this.#clientCount(1);
    const conn = new Connection(this.#nextClientId(), socket, this);
    this.#clients.set(conn.id, conn);
    if (this.#storagePaused) conn.pause(PauseReason.STORAGE_BACKPRESSURE);
  }

  // ConnectionHost
  dispatch(conn: Connection, id: number, argv: Buffer[]): void {
    this.#dispatcher.dispatch(conn, id, argv, this.authRequired(conn));
  }

  authRequired(conn: Connection): boolean {
    return authRequired(conn, this.#context);
  }

  onClose(conn: Connection): void {
    if (this.#clients.delete(conn.id)) this.#clientCount(-1);
    if (conn.monitor) {
      conn.monitor = false;
      this.#context.monitorsChanged(-1);
    }
    this.#context.stats.errorReplies += conn.errorReplies;
  }

  onProtocolError(): void {
    this.#context.stats.protocolErrors++;
  }

  onBytes(input: number, output: number): void {
    this.#context.stats.netInputBytes += input;
    this.#context.stats.netOutputBytes += output;
  }

  /** This runtime's clients. */
  list(): Iterable<Connection> {
    return this.#clients.values();
  }

  /** This runtime's clients as plain data (CLIENT LIST gathers every runtime's). */
  snapshot(): ClientInfo[] {
    return [...this.#clients.values()].map((c) => clientInfo(c));
  }

  /** CLIENT UNPAUSE or the pause's end: postponed commands run, in order. */
  releasePaused(): void {
    for (const c of this.#clients.values()) c.release(HoldReason.PAUSE);
  }

  /** Postponed clients (INFO blocked_clients). */
  postponedCount(): number {
    let n = 0;
    for (const c of this.#clients.values()) if (c.postponed) n++;
    return n;
  }

  /** MONITOR: a line to every monitoring client of this runtime. */
  feedMonitors(line: StatusReply): void {
    for (const c of this.#clients.values()) {
      if (!c.monitor || c.closed) continue;
      c.reply(line);
      c.flush();
    }
  }

  count(): number {
    return this.#clients.size;
  }

  /** Closes those of `ids` that are this runtime's clients; returns how many. */
  kill(ids: number[]): number {
    let n = 0;
    for (const id of ids) {
      const c = this.#clients.get(id);
      if (c === undefined) continue;
      c.kill();
      n++;
    }
    return n;
  }

  /** Storage is behind: stop reading every socket (and sockets accepted meanwhile). */
  pauseReading(): void {
    if (this.#storagePaused) return;
    this.#storagePaused = true;
    this.readingPauses++;
    for (const c of this.#clients.values()) c.pause(PauseReason.STORAGE_BACKPRESSURE);
  }

  resumeReading(): void {
    if (!this.#storagePaused) return;
    this.#storagePaused = false;
    for (const c of this.#clients.values()) c.resume(PauseReason.STORAGE_BACKPRESSURE);
  }

  get readingPaused(): boolean {
    return this.#storagePaused;
  }

  #closeIdle(): void {
    const timeout = this.#context.config.values.server.timeout;
    if (timeout <= 0) return;
    const cutoff = Date.now() - timeout * 1000;
    for (const c of this.#clients.values()) if (c.lastInteraction < cutoff) c.kill();
  }

  /** Shutdown step 1: refuse new connections and stop reading requests. */
  stopAccepting(): void {
    this.#accepting = false;
    for (const c of this.#clients.values()) c.pause(PauseReason.STORAGE_BACKPRESSURE);
    // close() stops listening now; its callback would wait for every connection to end,
    // including the one whose SHUTDOWN is running.
    for (const s of this.#servers) s.close();
  }

  /** Shutdown's last network step: send what is queued and close every connection. */
  closeAll(): void {
    if (this.#idleTimer) clearInterval(this.#idleTimer);
    for (const c of this.#clients.values()) {
      c.flush();
      c.kill();
      if (c.monitor) this.#context.monitorsChanged(-1);
    }
    this.#clientCount(-this.#clients.size);
    this.#clients.clear();
  }
}
