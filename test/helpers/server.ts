// A real kiwi-server on port 0 in a temp directory, and a raw RESP client for tests that
// check bytes on the wire.
import { connect, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { startServer, type RunningServer, type StartOptions } from '../../src/index.js';
import { defaultDir, MEMORY_DIR } from './storage-mode.js';

export { diskDir, testStorage } from './storage-mode.js';

export interface TestServer extends RunningServer {
  dir: string;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

export async function startTestServer(options: StartOptions = {}): Promise<TestServer> {
  const dir = options.dir ?? defaultDir('kiwi-server-test-');
  const server = await startServer({ port: 0, ...options, dir });
  return Object.assign(server, {
    dir,
    async destroy() {
      await server.close();
      if (dir !== MEMORY_DIR) rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** Sends raw bytes and collects what comes back. */
export class RawClient {
  readonly socket: Socket;
  #data = Buffer.alloc(0);
  #waiters: Array<() => void> = [];
  closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d) => {
      this.#data = Buffer.concat([this.#data, d]);
      this.#wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Waits until `n` bytes arrived (or the connection closed), then takes them. */
  async read(n: number, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.#data.length < n && !this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    const out = this.#data.subarray(0, n);
    this.#data = this.#data.subarray(n);
    return out.toString('latin1');
  }

  /** Sends and reads exactly the expected reply's length. */
  async roundTrip(request: string | Buffer, expected: string): Promise<string> {
    this.write(request);
    return this.read(Buffer.byteLength(expected, 'latin1'));
  }

  /** Waits for the server to close the connection. */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  get buffered(): string {
    return this.#data.toString('latin1');
  }

  close(): void {
    this.socket.destroy();
  }
}

/** RESP multibulk encoding of a command. */
export function resp(...args: Array<string | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(a);
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}
