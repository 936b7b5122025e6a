// FUNCTION DUMP and FUNCTION RESTORE against Debian's redis-server (7.0): the same
// libraries dump to the same bytes (LZF-compressed or not), a payload of either server
// restores into the other, and every policy and error answers as Redis does, RESP2 and
// RESP3. Payloads for the error cases are built here with an independent CRC-64.
import { expect, it } from 'vitest';
import { anyOrder, differential, unordered } from './suite.js';
import { decode, RespConnection, type Arg, type Step, type Target } from './harness.js';

// CRC-64/Jones as Redis' crc64.c computes it (reflected, init 0), bit by bit.
function crc64(data: Buffer): bigint {
  const poly = 0x95ac9329ac4bc9b5n;
  let crc = 0n;
  for (const b of data) {
    crc ^= BigInt(b);
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc;
}

/** A payload: the body, then RDB version (2 bytes LE) and CRC-64 (8 bytes LE). */
function payload(body: Buffer, version = 10): Buffer {
  const v = Buffer.from([version & 0xff, version >> 8]);
  const crc = Buffer.alloc(8);
  crc.writeBigUInt64LE(crc64(Buffer.concat([body, v])));
  return Buffer.concat([body, v, crc]);
}

/** An uncompressed RDB string (lengths below 16384). */
function rdbString(s: string): Buffer {
  const b = Buffer.from(s);
  const len = b.length < 64 ? Buffer.from([b.length]) : Buffer.from([0x40 | (b.length >> 8), b.length & 0xff]);
  return Buffer.concat([len, b]);
}
const fn2 = (code: string) => Buffer.concat([Buffer.from([245]), rdbString(code)]);

const lib = (name: string, ...fns: string[]) =>
  `#!lua name=${name}\n` + fns.map((f) => `redis.register_function('${f}', function(keys, args) return '${name}.${f}' end)`).join('\n');

// A library long and varied enough to exercise LZF's literal runs, short and long back
// references and (for the big one) 32-bit RDB lengths and the 8 KB window.
function bigLib(name: string, lines: number, seed: number): string {
  let x = seed;
  const rnd = (n: number) => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % n;
  };
  const out = [`#!lua name=${name}`];
  for (let i = 0; i < lines; i++) {
    const terms = Array.from({ length: 1 + rnd(6) }, () => String(rnd(10 ** (1 + rnd(9)))));
    out.push(`local v${i} = ${terms.join(' + ')} -- ${'x'.repeat(rnd(300))}`);
  }
  out.push(`redis.register_function('${name}_f', function(keys, args) return v0 end)`);
  return out.join('\n');
}

const LIB_A = lib('liba', 'fa1', 'fa2');
const LIB_B = lib('libb', 'fb');
const SHORT = "#!lua name=s\nredis.register_function('s', function() return 1 end)"; // LZF cannot save 4 bytes

const body = (...parts: Buffer[]) => Buffer.concat(parts);

/** The raw bytes of a bulk reply. */
function bulkBytes(reply: string): Buffer {
  expect(reply.startsWith('$')).toBe(true);
  return Buffer.from(reply.slice(reply.indexOf('\r\n') + 2, -2), 'latin1');
}

async function on<T>(t: Target, f: (c: RespConnection) => Promise<T>): Promise<T> {
  const c = await RespConnection.open(t.port);
  try {
    return await f(c);
  } finally {
    c.close();
  }
}

async function dumpOf(t: Target, libs: string[]): Promise<Buffer> {
  return on(t, async (c) => {
    await c.command(['FUNCTION', 'FLUSH']);
    for (const l of libs) expect(await c.command(['FUNCTION', 'LOAD', l])).toMatch(/^\$/);
    return bulkBytes(await c.command(['FUNCTION', 'DUMP'], 10000));
  });
}

async function restoreAndList(t: Target, p: Buffer, policy: Arg[] = []): Promise<string[]> {
  return on(t, async (c) => {
    await c.command(['FUNCTION', 'FLUSH']);
    return [
      await c.command(['FUNCTION', 'RESTORE', p, ...policy]),
      await c.command(['FUNCTION', 'LIST', 'WITHCODE']),
      await c.command(['FCALL', 'fa1', '0']),
    ];
  });
}

