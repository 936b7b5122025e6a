// A coarse clock for hot paths: performance.now() costs ~100 ns, too much to call twice
// per command. The network runtime ticks it once per socket read and once per storage
// completion; per-command latencies read the cached value. Imports nothing.
let cached = performance.now();

/** Milliseconds, as performance.now() at the last tick. */
export function coarseNow(): number {
  return cached;
}

/** Refreshes the cached time; returns it. */
export function tick(): number {
  cached = performance.now();
  return cached;
}
