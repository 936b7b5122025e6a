// Imports go one way (HOUSE-STYLE: socket bytes -> protocol -> server -> commands ->
// storage -> native; runtime/ composes them). Folder names alone do not keep it so; this
// test does: each src/ module may import only from the layers listed for its own.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve('src');

/** Which layers each layer may import (its own is always allowed). */
const ALLOWED: Record<string, string[]> = {
  errors: [],
  clock: [],
  logger: [],
  protocol: ['errors'],
  config: ['errors'],
  storage: ['errors', 'clock'],
  commands: ['errors', 'storage', 'config'],
  server: ['errors', 'clock', 'protocol', 'commands', 'storage'],
  runtime: ['errors', 'clock', 'logger', 'protocol', 'config', 'storage', 'commands', 'server'],
  index: ['errors', 'logger', 'config', 'runtime', 'server'],
  cli: ['errors', 'logger', 'config', 'runtime'],
};

function layerOf(file: string): string {
  const rel = relative(SRC, file);
  const first = rel.split('/')[0];
  return first.endsWith('.ts') ? first.slice(0, -3) : first;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm;

/** The imports of `file` (whose source is `text`) that break the layering. */
function violations(file: string, text: string): string[] {
  const from = layerOf(file);
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1];
    if (!spec.startsWith('.')) continue;
    const target = layerOf(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
    if (target !== from && !ALLOWED[from]?.includes(target)) out.push(`${spec} (layer ${target})`);
  }
  return out;
}

describe('layering', () => {
  const all = files(SRC);

  it('every src/ module belongs to a known layer', () => {
    for (const f of all) expect(Object.keys(ALLOWED), relative(SRC, f)).toContain(layerOf(f));
  });

  it.each(all.map((f) => [relative(SRC, f), f]))('%s imports only from the layers below it', (_name, file) => {
    expect(violations(file, readFileSync(file, 'utf8'))).toEqual([]);
  });

  it('an upward import is caught (storage importing the server)', () => {
    const file = join(SRC, 'storage', 'example.ts');
    expect(violations(file, "import { Connection } from '../server/connection.js';\nimport { Op } from './ops.js';\n")).toEqual([
      '../server/connection.js (layer server)',
    ]);
  });
});
