// The command table: every family's rows, by lowercase name.
import { adminCommands } from './admin.js';
import { bitmapCommands } from './bitmap.js';
import { commandCommands } from './command.js';
import { connectionCommands } from './connection.js';
import { geoCommands } from './geo.js';
import { hashCommands } from './hash.js';
import { hyperloglogCommands } from './hyperloglog.js';
import { keyspaceCommands } from './keyspace.js';
import { listCommands } from './list.js';
import { pubsubCommands } from './pubsub.js';
import { scriptingCommands } from './scripting.js';
import { serverCommands } from './server.js';
import { setCommands } from './set.js';
import { sortCommands } from './sort.js';
import { streamGroupCommands } from './stream-group.js';
import { streamCommands } from './stream.js';
import { stringCommands } from './string.js';
import { transactionCommands } from './transaction.js';
import { zsetCommands } from './zset.js';
import type { CommandRow } from './types.js';

export const ALL_COMMANDS: readonly CommandRow<any>[] = [
  ...stringCommands,
  ...bitmapCommands,
  ...hyperloglogCommands,
  ...keyspaceCommands,
  ...hashCommands,
  ...setCommands,
  ...listCommands,
  ...sortCommands,
  ...pubsubCommands,
  ...zsetCommands,
  ...geoCommands,
  ...streamCommands,
  ...streamGroupCommands,
  ...connectionCommands,
  ...serverCommands,
  ...adminCommands,
  ...scriptingCommands,
  ...commandCommands,
  ...transactionCommands,
];

export function buildCommandTable(rows: readonly CommandRow<any>[] = ALL_COMMANDS): Map<string, CommandRow<any>> {
  const table = new Map<string, CommandRow<any>>();
  for (const r of rows) {
    if (table.has(r.name)) throw new Error(`command ${r.name} is registered twice`);
    table.set(r.name, r);
  }
  return table;
}
