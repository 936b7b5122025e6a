// A differential suite: one reference redis-server and one kiwi-server for a test file,
// and `same(name, steps)`, which runs a script on both in RESP2 and again after HELLO 3
// and wants the same reply bytes (and the servers' ports, for tests that drive both
// themselves). Used by the per-family differential files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  decode, isMap, kiwiTarget, onPath, redisTarget, runScript, startReferenceRedis,
  type Arg, type ReferenceRedis, type RespValue, type Step, type Target,
} from './harness.js';

export const HAVE_REDIS = onPath('redis-server');
const SKIP_REASON = 'redis-server is not on PATH: the differential tests need it as the reference (apt install redis-server)';

/** A normalised step: the reply decoded, passed through `normalize`, compared as JSON. */
export const norm = (argv: Arg[], normalize: (v: RespValue) => unknown): Step => ({
  argv,
  normalize: (reply) => JSON.stringify(normalize(decode(reply))),
});

const sortKey = (v: unknown): string => JSON.stringify(v);

/** Arrays, sets and maps in order-free form (hash-table order is each server's own). */
export function unordered(v: RespValue): unknown {
  if (Array.isArray(v)) return { array: v.map(unordered).sort((a, b) => sortKey(a).localeCompare(sortKey(b))) };
  if (isMap(v)) return { map: v.map.map(([k, x]) => [unordered(k), unordered(x)]).sort((a, b) => sortKey(a).localeCompare(sortKey(b))) };
  if (v !== null && typeof v === 'object' && 'set' in v) return { set: v.set.map(unordered).sort((a, b) => sortKey(a).localeCompare(sortKey(b))) };
  return v;
}

/** A step whose aggregate reply is compared without regard to order. */
export const anyOrder = (argv: Arg[]): Step => norm(argv, unordered);

/** A flat [k, v, k, v] array (RESP2 HGETALL...) compared as unordered pairs. */
export function unorderedPairs(v: RespValue): unknown {
  if (!Array.isArray(v)) return unordered(v);
  const pairs: unknown[] = [];
  for (let i = 0; i + 1 < v.length; i += 2) pairs.push([v[i], v[i + 1]]);
  return { pairs: pairs.sort((a, b) => sortKey(a).localeCompare(sortKey(b))) };
}
export const anyOrderPairs = (argv: Arg[]): Step => norm(argv, unorderedPairs);

/** HELLO: its reply carries the server version and connection id; errors are compared. */
export const hello = (argv: Arg[]): Step => ({ argv, normalize: (reply) => (reply.startsWith('-') ? reply : '<hello>') });

/** The reply's kind and size: for random replies, where only the shape can match. */
export function shapeOf(v: RespValue): unknown {
  if (Array.isArray(v)) return { array: v.map(shapeOf) };
  if (isMap(v)) return { map: v.map.length };
  if (v !== null && typeof v === 'object' && 'set' in v) return { set: v.set.length };
  return v === null ? null : v[0];
}
export const sameShape = (argv: Arg[]): Step => norm(argv, shapeOf);

export interface SuiteOptions {
  /** More redis-server arguments (e.g. `--dir` for SAVE, `--enable-debug-command yes`). */
  redisArgs?: string[];
}

/**
 * Declares a differential suite; the callback receives `same` and declares tests with it,
 * and `targets()`, the two servers' addresses, for tests that talk to each on its own.
 * Skipped visibly (in the name) without redis-server.
 */
export function differential(
  title: string,
  body: (same: (name: string, steps: readonly Step[]) => void, targets: () => { redis: Target; kiwi: Target }) => void,
  options: SuiteOptions = {},
): void {
  const name = HAVE_REDIS ? title : `${title} (skipped: ${SKIP_REASON})`;
  describe.skipIf(!HAVE_REDIS)(name, () => {
    let redis: ReferenceRedis;
    let kiwi: TestServer;
    let targets: { redis: Target; kiwi: Target };
    beforeAll(async () => {
      [redis, kiwi] = await Promise.all([startReferenceRedis(options.redisArgs), startTestServer()]);
      targets = { redis: redisTarget(redis.port), kiwi: kiwiTarget(kiwi) };
    });
    afterAll(async () => {
      await Promise.all([redis?.stop(), kiwi?.destroy()]);
    });
    const compare = async (steps: readonly Step[]) => {
      const [expected, actual] = await Promise.all([runScript(targets.redis, steps), runScript(targets.kiwi, steps)]);
      expect(actual).toEqual(expected);
    };
    // HELLO 3's reply carries the server version and connection id: not compared.
    const hello3: Step = { argv: ['HELLO', '3'], normalize: () => '<hello>' };
    body((testName, steps) => {
      it(`${testName} (RESP2)`, () => compare(steps));
      it(`${testName} (RESP3)`, () => compare([hello3, ...steps]));
    }, () => targets);
  });
}
