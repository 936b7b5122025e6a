#!/usr/bin/env node
// Writes config.example.toml from the configuration schema. Run after `npm run build`
// (it reads dist/). With --check it writes nothing and exits 1 if the file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderExampleToml } from '../dist/config/example.js';

const target = new URL('../config.example.toml', import.meta.url);
const text = renderExampleToml();

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {}
  if (current !== text) {
    process.stderr.write('config.example.toml is out of date: run `node scripts/gen-config-example.mjs`\n');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
  process.stdout.write(`wrote ${target.pathname}\n`);
}
