// Differential tests for issue 12's connection controls: CLIENT REPLY (whose OFF/SKIP
// replies are missing bytes, so the step runner that reads one reply per command cannot
// drive it), MONITOR lines and protocol-error closes. Each script goes to Debian's
// redis-server and to kiwi over raw sockets; the bytes that come back must be equal
// (MONITOR's timestamps and client ports normalised).
import { expect, it } from 'vitest';
import { RawClient, resp } from '../helpers/server.js';
import { differential } from './suite.js';

/** Sends `commands` on a fresh connection (FLUSHALL first, its +OK dropped) and returns
 *  every byte up to and including the reply of a final ECHO marker. */
async function exchange(port: number, commands: string[][], protocol: 2 | 3): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    const start = protocol === 3 ? [['HELLO', '3']] : [];
    c.write(Buffer.concat([...start, ['FLUSHALL'], ['ECHO', 'start'], ...commands, ['ECHO', 'done']].map((a) => resp(...a))));
    const marker = protocol === 3 ? '$4\r\ndone\r\n' : '$4\r\ndone\r\n';
    const deadline = Date.now() + 5000;
    let text = '';
    while (!text.endsWith(marker) && Date.now() < deadline && !c.closed) text += await c.read(1, 200);
    const from = text.indexOf('$5\r\nstart\r\n');
    return text.slice(from);
  } finally {
    c.close();
  }
}

const REPLY_SCRIPTS: Record<string, string[][]> = {
  'CLIENT REPLY OFF silences every reply, storage commands and errors too, until ON': [
    ['CLIENT', 'REPLY', 'OFF'], ['SET', 'k', 'v'], ['GET', 'k'], ['INCR', 'n'], ['HSET', 'h', 'f', 'v'], ['GET', 'missing'],
    ['NOSUCHCOMMAND'], ['GET'], ['INCR', 'k'], ['PING'], ['CLIENT', 'REPLY', 'ON'], ['GET', 'k'], ['GET', 'n'], ['HGET', 'h', 'f'],
  ],
  'CLIENT REPLY SKIP drops the next reply only': [
    ['CLIENT', 'REPLY', 'SKIP'], ['SET', 'k', 'v'], ['GET', 'k'], ['CLIENT', 'REPLY', 'SKIP'], ['INCR', 'k'], ['INCR', 'n'],
    ['CLIENT', 'REPLY', 'SKIP'], ['CLIENT', 'REPLY', 'SKIP'], ['GET', 'k'], ['GET', 'n'],
  ],
  'CLIENT REPLY SKIP then OFF, OFF then SKIP, ON when on': [
    ['CLIENT', 'REPLY', 'SKIP'], ['CLIENT', 'REPLY', 'OFF'], ['SET', 'a', '1'], ['CLIENT', 'REPLY', 'ON'], ['GET', 'a'],
    ['CLIENT', 'REPLY', 'OFF'], ['CLIENT', 'REPLY', 'SKIP'], ['SET', 'b', '2'], ['GET', 'b'], ['CLIENT', 'REPLY', 'ON'], ['CLIENT', 'REPLY', 'ON'], ['GET', 'b'],
  ],
  'CLIENT REPLY with a bad or missing mode': [
    ['CLIENT', 'REPLY'], ['CLIENT', 'REPLY', 'MAYBE'], ['CLIENT', 'REPLY', 'ON', 'extra'], ['CLIENT', 'REPLY', 'off'], ['SET', 'x', '1'], ['CLIENT', 'REPLY', 'on'], ['GET', 'x'],
  ],
  'a pipeline of writes under CLIENT REPLY OFF is applied in order': [
    ['CLIENT', 'REPLY', 'OFF'], ...Array.from({ length: 200 }, (_, i) => ['RPUSH', 'list', String(i)]), ['SET', 'last', 'x'], ['APPEND', 'last', 'y'],
    ['CLIENT', 'REPLY', 'ON'], ['LLEN', 'list'], ['LRANGE', 'list', '195', '-1'], ['GET', 'last'],
  ],
};

/** MONITOR's lines with the time and the client's port normalised. */
const monitorLines = (text: string) => text.replace(/^\+\d+\.\d{6} /gm, '+<time> ').replace(/127\.0\.0\.1:\d+/g, '<client>').replace(/\[unix:[^\]]*\]/g, '<client>');

async function monitorScript(port: number, commands: Array<Array<string | Buffer>>): Promise<string> {
  const monitor = await RawClient.connect(port);
  const client = await RawClient.connect(port);
  try {
    expect(await monitor.roundTrip(resp('MONITOR'), '+OK\r\n')).toBe('+OK\r\n');
    client.write(Buffer.concat([...commands, ['ECHO', 'done']].map((a) => resp(...a))));
    const deadline = Date.now() + 5000;
    let text = '';
    while (!text.includes('"ECHO" "done"\r\n') && Date.now() < deadline) text += await monitor.read(1, 200);
    return monitorLines(text);
  } finally {
    monitor.close();
    client.close();
  }
}

differential('Redis differential: CLIENT REPLY, MONITOR and protocol errors', (_same, targets) => {
  for (const [title, script] of Object.entries(REPLY_SCRIPTS)) {
    for (const protocol of [2, 3] as const) {
      it(`${title} (RESP${protocol})`, async () => {
        const [expected, actual] = await Promise.all([exchange(targets().redis.port, script, protocol), exchange(targets().kiwi.port, script, protocol)]);
        expect(expected).toContain('done'); // the script ran to its end on Redis
        expect(actual).toBe(expected);
      });
    }
  }

  it('MONITOR shows every command as Redis formats it: quoting, binary bytes, the db, AUTH redacted', async () => {
    const script: Array<Array<string | Buffer>> = [
      ['SET', 'k', 'a b "c" \\ d'], ['GET', 'k'], ['SELECT', '3'], ['HSET', 'h', 'f', Buffer.from([0, 1, 0x7f, 0xff, 10, 13, 9, 7, 8])],
      ['RPUSH', 'l', '', 'x'], ['PING'], ['ECHO', 'é'], ['SELECT', '0'], ['INCRBY', 'n', '5'], ['MGET', 'k', 'n', 'none'], ['AUTH', 'secret'], ['HELLO', '2', 'AUTH', 'default', 'secret'],
    ];
    const [expected, actual] = await Promise.all([monitorScript(targets().redis.port, script), monitorScript(targets().kiwi.port, script)]);
    expect(expected).toContain('"HSET"');
    expect(actual).toBe(expected);
  });

  it('a protocol error gets its error reply, then the connection is closed', async () => {
    const run = async (port: number) => {
      const c = await RawClient.connect(port);
      c.write('*1\r\n$4\r\nPING\r\n*abc\r\n$3\r\nGET\r\n');
      const closed = await c.waitClosed();
      return { text: c.buffered, closed };
    };
    const [expected, actual] = await Promise.all([run(targets().redis.port), run(targets().kiwi.port)]);
    expect(expected.closed).toBe(true);
    expect(actual).toEqual(expected);
  });
});
