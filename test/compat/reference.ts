// Shared by the differential test files: a reference redis-server and a kiwi server for
// one describe block, a `same(name, steps)` test that wants equal reply bytes from both,
// and the normalising steps most files need.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StartOptions } from '../../src/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  decode, isMap, kiwiTarget, onPath, redisTarget, runScript, startReferenceRedis,
  type Arg, type ReferenceRedis, type RespValue, type Step, type Target,
} from './harness.js';

export const HAVE_REDIS = onPath('redis-server');
const SKIP_REASON = 'redis-server is not on PATH: the differential tests need it as the reference (apt install redis-server)';

/** The test title, saying why it is skipped when there is no reference server. */
export function title(name: string, file: string): string {
  if (HAVE_REDIS) return name;
  console.warn(`${file} skipped: ${SKIP_REASON}`);
  return `${name} (skipped: ${SKIP_REASON})`;
}

export interface Reference {
  targets(): { redis: Target; kiwi: Target };
  kiwi(): TestServer;
  /** Runs `steps` on both servers and wants the same replies. */
  compare(steps: readonly Step[]): Promise<void>;
  /** A test that does `compare(steps)`. */
  same(name: string, steps: readonly Step[]): void;
}

/** Starts both servers around the current describe block. */
export function useReference(redisArgs: string[] = [], kiwiOptions: StartOptions = {}): Reference {
  let redis: ReferenceRedis;
  let kiwi: TestServer;
  let targets: { redis: Target; kiwi: Target };
  beforeAll(async () => {
    [redis, kiwi] = await Promise.all([startReferenceRedis(redisArgs), startTestServer(kiwiOptions)]);
    targets = { redis: redisTarget(redis.port), kiwi: kiwiTarget(kiwi) };
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), kiwi?.destroy()]);
  });
  const compare = async (steps: readonly Step[]): Promise<void> => {
    const [expected, actual] = await Promise.all([runScript(targets.redis, steps), runScript(targets.kiwi, steps)]);
    expect(actual).toEqual(expected);
  };
  return {
    targets: () => targets,
    kiwi: () => kiwi,
    compare,
    same: (name, steps) => it(name, () => compare(steps)),
  };
}

/** A normalised step. */
export const norm = (argv: Arg[], normalize: (v: RespValue) => unknown): Step => ({
  argv,
  normalize: (reply) => JSON.stringify(normalize(decode(reply))),
});

// HELLO reports the server version (7.0.15 vs kiwi's 7.0.0) and the connection id: normalised.
export const hello = (argv: Arg[]): Step => norm(argv, (v) => {
  if (Array.isArray(v)) return v.map((x, i) => (v[i - 1] === '$version' || v[i - 1] === '$id' ? '<ignored>' : x));
  if (isMap(v)) return v.map.map(([k, x]) => [k, k === '$version' || k === '$id' ? '<ignored>' : x]);
  return v;
});

/** Array replies whose order is the server's hash-table order: compared sorted. */
export const sorted = (argv: Arg[]): Step => norm(argv, (v) => (Array.isArray(v) ? [...v].sort() : v));
