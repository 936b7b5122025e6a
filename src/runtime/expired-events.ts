// Keyspace "expired" events (notify-keyspace-events x with K or E). The expiry cycle runs
// in the storage runtime and deletes keys there; while these events are on it keeps the
// keys it deleted, and this poller on the composition root collects them and has every
// network runtime deliver __keyspace@<db>__:<key> "expired" and __keyevent@<db>__:expired
// <key> to its own subscribers. Reads never delete an expired key here (they see it as
// missing), so a key's event comes from the cycle, within an interval of its expiry.
import { Notify, parseNotifyFlags } from '../config/notify-events.js';
import type { Config } from '../config/config.js';
import type { StorageServer } from '../storage/storage-server.js';
import type { RuntimeBus } from './shared-state.js';

const POLL_MS = 100;

export class ExpiredEvents {
  readonly #storage: StorageServer;
  readonly #config: Config;
  readonly #bus: RuntimeBus;
  readonly #log: (message: string) => void;
  #timer: NodeJS.Timeout | null = null;
  #collecting = false;

  constructor(storage: StorageServer, config: Config, bus: RuntimeBus, log: (message: string) => void) {
    this.#storage = storage;
    this.#config = config;
    this.#bus = bus;
    this.#log = log;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.poll(), POLL_MS);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Collects what the cycle deleted and publishes it (or stops collecting when the events are off). */
  poll(): void {
    const flags = parseNotifyFlags(this.#config.values.server.notifyKeyspaceEvents) ?? 0;
    const on = (flags & Notify.expired) !== 0 && (flags & (Notify.keyspace | Notify.keyevent)) !== 0;
    if (!on && !this.#collecting) return;
    this.#collecting = on;
    const { keys, dropped } = this.#storage.takeExpired(on);
    if (dropped > 0) this.#log(`keyspace notifications: ${dropped} expired events dropped (more than the storage runtime keeps between two collections)`);
    if (!on || keys.length === 0) return;
    // Channel and message as latin1 strings: any bytes, cheap to send to every runtime.
    const messages: Array<[string, string]> = [];
    for (const [db, key] of keys) {
      const k = key.toString('latin1');
      if (flags & Notify.keyspace) messages.push([`__keyspace@${db}__:${k}`, 'expired']);
      if (flags & Notify.keyevent) messages.push([`__keyevent@${db}__:expired`, k]);
    }
    this.#bus.send('all', 'pubsub-local', messages);
  }
}
