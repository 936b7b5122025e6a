import { Buffer, constants as bufferConstants } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { RedisError } from '../../src/errors.js';
import { ParseStatus, RequestParser, commandNames } from '../../src/protocol/request-parser.js';
import { allCases, type ProtocolCase } from './cases.js';
import { commandIds, multibulk as mb, named, parse, parseReference } from './helpers.js';

function expectCase(c: ProtocolCase, cuts: number[] = []): void {
  const input = Buffer.from(c.input, 'latin1');
  const outcome = parse(input, cuts, c.options);
  expect(named(outcome)).toEqual(c.commands);
  expect(outcome.error).toEqual(c.error === undefined ? null : { text: c.error, offset: c.errorOffset });
  expect(parseReference(input, cuts, c.options)).toEqual(outcome);
}

describe('RequestParser', () => {
  for (const c of allCases) it(c.name, () => expectCase(c));

  it('AUTH in a pipeline lifts the before-AUTH limits for the commands after it', () => {
    const parser = new RequestParser({ authenticated: false });
    const seen: string[] = [];
    const error = parser.feed(Buffer.from(`AUTH pw\r\n${mb('ECHO', 'z'.repeat(20000))}`), (id, argv) => {
      seen.push(`${commandNames[id]}:${argv[1].length}`);
      if (commandNames[id] === 'auth') parser.authenticated = true;
    });
    expect(error).toBeNull();
    expect(seen).toEqual(['auth:2', 'echo:20000']);
  });

  it('Without AUTH the same pipeline is refused at the big bulk', () => {
    const parser = new RequestParser({ authenticated: false });
    const input = Buffer.from(`PING\r\n${mb('ECHO', 'z'.repeat(20000))}`);
    const error = parser.feed(input, () => {});
    expect(error).toEqual({ text: RedisError.protocolUnauthenticatedBulk, offset: 20, status: ParseStatus.unauthenticatedBulkLength });
  });

  it('After an error feed() returns the same error until reset()', () => {
    const parser = new RequestParser();
    const commands: number[] = [];
    const first = parser.feed(Buffer.from('PING\r\n*x\r\nPING\r\n'), (id) => commands.push(id));
    expect(first?.text).toBe(RedisError.protocolInvalidMultibulkLength);
    expect(commands).toEqual([commandIds.get('ping')]);
    expect(parser.feed(Buffer.from('PING\r\n'), (id) => commands.push(id))).toBe(first);
    expect(commands).toHaveLength(1);
    parser.reset();
    expect(parser.feed(Buffer.from('PING\r\n'), (id) => commands.push(id))).toBeNull();
    expect(commands).toHaveLength(2);
  });

  it('The error offset counts bytes from the start of the stream, across chunks', () => {
    const parser = new RequestParser();
    expect(parser.feed(Buffer.from('PING\r\nPI'), () => {})).toBeNull();
    expect(parser.feed(Buffer.from('NG\r\n*1\r\n$'), () => {})).toBeNull();
    expect(parser.feed(Buffer.from('-2\r\n'), () => {})).toEqual({
      text: RedisError.protocolInvalidBulkLength,
      offset: 16,
      status: ParseStatus.invalidBulkLength,
    });
  });

  it('A partial command is completed by the next chunk, and pendingBytes counts it', () => {
    const parser = new RequestParser();
    const seen: string[][] = [];
    const onCommand = (_id: number, argv: Buffer[]): void => {
      seen.push(argv.map(String));
    };
    parser.feed(Buffer.from('*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$10\r\n0123'), onCommand);
    expect(seen).toEqual([]);
    expect(parser.pendingBytes).toBe(3 + 3 + 10);
    parser.feed(Buffer.from('456789\r\nPING\r\nPI'), onCommand);
    expect(seen).toEqual([['SET', 'key', '0123456789'], ['PING']]);
    expect(parser.pendingBytes).toBe(2);
    parser.reset();
    expect(parser.pendingBytes).toBe(0);
  });

  it('Arguments of a command inside one chunk are zero-copy views of that chunk', () => {
    const chunk = Buffer.from(mb('SeT', 'key', 'value') + mb('GET', 'key'));
    const argvs: Buffer[][] = [];
    new RequestParser().feed(chunk, (_id, argv) => argvs.push(argv));
    expect(argvs).toHaveLength(2);
    for (const arg of [...argvs[0], argvs[1][1]]) {
      expect(Buffer.isBuffer(arg)).toBe(true);
      expect(arg.buffer).toBe(chunk.buffer);
    }
    expect(argvs[0][2].byteOffset - chunk.byteOffset).toBe(chunk.indexOf('value'));
  });

  it('A known name sent all lowercase or all uppercase is a shared Buffer of the same bytes', () => {
    const argv0: Buffer[] = [];
    const feed = (text: string): void => {
      new RequestParser().feed(Buffer.from(text), (_id, argv) => argv0.push(argv[0]));
    };
    feed(mb('GET', 'a') + mb('get', 'b') + mb('GET', 'c') + mb('Get', 'd'));
    feed(mb('GET', 'e') + mb('get', 'f'));
    expect(argv0.map(String)).toEqual(['GET', 'get', 'GET', 'Get', 'GET', 'get']);
    expect(argv0[2]).toBe(argv0[0]);
    expect(argv0[4]).toBe(argv0[0]);
    expect(argv0[5]).toBe(argv0[1]);
    expect(argv0[3]).not.toBe(argv0[0]);
    expect(argv0.every((name) => Buffer.isBuffer(name))).toBe(true);
  });

  it('A command name that arrives in pieces still gets its id', () => {
    for (const cut of [9, 10, 11, 12]) {
      const outcome = parse(Buffer.from(mb('ECHO', 'a')), [cut]);
      expect(outcome.commands).toEqual([[commandIds.get('echo'), 'ECHO', 'a']]);
    }
  });

  it('A name longer than any command gets id 0 without a lookup', () => {
    const long = 'x'.repeat(100);
    expect(parse(Buffer.from(mb(long)), [5]).commands).toEqual([[0, long]]);
  });

  it('commandNames lists every id: the empty name at 0, lowercase names after it', () => {
    expect(commandNames[0]).toBe('');
    expect(commandNames.length).toBe(241);
    expect(new Set(commandNames).size).toBe(commandNames.length);
    for (const name of commandNames.slice(1)) expect(name).toMatch(/^[a-z_-]+$/);
    for (const [id, name] of commandNames.entries()) {
      if (id === 0) continue;
      expect(parse(Buffer.from(mb(name.toUpperCase()))).commands[0][0]).toBe(id);
      expect(parse(Buffer.from(`${name}\r\n`)).commands[0][0]).toBe(id);
    }
  });

  it('Case folding is ASCII only and a name must match its full length', () => {
    const ids = parse(Buffer.from('GET\r\nget\r\nGeT\r\nGET_\r\nGE\r\n\u00c7ET\r\nG\u00c5T\r\n', 'latin1'))
      .commands.map(([id]) => id);
    const get = commandIds.get('get');
    expect(ids).toEqual([get, get, get, 0, 0, 0, 0]);
    // '_' | 0x20 is DEL (0x7f): the same hash, but not the same name.
    expect(parse(Buffer.from('bitfield\u007fro\r\nBITFIELD_RO\r\n', 'latin1')).commands.map(([id]) => id))
      .toEqual([0, commandIds.get('bitfield_ro')]);
  });

  it('maxBulkLength must be an integer from 0 to buffer.constants.MAX_LENGTH', () => {
    expect(() => new RequestParser({ maxBulkLength: -1 })).toThrow(RangeError);
    expect(() => new RequestParser({ maxBulkLength: 1.5 })).toThrow(RangeError);
    expect(() => new RequestParser({ maxBulkLength: bufferConstants.MAX_LENGTH + 1 })).toThrow(RangeError);
    const big = new RequestParser({ maxBulkLength: bufferConstants.MAX_LENGTH });
    expect(big.feed(Buffer.from(`*1\r\n$${bufferConstants.MAX_LENGTH}\r\n`), () => {})).toBeNull();
    expect(big.feed(Buffer.from('x'), () => {})).toBeNull();
    expect(big.pendingBytes).toBe(bufferConstants.MAX_LENGTH);
  });

  it('feed() called from its own onCommand throws', () => {
    const parser = new RequestParser();
    expect(() => parser.feed(Buffer.from('PING\r\n'), () => {
      parser.feed(Buffer.from('PING\r\n'), () => {});
    })).toThrow(/own onCommand/);
    expect(parser.feed(Buffer.from('PING\r\n'), () => {})).toBeNull();
  });

  it('An onCommand that feeds another parser does not disturb this one', () => {
    const outer = new RequestParser();
    const inner = new RequestParser();
    const seen: string[] = [];
    const innerErrors: (string | undefined)[] = [];
    const input = Buffer.from(`PING\r\n${mb('ECHO', 'a')}*2\r\n$4\r\nECHO\r\n$3\r\nbc`);
    outer.feed(input, (_id, argv) => {
      seen.push(argv.join(' '));
      // The inner parser is left inside a command of its own, with an unfinished bulk.
      const error = inner.feed(Buffer.from(`${mb('ECHO', 'inner')}*5\r\n$3\r\nxy`), (_i, a) => {
        seen.push(`inner ${a.join(' ')}`);
      });
      innerErrors.push(error?.text);
    });
    outer.feed(Buffer.from('d\r\nPING\r\n'), (_id, argv) => seen.push(argv.join(' ')));
    expect(seen).toEqual(['PING', 'inner ECHO inner', 'ECHO a', 'ECHO bcd', 'PING']);
    // Its second feed went on with its own "*5": the 3-byte bulk "xy" took "*2\r", and
    // the next header began with the LF ("got ' '", as Redis turns LF into a space).
    expect(innerErrors).toEqual([undefined, "ERR Protocol error: expected '$', got ' '"]);
  });
});
