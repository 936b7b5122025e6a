// Writes a run's results: results.json (all trials), results.md (the machine, the
// command, tables) and results.svg (kiwi vs redis rps, hand-drawn bars), in
// <out>/<timestamp>/, and points <out>/latest at it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, rmSync, symlinkSync, cpSync, lstatSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join, relative } from 'node:path';
import { CUSTOM } from './custom-commands.mjs';
import { ROOT } from './servers.mjs';

const require = createRequire(import.meta.url);

function tryRun(cmd, args) {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

export function describeMachine() {
  const cpus = os.cpus();
  let rocksdb = 'unknown';
  try {
    // The addon kiwi-server loads: KIWI_STORAGE_ADDON (for comparing builds) or the local build.
    const addon = require(process.env.KIWI_STORAGE_ADDON || join(ROOT, 'build/Release/kiwi_storage.node'));
    // Which build matters: Debian's system library keeps RocksDB's assertions on.
    rocksdb = `${addon.rocksdbVersion} (${addon.rocksdbBuild ?? 'unknown'} build)`;
  } catch {}
  // Porcelain lines are `XY path`; tryRun trims, which eats a leading space of X.
  const changed = tryRun('git', ['status', '--porcelain', '--untracked-files=no']).split('\n').filter(Boolean).map((l) => l.replace(/^\S{0,2}\s+/, ''));
  const dirty = changed.length === 0 || changed[0] === 'unknown' ? '' : changed.every((f) => f.startsWith('bench/')) ? ' (uncommitted changes in bench/ only)' : ' (with uncommitted changes outside bench/)';
  return {
    cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, ramBytes: os.totalmem(), kernel: `${os.type()} ${os.release()}`,
    node: process.version, redisServer: tryRun('redis-server', ['--version']), redisBenchmark: tryRun('redis-benchmark', ['--version']),
    kiwiCommit: tryRun('git', ['rev-parse', 'HEAD']) + dirty,
    kiwiBranch: tryRun('git', ['rev-parse', '--abbrev-ref', 'HEAD']), rocksdb, loadavg: os.loadavg(),
  };
}

export const fmtRps = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(0));
const fmtMs = (x) => (x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const pct = (x) => `${(x * 100).toFixed(0)} %`;
const mib = (b) => `${(b / 1024 ** 2).toFixed(0)} MB`;

export function e2eTable(result) {
  const { options: o, summary } = result;
  const custom = o.tests.filter((t) => CUSTOM[t]).map((t) => `\`${CUSTOM[t].join(' ')}\``);
  const builtin = o.tests.filter((t) => !CUSTOM[t]).join('|');
  const lines = [
    `\`redis-benchmark -h 127.0.0.1 -p PORT -t ${builtin} -n N -c ${o.clients} -P 1|16 -d ${o.dataSize} -r ${o.keyspace} --csv\`${custom.length ? ` and the same options with the commands ${custom.join(', ')} in place of -t` : ''}, all ${o.keyspace} keys (\`key:000000000000\`...) preloaded so GETs hit; HGETALL/SMEMBERS/ZRANGE of 100 on a 100-member key loaded before each trial; ZPOPMIN gets at most as many requests as ZADD left in myzset; ${o.rounds} round(s) of kiwi then redis, each server a fresh process in a fresh temp dir; N per server from a calibration run, for at least about ${o.seconds} s of work per trial (table below); medians over rounds; spread = (max - min) / median of rps.`,
    '',
    '| test | -P | kiwi rps | redis rps | kiwi / redis rps | kiwi p50 ms | redis p50 ms | kiwi p99 ms | redis p99 ms | kiwi / redis p99 | target | spread kiwi / redis |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
  ];
  for (const r of summary.rows) {
    const target = r.target ? `≥ ${r.target.rps}x rps, ≤ ${r.target.p99}x p99: **${r.met ? 'met' : 'missed'}**` : '—';
    lines.push(`| ${r.label} | ${r.pipeline} | ${fmtRps(r.kiwi.rps)} | ${fmtRps(r.redis.rps)} | **${r.rpsRatio.toFixed(2)}x** | ${fmtMs(r.kiwi.p50)} | ${fmtMs(r.redis.p50)} | ${fmtMs(r.kiwi.p99)} | ${fmtMs(r.redis.p99)} | ${r.p99Ratio.toFixed(2)}x | ${target} | ${pct(r.kiwi.spread)} / ${pct(r.redis.spread)} |`);
  }
  const get = summary.rows.filter((r) => r.test === 'get').map((r) => `-P ${r.pipeline}: kiwi ${pct(r.kiwi.hitRatio)}, redis ${pct(r.redis.hitRatio)}`);
  if (get.length > 0) lines.push('', `GET hit ratio (INFO keyspace_hits/misses): ${get.join('; ')}.`);
  if (summary.ownSet?.length > 0) {
    lines.push('', "Kiwi's list rates over its own SET rate in this run (goal: LPUSH and RPOP ≥ 0.8x at -P 16):", '', '| test | -P | kiwi rps / kiwi SET rps | goal |', '| --- | ---: | ---: | --- |');
    for (const r of summary.ownSet) lines.push(`| ${r.label} | ${r.pipeline} | **${r.ratio.toFixed(2)}x** | ${r.goal ? `≥ 0.8x: **${r.met ? 'met' : 'missed'}**` : '—'} |`);
  }
  lines.push(`Peak RSS of the server process (VmHWM over its life: preload + all trials; median of rounds, max): kiwi ${mib(summary.rss.kiwi.median)} (max ${mib(summary.rss.kiwi.max)}), redis ${mib(summary.rss.redis.median)} (max ${mib(summary.rss.redis.max)}).`);
  lines.push('', 'Requests per trial (-n, from calibration) and how long trials took (median):', '', '| test | -P | kiwi -n | kiwi s | redis -n | redis s |', '| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of summary.rows) lines.push(`| ${r.label} | ${r.pipeline} | ${r.kiwi.requests} | ${r.kiwi.seconds.toFixed(1)} | ${r.redis.requests} | ${r.redis.seconds.toFixed(1)} |`);
  return lines.join('\n');
}

export function ltmTable(result) {
  const { options: o, load, summary } = result;
  const lines = [
    `kiwi-server --set storage.block_cache_size=${o.blockCache}; ${o.keys} keys x ${o.valueSize} B random values (${mib(result.dataBytes)} with keys), loaded in ${load.seconds.toFixed(0)} s (${(load.valueBytes / 1024 ** 2 / load.seconds).toFixed(0)} MB/s, ${fmtRps(load.keys / load.seconds)} SET/s); ${mib(load.diskBytes)} on disk after the load; peak RSS ${mib(result.peakRss)}.`,
    `Then ${result.settled.pendingCompactionBytes === 0 ? `compactions settled in ${result.settled.seconds.toFixed(0)} s` : `compactions had not settled after ${result.settled.seconds.toFixed(0)} s (${mib(result.settled.pendingCompactionBytes)} pending)`}; SST files ${mib(Number(result.settled.storage.sst_files_bytes))}. After the GETs: block cache ${mib(Number(result.storageAfter.block_cache_usage))} used of ${mib(Number(result.storageAfter.block_cache_capacity))}.`,
    `GET with redis-benchmark -t get -c ${o.clients}, over the whole key space and over the first ${o.hotKeys} keys (fits the block cache); ${o.rounds} round(s), about ${o.seconds} s each, medians.`,
    '',
    '| key space | keys | -P | GET rps | min – max | p50 ms | p99 ms | hit ratio |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of summary) {
    lines.push(`| ${r.space === 'full' ? 'whole (larger than cache)' : 'small (in cache)'} | ${r.keyspace} | ${r.pipeline} | ${fmtRps(r.rps)} | ${fmtRps(r.rpsMin)} – ${fmtRps(r.rpsMax)} | ${fmtMs(r.p50)} | ${fmtMs(r.p99)} | ${pct(r.hitRatio)} |`);
  }
  for (const p of o.pipelines) {
    const full = summary.find((r) => r.space === 'full' && r.pipeline === p);
    const hot = summary.find((r) => r.space === 'hot' && r.pipeline === p);
    lines.push(`${p === o.pipelines[0] ? '\n' : ''}-P ${p}: whole key space at ${(full.rps / hot.rps).toFixed(2)}x the in-cache rate.`);
  }
  return lines.join('\n');
}

function machineSection(m, command) {
  return [
    '| | |', '| --- | --- |',
    `| CPU | ${m.cpu}, ${m.cores} cores |`, `| RAM | ${(m.ramBytes / 1024 ** 3).toFixed(1)} GB |`, `| kernel | ${m.kernel} |`, `| Node | ${m.node} |`,
    `| redis-server | ${m.redisServer} |`, `| kiwi | ${m.kiwiBranch} @ ${m.kiwiCommit} |`, `| RocksDB | ${m.rocksdb} |`,
    `| load average (1/5/15 min) at start | ${m.loadavg.map((x) => x.toFixed(2)).join(' / ')} |`,
    `| command | \`${command}\` |`,
  ].join('\n');
}

/** 1, 2, 2.5 or 5 times a power of ten, at least `x`: grid steps a reader can add up. */
function niceStep(x) {
  const p = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= x);
}

/** Bars of kiwi and redis rps per test, one panel per pipeline depth (scales differ). */
export function e2eSvg(result) {
  const rows = result.summary.rows;
  const pipelines = [...new Set(rows.map((r) => r.pipeline))];
  const panelW = 380, panelH = 260, top = 60, left = 50, W = 30 + pipelines.length * (panelW + 20), H = top + panelH + 70;
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">kiwi-server vs redis-server: requests/s (median of ${result.options.rounds} rounds; -c ${result.options.clients}, -d ${result.options.dataSize})</text>`,
    `<rect x="${W / 2 - 90}" y="30" width="10" height="10" fill="#2a9d4b"/><text x="${W / 2 - 75}" y="39">kiwi-server</text>`,
    `<rect x="${W / 2 + 10}" y="30" width="10" height="10" fill="#999"/><text x="${W / 2 + 25}" y="39">redis-server</text>`];
  pipelines.forEach((p, pi) => {
    const x0 = 20 + pi * (panelW + 20) + left;
    const w = panelW - left;
    const pr = rows.filter((r) => r.pipeline === p);
    const step = niceStep(Math.max(...pr.flatMap((r) => [r.kiwi.rps, r.redis.rps])) * 1.1 / 5);
    const max = step * Math.ceil((Math.max(...pr.flatMap((r) => [r.kiwi.rps, r.redis.rps])) * 1.1) / step);
    const y = (v) => top + panelH - (v / max) * panelH;
    for (let v = 0; v <= max + step / 2; v += step) {
      const gy = y(v).toFixed(1);
      out.push(`<line x1="${x0}" x2="${x0 + w}" y1="${gy}" y2="${gy}" stroke="#ddd"/><text x="${x0 - 4}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${fmtRps(v)}</text>`);
    }
    out.push(`<text x="${x0 + w / 2}" y="${top + panelH + 50}" text-anchor="middle" font-size="13" font-weight="bold">-P ${p}</text>`);
    const gw = w / pr.length, bw = gw * 0.32;
    pr.forEach((r, i) => {
      const cx = x0 + gw * i + gw / 2;
      for (const [j, name, color] of [[0, 'kiwi', '#2a9d4b'], [1, 'redis', '#999']]) {
        const bx = cx - bw + j * bw;
        out.push(`<rect x="${bx.toFixed(1)}" y="${y(r[name].rps).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${(top + panelH - y(r[name].rps)).toFixed(1)}" fill="${color}"><title>${name} ${esc(r.label)} -P ${p}: ${fmtRps(r[name].rps)} rps</title></rect>`);
        out.push(`<text x="${(bx + bw / 2 - 1).toFixed(1)}" y="${(y(r[name].rps) - 3).toFixed(1)}" text-anchor="middle" font-size="9">${fmtRps(r[name].rps)}</text>`);
      }
      out.push(`<text x="${cx}" y="${top + panelH + 15}" text-anchor="middle">${esc(r.label.replace(' (10 keys)', '×10'))}</text>`);
      out.push(`<text x="${cx}" y="${top + panelH + 30}" text-anchor="middle" fill="#555">${r.rpsRatio.toFixed(2)}x</text>`);
    });
    out.push(`<line x1="${x0}" x2="${x0 + w}" y1="${top + panelH}" y2="${top + panelH}" stroke="#333"/>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

function microSection(micro) {
  const parts = [];
  for (const m of micro) {
    parts.push(`### ${m.name}`, '', `\`${m.command}\` — ${m.status}${m.seconds !== undefined ? `, ${m.seconds.toFixed(0)} s` : ''}${m.note ? `: ${m.note}` : ''}`, '');
    if (m.output?.trim()) parts.push('```', m.output.trim(), '```', '');
  }
  return parts.join('\n');
}

export function renderMarkdown(run) {
  const s = [`# Benchmark results, ${run.startedAt}`, '', 'The machine is shared with other jobs and noisy: compare ratios from one run, not absolute figures across runs, and mind the spread.', '', machineSection(run.machine, run.command), ''];
  s.push(`Run time: ${(run.seconds / 60).toFixed(1)} min; load average at the end ${run.loadavgEnd.map((x) => x.toFixed(2)).join(' / ')}.`, '');
  if (run.e2e) {
    s.push('## End-to-end against Redis', '', `redis-server ${run.e2e.redisArgs}; kiwi-server defaults (storage.sync=everysec). Server and redis-benchmark share the ${run.machine.cores} cores.`, '', e2eTable(run.e2e), '');
    const t = run.e2e.targets;
    s.push(`Targets (issue 6): at -P 1 kiwi ≥ ${t.rps[1]}x redis rps for SET, GET and INCR; at -P 16 ≥ ${t.rps[16]}x; p99 ≤ ${t.p99}x redis.`, '');
    s.push('![kiwi vs redis rps](results.svg)', '');
  }
  if (run.e2eError) s.push('## End-to-end against Redis', '', `Failed: ${run.e2eError}`, '');
  if (run.ltm) s.push(`## Larger than memory${run.ltm.options.keys < 5_000_000 ? ' (--quick: scaled down)' : ''}`, '', ltmTable(run.ltm), '', `RAM is ${(run.machine.ramBytes / 1024 ** 3).toFixed(0)} GB and the OS page cache is not limited, so block-cache misses may be served from the page cache rather than the disk.`, '');
  if (run.ltmError) s.push('## Larger than memory', '', run.ltmError, '');
  if (run.micro?.length) s.push('## Microbenchmarks', '', microSection(run.micro));
  return s.join('\n');
}

/** Writes results into <out>/<timestamp>/ and points <out>/latest at it; returns the dir. */
export function writeResults(outDir, run) {
  const stamp = run.startedAt.replace(/[:]/g, '-').replace(/\..*$/, '');
  const dir = join(outDir, stamp);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(run, null, 2)}\n`);
  writeFileSync(join(dir, 'results.md'), `${renderMarkdown(run)}\n`);
  if (run.e2e) writeFileSync(join(dir, 'results.svg'), `${e2eSvg(run.e2e)}\n`);
  const latest = join(outDir, 'latest');
  try {
    lstatSync(latest);
    rmSync(latest, { recursive: true, force: true });
  } catch {}
  try {
    symlinkSync(relative(outDir, dir), latest);
  } catch {
    cpSync(dir, latest, { recursive: true });
  }
  return dir;
}
