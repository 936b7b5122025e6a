// notify-keyspace-events in Redis' own letters (notify.c): parsing, the canonical form
// CONFIG GET shows, and validation for CONFIG SET and the TOML file.

/** Redis' NOTIFY_* flags (server.h). */
export const Notify = {
  keyspace: 1 << 0, // K
  keyevent: 1 << 1, // E
  generic: 1 << 2, // g
  string: 1 << 3, // $
  list: 1 << 4, // l
  set: 1 << 5, // s
  hash: 1 << 6, // h
  zset: 1 << 7, // z
  expired: 1 << 8, // x
  evicted: 1 << 9, // e
  stream: 1 << 10, // t
  keyMiss: 1 << 11, // m
  module: 1 << 12, // d
  newKey: 1 << 13, // n
} as const;

const CLASS_CHARS: Record<string, number> = {
  g: Notify.generic, $: Notify.string, l: Notify.list, s: Notify.set, h: Notify.hash, z: Notify.zset, x: Notify.expired,
  e: Notify.evicted, t: Notify.stream, m: Notify.keyMiss, d: Notify.module, n: Notify.newKey, K: Notify.keyspace, E: Notify.keyevent,
};
/** 'A': every class but m and n (Redis NOTIFY_ALL). */
const ALL = Notify.generic | Notify.string | Notify.list | Notify.set | Notify.hash | Notify.zset | Notify.expired | Notify.evicted | Notify.stream | Notify.module;

export const INVALID_EVENT_CLASS = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";

/** Redis keyspaceEventsStringToFlags; null for a character it does not know. */
export function parseNotifyFlags(text: string): number | null {
  let flags = 0;
  for (const c of text) {
    if (c === 'A') flags |= ALL;
    else if (CLASS_CHARS[c] !== undefined) flags |= CLASS_CHARS[c];
    else return null;
  }
  return flags;
}

/** Redis keyspaceEventsFlagsToString: the canonical form CONFIG GET shows. */
export function formatNotifyFlags(flags: number): string {
  let out = '';
  // Redis 7.0 leaves n out after A although the class stays on; the canonical form is
  // also what the setting is read back from, so here it stays (README, known differences).
  if ((flags & ALL) === ALL) out += flags & Notify.newKey ? 'An' : 'A';
  else for (const c of 'g$lshzxetdn') if (flags & CLASS_CHARS[c]) out += c;
  if (flags & Notify.keyspace) out += 'K';
  if (flags & Notify.keyevent) out += 'E';
  if (flags & Notify.keyMiss) out += 'm';
  return out;
}

/** CONFIG SET / TOML: validates and stores the canonical form. */
export function normalizeNotifyFlags(raw: string): string {
  const flags = parseNotifyFlags(raw);
  if (flags === null) throw new Error(INVALID_EVENT_CLASS);
  return formatNotifyFlags(flags);
}
