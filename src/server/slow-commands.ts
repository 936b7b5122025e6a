// One network runtime's slow log (Redis slowlog.c) and latency monitor (latency.c,
// command events only): the dispatcher reports every finished command here with its
// duration, from dispatch to reply; SLOWLOG and LATENCY gather every runtime's
// (src/runtime/slow-log.ts). Both are bounded: the slow log by slowlog-max-len entries of
// at most 32 arguments of 128 bytes each, the monitor by 160 samples per event.
import type { LatencySample, LatencySeries, SlowLogEntry } from '../commands/types.js';

const MAX_ARGC = 32; // SLOWLOG_ENTRY_MAX_ARGC
const MAX_STRING = 128; // SLOWLOG_ENTRY_MAX_STRING
const LATENCY_TS_LEN = 160;
const REDACTED = Buffer.from('(redacted)');

interface Client {
  readonly addr: string;
  readonly name: string;
}

interface Series {
  samples: LatencySample[];
  max: number;
}

/**
 * Arguments as the slow log keeps them: passwords redacted as Redis 7.0 does (AUTH,
 * HELLO ... AUTH, CONFIG SET requirepass), at most 32, each cut at 128 bytes, copied
 * (the originals are views into the connection's read buffer).
 */
function keptArguments(name: string, argv: readonly Buffer[]): Buffer[] {
  const secret = new Set<number>();
  if (name === 'auth') for (let j = 1; j < argv.length; j++) secret.add(j);
  if (name === 'hello') {
    for (let j = 2; j < argv.length; j++) {
      if (argv[j].toString('latin1').toLowerCase() === 'auth') {
        secret.add(j + 1).add(j + 2);
        j += 2;
      }
    }
  }
  if (name === 'config|set') {
    for (let j = 2; j + 1 < argv.length; j += 2) if (argv[j].toString('latin1').toLowerCase() === 'requirepass') secret.add(j + 1);
  }
  const argc = Math.min(argv.length, MAX_ARGC);
  const out: Buffer[] = [];
  for (let j = 0; j < argc; j++) {
    if (argc !== argv.length && j === argc - 1) {
      out.push(Buffer.from(`... (${argv.length - argc + 1} more arguments)`));
    } else if (secret.has(j)) {
      out.push(REDACTED);
    } else if (argv[j].length > MAX_STRING) {
      out.push(Buffer.concat([argv[j].subarray(0, MAX_STRING), Buffer.from(`... (${argv[j].length - MAX_STRING} more bytes)`)]));
    } else {
      out.push(Buffer.from(argv[j]));
    }
  }
  return out;
}

/** slowlog-log-slower-than, slowlog-max-len, latency-monitor-threshold. */
export interface SlowCommandSettings {
  slowlogLogSlowerThan: number;
  slowlogMaxLen: number;
  latencyMonitorThreshold: number;
}

export class SlowCommands {
  #slowerThan = 0;
  #maxLen = 0;
  #latencyThreshold = 0;
  #entries: SlowLogEntry[] = [];
  readonly #nextId: () => number;
  readonly #events = new Map<string, Series>();

  /** `nextId`: entry ids, shared by every runtime so that they order the gathered log. */
  constructor(settings: SlowCommandSettings, nextId?: () => number) {
    let id = 0;
    this.#nextId = nextId ?? (() => id++);
    this.configure(settings);
  }

  /** At start and after CONFIG SET (the composition root calls it). */
  configure(settings: SlowCommandSettings): void {
    this.#slowerThan = settings.slowlogLogSlowerThan;
    this.#maxLen = settings.slowlogMaxLen;
    this.#latencyThreshold = settings.latencyMonitorThreshold;
    this.#trim();
  }

  get latencyThreshold(): number {
    return this.#latencyThreshold;
  }

  get slowerThan(): number {
    return this.#slowerThan;
  }

  get maxLen(): number {
    return this.#maxLen;
  }

  /** A command finished after `usec` microseconds (the hot path: two comparisons). */
  record(usec: number, name: string, argv: readonly Buffer[], fast: boolean, client: Client): void {
    if (this.#slowerThan >= 0 && usec >= this.#slowerThan) this.#push(usec, name, argv, client);
    if (this.#latencyThreshold > 0) {
      const ms = Math.floor(usec / 1000);
      if (ms >= this.#latencyThreshold) this.addSample(fast ? 'fast-command' : 'command', ms);
    }
  }

  #push(usec: number, name: string, argv: readonly Buffer[], client: Client): void {
    // Redis numbers the entry before trimming: with slowlog-max-len 0 ids still advance.
    const id = this.#nextId();
    if (this.#maxLen === 0) return;
    this.#entries.unshift({
      id, time: Math.floor(Date.now() / 1000), usec: Math.floor(usec), argv: keptArguments(name, argv), addr: client.addr, name: client.name,
    });
    this.#trim();
  }

  #trim(): void {
    if (this.#entries.length > this.#maxLen) this.#entries.length = this.#maxLen;
  }

  slowlog(count: number): readonly SlowLogEntry[] {
    return this.#entries.slice(0, Math.max(0, count));
  }

  get slowlogLength(): number {
    return this.#entries.length;
  }

  resetSlowlog(): void {
    this.#entries = [];
  }

  /** Redis latencyAddSample: one sample per second per event (the highest), 160 kept. */
  addSample(event: string, ms: number, now = Math.floor(Date.now() / 1000)): void {
    let ts = this.#events.get(event);
    if (ts === undefined) {
      ts = { samples: [], max: 0 };
      this.#events.set(event, ts);
    }
    if (ms > ts.max) ts.max = ms;
    const last = ts.samples[ts.samples.length - 1];
    if (last !== undefined && last.time === now) {
      if (ms > last.latency) last.latency = ms;
      return;
    }
    ts.samples.push({ time: now, latency: ms });
    if (ts.samples.length > LATENCY_TS_LEN) ts.samples.shift();
  }

  latencyEvents(): ReadonlyMap<string, LatencySeries> {
    return this.#events;
  }

  /** Forgets the events named (all when none is); returns the names it had. */
  resetLatency(events: readonly string[]): string[] {
    const gone = events.length === 0 ? [...this.#events.keys()] : events.filter((e) => this.#events.has(e));
    for (const e of gone) this.#events.delete(e);
    return gone;
  }
}
