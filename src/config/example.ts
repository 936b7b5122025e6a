// config.example.toml, rendered from the schema so the file cannot drift from it.
// scripts/gen-config-example.mjs writes it; test/config/example.test.ts fails when the
// committed file differs from what this renders.
//
// Every key is written commented out: a file that set every key would override every
// preset (layering is defaults < preset < file < flags), so copying it must change nothing.
import { KEYS, PRESETS, type KeySpec } from './schema.js';

const WIDTH = 90;
const SIZE_UNITS: Array<[string, number]> = [['tb', 1024 ** 4], ['gb', 1024 ** 3], ['mb', 1024 ** 2], ['kb', 1024]];
const DURATION_UNITS: Array<[string, number]> = [['h', 3_600_000], ['m', 60_000], ['s', 1000]];

/** The largest unit that divides n exactly, in the config loader's own notation. */
function withUnit(n: number, units: Array<[string, number]>, base: string): string {
  for (const [unit, factor] of units) if (n !== 0 && n % factor === 0) return `${n / factor}${unit}`;
  return `${n}${base}`;
}

function tomlValue(spec: KeySpec, value: unknown): string {
  switch (spec.type) {
    case 'size':
      return JSON.stringify(withUnit(value as number, SIZE_UNITS, ''));
    case 'duration':
      return value === 0 ? '0' : JSON.stringify(withUnit(value as number, DURATION_UNITS, 'ms'));
    case 'list':
      return `[${(value as string[]).map((v) => JSON.stringify(v)).join(', ')}]`;
    case 'string':
    case 'enum':
      return JSON.stringify(value);
    default:
      return String(value);
  }
}

function bound(spec: KeySpec, n: number): string {
  if (spec.type === 'size') return withUnit(n, SIZE_UNITS, ' bytes');
  if (spec.type === 'duration') return withUnit(n, DURATION_UNITS, 'ms');
  return String(n);
}

/** What values a key takes, in words. */
function describeType(spec: KeySpec): string {
  const range = spec.min !== undefined && spec.max !== undefined ? ` from ${bound(spec, spec.min)} to ${bound(spec, spec.max)}` : '';
  switch (spec.type) {
    case 'int':
      return `Integer${range}.`;
    case 'number':
      return `Number${range}.`;
    case 'bool':
      return 'true or false.';
    case 'string':
      return 'String.';
    case 'enum':
      return `One of ${spec.values!.map((v) => JSON.stringify(v)).join(', ')}.`;
    case 'list':
      return 'A string or a list of strings.';
    case 'size':
      return `Size${range}.`;
    case 'duration':
      return `Duration${range}.`;
  }
}

function configName(spec: KeySpec): string {
  if (!spec.configName) return 'Start-up only.';
  const alias = spec.alias ? ` (also ${spec.alias})` : '';
  return spec.mutable ? `CONFIG GET/SET ${spec.configName}${alias}.` : `CONFIG GET ${spec.configName}${alias} (read-only at run time).`;
}

/** Word-wraps text into "# " comment lines. */
function comment(text: string): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line.length + 1 + word.length > WIDTH && line !== '#') {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines;
}

function header(): string[] {
  const presets = Object.entries(PRESETS)
    .filter(([, keys]) => Object.keys(keys).length > 0)
    .map(([name, keys]) => `${name} sets ${Object.keys(keys).join(', ')}.`);
  return [
    '# kiwi-server configuration: every key, with its default and what it does.',
    '#',
    '# Generated from src/config/schema.ts by scripts/gen-config-example.mjs; do not edit by hand',
    '# (after `npm run build`, `node scripts/gen-config-example.mjs` rewrites it). Use it with',
    '# `kiwi-server --config FILE`.',
    '#',
    ...comment(
      'Every key is commented out, so this file as it stands changes nothing: uncomment only what ' +
        'you change. Layering: defaults, then the preset, then this file, then command-line flags ' +
        '(--port, --set runtime.batch_size=200, ...). Unknown keys and invalid values stop start-up ' +
        'with a message naming the key, the value and the reason.',
    ),
    '#',
    ...comment('Sizes: bytes, or a string such as "64mb" or "1gb" (kb, mb, gb, tb are powers of 1024; k, m, g, t of 1000).'),
    ...comment('Durations: milliseconds, or a string such as "10ms", "30s", "1m" or "1h".'),
    '',
    ...comment(`A named set of overrides applied before this file (also --preset): ${Object.keys(PRESETS).join(', ')}.`),
    ...presets.flatMap((p) => comment(p)),
    '# preset = "default"',
  ];
}

/** The text of config.example.toml. */
export function renderExampleToml(): string {
  const out = header();
  let table = '';
  for (const spec of KEYS) {
    const dot = spec.path.lastIndexOf('.');
    const keyTable = spec.path.slice(0, dot);
    if (keyTable !== table) {
      table = keyTable;
      out.push('', `[${table}]`);
    }
    out.push('', ...comment(spec.doc), ...comment(`${describeType(spec)} ${configName(spec)}`));
    out.push(`# ${spec.path.slice(dot + 1)} = ${tomlValue(spec, spec.default)}`);
  }
  return `${out.join('\n')}\n`;
}

/** The README's configuration reference: one markdown table row per key. */
export function renderConfigMarkdown(): string {
  const rows = KEYS.map((spec) => {
    const runtime = spec.configName ? `\`${spec.configName}\`${spec.alias ? `, \`${spec.alias}\`` : ''}${spec.mutable ? ' (settable)' : ''}` : '';
    const doc = spec.doc.replace(/\|/g, '\\|');
    return `| \`${spec.path}\` | ${tomlValue(spec, spec.default).replace(/\|/g, '\\|')} | ${describeType(spec)} | ${runtime} | ${doc} |`;
  });
  return ['| key | default | type | CONFIG GET/SET name | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}
