// The pub/sub subscription registry, one instance per network runtime, built for
// several of them (the one place cross-runtime pub/sub state lives).
//
// Each runtime keeps:
//   - its own subscribers: kind -> name -> the local clients (delivery is local only);
//   - every other runtime's subscriber counts: kind -> name -> runtime -> count, kept up
//     to date by 'pubsub-delta' messages each runtime sends when its subscriptions change.
// So PUBLISH answers at once, without a round trip: it delivers to the local
// subscribers, adds the other runtimes' counts for the channel and the patterns that
// match it, and forwards the message only to the runtimes that have a receiver.
//
// Why this is exact enough: SUBSCRIBE's confirmation waits for synced(), i.e. until
// every other runtime has applied the new subscription, so once a client sees it
// subscribed, a PUBLISH on any runtime counts and reaches it. Unsubscribing (and
// disconnecting) is applied elsewhere a moment later: a message forwarded meanwhile
// finds no local subscriber and is dropped, and the count may include it briefly.
//
// Order: a runtime's messages to another arrive in the order sent (the bus keeps it),
// so one publisher's messages reach every subscriber in publish order.
import { PushReply } from '../commands/reply.js';
import { globMatch } from '../commands/glob.js';
import type { Bus, ClientState, PubSub, PubSubKind } from '../commands/types.js';

const KINDS: readonly PubSubKind[] = ['channel', 'pattern', 'shard'];

const MESSAGE = Buffer.from('message');
const PMESSAGE = Buffer.from('pmessage');
const SMESSAGE = Buffer.from('smessage');

/** A change to one runtime's subscriber counts: [kind, name (latin1), delta]. */
type Delta = [PubSubKind, string, number];

interface Published {
  kind: 'channel' | 'shard';
  channel: string;
  message: Uint8Array;
}

export interface PubSubCounts {
  channels: number;
  patterns: number;
  shardChannels: number;
}

type ByKind<T> = Record<PubSubKind, T>;
const byKind = <T>(make: () => T): ByKind<T> => ({ channel: make(), pattern: make(), shard: make() });

/** Names travel as latin1 strings: one char per byte, so any bytes round-trip. */
const keyOf = (b: Buffer): string => b.toString('latin1');
const bytesOf = (k: string): Buffer => Buffer.from(k, 'latin1');

export class PubSubRegistry implements PubSub {
  readonly #bus: Bus;
  readonly #local: ByKind<Map<string, Set<ClientState>>> = byKind(() => new Map());
  /** Each client's subscriptions in the order made (UNSUBSCRIBE without arguments answers in it). */
  readonly #clients = new Map<ClientState, ByKind<Set<string>>>();
  readonly #remote: ByKind<Map<string, Map<number, number>>> = byKind(() => new Map());
  /** Patterns as bytes, for matching (every runtime's). */
  readonly #patternBytes = new Map<string, Buffer>();
  #outbox: Delta[] = [];
  #flushQueued = false;
  #lastSync: Promise<void> = Promise.resolve();

