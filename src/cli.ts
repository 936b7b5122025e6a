#!/usr/bin/env node
// kiwi-server [--config FILE] [--port N] [--bind ADDR] [--dir DIR] [--preset NAME] ...
import { parseArgs } from 'node:util';
import { ConfigError, KiwiError } from './errors.js';
import { loadConfig } from './config/config.js';
import { KEY_BY_PATH, PRESETS } from './config/schema.js';
import { Logger } from './logger.js';
import { RuntimeManager } from './runtime/runtime-manager.js';
import { versionReport } from './runtime/version.js';

const USAGE = `Usage: kiwi-server [options]

  --config FILE        TOML configuration file (see config.example.toml)
  --port N             TCP port (default 7379; 0 picks a free port)
  --bind ADDR          address to listen on (repeatable; default 127.0.0.1)
  --dir DIR            data directory (default ./kiwi-data); :memory: keeps
                       everything in memory (nothing on disk, gone at exit)
  --preset NAME        ${Object.keys(PRESETS).join(' | ')}
  --requirepass PASS   require AUTH with this password
  --http-port N        serve GET /health and GET /metrics on 127.0.0.1:N
  --fault-injection    allow CONFIG SET fault-injection-* (tests only)
  --set KEY=VALUE      any configuration key by its TOML path (repeatable),
                       e.g. --set runtime.batch_size=200
  --help, --version
`;

function fail(message: string): never {
  process.stderr.write(`kiwi-server: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        config: { type: 'string' },
        port: { type: 'string' },
        bind: { type: 'string', multiple: true },
        dir: { type: 'string' },
        preset: { type: 'string' },
        requirepass: { type: 'string' },
        'http-port': { type: 'string' },
        'fault-injection': { type: 'boolean' },
        set: { type: 'string', multiple: true },
        help: { type: 'boolean' },
        version: { type: 'boolean' },
      },
      strict: true,
    });
  } catch (err) {
    fail(`${(err as Error).message}\n\n${USAGE}`);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (v.version) {
    const report = versionReport();
    process.stdout.write(report.text);
    if (report.error !== undefined) fail(report.error);
    return;
  }
  const overrides: Record<string, unknown> = {};
  for (const item of v.set ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) fail(`--set expects KEY=VALUE, got ${JSON.stringify(item)}`);
    const key = item.slice(0, eq);
    const value = item.slice(eq + 1);
    if (!KEY_BY_PATH.has(key)) fail(new ConfigError(key, value, 'unknown configuration key (--set)').message);
    overrides[key] = value;
  }
  if (v.port !== undefined) overrides['server.port'] = v.port;
  if (v.bind !== undefined) overrides['server.bind'] = v.bind;
  if (v.dir !== undefined) overrides['server.dir'] = v.dir;
  if (v.requirepass !== undefined) overrides['server.requirepass'] = v.requirepass;
  if (v['http-port'] !== undefined) overrides['http.port'] = v['http-port'];
  if (v['fault-injection']) overrides['runtime.fault_injection.enabled'] = true;

  // Signals are handled from the start: one during start-up stops the server as soon as
  // it is up (or exits at once if nothing was opened yet), instead of killing it mid-open.
  let runtime: RuntimeManager | undefined;
  let signals = 0;
  let stopRequested: string | null = null;
  const onSignal = (signal: string) => {
    if (++signals > 1) {
      process.stderr.write(`kiwi-server: second ${signal}, exiting now\n`);
      process.exit(1);
    }
    if (runtime === undefined) process.exit(0);
    if (runtime.state === 'starting') stopRequested = `received ${signal}`;
    else void runtime.stop(`received ${signal}`);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  try {
    const config = loadConfig({ file: v.config, preset: v.preset, overrides });
    runtime = new RuntimeManager(config, { logger: new Logger(config.values.server.logLevel) });
    await runtime.start();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof KiwiError) fail(err.message);
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE' || e.code === 'EADDRNOTAVAIL' || e.code === 'EACCES') fail(`cannot listen: ${e.message}`);
    throw err;
  }

  const running = runtime;
  running.onStop(() => {
    // Exit once the shutdown sequence is over, whoever asked for it (signal or SHUTDOWN).
    void running.stop().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`kiwi-server: shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  });
  if (stopRequested !== null) void running.stop(stopRequested);
}

main().catch((err) => {
  process.stderr.write(`kiwi-server: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
