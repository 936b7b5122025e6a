// Loading configuration: defaults, presets, layering, value parsing, and the errors for
// every kind of invalid input (each names the key, the value and the reason).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { coerce, loadConfig, type LoadOptions } from '../../src/config/config.js';
import { defaultStorageThreads, KEY_BY_PATH, KEYS, PRESETS } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';

const tmp = mkdtempSync(join(tmpdir(), 'kiwi-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let files = 0;

/** Writes a TOML file and returns its path. */
function toml(text: string): string {
  const file = join(tmp, `c${files++}.toml`);
  writeFileSync(file, text);
  return file;
}

/** The ConfigError that loading throws (fails the test if it does not throw one). */
function loadError(options: LoadOptions): ConfigError {
  try {
    loadConfig(options);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig(${JSON.stringify(options)}) did not throw`);
}

/** The value a key gets from a flag (--set key=value), as the CLI passes it: a string. */
const fromFlag = (path: string, raw: unknown) => loadConfig({ overrides: { [path]: raw } }).get(path);

describe('defaults', () => {
  it('every key starts at its schema default', () => {
    const c = loadConfig();
    for (const spec of KEYS) expect(c.get(spec.path), spec.path).toEqual(spec.default);
    expect(c.preset).toBe('default');
    expect(c.values.server).toMatchObject({ port: 7379, bind: ['127.0.0.1'], dir: './kiwi-data', requirepass: '', maxclients: 10000, timeout: 0, databases: 16 });
  });

  it('storage threads default to half the cores, at least 2 and at most 8', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 17, 64, 256].map((n) => defaultStorageThreads(n))).toEqual([2, 2, 2, 2, 2, 3, 3, 4, 6, 8, 8, 8, 8]);
    expect(loadConfig().values.runtime.storageThreads).toBe(defaultStorageThreads(availableParallelism()));
  });

  it('storage_threads = 0 means the default, any other value is taken as is', () => {
    expect(loadConfig({ overrides: { 'runtime.storage_threads': 0 } }).values.runtime.storageThreads).toBe(defaultStorageThreads());
    expect(loadConfig({ overrides: { 'runtime.storage_threads': 5 } }).values.runtime.storageThreads).toBe(5);
  });

  it('every key has a doc, and bounds that contain its default', () => {
    for (const spec of KEYS) {
      expect(spec.doc.length, spec.path).toBeGreaterThan(10);
      expect(() => coerce(spec, spec.default), spec.path).not.toThrow();
    }
  });
});

describe('presets', () => {
  for (const name of Object.keys(PRESETS)) {
    it(`${name} sets exactly its keys and leaves the rest at their defaults`, () => {
      const c = loadConfig({ preset: name });
      expect(c.preset).toBe(name);
      expect(c.values.preset).toBe(name);
      for (const spec of KEYS) {
        const expected = spec.path in PRESETS[name] ? PRESETS[name][spec.path] : spec.default;
        expect(c.get(spec.path), spec.path).toEqual(expected);
      }
    });
  }

  it('high-throughput and low-latency follow the architecture (cores clamp the thread counts)', () => {
    const cores = availableParallelism();
    const ht = loadConfig({ preset: 'high-throughput' }).values.runtime;
    expect(ht.storageThreads).toBe(Math.min(12, Math.max(4, cores)));
    expect(ht).toMatchObject({ channelBufferSize: 50_000, requestTimeoutMs: 60_000, batchSize: 500, batchTimeoutMs: 5 });
    expect(ht.scaling).toMatchObject({ enabled: true, scaleUpThreshold: 75, scaleDownThreshold: 25, scaleIncrement: 2, evaluationIntervalMs: 500 });
    expect(ht.scaling.minStorageThreads).toBeLessThanOrEqual(ht.scaling.maxStorageThreads);
    const ll = loadConfig({ preset: 'low-latency' }).values.runtime;
    expect(ll).toMatchObject({ storageThreads: Math.min(6, Math.max(2, cores)), channelBufferSize: 5000, requestTimeoutMs: 10_000, batchSize: 10, batchTimeoutMs: 1 });
  });

  it('a preset named in the file applies; --preset overrides it', () => {
    const file = toml('preset = "low-latency"\n');
    expect(loadConfig({ file }).preset).toBe('low-latency');
    expect(loadConfig({ file }).values.runtime.batchSize).toBe(10);
    expect(loadConfig({ file, preset: 'high-throughput' }).values.runtime.batchSize).toBe(500);
  });
});

describe('layering: defaults < preset < file < flags', () => {
  it('each layer overrides the one below it, key by key', () => {
    const file = toml('[runtime]\nbatch_size = 50\nchannel_buffer_size = 777\n');
    const only = (o: LoadOptions) => loadConfig(o).values.runtime;
    expect(only({ preset: 'low-latency' }).batchSize).toBe(10);
    expect(only({ preset: 'low-latency', file }).batchSize).toBe(50);
    const all = only({ preset: 'low-latency', file, overrides: { 'runtime.batch_size': '70' } });
    expect(all.batchSize).toBe(70);
    // Keys a higher layer does not name keep the lower layer's value.
    expect(all.channelBufferSize).toBe(777);
    expect(all.requestTimeoutMs).toBe(10_000);
    expect(all.batchTimeoutMs).toBe(1);
  });

  it('dotted keys and nested tables in TOML are the same key', () => {
    const a = loadConfig({ file: toml('runtime.scaling.enabled = true\n') });
    const b = loadConfig({ file: toml('[runtime.scaling]\nenabled = true\n') });
    expect(a.values.runtime.scaling.enabled).toBe(true);
    expect(b.values.runtime.scaling.enabled).toBe(true);
  });

  it('an override of undefined leaves the lower layer alone', () => {
    expect(loadConfig({ preset: 'low-latency', overrides: { 'runtime.batch_size': undefined } }).values.runtime.batchSize).toBe(10);
  });
});

describe('value parsing', () => {
  it('sizes: bytes, k/m/g/t powers of 1000, kb/mb/gb/tb powers of 1024, any case', () => {
    const p = 'storage.write_buffer_size';
    expect(fromFlag(p, 67108864)).toBe(64 * 1024 ** 2);
    expect(fromFlag(p, '67108864')).toBe(64 * 1024 ** 2);
    expect(fromFlag(p, '64mb')).toBe(64 * 1024 ** 2);
    expect(fromFlag(p, '64MB')).toBe(64 * 1024 ** 2);
    expect(fromFlag(p, '64 mb')).toBe(64 * 1024 ** 2);
    expect(fromFlag(p, '64m')).toBe(64_000_000);
    expect(fromFlag(p, '2gb')).toBe(2 * 1024 ** 3);
    expect(fromFlag(p, '2048kb')).toBe(2 * 1024 ** 2);
    expect(loadConfig({ file: toml('[storage]\nblock_cache_size = "1gb"\n') }).values.storage.blockCacheBytes).toBe(1024 ** 3);
  });

  it('durations: milliseconds, or ms/s/m/h', () => {
    const p = 'runtime.request_timeout';
    expect(fromFlag(p, 250)).toBe(250);
    expect(fromFlag(p, '250')).toBe(250);
    expect(fromFlag(p, '250ms')).toBe(250);
    expect(fromFlag(p, '30s')).toBe(30_000);
    expect(fromFlag(p, '1.5s')).toBe(1500);
    expect(fromFlag(p, '2m')).toBe(120_000);
    expect(fromFlag(p, '1h')).toBe(3_600_000);
    expect(loadConfig({ file: toml('[server]\nshutdown_timeout = "5s"\n') }).values.server.shutdownTimeoutMs).toBe(5000);
  });

  it('booleans: TOML booleans, and true/false/yes/no/1/0 from flags', () => {
    const p = 'runtime.scaling.enabled';
    for (const t of [true, 'true', 'TRUE', 'yes', '1']) expect(fromFlag(p, t), String(t)).toBe(true);
    for (const f of [false, 'false', 'no', 'NO', '0']) expect(fromFlag(p, f), String(f)).toBe(false);
  });

  it('enums: any case, stored lower case', () => {
    expect(fromFlag('storage.compression', 'ZSTD')).toBe('zstd');
    expect(fromFlag('server.log_level', 'Warning')).toBe('warning');
    expect(fromFlag('storage.sync', 'always')).toBe('always');
  });

  it('lists: a TOML array, a single string, or a comma or space separated flag', () => {
    const p = 'server.bind';
    expect(fromFlag(p, ['127.0.0.1', '::1'])).toEqual(['127.0.0.1', '::1']);
    expect(fromFlag(p, '127.0.0.1')).toEqual(['127.0.0.1']);
    expect(fromFlag(p, '127.0.0.1,::1')).toEqual(['127.0.0.1', '::1']);
    expect(fromFlag(p, '127.0.0.1 ::1')).toEqual(['127.0.0.1', '::1']);
    expect(loadConfig({ file: toml('[server]\nbind = "127.0.0.2"\n') }).values.server.bind).toEqual(['127.0.0.2']);
  });

  it('integers and numbers from strings (flags) and from TOML', () => {
    expect(fromFlag('server.port', '6380')).toBe(6380);
    expect(fromFlag('runtime.backpressure_high_water', '0.9')).toBe(0.9);
    expect(loadConfig({ file: toml('[runtime]\nbackpressure_high_water = 0.9\nbackpressure_low_water = 0\n') }).values.runtime.backpressureLowWater).toBe(0);
  });
});

/** Loads `options`, expects a ConfigError, and checks its message names key, value and reason. */
function expectError(options: LoadOptions, key: string, value: string, reason: RegExp): ConfigError {
  const err = loadError(options);
  expect(err.code).toBe('KIWI_ERR_CONFIG');
  expect(err.key).toBe(key);
  expect(err.message).toContain(`${key} = ${value}`);
  expect(err.message).toMatch(reason);
  return err;
}

describe('invalid input names the key, the value and the reason', () => {
  it('unknown top-level key in the file', () => {
    const file = toml('verbose = true\n');
    const err = expectError({ file }, 'verbose', 'true', /unknown configuration key/);
    expect(err.message).toContain(file);
  });

  it('unknown key in a known table, and in a nested table', () => {
    expectError({ file: toml('[server]\nprot = 6380\n') }, 'server.prot', '6380', /unknown configuration key/);
    expectError({ file: toml('[runtime.scaling]\nmin_threads = 2\n') }, 'runtime.scaling.min_threads', '2', /unknown configuration key/);
  });

  it('unknown table, even an empty one', () => {
    expectError({ file: toml('[sever]\nport = 1\n') }, 'sever', '{"port":1}', /unknown configuration key/);
    expectError({ file: toml('[replication]\n') }, 'replication', '{}', /unknown configuration key/);
    expectError({ file: toml('[runtime.scalling]\n') }, 'runtime.scalling', '{}', /unknown configuration key/);
  });

  it('a table where a key is expected, and a value where a table is expected', () => {
    expectError({ file: toml('[server.port]\nvalue = 1\n') }, 'server.port', '{"value":1}', /expected an integer/);
    expectError({ file: toml('runtime = 4\n') }, 'runtime', '4', /unknown configuration key/);
  });

  it('unknown key in flags (--set)', () => {
    expectError({ overrides: { 'runtime.batchsize': '5' } }, 'runtime.batchsize', '"5"', /unknown configuration key/);
  });

  it('wrong type', () => {
    expectError({ file: toml('[server]\nport = "http"\n') }, 'server.port', '"http"', /expected an integer/);
    expectError({ file: toml('[server]\nport = 6379.5\n') }, 'server.port', '6379.5', /expected an integer/);
    expectError({ file: toml('[server]\ndir = 5\n') }, 'server.dir', '5', /expected a string/);
    expectError({ file: toml('[runtime.scaling]\nenabled = "maybe"\n') }, 'runtime.scaling.enabled', '"maybe"', /expected true or false/);
    expectError({ file: toml('[runtime]\nbackpressure_high_water = "high"\n') }, 'runtime.backpressure_high_water', '"high"', /expected a number/);
    expectError({ file: toml('[storage]\nblock_cache_size = "lots"\n') }, 'storage.block_cache_size', '"lots"', /expected a size/);
    expectError({ file: toml('[storage]\nblock_cache_size = "1.5gb"\n') }, 'storage.block_cache_size', '"1.5gb"', /expected a size/);
    expectError({ file: toml('[runtime]\nrequest_timeout = "5 minutes"\n') }, 'runtime.request_timeout', '"5 minutes"', /expected milliseconds or a duration/);
    expectError({ file: toml('[server]\nbind = [1, 2]\n') }, 'server.bind', '[1,2]', /expected a string or a non-empty list/);
    expectError({ file: toml('[server]\nbind = []\n') }, 'server.bind', '[]', /non-empty list/);
    expectError({ overrides: { 'server.port': '' } }, 'server.port', '""', /expected an integer/);
  });

  it('an empty bind address is refused (it would listen on every interface)', () => {
    expectError({ overrides: { 'server.bind': [''] } }, 'server.bind', '[""]', /non-empty strings/);
    expectError({ file: toml('[server]\nbind = ["127.0.0.1", ""]\n') }, 'server.bind', '["127.0.0.1",""]', /non-empty strings/);
  });

  it('out of range', () => {
    expectError({ overrides: { 'server.port': '65536' } }, 'server.port', '"65536"', /must be at most 65535/);
    expectError({ overrides: { 'server.port': -1 } }, 'server.port', '-1', /must be at least 0/);
    expectError({ file: toml('[runtime]\nbatch_size = 0\n') }, 'runtime.batch_size', '0', /must be at least 1/);
    expectError({ file: toml('[runtime]\nnetwork_threads = 65\n') }, 'runtime.network_threads', '65', /must be at most 64/);
    expectError({ file: toml('[server]\ndatabases = 17\n') }, 'server.databases', '17', /must be at most 16/);
    expectError({ file: toml('[storage]\nwrite_buffer_size = "1kb"\n') }, 'storage.write_buffer_size', '"1kb"', /must be at least 1048576/);
    expectError({ file: toml('[runtime]\nrequest_timeout = "2h"\n') }, 'runtime.request_timeout', '"2h"', /must be at most 3600000/);
    expectError({ file: toml('[runtime.fault_injection]\nenabled = true\nerror_rate = 1.5\n') }, 'runtime.fault_injection.error_rate', '1.5', /must be at most 1/);
  });

  it('bad enum value lists the accepted ones', () => {
    expectError({ file: toml('[storage]\ncompression = "brotli"\n') }, 'storage.compression', '"brotli"', /expected one of none, snappy, lz4, zstd, zlib/);
    expectError({ overrides: { 'server.log_level': 'loud' } }, 'server.log_level', '"loud"', /expected one of debug, verbose, notice, warning, nothing/);
    expectError({ overrides: { 'storage.sync': 1 } }, 'storage.sync', '1', /expected one of always, everysec, no/);
  });

  it('unknown preset, from --preset and from the file', () => {
    expectError({ preset: 'fast' }, 'preset', '"fast"', /unknown preset; expected one of default, high-throughput, low-latency/);
    expectError({ file: toml('preset = "turbo"\n') }, 'preset', '"turbo"', /unknown preset/);
  });

  it('unreadable file: missing, a directory, no permission', () => {
    const missing = join(tmp, 'missing.toml');
    expectError({ file: missing }, '--config', JSON.stringify(missing), /cannot read the file \(ENOENT\)/);
    expectError({ file: tmp }, '--config', JSON.stringify(tmp), /cannot read the file \(EISDIR\)/);
    if (process.getuid?.() !== 0) {
      const locked = toml('[server]\nport = 1\n');
      chmodSync(locked, 0o000);
      expectError({ file: locked }, '--config', JSON.stringify(locked), /cannot read the file \(EACCES\)/);
    }
  });

  it('TOML syntax error, with the line and column', () => {
    const file = toml('[server]\nport = 6380\nbind = [\n');
    const err = expectError({ file }, '--config', JSON.stringify(file), /not valid TOML at line \d+, column \d+: Invalid TOML document/);
    expect(err.message.split('\n')).toHaveLength(1);
    const dup = toml('[server]\nport = 1\nport = 2\n');
    expectError({ file: dup }, '--config', JSON.stringify(dup), /not valid TOML at line 3, column 1: .*already defined/);
  });

  it('scaling: min_storage_threads > max_storage_threads', () => {
    expectError(
      { file: toml('[runtime.scaling]\nmin_storage_threads = 6\nmax_storage_threads = 4\n') },
      'runtime.scaling.max_storage_threads',
      '4',
      /must be >= runtime.scaling.min_storage_threads \(6\)/,
    );
  });

  it('scaling: scale_down_threshold >= scale_up_threshold', () => {
    expectError(
      { overrides: { 'runtime.scaling.scale_up_threshold': 50, 'runtime.scaling.scale_down_threshold': 50 } },
      'runtime.scaling.scale_down_threshold',
      '50',
      /must be < runtime.scaling.scale_up_threshold \(50\)/,
    );
  });

  it('backpressure: low water >= high water', () => {
    expectError(
      { file: toml('[runtime]\nbackpressure_high_water = 0.5\nbackpressure_low_water = 0.5\n') },
      'runtime.backpressure_low_water',
      '0.5',
      /must be < runtime.backpressure_high_water \(0.5\)/,
    );
    expectError({ overrides: { 'runtime.backpressure_high_water': '0.3' } }, 'runtime.backpressure_low_water', '0.5', /must be < runtime.backpressure_high_water \(0.3\)/);
  });

  it('fault-injection values without fault injection enabled', () => {
    for (const [key, value] of [['runtime.fault_injection.error_rate', '0.1'], ['runtime.fault_injection.drop_rate', '0.2'], ['runtime.fault_injection.delay_ms', '5']] as const) {
      expectError({ overrides: { [key]: value } }, key, String(Number(value)), /fault injection is off; start with --fault-injection/);
      const on = loadConfig({ overrides: { [key]: value, 'runtime.fault_injection.enabled': true } });
      expect(on.get(key)).toBe(Number(value));
    }
  });

  it('the message has the documented shape', () => {
    expect(loadError({ overrides: { 'server.maxclients': '0' } }).message).toBe('invalid configuration: server.maxclients = "0": must be at least 1');
  });
});

describe('Config.set (CONFIG SET underneath)', () => {
  it('validates, stores and announces a change', () => {
    const c = loadConfig();
    const seen: Array<[string, unknown]> = [];
    c.onChange((path, value) => seen.push([path, value]));
    c.set('runtime.batch_size', '42');
    expect(c.values.runtime.batchSize).toBe(42);
    expect(seen).toEqual([['runtime.batch_size', 42]]);
  });

  it('an invalid value changes nothing and names the CONFIG name', () => {
    const c = loadConfig();
    expect(() => c.set('server.maxclients', 'many', 'maxclients')).toThrow('invalid configuration: maxclients = "many": expected an integer');
    expect(c.values.server.maxclients).toBe(10000);
  });

  it('a value that breaks a cross-key rule is rolled back', () => {
    const c = loadConfig();
    expect(() => c.set('runtime.fault_injection.error_rate', '0.5')).toThrow(/fault injection is off/);
    expect(c.get('runtime.fault_injection.error_rate')).toBe(0);
    expect(c.values.runtime.faultInjection.errorRate).toBe(0);
  });

  it('an unknown path is refused', () => {
    expect(() => loadConfig().set('server.nope', '1')).toThrow('invalid configuration: server.nope = "1": unknown configuration key');
  });

  it('every CONFIG name maps to exactly one key', () => {
    const names = KEYS.filter((k) => k.configName).map((k) => k.configName);
    expect(new Set(names).size).toBe(names.length);
    expect(KEY_BY_PATH.size).toBe(KEYS.length);
  });
});
