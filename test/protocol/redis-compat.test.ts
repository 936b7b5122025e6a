// The parser against a live redis-server 7.0 (when one is on PATH): every case not marked
// notLive is sent whole and in three pieces, and Redis' replies must be the ones the
// parsed commands predict, ending with the same protocol error and a closed connection.
// The few cases marked notLive carry their reason in cases.ts.

import { Buffer } from 'node:buffer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisError, unknownCommand } from '../../src/errors.js';
import { RequestParser, commandNames } from '../../src/protocol/request-parser.js';
import { allCases, type ProtocolCase } from './cases.js';
import { commandIds, multibulk as mb } from './helpers.js';
import { RedisServer, findRedisServer } from './redis-server.js';

const executable = findRedisServer();
const SKIPPED = executable === null ? ' (skipped: redis-server is not on PATH)' : '';
if (executable === null) console.warn('redis-compat.test.ts: redis-server is not on PATH; the live comparison is skipped');

const PASSWORD = 'pw';
const live = allCases.filter((c) => c.notLive === undefined);
const notLive = allCases.filter((c) => c.notLive !== undefined);

/** Redis' replies to the case's commands, then its protocol error. */
function predictReplies(c: ProtocolCase): string {
  let authenticated = c.options?.authenticated !== false;
  let replies = '';
  for (const [name, ...args] of c.commands) {
    const command = name.toLowerCase();
    if (!commandIds.get(command)) {
      replies += `-${unknownCommand(name, args)}\r\n`;
    } else if (command === 'auth') {
      replies += '+OK\r\n';
      authenticated = true;
    } else if (!authenticated) {
      replies += `-${RedisError.noAuth}\r\n`;
    } else if (command === 'ping' && args.length === 0) {
      replies += '+PONG\r\n';
    } else if (command === 'ping' || command === 'echo') {
      replies += `$${args[0].length}\r\n${args[0]}\r\n`;
    } else {
      throw new Error(`no prediction for ${name}`);
    }
  }
  return c.error === undefined ? replies : `${replies}-${c.error}\r\n`;
}

describe(`RequestParser against a live redis-server${SKIPPED}`, () => {
  let open: RedisServer | undefined;
  let guarded: RedisServer | undefined;

  beforeAll(async () => {
    if (executable === null) return;
    open = await RedisServer.start(executable);
    guarded = await RedisServer.start(executable, ['--requirepass', PASSWORD]);
  });

  afterAll(async () => {
    await open?.stop();
    await guarded?.stop();
  });

  async function expectLive(c: ProtocolCase, pieces: Buffer[]): Promise<void> {
    const server = c.options?.authenticated === false ? guarded! : open!;
    const expected = predictReplies(c);
    const { reply, closed } = await server.exchange(pieces, expected.length, c.error !== undefined);
    expect({ reply: reply.toString('latin1'), closed }).toEqual({ reply: expected, closed: c.error !== undefined });
  }

  for (const c of live) {
    it.skipIf(executable === null)(`${c.name}, as Redis does`, async () => {
      await expectLive(c, [Buffer.from(c.input, 'latin1')]);
    });
  }

  for (const c of live.filter((l) => l.input.length < 4096)) {
    it.skipIf(executable === null)(`${c.name}, sent in three pieces, as Redis does`, async () => {
      const input = Buffer.from(c.input, 'latin1');
      const a = Math.floor(input.length / 3);
      const b = Math.floor((2 * input.length) / 3);
      const pieces = [input.subarray(0, a), input.subarray(a, b), input.subarray(b)].filter((p) => p.length);
      await expectLive(c, pieces);
    });
  }

  for (const c of notLive) {
    it.skip(`${c.name}: not compared live, ${c.notLive}`, () => {});
  }

  it.skipIf(executable === null)('AUTH in a pipeline lifts the before-AUTH limits, as Redis does', async () => {
    const input = `AUTH ${PASSWORD}\r\n${mb('ECHO', 'z'.repeat(20000))}`;
    const parser = new RequestParser({ authenticated: false });
    const commands: string[][] = [];
    const error = parser.feed(Buffer.from(input), (id, argv) => {
      commands.push(argv.map((arg) => arg.toString('latin1')));
      if (commandNames[id] === 'auth') parser.authenticated = true;
    });
    expect(error).toBeNull();
    await expectLive({ name: 'AUTH pipeline', input, options: { authenticated: false }, commands }, [Buffer.from(input)]);
  });

  it.skipIf(executable === null)('commandNames holds every top-level name of COMMAND LIST', async () => {
    const { reply } = await open!.exchange([Buffer.from('COMMAND LIST\r\n')], 1, false);
    const settled = await open!.exchange([Buffer.from('COMMAND LIST\r\n')], reply.length, false);
    const names = settled.reply.toString().split('\r\n').filter((line) => /^[a-z]/.test(line));
    const topLevel = names.filter((name) => !name.includes('|')).sort();
    expect(topLevel.length).toBeGreaterThan(200);
    expect(commandNames.slice(1).toSorted()).toEqual(topLevel);
  });
});
