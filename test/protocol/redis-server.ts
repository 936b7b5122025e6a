// A throwaway redis-server on a loopback port for comparison tests: no persistence, and
// stopped by the test that started it.

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** The redis-server executable on PATH, or null. */
export function findRedisServer(): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export class RedisServer {
  readonly port: number;
  readonly #child: ChildProcess;

  private constructor(port: number, child: ChildProcess) {
    this.port = port;
    this.#child = child;
  }

  static async start(executable: string, extraArgs: string[] = []): Promise<RedisServer> {
    const port = await freePort();
    const child = spawn(executable, [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--daemonize', 'no', '--loglevel', 'warning', ...extraArgs,
    ], { stdio: 'ignore' });
    const server = new RedisServer(port, child);
    await server.#waitUntilReady();
    return server;
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.kill('SIGTERM');
    await exited;
  }

  /**
   * Writes `pieces` (pausing between them so Redis reads them apart), then collects the
   * reply until `expected` bytes came and the connection closed or went quiet.
   */
  exchange(pieces: Buffer[], expectedLength: number, expectClose: boolean): Promise<{ reply: Buffer; closed: boolean }> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.port, '127.0.0.1');
      socket.setNoDelay(true);
      const chunks: Buffer[] = [];
      let received = 0;
      let timer: NodeJS.Timeout | undefined;
      const finish = (closed: boolean): void => {
        clearTimeout(timer);
        socket.destroy();
        resolve({ reply: Buffer.concat(chunks), closed });
      };
      const settleLater = (ms: number): void => {
        clearTimeout(timer);
        timer = setTimeout(() => finish(false), ms);
      };
      socket.on('data', (data) => {
        chunks.push(data);
        received += data.length;
        if (received >= expectedLength && !expectClose) settleLater(30);
      });
      socket.on('close', () => finish(true));
      socket.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ECONNRESET') reject(error);
      });
      socket.once('connect', async () => {
        for (const [i, piece] of pieces.entries()) {
          if (i > 0) await new Promise((r) => setTimeout(r, 30));
          if (!socket.destroyed) socket.write(piece);
        }
        settleLater(expectedLength === 0 && !expectClose ? 150 : 2000);
      });
    });
  }

  async #waitUntilReady(): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const { reply } = await this.exchange([Buffer.from('PING\r\n')], 7, false)
        .catch(() => ({ reply: Buffer.alloc(0) })); // refused until it listens
      // With --requirepass the answer is -NOAUTH, which is just as ready.
      if (/^(\+PONG|-NOAUTH)/.test(reply.toString())) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.stop();
    throw new Error(`redis-server did not answer on port ${this.port}`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
