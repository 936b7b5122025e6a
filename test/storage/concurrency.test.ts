// Atomicity and ordering while several storage threads run batches in parallel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cmd } from '../../src/storage/requests.js';
import { openStorage, removeDir, type TestStorage } from './helpers.js';

const MAX = 512 * 1024 * 1024;
let s: TestStorage;

beforeAll(() => {
  s = openStorage({ threads: 8 });
});
afterAll(async () => {
  await s.close();
  removeDir(s.dir);
});

const yieldTurn = () => new Promise<void>((r) => setImmediate(r));

describe('atomicity', () => {
  it('8 concurrent submitters x 10,000 INCR on one key = exactly 80,000', async () => {
    const submitter = async () => {
      // 100 rounds of 100 requests: every round is a separate batch racing the other
      // submitters' batches on the 8 storage threads.
      for (let round = 0; round < 100; round++) {
        await Promise.all(Array.from({ length: 100 }, () => s.send(Cmd.incrBy('counter', 1))));
      }
    };
    await Promise.all(Array.from({ length: 8 }, submitter));
    expect(await s.str(Cmd.get('counter'))).toBe('80000');
    expect(s.server.stats().threads).toBe(8);
  });

  it('concurrent APPENDs lose no bytes', async () => {
    const jobs: Promise<unknown>[] = [];
    for (let i = 0; i < 4000; i++) {
      jobs.push(s.send(Cmd.append('log', 'x', MAX)));
      if (i % 37 === 0) await yieldTurn();
    }
    await Promise.all(jobs);
    expect(await s.send(Cmd.strlen('log'))).toBe(4000);
  });

  it('MSETNX is all-or-nothing under contention', async () => {
    // Two groups race for overlapping keys: exactly one may win each round.
    for (let round = 0; round < 50; round++) {
      const [a, b] = await Promise.all([
        s.send(Cmd.msetnx([`r${round}:x`, 'a', `r${round}:y`, 'a'])),
        s.send(Cmd.msetnx([`r${round}:y`, 'b', `r${round}:z`, 'b'])),
      ]);
      expect((a as number) + (b as number)).toBe(1);
    }
  });
});

describe('ordering', () => {
  it('each submitter\'s commands execute in submission order across batches', async () => {
    const origins = Array.from({ length: 8 }, (_, i) => i + 1);
    const sent: Promise<unknown>[] = [];
    for (let i = 0; i < 2000; i++) {
      for (const o of origins) sent.push(s.send(Cmd.append(`seq:${o}`, `${i},`, MAX), { origin: o }));
      // Spread the stream over many event-loop turns, so it spans many batches.
      if (i % 7 === 0) await yieldTurn();
    }
    await Promise.all(sent);
    const expected = Array.from({ length: 2000 }, (_, i) => `${i},`).join('');
    for (const o of origins) expect(await s.str(Cmd.get(`seq:${o}`))).toBe(expected);
  });

  it('a read after a write of the same origin sees it, whatever the priorities', async () => {
    const origin = 99;
    const results = await Promise.all([
      s.send(Cmd.set('ordered', '1'), { origin }),
      s.send(Cmd.keys('ordered*'), { origin, priority: 2 }),
      s.send(Cmd.incrBy('ordered', 1), { origin }),
      s.send(Cmd.get('ordered'), { origin, priority: 0 }),
    ]);
    expect((results[1] as Buffer[]).map(String)).toEqual(['ordered']);
    expect(String(results[3])).toBe('2');
  });
});
