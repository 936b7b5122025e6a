// GEO over TCP with pinned values (so kiwi is checked even without redis-server): RESP3
// doubles for coordinates, C's "%f" in the invalid-pair error, keyspace events, WATCH on
// a GEOSEARCHSTORE destination, and a GEOSEARCHSTORE that runs while GEOADDs change
// its source (the stored result is always one consistent search).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cFixed } from '../../src/commands/geo.js';
import { RawClient, resp, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.destroy();
});

async function client(): Promise<Redis> {
  const r = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
  await r.connect();
  return r;
}

describe('cFixed (C printf "%.Nf")', () => {
  it('rounds exact ties to even as glibc does, and prints inf and -0 as C', () => {
    expect(cFixed(0.0078125, 6)).toBe('0.007812');
    expect(cFixed(0.0234375, 6)).toBe('0.023438');
    expect(cFixed(0.03125, 4)).toBe('0.0312');
    expect(cFixed(2.5, 0)).toBe('2');
    expect(cFixed(3.5, 0)).toBe('4');
    expect(cFixed(200, 6)).toBe('200.000000');
    expect(cFixed(-0, 6)).toBe('-0.000000');
    expect(cFixed(Infinity, 6)).toBe('inf');
    expect(cFixed(-Infinity, 6)).toBe('-inf');
    expect(cFixed(0.1, 6)).toBe('0.100000');
    expect(cFixed(1e300, 2)).toBe('1000000000000000052504760255204420248704468581108159154915854115511802457988908195786371375080447864043704443832883878176942523235360430575644792184786706982848387200926575803737830233794788090059368953234970799945081119038967640880074652742780142494579258788820056842838115669472196386865459400540160.00');
  });
});

describe('GEO on the wire', () => {
  it('GEOPOS coordinates are bulk strings in RESP2 and doubles in RESP3; missing members are null arrays', async () => {
    const c = await RawClient.connect(server.port);
    expect(await c.roundTrip(resp('GEOADD', 'w', '13.361389', '38.115556', 'Palermo'), ':1\r\n')).toBe(':1\r\n');
    const two = '*2\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*-1\r\n';
    expect(await c.roundTrip(resp('GEOPOS', 'w', 'Palermo', 'nope'), two)).toBe(two);
    c.write(resp('HELLO', '3'));
    await c.read(1);
    await new Promise((r) => setTimeout(r, 50));
    await c.read(4096, 100);
    const three = '*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n';
    expect(await c.roundTrip(resp('GEOPOS', 'w', 'Palermo', 'nope'), three)).toBe(three);
    const dist = '$6\r\n0.0000\r\n';
    expect(await c.roundTrip(resp('GEODIST', 'w', 'Palermo', 'Palermo'), dist)).toBe(dist);
    expect(await c.roundTrip(resp('ZSCORE', 'w', 'Palermo'), ',3479099956230698\r\n')).toBe(',3479099956230698\r\n');
    c.close();
  });

  it('errors: invalid pair with C formatting, unit, missing member', async () => {
    const r = await client();
    await expect(r.geoadd('e', 0.0078125, 100, 'a')).rejects.toThrow('ERR invalid longitude,latitude pair 0.007812,100.000000');
    await expect(r.call('GEODIST', 'e', 'a', 'b', 'yd')).rejects.toThrow('ERR unsupported unit provided. please use M, KM, FT, MI');
    await r.geoadd('e', 1, 1, 'a');
    await expect(r.call('GEOSEARCH', 'e', 'FROMMEMBER', 'zz', 'BYRADIUS', '1', 'x')).rejects.toThrow('ERR could not decode requested zset member');
    await expect(r.call('GEOSEARCH', 'e', 'BYRADIUS', '1', 'x', 'FROMMEMBER', 'zz')).rejects.toThrow('ERR unsupported unit provided');
    await r.set('str', 'v');
    await expect(r.call('GEOSEARCH', 'str', 'BYRADIUS', '1', 'x', 'x', 'x')).rejects.toThrow('WRONGTYPE');
    expect(await r.call('GEORADIUSBYMEMBER', 'nokey', 'a', 'not-a-number', 'km')).toEqual([]);
    r.disconnect();
  });

  it('keyspace events: GEOADD raises zadd, GEOSEARCHSTORE geosearchstore, GEORADIUS STORE georadiusstore', async () => {
    const [r, sub] = await Promise.all([client(), client()]);
    await r.config('SET', 'notify-keyspace-events', 'Ez');
    const events: string[] = [];
    sub.on('pmessage', (_p, channel, key) => events.push(`${channel.split(':')[1]} ${key}`));
    await sub.psubscribe('__keyevent@0__:*');
    await r.geoadd('ev', 13.361389, 38.115556, 'Palermo', 15.087269, 37.502669, 'Catania');
    await r.geoadd('ev', 13.361389, 38.115556, 'Palermo');
    await r.call('GEOSEARCHSTORE', 'evd', 'ev', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km');
    await r.call('GEORADIUS', 'ev', '15', '37', '200', 'km', 'STOREDIST', 'evr');
    // The last destination is the one written (a key named "store" is no keyword there).
    await r.call('GEORADIUSBYMEMBER', 'ev', 'Palermo', '500', 'km', 'STORE', 'x', 'STORE', 'store', 'COUNT', '5');
    await new Promise((res) => setTimeout(res, 200));
    expect(events).toEqual(['zadd ev', 'geosearchstore evd', 'georadiusstore evr', 'georadiusstore store']);
    await r.config('SET', 'notify-keyspace-events', '');
    r.disconnect();
    sub.disconnect();
  });

  it('WATCH sees a GEOSEARCHSTORE destination change', async () => {
    const [a, b] = await Promise.all([client(), client()]);
    await a.geoadd('wsrc', 1, 1, 'x');
    await a.watch('wdst');
    expect(await b.call('GEOSEARCHSTORE', 'wdst', 'wsrc', 'FROMLONLAT', '1', '1', 'BYRADIUS', '10', 'km')).toBe(1);
    expect(await a.multi().set('wdst', 'v').exec()).toBeNull();
    a.disconnect();
    b.disconnect();
  });

  it('GEOSEARCHSTORE stores one consistent search while GEOADDs move members', async () => {
    const [w, s] = await Promise.all([client(), client()]);
    // Pairs of members always move together (one GEOADD): inside or outside the circle.
    const N = 20;
    await w.geoadd('cs', ...Array.from({ length: N }, (_, i) => [1, 1, `a${i}`, 1, 1, `b${i}`]).flat());
    let stop = false;
    const writer = (async () => {
      for (let k = 0; !stop; k++) {
        const i = k % N;
        const [lon, lat] = k % 2 === 0 ? [50, 50] : [1, 1];
        await w.geoadd('cs', lon, lat, `a${i}`, lon, lat, `b${i}`);
      }
    })();
    for (let round = 0; round < 50; round++) {
      await s.call('GEOSEARCHSTORE', 'cd', 'cs', 'FROMLONLAT', '1', '1', 'BYRADIUS', '100', 'km');
      const got = (await s.zrange('cd', 0, -1)) as string[];
      const a = got.filter((m) => m.startsWith('a')).map((m) => m.slice(1)).sort();
      const b = got.filter((m) => m.startsWith('b')).map((m) => m.slice(1)).sort();
      expect(a).toEqual(b);
    }
    stop = true;
    await writer;
    w.disconnect();
    s.disconnect();
  });
});
