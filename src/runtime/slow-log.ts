// SLOWLOG and LATENCY over every network runtime: each runtime's dispatcher records into
// its own SlowCommands (src/server/slow-commands.ts); these read, merge and reset all of
// them through the bus, so a client sees one log whichever runtime serves it. Entry ids
// come from a counter the runtimes share, so the merged log is ordered by them.
import type { Bus, LatencySample, LatencySeries, SlowCommandLog, SlowLogEntry } from '../commands/types.js';
import type { SlowCommands } from '../server/slow-commands.js';

const LATENCY_TS_LEN = 160;

/** Answers the gathering requests for one runtime's log (called once per runtime). */
export function serveSlowLog(bus: Bus, local: SlowCommands): void {
  bus.on('slowlog', () => local.slowlog(local.maxLen));
  bus.on('slowlog-reset', () => local.resetSlowlog());
  bus.on('latency', () => [...local.latencyEvents()]);
  bus.on('latency-reset', (events: string[]) => local.resetLatency(events));
}

/** A Buffer again after a trip through structured clone (which makes it a Uint8Array). */
const asBuffer = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length));

export class GatheredSlowLog implements SlowCommandLog {
  readonly local: SlowCommands;
  readonly #bus: Bus;

  constructor(local: SlowCommands, bus: Bus) {
    this.local = local;
    this.#bus = bus;
  }

  record(usec: number, name: string, argv: readonly Buffer[], fast: boolean, client: { readonly addr: string; readonly name: string }): void {
    this.local.record(usec, name, argv, fast, client);
  }

  get slowerThan(): number {
    return this.local.slowerThan;
  }

  get latencyThreshold(): number {
    return this.local.latencyThreshold;
  }

  /** Every runtime's entries, newest first, as many as one slowlog-max-len log holds. */
  async #all(): Promise<SlowLogEntry[]> {
    const answers = await this.#bus.request<SlowLogEntry[] | undefined>('all', 'slowlog');
    const all = answers.flatMap((a) => a ?? []).map((e) => ({ ...e, argv: e.argv.map(asBuffer) }));
    return all.sort((a, b) => b.id - a.id).slice(0, this.local.maxLen);
  }

  async slowlog(count: number): Promise<SlowLogEntry[]> {
    return (await this.#all()).slice(0, Math.max(0, count));
  }

  async slowlogLength(): Promise<number> {
    return (await this.#all()).length;
  }

  async resetSlowlog(): Promise<void> {
    await this.#bus.request('all', 'slowlog-reset');
  }

  /** Per event: samples of all runtimes, the highest per second, the last 160 of them. */
  async latencyEvents(): Promise<Map<string, LatencySeries>> {
    const answers = await this.#bus.request<Array<[string, LatencySeries]> | undefined>('all', 'latency');
    const merged = new Map<string, { bySecond: Map<number, number>; max: number }>();
    for (const [event, series] of answers.flatMap((a) => a ?? [])) {
      const m = merged.get(event) ?? { bySecond: new Map<number, number>(), max: 0 };
      for (const s of series.samples) m.bySecond.set(s.time, Math.max(m.bySecond.get(s.time) ?? 0, s.latency));
      m.max = Math.max(m.max, series.max);
      merged.set(event, m);
    }
    const out = new Map<string, LatencySeries>();
    for (const [event, m] of merged) {
      const samples: LatencySample[] = [...m.bySecond].sort((a, b) => a[0] - b[0]).slice(-LATENCY_TS_LEN).map(([time, latency]) => ({ time, latency }));
      out.set(event, { samples, max: m.max });
    }
    return out;
  }

  async resetLatency(events: readonly string[]): Promise<number> {
    const answers = await this.#bus.request<string[] | undefined>('all', 'latency-reset', [...events]);
    return new Set(answers.flatMap((a) => a ?? [])).size;
  }
}