const setup = (...libs: string[]): Step[] => [['FUNCTION', 'FLUSH'], ...libs.map((l) => ['FUNCTION', 'LOAD', l])];

differential('FUNCTION DUMP and RESTORE differential', (same, targets) => {
  same('DUMP of one library (compressed), of a short one (stored plain), of none', [
    ...setup(LIB_A), ['FUNCTION', 'DUMP'], ...setup(SHORT), ['FUNCTION', 'DUMP'], ['FUNCTION', 'FLUSH'], ['FUNCTION', 'DUMP'],
  ]);
  same('DUMP of big libraries (long matches, 14- and 32-bit lengths)', [
    ...setup(bigLib('big1', 40, 7)), ['FUNCTION', 'DUMP'], ...setup(bigLib('big2', 400, 11)), ['FUNCTION', 'DUMP'],
    ...setup('#!lua name=rep\n' + '-- aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n'.repeat(500) + "redis.register_function('r', function() return 1 end)"), ['FUNCTION', 'DUMP'],
  ]);
  same('RESTORE argument errors', [
    ['FUNCTION', 'RESTORE'], ['FUNCTION', 'RESTORE', 'x', 'APPEND', 'y'], ['FUNCTION', 'RESTORE', 'x', 'bogus'],
    ['FUNCTION', 'RESTORE', ''], ['FUNCTION', 'RESTORE', 'short'], ['FUNCTION', 'RESTORE', '0123456789ab'],
  ]);
  same('RESTORE payload errors', [
    ...setup(LIB_B),
    ['FUNCTION', 'RESTORE', payload(fn2(LIB_A), 11)],
    ['FUNCTION', 'RESTORE', Buffer.from(payload(fn2(LIB_A)).map((b, i, a) => (i === a.length - 1 ? b ^ 1 : b)))],
    ['FUNCTION', 'RESTORE', payload(body(Buffer.from([0]), rdbString(LIB_A)))],
    // The 7.0 release candidates' record: name, engine, description flag and text, code.
    ['FUNCTION', 'RESTORE', payload(body(Buffer.from([246]), rdbString('pg'), rdbString('LUA'), Buffer.from([1]), rdbString('d'), rdbString("redis.register_function('pgf', function() return 'pg' end)")))],
    ['FCALL', 'pgf', '0'],
    ['FUNCTION', 'RESTORE', payload(body(Buffer.from([246]), rdbString('pg2'), rdbString('lua'), Buffer.from([0]), rdbString("redis.register_function('pgf2', function() return 'pg2' end)")))],
    ['FUNCTION', 'RESTORE', payload(body(Buffer.from([246]), rdbString('pg3'), rdbString('lua'), Buffer.from([0]), rdbString('return 1')))],
    ['FUNCTION', 'RESTORE', payload(body(Buffer.from([246]), rdbString('pg4'), rdbString('lua'), Buffer.from([0])))],
    ['FUNCTION', 'RESTORE', payload(body(Buffer.from([246]), rdbString('pg4'), rdbString('lua'), Buffer.from([1])))],
    ['FUNCTION', 'RESTORE', payload(body(Buffer.from([246]), rdbString('pg4'), rdbString('lua')))],
    ['FUNCTION', 'RESTORE', payload(body(Buffer.from([246]), rdbString('pg4')))],
    ['FUNCTION', 'RESTORE', payload(Buffer.from([246]))],
    ['FUNCTION', 'RESTORE', payload(Buffer.from([245, 0xc3, 0xc1, 0xc0, 0x23]))],
    ['FUNCTION', 'RESTORE', payload(body(fn2(LIB_A), Buffer.from([7])))],
    ['FUNCTION', 'RESTORE', payload(Buffer.from([245, 0x3f, 0x23]))],
    ['FUNCTION', 'RESTORE', payload(Buffer.from([245, 0xbf, 0x23]))],
    ['FUNCTION', 'RESTORE', payload(Buffer.from([245, 0xc5]))],
    ['FUNCTION', 'RESTORE', payload(Buffer.from([245, 0xc0, 7]))],
    ['FUNCTION', 'RESTORE', payload(Buffer.from([245, 0xc1, 0x39, 0x30]))],
    ['FUNCTION', 'RESTORE', payload(Buffer.from([245, 0xc3, 3, 30, 2, 0x23, 0x21, 0x6c]))],
    ['FUNCTION', 'RESTORE', payload(Buffer.from([245, 0xc3, 3, 3, 2, 0x23, 0x21, 0x6c]))],
    ['FUNCTION', 'RESTORE', payload(fn2('#!lua name=bad\nreturn +'))],
    ['FUNCTION', 'RESTORE', payload(fn2('no header'))],
    ['FUNCTION', 'RESTORE', payload(body(fn2(LIB_A), fn2(LIB_A)))],
    ['FUNCTION', 'RESTORE', payload(body(fn2(LIB_A), fn2(lib('other', 'fa1'))))],
    ['FUNCTION', 'RESTORE', payload(body(fn2(LIB_A), fn2('#!lua name=x\nreturn +')))],
    anyOrder(['FUNCTION', 'LIST', 'WITHCODE']),
  ]);
  same('RESTORE policies: APPEND (default), REPLACE, FLUSH', [
    ...setup(LIB_B),
    ['FUNCTION', 'RESTORE', payload(fn2(LIB_A))], anyOrder(['FUNCTION', 'LIST', 'WITHCODE']), ['FCALL', 'fa1', '0'], ['FCALL', 'fb', '0'],
    ['FUNCTION', 'RESTORE', payload(fn2(LIB_A))], ['FUNCTION', 'RESTORE', payload(fn2(LIB_A)), 'append'],
    ['FUNCTION', 'RESTORE', payload(fn2(lib('liba', 'fz'))), 'REPLACE'], anyOrder(['FUNCTION', 'LIST', 'WITHCODE']), ['FCALL', 'fa1', '0'], ['FCALL', 'fz', '0'],
    // A replaced library's functions do not collide; another library's do, and nothing changes.
    ['FUNCTION', 'RESTORE', payload(fn2(lib('liba', 'fb'))), 'REPLACE'], anyOrder(['FUNCTION', 'LIST', 'WITHCODE']),
    ['FUNCTION', 'RESTORE', payload(fn2(lib('libc', 'fz'))), 'REPLACE'],
    ['FUNCTION', 'RESTORE', payload(body(fn2(lib('libc', 'fc')), fn2(LIB_B))), 'APPEND'], anyOrder(['FUNCTION', 'LIST']),
    ['FUNCTION', 'RESTORE', payload(body(fn2(lib('libc', 'fc')), fn2(LIB_A))), 'FLUSH'], anyOrder(['FUNCTION', 'LIST', 'WITHCODE']),
    ['FCALL', 'fb', '0'], ['FCALL', 'fc', '0'],
    ['FUNCTION', 'RESTORE', payload(Buffer.alloc(0)), 'FLUSH'], ['FUNCTION', 'LIST'],
  ]);
  it('a payload dumped by redis-server restores into kiwi, and the reverse, with several libraries', async () => {
    const { redis, kiwi } = targets();
    const libs = [LIB_A, LIB_B, SHORT, bigLib('big4', 60, 5)];
    const fromRedis = await dumpOf(redis, libs);
    const fromKiwi = await dumpOf(kiwi, libs);
    // Same libraries, same bytes, up to the order of the libraries (Redis': its dict's).
    expect(fromKiwi.length).toBe(fromRedis.length);
    for (const [t, p] of [[kiwi, fromRedis], [redis, fromKiwi], [kiwi, fromKiwi], [redis, fromRedis]] as const) {
      const [ok, list, call] = await restoreAndList(t, p, ['FLUSH']);
      expect(ok).toBe('+OK\r\n');
      expect(call).toBe('$8\r\nliba.fa1\r\n');
      const expected = await on(redis, async (c) => {
        await c.command(['FUNCTION', 'FLUSH']);
        for (const l of libs) await c.command(['FUNCTION', 'LOAD', l]);
        return c.command(['FUNCTION', 'LIST', 'WITHCODE']);
      });
      expect(JSON.stringify(unordered(decode(list)))).toBe(JSON.stringify(unordered(decode(expected))));
    }
  });

  it('single-library dumps are byte-identical', async () => {
    const { redis, kiwi } = targets();
    for (const l of [LIB_A, SHORT, bigLib('big5', 200, 9), bigLib('big6', 1, 1)]) {
      expect((await dumpOf(kiwi, [l])).toString('hex')).toBe((await dumpOf(redis, [l])).toString('hex'));
    }
  });
});
