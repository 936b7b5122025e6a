// The differential harness: a reference redis-server next to a kiwi test server, and a
// raw RESP connection that sends the same command sequence to each and keeps every reply
// as its exact bytes, so tests compare reply types, values and error texts byte for byte.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { delimiter, join } from 'node:path';
import { createHash } from 'node:crypto';
import { resp, type TestServer } from '../helpers/server.js';

export type Arg = string | Buffer;

/**
 * One step of a script: a command whose reply is compared (optionally normalised first,
 * where timing or identity makes the raw bytes differ), a pause, or setup that differs
 * per server, or a hash of one field (a key of another type for WRONGTYPE checks).
 */
export type Step =
  | Arg[]
  | { argv: Arg[]; normalize: (reply: string) => string; note?: string }
  | { sleep: number }
  | { hash: string }
  | { scan: Arg[] }
  | { pipeline: Arg[][] };

/** Whether an executable is on PATH (checked once, before any server runs). */
export function onPath(name: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, name), fsConstants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** A loopback port nobody listens on right now (free again by the time it is used). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface ReferenceRedis {
  port: number;
  stop(): Promise<void>;
}

/**
 * Debian's redis-server on a free loopback port, no persistence, in the foreground.
 * A watchdog shell holds a pipe from this process and kills the server when the pipe
 * closes, so the server stops with the test process even if that dies without afterAll.
 */
export async function startReferenceRedis(extraArgs: string[] = []): Promise<ReferenceRedis> {
  let log = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning', ...extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer) => (log = (log + d.toString()).slice(-2000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const watchdog = spawn('sh', ['-c', `read _; kill ${child.pid} 2>/dev/null`], { stdio: ['pipe', 'ignore', 'ignore'] });
    watchdog.unref();
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      watchdog.stdin!.end();
    };
    if (await waitReady(port, child)) return { port, stop };
    // Someone took the port between freePort() and the bind: try another one.
    await stop();
  }
  throw new Error(`redis-server did not start: ${log}`);
}

