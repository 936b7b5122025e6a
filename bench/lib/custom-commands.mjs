// The e2e run's commands that redis-benchmark has no -t test for, run as custom commands
// (redis-benchmark replaces each __rand_int__ with a random number below -r): bitmaps on keys of their own with small offsets, HyperLogLogs of a few elements each.
// GETBIT/BITCOUNT read what SETBIT wrote and PFCOUNT what PFADD wrote, so they run after.
// A module of its own: bench/e2e.mjs and bench/lib/report.mjs both need it, and report.mjs
// importing e2e.mjs (a main module with top-level await) would never finish loading.
// HGETALL/SMEMBERS/ZRANGE of 100 read a 100-member key the e2e run loads before each trial.
export const CUSTOM = {
  hgetall_100: ['HGETALL', 'bench:hash100'],
  smembers_100: ['SMEMBERS', 'bench:set100'],
  zrange100: ['ZRANGE', 'zset:100', '0', '99', 'WITHSCORES'],
  setbit: ['SETBIT', 'bit:__rand_int__', '7', '1'],
  getbit: ['GETBIT', 'bit:__rand_int__', '7'],
  bitcount: ['BITCOUNT', 'bit:__rand_int__'],
  pfadd: ['PFADD', 'hll:__rand_int__', 'el:__rand_int__'],
  pfcount: ['PFCOUNT', 'hll:__rand_int__'],
  // To the channel the run's subscribers listen on (1 or 100 of them).
  publish_1: ['PUBLISH', 'bench:chan', 'message-16-bytes'],
  publish_100: ['PUBLISH', 'bench:chan', 'message-16-bytes'],
};
