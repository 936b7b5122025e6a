// Copies and memory: a big value is copied once, values inside one chunk not at all, and
// the shared WASM memory stays the same size whatever the connections and values.

import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { RequestParser, copyCounters } from '../../src/protocol/request-parser.js';
import { wasm } from '../../src/protocol/wasm.js';
import { multibulk as mb } from './helpers.js';

const MB = 1024 * 1024;
const TCP_CHUNK = 64 * 1024;

function counted<T>(run: () => T): { result: T; toWasm: number; payload: number } {
  const before = { ...copyCounters };
  const result = run();
  return { result, toWasm: copyCounters.toWasm - before.toWasm, payload: copyCounters.payload - before.payload };
}

/** Feeds `input` in chunks of `size` (views, as a socket hands out fresh Buffers). */
function feedInChunks(parser: RequestParser, input: Buffer, size: number): Buffer[][] {
  const argvs: Buffer[][] = [];
  for (let at = 0; at < input.length; at += size) {
    const error = parser.feed(input.subarray(at, at + size), (_id, argv) => argvs.push(argv));
    expect(error).toBeNull();
  }
  return argvs;
}

describe('RequestParser memory', () => {
  it('A 100 MB value arriving in 64 KB chunks is copied once into its Buffer', () => {
    const value = Buffer.alloc(100 * MB);
    for (let i = 0; i < value.length; i += 4096) value.writeUInt32LE(i, i);
    const header = Buffer.from(`*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$${value.length}\r\n`);
    const input = Buffer.concat([header, value, Buffer.from(`\r\n${mb('GET', 'key')}`)]);
    const memoryBefore = wasm.memory.buffer.byteLength;
    const { result: argvs, toWasm, payload } = counted(() => feedInChunks(new RequestParser(), input, TCP_CHUNK));
    expect(argvs.map((argv) => argv.length)).toEqual([3, 2]);
    expect(argvs[0][2].equals(value)).toBe(true);
    expect(payload).toBe(value.length);
    // WASM memory saw the chunk that held the header (its first 64 KB) and the bytes
    // after the value, no more: the other 99.9 MB went from the chunks to the Buffer.
    expect(toWasm).toBeLessThanOrEqual(TCP_CHUNK + 64);
    expect(wasm.memory.buffer.byteLength).toBe(memoryBefore);
  });

  it('A value inside one chunk is a view of the chunk, not a copy', () => {
    const input = Buffer.from(mb('SET', 'key', 'v'.repeat(4000)));
    const { result: argvs, payload } = counted(() => feedInChunks(new RequestParser(), input, input.length));
    expect(payload).toBe(0);
    expect(argvs[0][2].buffer).toBe(input.buffer);
  });

  it('A value that starts a chunk and fits in it is a view of that chunk, not a copy', () => {
    const head = Buffer.from('*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5000\r\n');
    const body = Buffer.from(`${'v'.repeat(5000)}\r\n`);
    const parser = new RequestParser();
    const argvs: Buffer[][] = [];
    const { payload } = counted(() => {
      parser.feed(head, (_id, argv) => argvs.push(argv));
      parser.feed(body, (_id, argv) => argvs.push(argv));
    });
    expect(payload).toBe(0);
    expect(argvs[0][2].buffer).toBe(body.buffer);
  });

  it('A chunk larger than the input region is parsed in windows, its values still views', () => {
    const commands = Array.from({ length: 1000 }, (_, i) => mb('SET', `key:${i}`, `${i}`.padEnd(1000, '.')));
    const input = Buffer.from(commands.join(''));
    const { result: argvs, payload } = counted(() => feedInChunks(new RequestParser(), input, input.length));
    expect(argvs).toHaveLength(1000);
    expect(argvs[999][1].toString()).toBe('key:999');
    // argv[0] is the shared "SET" (request-parser.test.ts); the others are views.
    expect(argvs.every((argv) => argv.slice(1).every((arg) => arg.buffer === input.buffer))).toBe(true);
    expect(payload).toBe(0);
  });

  it('WASM memory does not grow with the number of connections', () => {
    const memoryBefore = wasm.memory.buffer.byteLength;
    const parsers = Array.from({ length: 10_000 }, () => new RequestParser());
    parsers.forEach((parser, i) => {
      // Each is left inside a command: a count line, a bulk or an inline line.
      const partial = ['*3\r\n$3\r\nSET\r\n$1', `*2\r\n$3\r\nGET\r\n$10\r\n${i}`, 'ECHO "a b'][i % 3];
      expect(parser.feed(Buffer.from(partial), () => {})).toBeNull();
    });
    expect(wasm.memory.buffer.byteLength).toBe(memoryBefore);
    expect(parsers[1].pendingBytes).toBe(3 + 10);
  });
});
