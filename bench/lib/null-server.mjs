// The null server: a Node TCP server with kiwi's socket handling (noDelay, one write of
// every reply a read produced) that answers each RESP command with +OK and keeps
// nothing: no parsing beyond finding where commands end, no storage. What it reaches is
// the ceiling Node's own socket layer sets on this machine, so kiwi's figures can be read
// against it ("kiwi's own work costs at most a tenth of what Node's sockets cost").
//
//   node bench/lib/null-server.mjs [port]   prints "ready: 127.0.0.1:<port>"
import { createServer } from 'node:net';

const OK = Buffer.from('+OK\r\n');
const replies = [];
for (let n = 1; n <= 256; n++) replies[n] = Buffer.concat(Array.from({ length: n }, () => OK));

/** Counts complete multibulk commands in `buf` from `state` (partial commands carry over). */
function count(state, buf) {
  let n = 0;
  let i = 0;
  while (i < buf.length) {
    if (state.need > 0) {
      // Inside a bulk payload (plus its CRLF).
      const take = Math.min(state.need, buf.length - i);
      state.need -= take;
      i += take;
      if (state.need === 0 && --state.args === 0) n++;
      continue;
    }
    const eol = buf.indexOf(10, i);
    if (eol < 0) {
      state.line += buf.toString('latin1', i);
      break;
    }
    const line = state.line + buf.toString('latin1', i, eol - 1);
    state.line = '';
    i = eol + 1;
    if (line[0] === '*') {
      state.args = Number(line.slice(1));
      if (state.args <= 0) n++;
    } else if (line[0] === '$') {
      state.need = Number(line.slice(1)) + 2;
    } else if (line.length > 0) {
      n++; // an inline command
    }
  }
  return n;
}

const server = createServer({ noDelay: true }, (socket) => {
  const state = { need: 0, args: 0, line: '' };
  socket.on('data', (chunk) => {
    let n = count(state, chunk);
    while (n > 0) {
      const k = Math.min(n, 256);
      socket.write(replies[k]);
      n -= k;
    }
  });
  socket.on('error', () => {});
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`ready: 127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
