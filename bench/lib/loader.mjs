// A bulk loader: SET key:000000000000 .. key:<n-1> (the names redis-benchmark's -r
// gives `key:__rand_int__`, zero-padded to 12 digits), so that every key a later
// `redis-benchmark -t get -r n` asks for exists. redis-benchmark cannot do this itself:
// `-t set -r n -n n` draws keys at random and so writes only about 63 % of them.
//
// It writes raw RESP over a few sockets with a bounded number of commands in flight per
// socket, and checks every reply is a simple string (+OK): no client library in the way,
// so the loader is rarely what limits the rate. Values are random bytes, so compression
// cannot shrink the data set below its nominal size.
import { randomFillSync } from 'node:crypto';
import { connect } from 'node:net';

export const keyName = (i) => `key:${String(i).padStart(12, '0')}`;

function buildBatch(first, count, valueSize) {
  const head = `\r\n$${valueSize}\r\n`;
  const cmdLen = `*3\r\n$3\r\nSET\r\n$16\r\n`.length + 16 + head.length + valueSize + 2;
  const buf = Buffer.allocUnsafe(cmdLen * count);
  randomFillSync(buf);
  for (let j = 0; j < count; j++) {
    const at = j * cmdLen;
    buf.write(`*3\r\n$3\r\nSET\r\n$16\r\n${keyName(first + j)}${head}`, at, 'latin1');
    buf.write('\r\n', at + cmdLen - 2, 'latin1');
  }
  return buf;
}

/** Loads keys [0, keys) with values of `valueSize` random bytes; `progress.done` counts
 *  acknowledged SETs while it runs. Resolves with { keys, valueBytes, seconds }. */
export async function loadKeys({ port, keys, valueSize, connections = 4, batch = 256, inFlight = 2048, progress = { done: 0 } }) {
  const started = performance.now();
  let next = 0; // first key of the next batch to send, shared by all sockets
  const takeBatch = () => {
    if (next >= keys) return null;
    const first = next;
    next = Math.min(keys, next + batch);
    return [first, next - first];
  };
  const one = () => new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let sent = 0;
    let replied = 0;
    let done = false;
    let atLineStart = true;
    let firstError = null;
    let waitingDrain = false;
    const finish = (err) => {
      if (done) return;
      done = true;
      socket.destroy();
      err ? reject(err) : resolve();
    };
    const pump = () => {
      while (!waitingDrain && sent - replied < inFlight) {
        const b = takeBatch();
        if (!b) break;
        sent += b[1];
        if (!socket.write(buildBatch(b[0], b[1], valueSize))) waitingDrain = true;
      }
      if (sent === replied && next >= keys) finish(firstError ? new Error(`SET failed: ${firstError}`) : null);
    };
    socket.on('drain', () => {
      waitingDrain = false;
      pump();
    });
    socket.on('data', (chunk) => {
      let pos = 0;
      while (pos < chunk.length) {
        if (atLineStart && chunk[pos] !== 0x2b /* + */) firstError ??= chunk.subarray(pos, pos + 200).toString('latin1').split('\r\n')[0];
        atLineStart = false;
        const nl = chunk.indexOf(10, pos);
        if (nl === -1) break;
        replied++;
        progress.done++;
        atLineStart = true;
        pos = nl + 1;
      }
      pump();
    });
    socket.on('error', finish);
    socket.on('close', () => finish(new Error(`connection closed after ${replied} of ${sent} replies`)));
    socket.on('connect', pump);
  });
  await Promise.all(Array.from({ length: connections }, one));
  return { keys, valueBytes: keys * valueSize, seconds: (performance.now() - started) / 1000 };
}
