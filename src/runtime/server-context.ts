// The ServerContext commands see in a network runtime, wired from the runtime's parts.
import type { Config } from '../config/config.js';
import type { Bus, ClientDirectory, CommandRow, InfoSection, PubSub, ScriptGateway, ServerContext, ServerStats, StorageGateway } from '../commands/types.js';
import { SlowCommands } from '../server/slow-commands.js';
import { GatheredSlowLog } from './slow-log.js';

/** The Redis version kiwi-server answers to (INFO, HELLO): the command semantics it follows. */
export const REDIS_COMPAT_VERSION = '7.0.0';

export function emptyStats(): ServerStats {
  return {
    totalConnections: 0,
    rejectedConnections: 0,
    totalCommands: 0,
    protocolErrors: 0,
    errorReplies: 0,
    keyspaceHits: 0,
    keyspaceMisses: 0,
    expiredKeys: 0,
    netInputBytes: 0,
    netOutputBytes: 0,
  };
}

export interface ContextParts {
  config: Config;
  storage: StorageGateway;
  /** EVAL and SCRIPT (absent: scripting answers that it is unavailable). */
  scripts?: ScriptGateway | null;
  commands: ReadonlyMap<string, CommandRow>;
  bus: Bus;
  sections: () => Map<string, () => InfoSection | Promise<InfoSection>>;
  shutdown: (reason: string) => Promise<void>;
  /** Resets every runtime's counters (this one's included). */
  resetStats: () => Promise<void>;
  configChanged: (changes: Array<[string, unknown]>) => Promise<void>;
  readOnly: () => string | null;
  /** Shared pause and monitor state, and delivery to this runtime's monitors. */
  pauseClients: (mode: 'write' | 'all', untilMs: number) => void;
  unpauseClients: () => void;
  pauseMode: () => 0 | 1 | 2;
  monitorsChanged: (delta: number) => void;
  hasMonitors: () => boolean;
  feedMonitors: (line: string) => void;
  /** Clients blocked on keys, counted across runtimes (INFO blocked_clients). */
  blockedChanged: (delta: number) => void;
  blockedClients: () => number;
  pubsub: PubSub;
  swappedDatabases: (a: number, b: number) => void;
  /** Slow log entry ids, unique across network runtimes. */
  nextSlowlogId?: () => number;
}

export class KiwiServerContext implements ServerContext {
  readonly config: Config;
  readonly storage: StorageGateway;
  readonly scripts: ScriptGateway | null;
  readonly commands: ReadonlyMap<string, CommandRow>;
  readonly stats: ServerStats = emptyStats();
  readonly startedAt = Date.now();
  readonly version = REDIS_COMPAT_VERSION;
  readonly bus: Bus;
  readonly pubsub: PubSub;
  readonly slowCommands: GatheredSlowLog;
  clients!: ClientDirectory;
  readonly #parts: ContextParts;

  constructor(parts: ContextParts) {
    this.#parts = parts;
    this.config = parts.config;
    this.storage = parts.storage;
    this.scripts = parts.scripts ?? null;
    this.commands = parts.commands;
    this.bus = parts.bus;
    this.pubsub = parts.pubsub;
    const local = new SlowCommands(parts.config.values.server, parts.nextSlowlogId);
    parts.config.onChange(() => local.configure(parts.config.values.server));
    this.slowCommands = new GatheredSlowLog(local, parts.bus);
  }

  infoSections(): Map<string, () => InfoSection | Promise<InfoSection>> {
    return this.#parts.sections();
  }

  shutdown(reason: string): Promise<void> {
    return this.#parts.shutdown(reason);
  }

  storageReadOnly(): string | null {
    return this.#parts.readOnly();
  }

  swappedDatabases(a: number, b: number): void {
    this.#parts.swappedDatabases(a, b);
  }

  resetStats(): Promise<void> {
    return this.#parts.resetStats();
  }

  configChanged(changes: Array<[string, unknown]>): Promise<void> {
    return this.#parts.configChanged(changes);
  }

  pauseClients(mode: 'write' | 'all', untilMs: number): void {
    this.#parts.pauseClients(mode, untilMs);
  }

  unpauseClients(): void {
    this.#parts.unpauseClients();
  }

  pauseMode(): 0 | 1 | 2 {
    return this.#parts.pauseMode();
  }

  monitorsChanged(delta: number): void {
    this.#parts.monitorsChanged(delta);
  }

  hasMonitors(): boolean {
    return this.#parts.hasMonitors();
  }

  feedMonitors(line: string): void {
    this.#parts.feedMonitors(line);
  }

  blockedChanged(delta: number): void {
    this.#parts.blockedChanged(delta);
  }

  blockedClients(): number {
    return this.#parts.blockedClients();
  }
}
