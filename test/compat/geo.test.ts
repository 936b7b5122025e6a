// Differential tests of the GEO commands (test/compat/suite.ts): each script runs on
// Debian's redis-server and on kiwi-server, in RESP2 and in RESP3, and the reply bytes
// must be equal: geohash scores (ZRANGE WITHSCORES), coordinates and distances as Redis
// prints them, the 9-cell searches and Redis' errors in its order. Ends with a seeded
// randomized comparison of searches over random points.
import { describe, expect, it } from 'vitest';
import { random } from '../protocol/helpers.js';
import { RespConnection, type Arg } from './harness.js';
import { differential } from './suite.js';

const SICILY: Arg[] = ['GEOADD', 'Sicily', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania', '12.758489', '38.788135', 'edge1', '17.241510', '38.788135', 'edge2'];
const CITIES: Arg[] = [
  'GEOADD', 'c', '-122.4194', '37.7749', 'sf', '-118.2437', '34.0522', 'la', '-73.935242', '40.730610', 'nyc', '2.3522', '48.8566', 'paris', '-0.1276', '51.5072', 'london',
  '139.6917', '35.6895', 'tokyo', '151.2093', '-33.8688', 'sydney', '-58.3816', '-34.6037', 'ba', '179.9', '0.5', 'dateline-e', '-179.9', '0.5', 'dateline-w',
  '0', '0', 'origin', '0', '85.05', 'north', '0', '-85.05', 'south', '18.4241', '-33.9249', 'capetown',
];

differential('GEO: Redis differential', (same, targets) => {
  describe('GEOADD', () => {
    same('GEOADD stores Redis geohash scores', [
      SICILY, ['ZRANGE', 'Sicily', '0', '-1', 'WITHSCORES'], ['GEOADD', 'Sicily', '13.361389', '38.115556', 'Palermo'], CITIES, ['ZRANGE', 'c', '0', '-1', 'WITHSCORES'],
      ['GEOADD', 'b', '180', '85.05112878', 'ne', '-180', '-85.05112878', 'sw', '180', '-85.05112878', 'se', '-180', '85.05112878', 'nw', '0', '0', 'o', '-0', '-0', 'mo'],
      ['ZRANGE', 'b', '0', '-1', 'WITHSCORES'], ['GEOPOS', 'b', 'ne', 'sw', 'se', 'nw', 'o', 'mo'], ['TYPE', 'b'],
    ]);
    same('GEOADD NX, XX and CH', [
      SICILY, ['GEOADD', 'Sicily', 'NX', '13', '38', 'Palermo', '14', '37', 'new'], ['GEOADD', 'Sicily', 'XX', '13', '38', 'Palermo', '14', '37', 'other'],
      ['GEOADD', 'Sicily', 'XX', 'CH', '13.5', '38', 'Palermo', '14', '37', 'other2'], ['GEOADD', 'Sicily', 'CH', '13.5', '38', 'Palermo', '14', '37.5', 'new', '1', '1', 'x'],
      ['GEOADD', 'Sicily', 'ch', 'nx', '1', '1', 'x', '2', '2', 'y'], ['ZRANGE', 'Sicily', '0', '-1', 'WITHSCORES'], ['GEOADD', 'nokey', 'XX', '1', '1', 'a'], ['EXISTS', 'nokey'],
    ]);
    same('GEOADD errors', [
      ['GEOADD', 'g', '200', '0', 'a'], ['GEOADD', 'g', '0', '86', 'a'], ['GEOADD', 'g', '-180.0001', '0', 'a'], ['GEOADD', 'g', '0', '-85.05112879', 'a'],
      ['GEOADD', 'g', '0.0078125', '100', 'a'], ['GEOADD', 'g', 'inf', '1', 'a'], ['GEOADD', 'g', '-inf', '-1e300', 'a'], ['GEOADD', 'g', '-0.0000005', '1000.5', 'a'],
      ['GEOADD', 'g', 'x', '1', 'a'], ['GEOADD', 'g', '1', 'y', 'a'], ['GEOADD', 'g', '1', '1', 'a', '2'], ['GEOADD', 'g', 'NX', 'XX', '1', '1', 'a'],
      ['GEOADD', 'g', 'GT', '1', '1', 'a'], ['GEOADD', 'g', 'NX', 'CH', 'XX'], ['GEOADD', 'g', '1', '1', 'a', '500', '1', 'b'], ['GEOADD', 'g', '1', '2'], ['GEOADD', 'g', 'nan', '1', 'a'],
      ['EXISTS', 'g'], ['SET', 's', 'v'], ['GEOADD', 's', '1', '1', 'a'], ['GEOADD', 's', '1', '100', 'a'],
    ]);
  });

  describe('GEOPOS, GEODIST, GEOHASH', () => {
    same('GEOPOS prints coordinates as Redis does', [
      SICILY, CITIES, ['GEOPOS', 'Sicily', 'Palermo', 'Catania', 'nosuch', 'edge1', 'edge2'], ['GEOPOS', 'c', 'sf', 'la', 'nyc', 'paris', 'london', 'tokyo', 'sydney', 'ba', 'dateline-e', 'dateline-w', 'origin', 'north', 'south'],
      ['GEOPOS', 'nokey', 'a', 'b'], ['GEOPOS', 'Sicily'], ['GEOPOS', 'nokey'],
    ]);
    same('GEOPOS on members added with ZADD', [
      ['ZADD', 'z', '0', 'zero', '-5', 'neg', '9007199254740991', 'big', '1.5', 'frac', '4503599627370496', 'b52', '4503599627370495', 'max52', '1e300', 'huge', '-1e300', 'nhuge', 'inf', 'pinf', '-inf', 'ninf', '3479099956230698', 'palermo'],
      ['GEOPOS', 'z', 'zero', 'neg', 'big', 'frac', 'b52', 'max52', 'huge', 'nhuge', 'pinf', 'ninf', 'palermo'], ['GEOHASH', 'z', 'zero', 'neg', 'big', 'frac', 'b52', 'max52', 'palermo'],
      ['GEODIST', 'z', 'zero', 'palermo'], ['GEODIST', 'z', 'big', 'neg', 'km'],
    ]);
    same('GEODIST units and missing members', [
      SICILY, CITIES, ['GEODIST', 'Sicily', 'Palermo', 'Catania'], ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'km'], ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'MI'],
      ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'ft'], ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'M'], ['GEODIST', 'Sicily', 'Palermo', 'Palermo'], ['GEODIST', 'Sicily', 'Palermo', 'nosuch'],
      ['GEODIST', 'Sicily', 'nosuch', 'Palermo', 'km'], ['GEODIST', 'nokey', 'a', 'b'], ['GEODIST', 'c', 'sf', 'sydney', 'km'], ['GEODIST', 'c', 'dateline-e', 'dateline-w'],
      ['GEODIST', 'c', 'north', 'south', 'mi'], ['GEODIST', 'c', 'paris', 'london', 'ft'], ['GEODIST', 'c', 'tokyo', 'ba'],
    ]);
    same('GEODIST errors', [
      SICILY, ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'yards'], ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'km', 'extra'], ['GEODIST', 'nokey', 'a', 'b', 'parsec'],
      ['SET', 's', 'v'], ['GEODIST', 's', 'a', 'b'], ['GEODIST', 's', 'a', 'b', 'bad'], ['GEODIST', 'Sicily', 'Palermo'],
    ]);
    same('GEOHASH', [
      SICILY, CITIES, ['GEOHASH', 'Sicily', 'Palermo', 'Catania', 'nosuch'], ['GEOHASH', 'c', 'sf', 'la', 'nyc', 'paris', 'london', 'tokyo', 'sydney', 'ba', 'dateline-e', 'dateline-w', 'origin', 'north', 'south'],
      ['GEOHASH', 'nokey', 'a'], ['GEOHASH', 'Sicily'], ['SET', 's', 'v'], ['GEOHASH', 's', 'a'], ['GEOPOS', 's', 'a'],
    ]);
  });

  describe('GEOSEARCH', () => {
    same('GEOSEARCH BYRADIUS from a member and from a point', [
      SICILY, ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'ASC'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'DESC', 'WITHDIST', 'WITHCOORD', 'WITHHASH'],
      ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '300', 'km', 'WITHDIST'], ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '0', 'm', 'WITHDIST', 'WITHCOORD'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '100', 'mi', 'WITHHASH'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '500000', 'ft', 'withcoord', 'asc'],
      ['GEOSEARCH', 'Sicily', 'frommember', 'edge2', 'byradius', '1000', 'KM', 'WITHDIST', 'DESC'],
    ]);
    same('GEOSEARCH BYBOX', [
      SICILY, ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '400', '400', 'km', 'ASC', 'WITHCOORD', 'WITHDIST'],
      ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYBOX', '200', '50', 'km', 'WITHDIST'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '0', '0', 'km'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '38', 'BYBOX', '1000', '10', 'km', 'DESC', 'WITHHASH'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '38', 'BYBOX', '10', '1000', 'mi'],
    ]);
    same('GEOSEARCH COUNT and ANY', [
      SICILY, CITIES, ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'COUNT', '1'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'COUNT', '1', 'DESC'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'COUNT', '1', 'ANY'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '2000', 'km', 'COUNT', '3', 'ANY', 'ASC'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '2000', 'km', 'COUNT', '100'], ['GEOSEARCH', 'c', 'FROMLONLAT', '0', '0', 'BYRADIUS', '20000', 'km', 'WITHDIST'],
      ['GEOSEARCH', 'c', 'FROMLONLAT', '0', '0', 'BYRADIUS', '20000', 'km', 'COUNT', '5', 'WITHDIST'], ['GEOSEARCH', 'c', 'FROMLONLAT', '0', '0', 'BYRADIUS', '20000', 'km', 'COUNT', '5', 'ANY'],
      ['GEOSEARCH', 'c', 'FROMMEMBER', 'dateline-e', 'BYRADIUS', '100', 'km', 'WITHDIST'], ['GEOSEARCH', 'c', 'FROMMEMBER', 'north', 'BYBOX', '40000', '1000', 'km', 'WITHDIST', 'ASC'],
      ['GEOSEARCH', 'c', 'FROMLONLAT', '180', '0', 'BYRADIUS', '5000', 'km', 'ASC'], ['GEOSEARCH', 'c', 'FROMLONLAT', '-180', '-85.05112878', 'BYBOX', '30000', '30000', 'km', 'ASC'],
      ['GEOSEARCH', 'c', 'FROMMEMBER', 'sf', 'BYRADIUS', '600', 'km', 'COUNT', '9223372036854775807', 'DESC', 'WITHCOORD'],
    ]);
    // Members at one position tie on distance: which ones COUNT returns, and their order,
    // is what Redis' partial quicksort (pqsort) leaves, and qsort's for full sorts.
    const tied: Arg[] = ['GEOADD', 't', ...Array.from({ length: 60 }, (_, i) => [i % 3 === 0 ? '10' : '10.001', i % 2 === 0 ? '20' : '20.001', `m${String(i).padStart(2, '0')}`]).flat()];
    same('GEOSEARCH COUNT over tied distances', [
      tied, ['GEOSEARCH', 't', 'FROMLONLAT', '10', '20', 'BYRADIUS', '10', 'km', 'COUNT', '5'], ['GEOSEARCH', 't', 'FROMLONLAT', '10', '20', 'BYRADIUS', '10', 'km', 'COUNT', '5', 'DESC'],
      ['GEOSEARCH', 't', 'FROMLONLAT', '10', '20', 'BYRADIUS', '10', 'km', 'COUNT', '23', 'WITHDIST'], ['GEOSEARCH', 't', 'FROMLONLAT', '10', '20', 'BYRADIUS', '10', 'km', 'COUNT', '59', 'DESC'],
      ['GEOSEARCH', 't', 'FROMLONLAT', '10.0005', '20.0005', 'BYRADIUS', '10', 'km', 'COUNT', '7', 'ASC'], ['GEOSEARCH', 't', 'FROMLONLAT', '10', '20', 'BYRADIUS', '10', 'km', 'ASC'],
      ['GEOSEARCH', 't', 'FROMLONLAT', '10', '20', 'BYRADIUS', '10', 'km', 'DESC', 'WITHDIST'], ['GEOSEARCHSTORE', 'td', 't', 'FROMLONLAT', '10', '20', 'BYRADIUS', '10', 'km', 'COUNT', '11', 'STOREDIST'],
      ['ZRANGE', 'td', '0', '-1', 'WITHSCORES'], ['GEORADIUS', 't', '10', '20', '10', 'km', 'COUNT', '3', 'DESC'],
    ]);
    same('GEOSEARCH errors come in Redis order', [
      SICILY, ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '-1', 'km'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', 'x', 'km'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'yd'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', 'x', '1', 'km'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '1', 'y', 'km'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '1', '-1', 'km'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '1', '1', 'ly'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '200', '37', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'nosuch', 'BYRADIUS', '1', 'km'], ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'nosuch', 'BYRADIUS', '1', 'xx'],
      ['GEOSEARCH', 'Sicily', 'BYRADIUS', '1', 'xx', 'FROMMEMBER', 'nosuch'], ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '1', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '1', 'km'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km', 'BYBOX', '1', '1', 'km'],
      ['GEOSEARCH', 'Sicily', 'BYRADIUS', '1', 'km', 'COUNT', '1', 'ANY'], ['geoSearch', 'Sicily', 'FROMLONLAT', '1', '1', 'WITHDIST', 'ASC'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km', 'ANY'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km', 'COUNT', '0'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km', 'COUNT', '-1'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km', 'COUNT', 'x'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km', 'COUNT'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km', 'STORE', 'd'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km', 'STOREDIST'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '1', 'BYRADIUS', '1', 'km'], ['GEOSEARCH', 'Sicily', 'bogus', '1', '1', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'nosuch', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '1', 'km'],
    ]);
    same('GEOSEARCH on a missing key or another type', [
      ['GEOSEARCH', 'nokey', 'FROMMEMBER', 'a', 'BYRADIUS', '1', 'km'], ['GEOSEARCH', 'nokey', 'FROMLONLAT', '1', '1', 'BYBOX', '1', '1', 'km', 'WITHDIST'],
      ['GEOSEARCH', 'nokey', 'FROMMEMBER', 'a', 'BYRADIUS', '-1', 'km'], ['GEOSEARCH', 'nokey', 'FROMMEMBER', 'a'], ['GEOSEARCH', 'nokey', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km', 'ANY'],
      ['SET', 's', 'v'], ['GEOSEARCH', 's', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km'], ['GEOSEARCH', 's', 'FROMLONLAT', '1', '1', 'BYRADIUS', '-1', 'km'], ['GEOSEARCH', 's', 'bogus', 'x', 'y', 'z', 'w'],
    ]);
  });

  describe('GEOSEARCHSTORE', () => {
    same('GEOSEARCHSTORE stores scores or distances', [
      SICILY, ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '400', '400', 'km', 'ASC', 'COUNT', '3', 'STOREDIST'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '10', 'km', 'STOREDIST'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '10', 'km'], ['EXISTS', 'd'], ['SET', 'd', 'v'],
      ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'mi', 'COUNT', '1', 'ANY'], ['TYPE', 'd'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['GEOSEARCHSTORE', 'Sicily', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'STOREDIST'], ['ZRANGE', 'Sicily', '0', '-1', 'WITHSCORES'],
      ['GEOSEARCHSTORE', 'd', 'nokey', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'], ['EXISTS', 'd'],
    ]);
    same('GEOSEARCHSTORE errors', [
      SICILY, ['SET', 'd', 'v'], ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'WITHDIST'],
      ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'STORE', 'x'], ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMMEMBER', 'nosuch', 'BYRADIUS', '200', 'km'],
      ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200'], ['GEOSEARCHSTORE', 'd', 'd', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'],
      ['geosearchstore', 'd', 'Sicily', 'BYRADIUS', '200', 'km'], ['GEOSEARCHSTORE', 'd', 'nokey', 'FROMLONLAT', '15', '37', 'BYRADIUS', '-2', 'km'], ['GET', 'd'],
    ]);
  });

  describe('GEORADIUS and GEORADIUSBYMEMBER', () => {
    same('GEORADIUS and its options', [
      SICILY, ['GEORADIUS', 'Sicily', '15', '37', '200', 'km'], ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'WITHDIST', 'WITHCOORD', 'WITHHASH', 'ASC'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'COUNT', '1', 'DESC', 'WITHDIST'], ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'COUNT', '1', 'ANY'],
      ['GEORADIUS_RO', 'Sicily', '15', '37', '200', 'km', 'WITHDIST', 'ASC'], ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'd'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STOREDIST', 'd2', 'ASC', 'COUNT', '1'], ['ZRANGE', 'd2', '0', '-1', 'WITHSCORES'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'x', 'STOREDIST', 'd3'], ['ZRANGE', 'd3', '0', '-1', 'WITHSCORES'], ['EXISTS', 'x'],
      ['GEORADIUS', 'nokey', '15', '37', '200', 'km', 'STORE', 'd'], ['EXISTS', 'd'], ['GEORADIUS', 'nokey', '15', '37', '200', 'km'],
    ]);
    same('GEORADIUSBYMEMBER and its options', [
      SICILY, ['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '200', 'km'], ['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '300', 'km', 'WITHDIST', 'WITHCOORD', 'DESC'],
      ['GEORADIUSBYMEMBER_RO', 'Sicily', 'Catania', '300', 'mi', 'WITHHASH', 'COUNT', '2'], ['GEORADIUSBYMEMBER', 'Sicily', 'Catania', '300', 'km', 'STOREDIST', 'd'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['GEORADIUSBYMEMBER', 'nokey', 'a', '200', 'km'], ['GEORADIUSBYMEMBER', 'nokey', 'a', 'abc', 'km'], ['GEORADIUSBYMEMBER', 'nokey', 'a', '-1', 'xx', 'WITHDIST'],
      ['GEORADIUSBYMEMBER', 'nokey', 'a', '-1', 'km', 'STORE', 'd'], ['EXISTS', 'd'], ['GEORADIUSBYMEMBER', 'nokey', 'a', '-1', 'km', 'bogus'],
    ]);
    same('GEORADIUS errors', [
      SICILY, ['GEORADIUS', 'Sicily', '200', '37', '200', 'km'], ['GEORADIUS', 'Sicily', '15', '37', '-200', 'km'], ['GEORADIUS', 'Sicily', '15', '37', 'x', 'km'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'kms'], ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'd', 'WITHDIST'], ['GEORADIUS_RO', 'Sicily', '15', '37', '200', 'km', 'STORE', 'd'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'FROMMEMBER', 'Palermo'], ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'ANY'], ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE'],
      ['GEORADIUSBYMEMBER', 'Sicily', 'nosuch', '200', 'km'], ['GEORADIUSBYMEMBER', 'Sicily', 'nosuch', '-1', 'km'], ['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '-1', 'km', 'bogus'],
      ['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '1', 'km', 'STOREDIST', 'd', 'WITHHASH'], ['GEORADIUSBYMEMBER_RO', 'Sicily', 'Palermo', '1', 'km', 'STOREDIST', 'd'],
      ['SET', 's', 'v'], ['GEORADIUS', 's', '200', '37', '200', 'km'], ['GEORADIUSBYMEMBER', 's', 'a', 'x', 'km'], ['GEORADIUS', 'Sicily', '15', '37', '200'],
    ]);
  });

  describe('COMMAND GETKEYS', () => {
    same('keys of the GEO commands, STORE and STOREDIST destinations included', [
      ['COMMAND', 'GETKEYS', 'GEORADIUS', 'k', '1', '1', '1', 'km', 'STORE', 'd', 'STOREDIST', 'e'], ['COMMAND', 'GETKEYS', 'GEORADIUS', 'k', '1', '1', '1', 'km', 'storedist', 'e', 'store', 'd'],
      ['COMMAND', 'GETKEYS', 'GEORADIUSBYMEMBER', 'k', 'm', '1', 'km', 'STORE', 'd', 'STORE', 'x'], ['COMMAND', 'GETKEYS', 'GEORADIUSBYMEMBER', 'k', 'store', '1', 'km'],
      ['COMMAND', 'GETKEYS', 'GEORADIUS', 'k', '1', '1', '1', 'store', 'store', 'd'], ['COMMAND', 'GETKEYS', 'GEORADIUS', 'k', '1', '1', '1', 'km', 'COUNT', 'STORE'],
      ['COMMAND', 'GETKEYS', 'GEOSEARCHSTORE', 'd', 's', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km'], ['COMMAND', 'GETKEYS', 'GEOADD', 'k', '1', '1', 'm'],
      ['COMMAND', 'GETKEYS', 'GEOSEARCH', 'k', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km'], ['COMMAND', 'GETKEYS', 'GEORADIUS_RO', 'k', '1', '1', '1', 'km'],
    ]);
  });

  describe('A GEO key is a sorted set', () => {
    same('sorted-set commands on GEO keys and GEO commands on sorted sets', [
      SICILY, ['ZCARD', 'Sicily'], ['ZSCORE', 'Sicily', 'Palermo'], ['ZREM', 'Sicily', 'edge1'], ['ZRANGEBYSCORE', 'Sicily', '-inf', '+inf', 'WITHSCORES'],
      ['ZADD', 'Sicily', '3479447370796909', 'copy'], ['GEOPOS', 'Sicily', 'copy'], ['GEODIST', 'Sicily', 'copy', 'Catania'], ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'copy', 'BYRADIUS', '1', 'm', 'ASC'],
      ['OBJECT', 'ENCODING', 'nokey'], ['TYPE', 'Sicily'],
    ]);
  });

  describe('Seeded random searches', () => {
    const SEED = 1717;
    const ROUNDS = 1500;
    it(`random points and searches match redis-server (seed ${SEED})`, async () => {
      const rnd = random(SEED);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
      const num = (lo: number, hi: number, digits = 6) => (lo + rnd() * (hi - lo)).toFixed(digits);
      const [a, b] = await Promise.all([RespConnection.open(targets().redis.port), RespConnection.open(targets().kiwi.port)]);
      try {
        await Promise.all([a.command(['FLUSHALL']), b.command(['FLUSHALL'])]);
        // Points in a few clusters (dense cells, near the poles, across the date line) and spread over the globe.
        const centres: [number, number][] = [[13, 38], [179.5, 10], [-179.5, -10], [0, 84], [0, -84], [-73.9, 40.7], [0, 0]];
        const adds: Arg[][] = [];
        for (let i = 0; i < 60; i++) {
          const args: Arg[] = ['GEOADD', 'g'];
          for (let j = 0; j < 20; j++) {
            if (rnd() < 0.5) {
              const [x, y] = pick(centres);
              const spread = pick([0.01, 0.5, 5]);
              args.push(Math.max(-180, Math.min(180, x + (rnd() - 0.5) * spread)).toFixed(6), Math.max(-85, Math.min(85, y + (rnd() - 0.5) * spread)).toFixed(6));
            } else {
              args.push(num(-180, 180), num(-85.05, 85.05));
            }
            args.push(`p${i * 20 + j}`);
          }
          adds.push(args);
        }
        const [ra, rb] = await Promise.all([a.pipeline(adds), b.pipeline(adds)]);
        expect(rb).toEqual(ra);
        const units = ['m', 'km', 'mi', 'ft'];
        const scale: Record<string, number> = { m: 1, km: 1000, mi: 1609.34, ft: 0.3048 };
        let found = 0;
        for (let round = 0; round < ROUNDS; round++) {
          const unit = pick(units);
          const metres = pick([500, 20_000, 300_000, 3_000_000, 12_000_000]) * rnd();
          const size = (metres / scale[unit]).toFixed(3);
          const from: Arg[] = rnd() < 0.3 ? ['FROMMEMBER', `p${Math.floor(rnd() * 1200)}`] : (() => {
            const [x, y] = rnd() < 0.6 ? pick(centres) : [0, 0];
            return ['FROMLONLAT', Math.max(-180, Math.min(180, x + (rnd() - 0.5) * 4)).toFixed(5), Math.max(-85, Math.min(85, y + (rnd() - 0.5) * 4)).toFixed(5)];
          })();
          const by: Arg[] = rnd() < 0.5 ? ['BYRADIUS', size, unit] : ['BYBOX', size, (Number(size) * (0.2 + rnd() * 2)).toFixed(3), unit];
          const opts: Arg[] = ['WITHDIST', 'WITHHASH', 'WITHCOORD'].filter(() => rnd() < 0.5);
          const sort = rnd();
          if (sort < 0.3) opts.push('ASC');
          else if (sort < 0.5) opts.push('DESC');
          if (rnd() < 0.3) opts.push('COUNT', String(1 + Math.floor(rnd() * 20)), ...(rnd() < 0.3 ? ['ANY'] : []));
          const search: Arg[] = ['GEOSEARCH', 'g', ...from, ...by, ...opts];
          const store: Arg[] = ['GEOSEARCHSTORE', 'dst', 'g', ...from, ...by, ...opts.filter((o) => !String(o).startsWith('WITH')), ...(rnd() < 0.5 ? ['STOREDIST'] : [])];
          const check: Arg[][] = [search, store, ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES']];
          const [expected, actual] = await Promise.all([a.pipeline(check), b.pipeline(check)]);
          expect(actual, `round ${round}: ${search.join(' ')}`).toEqual(expected);
          if (String(expected[0]).startsWith('*') && !String(expected[0]).startsWith('*0')) found++;
        }
        // The comparison means something only if many searches find members.
        expect(found).toBeGreaterThan(ROUNDS / 3);
      } finally {
        a.close();
        b.close();
      }
    }, 180_000);
  });
});