async function waitReady(port: number, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const c = await RespConnection.open(port);
      const pong = await c.command(['PING']);
      c.close();
      // With requirepass set the answer is -NOAUTH, which is just as ready.
      if (pong === '+PONG\r\n' || pong.startsWith('-NOAUTH')) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

/**
 * Where one complete RESP2/RESP3 reply starting at `pos` ends, or -1 if more bytes are
 * needed. Replies are framed by type, so a bulk may contain CR LF.
 */
export function replyEnd(buf: Buffer, pos: number): number {
  if (pos >= buf.length) return -1;
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return -1;
  const type = String.fromCharCode(buf[pos]);
  const line = buf.toString('latin1', pos + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '$': case '=': case '!': {
      const n = Number(line);
      if (n < 0) return next;
      return buf.length >= next + n + 2 ? next + n + 2 : -1;
    }
    case '*': case '~': case '>': case '%': case '|': {
      let count = Number(line);
      if (count < 0) return next;
      if (type === '%' || type === '|') count *= 2;
      let at = next;
      for (let i = 0; i < count; i++) {
        at = replyEnd(buf, at);
        if (at < 0) return -1;
      }
      return at;
    }
    default:
      return next; // + - : _ , # ( : one line
  }
}

/** A raw RESP connection that returns each reply as its bytes (latin1 string). */
export class RespConnection {
  readonly #socket: Socket;
  #data = Buffer.alloc(0);
  #closed = false;
  #wake: (() => void) | null = null;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (d) => {
      this.#data = this.#data.length === 0 ? d : Buffer.concat([this.#data, d]);
      this.#wake?.();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
    socket.on('error', () => {});
  }

  static open(port: number): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1' }, () => {
        s.removeListener('error', reject);
        resolve(new RespConnection(s));
      });
      s.once('error', reject);
    });
  }

  /** Sends one command and waits for its reply; '<closed>' if the server hung up first. */
  async command(argv: Arg[], timeoutMs = 3000): Promise<string> {
    this.#socket.write(resp(...argv));
    return this.#next(timeoutMs);
  }

  /** Sends commands in one write and reads one reply per command. */
  async pipeline(commands: Arg[][], timeoutMs = 3000): Promise<string[]> {
    this.#socket.write(Buffer.concat(commands.map((argv) => resp(...argv))));
    const out: string[] = [];
    for (let i = 0; i < commands.length; i++) out.push(await this.#next(timeoutMs));
    return out;
  }

  async #next(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = replyEnd(this.#data, 0);
      if (end >= 0) {
        const reply = this.#data.toString('latin1', 0, end);
        this.#data = this.#data.subarray(end);
        return reply;
      }
      if (this.#closed) return '<closed>';
      const left = deadline - Date.now();
      if (left <= 0) return '<timeout>';
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.#wake = null;
    }
  }

  /** Sends one command without waiting: its replies (and pushes) are read with next(). */
  send(argv: Arg[]): void {
    this.#socket.write(resp(...argv));
  }

  /** Stops (or starts again) reading from the socket: a client that does not read. */
  pauseReading(): void {
    this.#socket.pause();
  }

  resumeReading(): void {
    this.#socket.resume();
  }

  /** The next complete reply or push message the server sent. */
  next(timeoutMs = 3000): Promise<string> {
    return this.#next(timeoutMs);
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** A server under test. */
export interface Target {
  port: number;
}

export const redisTarget = (port: number): Target => ({ port });
export const kiwiTarget = (server: TestServer): Target => ({ port: server.port });

const display = (argv: Arg[]): string =>
  argv.map((a) => {
    const s = Buffer.isBuffer(a) ? a.toString('latin1') : a;
    if (s.length > 40) return `<${Buffer.byteLength(s, 'latin1')} bytes>`;
    return /^[\x21-\x7e]+$/.test(s) ? s : JSON.stringify(s);
  }).join(' ');

/** Long replies are compared by length and digest, so a failure prints a short diff. */
function shorten(reply: string): string {
  if (reply.length <= 512) return reply;
  const digest = createHash('sha1').update(reply, 'latin1').digest('hex').slice(0, 16);
  return `<${reply.length} bytes, sha1 ${digest}, starts ${JSON.stringify(reply.slice(0, 24))}>`;
}

/**
 * Runs a script on a fresh connection (after FLUSHALL unless `flush` is false), and
 * returns one line per compared command: "COMMAND args -> reply bytes".
 */
export async function runScript(target: Target, steps: readonly Step[], flush = true): Promise<string[]> {
  const conn = await RespConnection.open(target.port);
  try {
    if (flush) await conn.command(['FLUSHALL']);
    const out: string[] = [];
    for (const step of steps) {
      if ('sleep' in step) {
        await new Promise((r) => setTimeout(r, step.sleep));
      } else if ('hash' in step) {
        await conn.command(['HSET', step.hash, 'field', 'value']);
      } else if ('pipeline' in step) {
        const replies = await conn.pipeline(step.pipeline);
        step.pipeline.forEach((argv, i) => out.push(`(pipelined) ${display(argv)} -> ${shorten(replies[i])}`));
      } else if ('scan' in step) {
        out.push(`SCAN <cursor> ${display(step.scan)} (full iteration) -> ${await scanAll(conn, step.scan)}`);
      } else if (Array.isArray(step)) {
        out.push(`${display(step)} -> ${shorten(await conn.command(step))}`);
      } else {
        const reply = await conn.command(step.argv);
        out.push(`${display(step.argv)} -> ${shorten(reply === '<closed>' ? reply : step.normalize(reply))}`);
      }
    }
    return out;
  } finally {
    conn.close();
  }
}

/**
 * A whole SCAN iteration: the sorted set of keys returned, since cursor values and the
 * order and grouping of keys are the server's own business. Bounded, as a test must be.
 */
async function scanAll(conn: RespConnection, args: Arg[]): Promise<string> {
  const keys = new Set<string>();
  let cursor = '0';
  for (let calls = 0; calls < 1000; calls++) {
    const reply = decode(await conn.command(['SCAN', cursor, ...args]));
    if (!Array.isArray(reply)) return JSON.stringify(reply);
    const [next, batch] = reply as [string, string[]];
    for (const k of batch) keys.add(k);
    cursor = next.slice(1);
    if (cursor === '0') return JSON.stringify([...keys].sort());
  }
  return 'SCAN did not finish in 1000 calls';
}

/**
 * A reply as a JS value: arrays for aggregates, `{ map }`/`{ set }` for RESP3 ones, null
 * for nil, and every scalar as a string that keeps its type: "+OK", "-ERR ...", ":1",
 * "$bulk", "=txt:verbatim", ",1.5", "#t".
 */
export type RespValue = string | null | RespValue[] | { map: Array<[RespValue, RespValue]> } | { set: RespValue[] };

/** A RESP3 map (an array has a `map` method too, so `'map' in v` is not the test). */
export function isMap(v: RespValue): v is { map: Array<[RespValue, RespValue]> } {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && 'map' in v;
}

export function decode(reply: string): RespValue {
  const buf = Buffer.from(reply, 'latin1');
  const [value] = decodeAt(buf, 0);
  return value;
}

function decodeAt(buf: Buffer, pos: number): [RespValue, number] {
  const eol = buf.indexOf('\r\n', pos);
  const type = String.fromCharCode(buf[pos]);
  const line = buf.toString('latin1', pos + 1, eol);
  let at = eol + 2;
  const many = (n: number): RespValue[] => {
    const items: RespValue[] = [];
    for (let i = 0; i < n; i++) {
      const [v, next] = decodeAt(buf, at);
      items.push(v);
      at = next;
    }
    return items;
  };
  switch (type) {
    case '$': case '=': {
      const n = Number(line);
      if (n < 0) return [null, at];
      return [(type === '$' ? '$' : '=') + buf.toString('latin1', at, at + n), at + n + 2];
    }
    case '*': case '>': {
      const n = Number(line);
      return n < 0 ? [null, at] : [many(n), at];
    }
    case '~':
      return [{ set: many(Number(line)) }, at];
    case '%': {
      const flat = many(Number(line) * 2);
      const map: Array<[RespValue, RespValue]> = [];
      for (let i = 0; i < flat.length; i += 2) map.push([flat[i], flat[i + 1]]);
      return [{ map }, at];
    }
    case '_':
      return [null, at];
    default:
      return [type + line, at];
  }
}

// Normalisers, for replies whose exact bytes depend on time or identity.

/** An integer reply within [lo, hi] becomes ":lo..hi"; anything else stays as it is. */
export const intWithin = (lo: number, hi: number) => (reply: string): string => {
  const m = /^:(-?\d+)\r\n$/.exec(reply);
  return m && Number(m[1]) >= lo && Number(m[1]) <= hi ? `:${lo}..${hi}\r\n` : reply;
};

/** A step whose integer reply is compared as a range. */
export const between = (argv: Arg[], lo: number, hi: number): Step => ({ argv, normalize: intWithin(lo, hi) });

/** Every integer in a reply becomes ":<int>" and every bulk's content "<bulk>". */
export function shape(reply: string): string {
  return reply.replace(/^:-?\d+\r$/gm, ':<int>\r').replace(/\$(\d+)\r\n/g, '$$<n>\r\n').replace(/(\$<n>\r\n)[^\r]*\r\n/g, '$1<bulk>\r\n');
}
