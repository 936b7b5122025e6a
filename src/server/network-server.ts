// The network runtime's TCP side: listening, accepting, the client table, pausing every
// socket while storage is behind, idle timeouts, and closing in order at shutdown.
import { createServer, type Server, type Socket } from 'node:net';
import { authRequired } from '../commands/connection.js';
import type { ClientDirectory, ServerContext } from '../commands/types.js';
import { Connection, PauseReason, type ConnectionHost } from './connection.js';
import type { Dispatcher } from './dispatcher.js';

export interface NetworkOptions {
  bind: string[];
  port: number;
  log: ConnectionHost['log'];
}

export interface BoundAddress {
  address: string;
  port: number;
  family: string;
}

export class NetworkServer implements ClientDirectory, ConnectionHost {
  readonly #context: ServerContext;
  readonly #dispatcher: Dispatcher;
  readonly #options: NetworkOptions;
  readonly #servers: Server[] = [];
  readonly #clients = new Map<number, Connection>();
  #nextId = 1;
  #storagePaused = false;
  #idleTimer: NodeJS.Timeout | null = null;
  #accepting = false;

  constructor(context: ServerContext, dispatcher: Dispatcher, options: NetworkOptions) {
    this.#context = context;
    this.#dispatcher = dispatcher;
    this.#options = options;
  }

  get maxBulkLength(): number {
    return this.#context.config.values.server.protoMaxBulkLen;
  }

  log(level: 'debug' | 'verbose' | 'notice' | 'warning', message: string): void {
    this.#options.log(level, message);
  }

  async listen(): Promise<BoundAddress[]> {
    let port = this.#options.port;
    const bound: BoundAddress[] = [];
    for (const host of this.#options.bind) {
      const server = createServer({ noDelay: true }, (socket) => this.#accept(socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      server.on('error', (err) => this.log('warning', `listener ${host}: ${err.message}`));
      const a = server.address();
      if (a !== null && typeof a === 'object') {
        bound.push({ address: a.address, port: a.port, family: a.family });
        // Port 0 on several addresses: every address gets the port the first one got.
        port = a.port;
      }
      this.#servers.push(server);
    }
    this.#accepting = true;
    this.#idleTimer = setInterval(() => this.#closeIdle(), 1000);
    this.#idleTimer.unref();
    return bound;
  }

  #accept(socket: Socket): void {
    const stats = this.#context.stats;
    if (!this.#accepting) {
      socket.destroy();
      return;
    }
    if (this.#clients.size >= this.#context.config.values.server.maxclients) {
      stats.rejectedConnections++;
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    stats.totalConnections++;
    const conn = new Connection(this.#nextId++, socket, this);
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
    this.#clients.delete(conn.id);
    this.#context.stats.errorReplies += conn.errorReplies;
  }

  onProtocolError(): void {
    this.#context.stats.protocolErrors++;
  }

  onBytes(input: number, output: number): void {
    this.#context.stats.netInputBytes += input;
    this.#context.stats.netOutputBytes += output;
  }

  // ClientDirectory
  list(): Iterable<Connection> {
    return this.#clients.values();
  }

  get(id: number): Connection | undefined {
    return this.#clients.get(id);
  }

  count(): number {
    return this.#clients.size;
  }

  kill(id: number): boolean {
    const c = this.#clients.get(id);
    if (!c) return false;
    c.kill();
    return true;
  }

  /** Storage is behind: stop reading every socket (and sockets accepted meanwhile). */
  pauseReading(): void {
    if (this.#storagePaused) return;
    this.#storagePaused = true;
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
    }
    this.#clients.clear();
  }
}
