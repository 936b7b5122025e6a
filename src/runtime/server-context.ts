// The ServerContext commands see, wired from the runtime's parts.
import type { Config } from '../config/config.js';
import type { ClientDirectory, CommandRow, InfoSection, ServerContext, ServerStats, StorageGateway } from '../commands/types.js';

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
  commands: ReadonlyMap<string, CommandRow>;
  sections: () => Map<string, () => InfoSection | Promise<InfoSection>>;
  shutdown: (reason: string) => Promise<void>;
  resetStats: () => void;
  readOnly: () => string | null;
}

export class KiwiServerContext implements ServerContext {
  readonly config: Config;
  readonly storage: StorageGateway;
  readonly commands: ReadonlyMap<string, CommandRow>;
  readonly stats: ServerStats = emptyStats();
  readonly startedAt = Date.now();
  readonly version = REDIS_COMPAT_VERSION;
  clients!: ClientDirectory;
  readonly #parts: ContextParts;

  constructor(parts: ContextParts) {
    this.#parts = parts;
    this.config = parts.config;
    this.storage = parts.storage;
    this.commands = parts.commands;
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

  resetStats(): void {
    Object.assign(this.stats, emptyStats());
    this.#parts.resetStats();
  }
}
