#!/usr/bin/env node
// Refreshes the generated parts of README.md (between <!-- NAME:begin --> and
// <!-- NAME:end --> markers) from the code: the configuration reference from the schema
// and the command list from the command table. Run after `npm run build` (reads dist/).
// With --check it writes nothing and exits 1 if README.md is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderConfigMarkdown } from '../dist/config/example.js';
import { ALL_COMMANDS } from '../dist/commands/registry.js';

function renderCommands() {
  const byGroup = new Map();
  for (const row of ALL_COMMANDS) {
    const subs = row.subcommands?.map((s) => s.name.replace('|', ' ').toUpperCase()) ?? [];
    // A container that also runs on its own (COMMAND) is listed too.
    const names = subs.length === 0 || row.arity === -1 ? [row.name.toUpperCase(), ...subs] : subs;
    const list = byGroup.get(row.group) ?? [];
    list.push(...names);
    byGroup.set(row.group, list);
  }
  const title = { string: 'Strings', generic: 'Keyspace', hash: 'Hashes', set: 'Sets', list: 'Lists', 'sorted-set': 'Sorted sets', pubsub: 'Pub/sub', connection: 'Connection', server: 'Server', bitmap: 'Bitmaps', hyperloglog: 'HyperLogLog', transactions: 'Transactions', scripting: 'Scripting', geo: 'Geospatial', stream: 'Streams' };
  return [...byGroup.entries()].map(([group, names]) => `- **${title[group] ?? group}**: ${names.sort().join(', ')}`).join('\n');
}

const sections = { config: renderConfigMarkdown(), commands: renderCommands() };
const file = new URL('../README.md', import.meta.url);
const before = readFileSync(file, 'utf8');
let after = before;
for (const [name, body] of Object.entries(sections)) {
  const re = new RegExp(`(<!-- ${name}:begin -->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`);
  if (!re.test(after)) {
    process.stderr.write(`README.md has no <!-- ${name}:begin --> / <!-- ${name}:end --> markers\n`);
    process.exit(1);
  }
  after = after.replace(re, `$1${body}\n$2`);
}
if (process.argv.includes('--check')) {
  if (after !== before) {
    process.stderr.write('README.md is out of date: run `npm run build:ts && node scripts/gen-readme.mjs`\n');
    process.exit(1);
  }
} else if (after !== before) {
  writeFileSync(file, after);
  process.stdout.write('README.md updated\n');
}
