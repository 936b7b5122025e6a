// The GEO commands through ioredis' own geo methods (geoadd, geopos, geodist, geohash,
// geosearch, geosearchstore, georadius...), against kiwi-server and Debian's
// redis-server: the same calls must give the same values. A few values are pinned, so the
// file checks kiwi even where redis-server is missing.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { onPath, startReferenceRedis, type ReferenceRedis } from './harness.js';

const HAVE_REDIS = onPath('redis-server');

let kiwi: TestServer;
let redis: ReferenceRedis | undefined;
beforeAll(async () => {
  [kiwi, redis] = await Promise.all([startTestServer(), HAVE_REDIS ? startReferenceRedis() : undefined]);
});
afterAll(async () => {
  await Promise.all([kiwi?.destroy(), redis?.stop()]);
});

/** One run of ioredis geo calls; returns every result in order. */
async function script(port: number): Promise<unknown[]> {
  const c = new Redis({ port, lazyConnect: true, enableAutoPipelining: false });
  await c.connect();
  try {
    await c.flushall();
    const out: unknown[] = [];
    out.push(await c.geoadd('Sicily', 13.361389, 38.115556, 'Palermo', 15.087269, 37.502669, 'Catania'));
    out.push(await c.geoadd('Sicily', 'CH', 13.361389, 38.2, 'Palermo', 12.758489, 38.788135, 'edge1'));
    out.push(await c.geopos('Sicily', 'Palermo', 'Catania', 'nosuch'));
    out.push(await c.geodist('Sicily', 'Palermo', 'Catania', 'KM'));
    out.push(await c.geodist('Sicily', 'Palermo', 'nosuch'));
    out.push(await c.geohash('Sicily', 'Palermo', 'Catania'));
    out.push(await c.geosearch('Sicily', 'FROMLONLAT', 15, 37, 'BYRADIUS', 200, 'km', 'ASC', 'WITHCOORD', 'WITHDIST', 'WITHHASH'));
    out.push(await c.geosearch('Sicily', 'FROMMEMBER', 'Palermo', 'BYBOX', 400, 400, 'km', 'DESC', 'COUNT', 2));
    out.push(await c.geosearchstore('dst', 'Sicily', 'FROMLONLAT', 15, 37, 'BYRADIUS', 300, 'km', 'STOREDIST'));
    out.push(await c.zrange('dst', 0, -1, 'WITHSCORES'));
    out.push(await c.georadius('Sicily', 15, 37, 200, 'km', 'WITHDIST', 'ASC'));
    out.push(await c.georadiusbymember('Sicily', 'Palermo', 300, 'km', 'WITHCOORD'));
    out.push(await c.georadius_ro('Sicily', 15, 37, 200, 'km', 'COUNT', 1));
    out.push(await c.georadiusbymember_ro('Sicily', 'Catania', 300, 'mi', 'DESC'));
    out.push(await c.georadius('Sicily', 15, 37, 200, 'km', 'STORE', 'st'));
    out.push(await c.zrange('st', 0, -1, 'WITHSCORES'));
    out.push(await c.geoadd('Sicily', 200, 0, 'bad').catch((e: Error) => e.message));
    out.push(await c.call('GEODIST', 'Sicily', 'Palermo', 'Catania', 'yd').catch((e: Error) => e.message));
    out.push(await c.geosearch('Sicily', 'FROMMEMBER', 'nosuch', 'BYRADIUS', 1, 'km').catch((e: Error) => e.message));
    const p = c.pipeline();
    p.geoadd('pipe', 1, 1, 'a', 2, 2, 'b');
    p.geosearch('pipe', 'FROMLONLAT', 1, 1, 'BYRADIUS', 500, 'km', 'ASC', 'WITHDIST');
    p.geopos('pipe', 'b');
    out.push(await p.exec());
    return out;
  } finally {
    c.disconnect();
  }
}

describe('ioredis GEO calls', () => {
  it('give Redis values on kiwi', async () => {
    const got = await script(kiwi.port);
    expect(got[0]).toBe(2);
    expect(got[1]).toBe(2);
    expect((got[2] as unknown[]).slice(1)).toEqual([['15.08726745843887329', '37.50266842333162032'], null]);
    expect(got[16]).toBe('ERR invalid longitude,latitude pair 200.000000,0.000000');
  });

  it.skipIf(!HAVE_REDIS)(`are the same on kiwi and redis-server${HAVE_REDIS ? '' : ' (skipped: redis-server is not on PATH)'}`, async () => {
    const [expected, actual] = await Promise.all([script(redis!.port), script(kiwi.port)]);
    expect(actual).toEqual(expected);
  });
});
