// The e2e run's commands that redis-benchmark has no -t test for, run as custom commands
// (redis-benchmark replaces each __rand_int__ with a random number below -r): bitmaps on keys of their own with small offsets, HyperLogLogs of a few elements each.
// GETBIT/BITCOUNT read what SETBIT wrote and PFCOUNT what PFADD wrote, so they run after.
// A module of its own: bench/e2e.mjs and bench/lib/report.mjs both need it, and report.mjs
// importing e2e.mjs (a main module with top-level await) would never finish loading.
// HGETALL/SMEMBERS/ZRANGE of 100 read a 100-member key the e2e run loads before each trial.
import { createHash } from 'node:crypto';

// Scripts (issue 16), run by EVALSHA after a SCRIPT LOAD before each trial: a one-line
// GET, and a rate limiter (INCR, EXPIRE on the first hit).
export const GET_SCRIPT = "return redis.call('GET', KEYS[1])";
export const RATE_LIMIT_SCRIPT = "local c = redis.call('INCR', KEYS[1]) if c == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end if c > tonumber(ARGV[2]) then return 0 end return 1";
const sha1 = (s) => createHash('sha1').update(s).digest('hex');

export const CUSTOM = {
  hgetall_100: ['HGETALL', 'bench:hash100'],
  smembers_100: ['SMEMBERS', 'bench:set100'],
  zrange100: ['ZRANGE', 'zset:100', '0', '99', 'WITHSCORES'],
  // GEO (issue 17): GEOADD of one random point (all near 13,38) to one key, as ZADD does;
  // a GEOSEARCH that finds ~10 of the 32x32 grid (0.01 degree apart) loaded before.
  geoadd: ['GEOADD', 'geo:pts', '13.__rand_int__', '38.__rand_int__', 'm:__rand_int__'],
  geosearch_10: ['GEOSEARCH', 'geo:grid', 'FROMLONLAT', '13.155', '38.155', 'BYRADIUS', '1.8', 'km', 'ASC'],
  setbit: ['SETBIT', 'bit:__rand_int__', '7', '1'],
  getbit: ['GETBIT', 'bit:__rand_int__', '7'],
  bitcount: ['BITCOUNT', 'bit:__rand_int__'],
  pfadd: ['PFADD', 'hll:__rand_int__', 'el:__rand_int__'],
  pfcount: ['PFCOUNT', 'hll:__rand_int__'],
  // To the channel the run's subscribers listen on (1 or 100 of them).
  publish_1: ['PUBLISH', 'bench:chan', 'message-16-bytes'],
  publish_100: ['PUBLISH', 'bench:chan', 'message-16-bytes'],
  // One hot stream, as a queue or event log is; XRANGE reads 10 of a 100-entry stream.
  xadd: ['XADD', 'bench:stream', '*', 'field', 'value-16-bytes..'],
  xrange_10: ['XRANGE', 'bench:stream100', '-', '+', 'COUNT', '10'],
  evalsha_get: ['EVALSHA', sha1(GET_SCRIPT), '1', 'key:__rand_int__'],
  evalsha_ratelimit: ['EVALSHA', sha1(RATE_LIMIT_SCRIPT), '1', 'rl:__rand_int__', '60', '1000000'],
};
