// config.example.toml is generated from the schema; these tests fail when it drifts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { renderExampleToml } from '../../src/config/example.js';
import { KEYS } from '../../src/config/schema.js';

const EXAMPLE = new URL('../../config.example.toml', import.meta.url);
const text = readFileSync(EXAMPLE, 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'kiwi-example-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The example with every `# key = value` line made live. */
function uncommented(): string {
  return text.replace(/^# ([a-z_]+ = .*)$/gm, '$1');
}

function lookup(doc: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], doc);
}

describe('config.example.toml', () => {
  it('is what the schema generates (run `node scripts/gen-config-example.mjs` after a build)', () => {
    expect(text).toBe(renderExampleToml());
  });

  it('loads to exactly the defaults as committed', () => {
    const config = loadConfig({ file: EXAMPLE.pathname });
    for (const spec of KEYS) expect(config.get(spec.path), spec.path).toEqual(spec.default);
    expect(config.values).toEqual(loadConfig().values);
  });

  it('names every key with its doc, and each value shown is the default once uncommented', () => {
    const live = uncommented();
    const doc = parseToml(live) as Record<string, unknown>;
    for (const spec of KEYS) {
      expect(lookup(doc, spec.path), `${spec.path} is in the file`).not.toBeUndefined();
      expect(text, `${spec.path} has its doc`).toContain(spec.doc.split(' ').slice(0, 6).join(' '));
    }
    expect(doc.preset).toBe('default');
    const file = join(tmp, 'live.toml');
    writeFileSync(file, live);
    const config = loadConfig({ file });
    for (const spec of KEYS) expect(config.get(spec.path), spec.path).toEqual(spec.default);
  });

  it('the generator script is in step with the renderer (--check)', async () => {
    // dist/ must be built; the script reads dist/config/example.js.
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const script = new URL('../../scripts/gen-config-example.mjs', import.meta.url).pathname;
    await expect(promisify(execFile)(process.execPath, [script, '--check'])).resolves.toBeDefined();
  });
});
