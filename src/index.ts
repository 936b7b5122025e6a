// kiwi-server's public API: run a real server inside your own process.
//
//   import { startServer } from 'kiwi-server';
//   const server = await startServer({ port: 0, dir: '/tmp/kiwi' });
//   // ... connect any Redis client to server.port ...
//   await server.close();
import { Config, loadConfig } from './config/config.js';
import { Logger, silentLogger } from './logger.js';
import { RuntimeManager } from './runtime/runtime-manager.js';
import type { BoundAddress } from './server/network-server.js';

export interface StartOptions {
  port?: number;
  bind?: string | string[];
  dir?: string;
  requirepass?: string;
  preset?: string;
  /** A TOML configuration file. */
  configFile?: string;
  /** Any configuration key by dotted path, e.g. { 'runtime.batch_size': 200 }. */
  settings?: Record<string, unknown>;
  /** Or a fully loaded configuration (the other options are then ignored). */
  config?: Config;
  /** Defaults to no logging when embedded. */
  logger?: Logger;
}

export interface RunningServer {
  /** The first bound port (useful with port 0). */
  readonly port: number;
  readonly host: string;
  readonly addresses: readonly BoundAddress[];
  readonly runtime: RuntimeManager;
  /** Graceful shutdown: drains, flushes and closes. */
  close(): Promise<void>;
}

export function configFromOptions(o: StartOptions): Config {
  const overrides: Record<string, unknown> = { ...o.settings };
  if (o.port !== undefined) overrides['server.port'] = o.port;
  if (o.bind !== undefined) overrides['server.bind'] = o.bind;
  if (o.dir !== undefined) overrides['server.dir'] = o.dir;
  if (o.requirepass !== undefined) overrides['server.requirepass'] = o.requirepass;
  return loadConfig({ file: o.configFile, preset: o.preset, overrides });
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const config = options.config ?? configFromOptions(options);
  const runtime = new RuntimeManager(config, { logger: options.logger ?? silentLogger });
  await runtime.start();
  const first = runtime.addresses[0];
  return {
    port: first.port,
    host: first.address,
    addresses: runtime.addresses,
    runtime,
    close: () => runtime.stop('close() called'),
  };
}

export { Config, loadConfig } from './config/config.js';
export { RuntimeManager } from './runtime/runtime-manager.js';
export { Logger } from './logger.js';
export { ConfigError, KiwiError, StorageError } from './errors.js';