  constructor(bus: Bus) {
    this.#bus = bus;
    bus.on('pubsub-delta', (deltas: Delta[], from: number) => this.#applyRemote(from, deltas));
    bus.on('pubsub-publish', (m: Published) => {
      this.#deliver(m.kind, bytesOf(m.channel), Buffer.from(m.message.buffer, m.message.byteOffset, m.message.byteLength));
    });
    // Messages published by the composition root (keyspace "expired" events): every
    // runtime delivers them to its own subscribers.
    bus.on('pubsub-local', (messages: Array<[channel: string, message: string]>) => {
      for (const [channel, message] of messages) this.#deliver('channel', bytesOf(channel), bytesOf(message));
    });
    bus.on('pubsub-dump', () => this.#dump());
    bus.on('pubsub-gone', (runtime: number) => this.#forget(runtime));
  }

  /** A runtime that starts late learns what the others have (their counts, as deltas). */
  async join(): Promise<void> {
    // A runtime that cannot answer now counts as having no subscribers yet.
    const dumps = await this.#bus.request<{ from: number; deltas: Delta[] }>('others', 'pubsub-dump').catch(() => []);
    for (const d of dumps) if (d) this.#applyRemote(d.from, d.deltas);
  }

  add(client: ClientState, kind: PubSubKind, name: Buffer): boolean {
    const key = keyOf(name);
    let mine = this.#clients.get(client);
    if (mine === undefined) {
      mine = byKind(() => new Set());
      this.#clients.set(client, mine);
    }
    if (mine[kind].has(key)) return false;
    mine[kind].add(key);
    client.subscriptions[kind]++;
    let set = this.#local[kind].get(key);
    if (set === undefined) {
      set = new Set();
      this.#local[kind].set(key, set);
      if (kind === 'pattern') this.#patternBytes.set(key, Buffer.from(name));
    }
    set.add(client);
    this.#announce(kind, key, 1);
    return true;
  }

  remove(client: ClientState, kind: PubSubKind, name: Buffer): boolean {
    return this.#remove(client, kind, keyOf(name));
  }

  #remove(client: ClientState, kind: PubSubKind, key: string): boolean {
    const mine = this.#clients.get(client);
    if (mine === undefined || !mine[kind].delete(key)) return false;
    client.subscriptions[kind]--;
    if (mine.channel.size + mine.pattern.size + mine.shard.size === 0) this.#clients.delete(client);
    const set = this.#local[kind].get(key)!;
    set.delete(client);
    if (set.size === 0) {
      this.#local[kind].delete(key);
      if (kind === 'pattern' && !this.#remote.pattern.has(key)) this.#patternBytes.delete(key);
    }
    this.#announce(kind, key, -1);
    return true;
  }

  of(client: ClientState, kind: PubSubKind): Buffer[] {
    const mine = this.#clients.get(client);
    return mine === undefined ? [] : [...mine[kind]].map(bytesOf);
  }

  /** A client left (or RESET): every subscription goes, without confirmations. */
  drop(client: ClientState): void {
    const mine = this.#clients.get(client);
    if (mine === undefined) return;
    for (const kind of KINDS) for (const key of [...mine[kind]]) this.#remove(client, kind, key);
  }

  synced(): Promise<void> {
    this.#flush();
    return this.#lastSync;
  }

  publish(kind: 'channel' | 'shard', channel: Buffer, message: Buffer): number {
    let receivers = this.#deliver(kind, channel, message);
    // Which other runtimes have a receiver, and how many.
    const targets = new Set<number>();
    const direct = this.#remote[kind].get(keyOf(channel));
    if (direct) {
      for (const [runtime, n] of direct) {
        receivers += n;
        targets.add(runtime);
      }
    }
    if (kind === 'channel') {
      for (const [key, counts] of this.#remote.pattern) {
        if (!globMatch(this.#patternBytes.get(key)!, channel)) continue;
        for (const [runtime, n] of counts) {
          receivers += n;
          targets.add(runtime);
        }
      }
    }
    if (targets.size > 0) {
      // A copy of exactly the message: a Buffer may view a much larger pooled or socket
      // buffer, and the bus would clone all of it.
      const m: Published = { kind, channel: keyOf(channel), message: new Uint8Array(message) };
      for (const runtime of targets) this.#bus.send(runtime, 'pubsub-publish', m);
    }
    return receivers;
  }

  channels(kind: 'channel' | 'shard', pattern: Buffer | null): Buffer[] {
    const names = new Set([...this.#local[kind].keys(), ...this.#remote[kind].keys()]);
    const out: Buffer[] = [];
    for (const key of names) {
      const name = bytesOf(key);
      if (pattern === null || globMatch(pattern, name)) out.push(name);
    }
    return out;
  }

  numsub(kind: 'channel' | 'shard', channel: Buffer): number {
    const key = keyOf(channel);
    let n = this.#local[kind].get(key)?.size ?? 0;
    for (const c of this.#remote[kind].get(key)?.values() ?? []) n += c;
    return n;
  }

  numpat(): number {
    return this.counts().patterns;
  }

  /** INFO stats pubsub_channels, pubsub_patterns, pubsubshard_channels: distinct names with subscribers anywhere. */
  counts(): PubSubCounts {
    const distinct = (kind: PubSubKind) => {
      let n = this.#remote[kind].size;
      for (const key of this.#local[kind].keys()) if (!this.#remote[kind].has(key)) n++;
      return n;
    };
    return { channels: distinct('channel'), patterns: distinct('pattern'), shardChannels: distinct('shard') };
  }

  /** Delivers to this runtime's subscribers; returns how many received it. */
  #deliver(kind: 'channel' | 'shard', channel: Buffer, message: Buffer): number {
    let n = 0;
    const direct = this.#local[kind].get(keyOf(channel));
    if (direct) {
      const push = new PushReply([kind === 'shard' ? SMESSAGE : MESSAGE, channel, message]);
      for (const c of direct) c.push(push);
      n += direct.size;
    }
    if (kind === 'channel') {
      for (const [key, set] of this.#local.pattern) {
        const pattern = this.#patternBytes.get(key)!;
        if (!globMatch(pattern, channel)) continue;
        const push = new PushReply([PMESSAGE, pattern, channel, message]);
        for (const c of set) c.push(push);
        n += set.size;
      }
    }
    return n;
  }

  #announce(kind: PubSubKind, key: string, delta: number): void {
    this.#outbox.push([kind, key, delta]);
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    // Disconnects and RESET need no answer: their deltas go out after the current task.
    queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    this.#flushQueued = false;
    if (this.#outbox.length === 0) return;
    const deltas = this.#outbox;
    this.#outbox = [];
    // Deltas and their acknowledgements keep their order on the bus, so the last one
    // acknowledged means every earlier one was applied.
    this.#lastSync = this.#bus.request('others', 'pubsub-delta', deltas).then(
      () => {},
      () => {},
    );
  }

  #applyRemote(from: number, deltas: Delta[]): void {
    for (const [kind, key, delta] of deltas) {
      const byName = this.#remote[kind];
      let counts = byName.get(key);
      if (counts === undefined) {
        counts = new Map();
        byName.set(key, counts);
        if (kind === 'pattern' && !this.#patternBytes.has(key)) this.#patternBytes.set(key, bytesOf(key));
      }
      const n = (counts.get(from) ?? 0) + delta;
      if (n > 0) counts.set(from, n);
      else counts.delete(from);
      if (counts.size === 0) {
        byName.delete(key);
        if (kind === 'pattern' && !this.#local.pattern.has(key)) this.#patternBytes.delete(key);
      }
    }
  }

  #dump(): { from: number; deltas: Delta[] } {
    const deltas: Delta[] = [];
    for (const kind of KINDS) for (const [key, set] of this.#local[kind]) deltas.push([kind, key, set.size]);
    return { from: this.#bus.self, deltas };
  }

  /** A runtime is gone: its subscribers with it. */
  #forget(runtime: number): void {
    const deltas: Delta[] = [];
    for (const kind of KINDS) for (const [key, counts] of this.#remote[kind]) if (counts.has(runtime)) deltas.push([kind, key, -counts.get(runtime)!]);
    this.#applyRemote(runtime, deltas);
  }
}
