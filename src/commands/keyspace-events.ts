// Keyspace notifications (Redis notify.c): `notify-keyspace-events` and the events each
// write command raises, published as __keyspace@<db>__:<key> -> event and
// __keyevent@<db>__:<event> -> key.
//
// The events are derived from a command's arguments and its reply, once the reply is
// known (the storage runtime does the write), so nothing is computed while notifications
// are off. While they are on, the writes listed in REPORTED also carry the storage
// runtime's report of what they did to each key (KeysReport: existed before, exists
// after, TTL before and after, found expired), which adds what the reply cannot say:
// "del" when a removal empties a key or a *STORE deletes its destination, which DEL keys
// existed, "new", GETEX PERSIST's "persist", and "expired" for a key found expired.
import { Notify, parseNotifyFlags } from '../config/notify-events.js';
import { radiusStoreKey } from './geo.js';
import { KeyBit, type KeysReport } from '../storage/codec.js';
import type { Reply } from './reply.js';
import type { ServerContext } from './types.js';

let cachedText = '';
let cachedFlags = 0;
/** The flags in force (the setting is parsed again only when it changes). */
export function notifyFlags(server: ServerContext): number {
  const text = server.config.values.server.notifyKeyspaceEvents;
  if (text !== cachedText) {
    cachedFlags = parseNotifyFlags(text) ?? 0;
    cachedText = text;
  }
  return cachedFlags;
}

/** Whether any event can be published: a class and a K or E target are on. */
export function notificationsOn(server: ServerContext): boolean {
  const f = notifyFlags(server);
  return (f & (Notify.keyspace | Notify.keyevent)) !== 0 && (f & ~(Notify.keyspace | Notify.keyevent)) !== 0;
}

/** Whether "expired" events are on: reads then ask storage which keys they found expired. */
export function expiredEventsOn(server: ServerContext): boolean {
  const f = notifyFlags(server);
  return (f & Notify.expired) !== 0 && (f & (Notify.keyspace | Notify.keyevent)) !== 0;
}

/** One event: its class, name, key, and the database when it is not the client's. */
type KeyEvent = [cls: number, event: string, key: Buffer, db?: number];
type Events = (argv: Buffer[], reply: Reply, db: number, report?: KeysReport) => KeyEvent[];

const is = (b: Buffer | undefined, word: string) => b !== undefined && b.length === word.length && b.toString('latin1').toLowerCase() === word;
const none: KeyEvent[] = [];
const G = Notify.generic;
const S = Notify.string;
const L = Notify.list;
const SET = Notify.set;
const H = Notify.hash;
const Z = Notify.zset;
const T = Notify.stream;
const N = Notify.newKey;
const X = Notify.expired;

/** The report's bits for `key` (0 when not reported). */
const bitsOf = (report: KeysReport | undefined, key: Buffer): number => {
  if (report === undefined) return 0;
  for (let i = 0; i < report.keys.length; i++) if (report.keys[i].equals(key)) return report.bits[i];
  return 0;
};

// Redis lmoveGenericCommand: the push onto the destination is announced first.
const rpoplpush: Events = (argv, r) => (r === null ? none : [[L, 'lpush', argv[2]], [L, 'rpop', argv[1]]]);
const lmove: Events = (argv, r) =>
  r === null ? none : [[L, is(argv[4], 'left') ? 'lpush' : 'rpush', argv[2]], [L, is(argv[3], 'left') ? 'lpop' : 'rpop', argv[1]]];

/** LMPOP/ZMPOP (numkeys at argv[at]) and their blocking forms: the reply names the key. */
const mpop = (cls: number, at: number, first: string, ifFirst: string, otherwise: string): Events => (argv, r) => {
  if (!Array.isArray(r) || r.length !== 2) return none;
  const numkeys = Number(argv[at].toString('latin1'));
  return [[cls, is(argv[at + 1 + numkeys], first) ? ifFirst : otherwise, r[0] as Buffer]];
};

/** BLPOP, BRPOP, BZPOPMIN, BZPOPMAX: the reply's first element is the key popped from. */
const poppedFrom = (cls: number, event: string): Events => (_argv, r) => (Array.isArray(r) ? [[cls, event, r[0] as Buffer]] : none);

/** ZADD and GEOADD (Redis zaddGenericCommand): "zadd" when members were added or updated. */
const zaddChanged = (argv: Buffer[], r: Reply, report: KeysReport | undefined): KeyEvent[] =>
  positive(r) || (bitsOf(report, argv[1]) & KeyBit.members) !== 0 ? [[Z, 'zadd', argv[1]]] : none;

/** One event on argv[1] when `when` holds for the reply. */
const on = (cls: number, event: string, when: (r: Reply) => boolean = () => true): Events => (argv, r) => (when(r) ? [[cls, event, argv[1]]] : none);
const positive = (r: Reply) => typeof r === 'number' && r > 0;
const isOne = (r: Reply) => r === 1;
const notNil = (r: Reply) => r !== null && !(Array.isArray(r) && r.length === 0);
const EXPIRY_OPTIONS = ['ex', 'px', 'exat', 'pxat'];

/** Redis setGenericCommand: "set", and "expire" when it sets a TTL. */
const setEvents: Events = (argv, r) => {
  let nx = false;
  let xx = false;
  let get = false;
  let expire = false;
  for (let i = 3; i < argv.length; i++) {
    if (is(argv[i], 'nx')) nx = true;
    else if (is(argv[i], 'xx')) xx = true;
    else if (is(argv[i], 'get')) get = true;
    else if (EXPIRY_OPTIONS.some((o) => is(argv[i], o))) expire = true;
  }
  // Without GET the reply says whether it set; with GET, nil means the key was absent.
  const didSet = !get ? r !== null : nx ? r === null : xx ? r !== null : true;
  if (!didSet) return none;
  return expire ? [[S, 'set', argv[1]], [G, 'expire', argv[1]]] : [[S, 'set', argv[1]]];
};

/** EXPIRE and friends: "expire", or "del" when the time is already past (Redis checkAlreadyExpired). */
const expireEvents = (unitMs: number, absolute: boolean): Events => (argv, r) => {
  if (r !== 1) return none;
  const n = Number(argv[2].toString('latin1'));
  const whenMs = absolute ? n * unitMs : Date.now() + n * unitMs;
  return [[G, whenMs <= Date.now() ? 'del' : 'expire', argv[1]]];
};

/**
 * DEL/UNLINK: "del" per key that existed, in argument order: from the report, or without
 * one (inside EXEC) when the reply shows all or none of them existed.
 */
const delEvents: Events = (argv, r, _db, report) => {
  const keys: Buffer[] = [];
  for (const k of argv.slice(1)) if (!keys.some((x) => x.equals(k))) keys.push(k);
  if (report !== undefined) return keys.filter((k) => (bitsOf(report, k) & KeyBit.existed) !== 0).map((k) => [G, 'del', k] as KeyEvent);
  return r === keys.length ? keys.map((k) => [G, 'del', k] as KeyEvent) : none;
};

const EVENTS: Record<string, Events> = {
  set: setEvents,
  setnx: on(S, 'set', isOne),
  getset: on(S, 'set'),
  setex: (argv) => [[S, 'set', argv[1]], [G, 'expire', argv[1]]],
  psetex: (argv) => [[S, 'set', argv[1]], [G, 'expire', argv[1]]],
  mset: (argv) => argv.filter((_, i) => i % 2 === 1).map((k) => [S, 'set', k] as KeyEvent),
  msetnx: (argv, r) => (r === 1 ? argv.filter((_, i) => i % 2 === 1).map((k) => [S, 'set', k] as KeyEvent) : none),
  getdel: on(G, 'del', notNil),
  getex: (argv, r, _db, report) => {
    if (r === null) return none;
    const opt = argv[2];
    if (opt === undefined) return none;
    if (is(opt, 'persist')) {
      // "persist" when it removed a TTL (Redis getexCommand: removeExpire succeeded).
      const bits = bitsOf(report, argv[1]);
      return (bits & KeyBit.hadTtl) !== 0 && (bits & KeyBit.hasTtl) === 0 ? [[G, 'persist', argv[1]]] : none;
    }
    const n = Number(argv[3]?.toString('latin1'));
    const ms = is(opt, 'ex') ? Date.now() + n * 1000 : is(opt, 'px') ? Date.now() + n : is(opt, 'exat') ? n * 1000 : n;
    return [[G, ms <= Date.now() ? 'del' : 'expire', argv[1]]];
  },
  append: on(S, 'append'),
  setrange: (argv) => (argv[3].length > 0 ? [[S, 'setrange', argv[1]]] : none),
  incr: on(S, 'incrby'),
  decr: on(S, 'incrby'),
  incrby: on(S, 'incrby'),
  decrby: on(S, 'incrby'),
  incrbyfloat: on(S, 'incrbyfloat'),
  del: delEvents,
  unlink: delEvents,
  expire: expireEvents(1000, false),
  pexpire: expireEvents(1, false),
  expireat: expireEvents(1000, true),
  pexpireat: expireEvents(1, true),
  persist: on(G, 'persist', isOne),
  // RENAME, MOVE and COPY add the destination anew (Redis dbAdd: "new" even when it
  // replaced a key), before their own events.
  rename: (argv) => (argv[1].equals(argv[2]) ? none : [[N, 'new', argv[2]], [G, 'rename_from', argv[1]], [G, 'rename_to', argv[2]]]),
  renamenx: (argv, r) => (r === 1 ? [[N, 'new', argv[2]], [G, 'rename_from', argv[1]], [G, 'rename_to', argv[2]]] : none),
  move: (argv, r, db) => {
    if (r !== 1) return none;
    const to = Number(argv[2].toString('latin1'));
    return [[N, 'new', argv[1], to], [G, 'move_from', argv[1], db], [G, 'move_to', argv[1], to]];
  },
  copy: (argv, r, db) => {
    if (r !== 1) return none;
    let dst = db;
    for (let i = 3; i < argv.length - 1; i++) if (is(argv[i], 'db')) dst = Number(argv[i + 1].toString('latin1'));
    return [[N, 'new', argv[2], dst], [G, 'copy_to', argv[2], dst]];
  },
  hset: on(H, 'hset'),
  hmset: on(H, 'hset'),
  hsetnx: on(H, 'hset', isOne),
  hdel: on(H, 'hdel', positive),
  hincrby: on(H, 'hincrby'),
  hincrbyfloat: on(H, 'hincrbyfloat'),
  sadd: on(SET, 'sadd', positive),
  srem: on(SET, 'srem', positive),
  spop: on(SET, 'spop', notNil),
  smove: (argv, r) => (r === 1 && !argv[1].equals(argv[2]) ? [[SET, 'srem', argv[1]], [SET, 'sadd', argv[2]]] : none),
  sinterstore: on(SET, 'sinterstore', positive),
  sunionstore: on(SET, 'sunionstore', positive),
  sdiffstore: on(SET, 'sdiffstore', positive),
  lpush: on(L, 'lpush'),
  rpush: on(L, 'rpush'),
  lpushx: on(L, 'lpush', positive),
  rpushx: on(L, 'rpush', positive),
  lpop: on(L, 'lpop', notNil),
  rpop: on(L, 'rpop', notNil),
  linsert: on(L, 'linsert', positive),
  lset: on(L, 'lset'),
  lrem: on(L, 'lrem', positive),
  ltrim: on(L, 'ltrim'),
  rpoplpush,
  lmove,
  lmpop: mpop(L, 1, 'left', 'lpop', 'rpop'),
  // ZADD: "zadd" when it added members or changed scores (the key report's members bit:
  // the reply counts only added ones without CH); with INCR, "zincr" unless NX/XX stopped it.
  zadd: (argv, r, _db, report) => {
    if (argv.some((a, i) => i > 1 && is(a, 'incr'))) return r === null ? none : [[Z, 'zincr', argv[1]]];
    return zaddChanged(argv, r, report);
  },
  zincrby: on(Z, 'zincr'),
  zrem: on(Z, 'zrem', positive),
  zremrangebyscore: on(Z, 'zremrangebyscore', positive),
  zremrangebyrank: on(Z, 'zremrangebyrank', positive),
  zremrangebylex: on(Z, 'zremrangebylex', positive),
  zpopmin: on(Z, 'zpopmin', notNil),
  zpopmax: on(Z, 'zpopmax', notNil),
  zmpop: mpop(Z, 1, 'min', 'zpopmin', 'zpopmax'),
  // Blocking pops raise the events of their non-blocking forms (Redis 7.0 serves them with
  // the same code, served at once or after blocking); the reply names the key popped from.
  // BLMOVE/BRPOPLPUSH/BLMPOP/BZMPOP take LMOVE's/RPOPLPUSH's arguments (the timeout after
  // them) or LMPOP's/ZMPOP's one place later (the timeout first).
  blpop: poppedFrom(L, 'lpop'),
  brpop: poppedFrom(L, 'rpop'),
  brpoplpush: rpoplpush,
  blmove: lmove,
  blmpop: mpop(L, 2, 'left', 'lpop', 'rpop'),
  bzpopmin: poppedFrom(Z, 'zpopmin'),
  bzpopmax: poppedFrom(Z, 'zpopmax'),
  bzmpop: mpop(Z, 2, 'min', 'zpopmin', 'zpopmax'),
  zunionstore: on(Z, 'zunionstore', positive),
  zinterstore: on(Z, 'zinterstore', positive),
  zdiffstore: on(Z, 'zdiffstore', positive),
  zrangestore: on(Z, 'zrangestore', positive),
  // GEOADD is ZADD underneath (geo.c calls zaddCommand): "zadd". The STORE forms raise
  // their own event on the destination when they stored something.
  geoadd: (argv, r, _db, report) => zaddChanged(argv, r, report),
  geosearchstore: on(Z, 'geosearchstore', positive),
  georadius: (argv, r) => geoRadiusStore(argv, r, 6),
  georadiusbymember: (argv, r) => geoRadiusStore(argv, r, 5),
  // Redis 7.0 announces SETBIT only when the bit changed: the reply is the old bit.
  setbit: (argv, r) => (r !== Number(argv[3].toString('latin1')) ? [[S, 'setbit', argv[1]]] : none),
  // Redis bitfieldGeneric: "setbit" once when a SET or INCRBY wrote (an overflow FAIL answers nil and writes nothing).
  bitfield: (argv, r) => {
    if (!Array.isArray(r)) return none;
    let at = 0;
    for (let i = 2; i < argv.length; i++) {
      if (is(argv[i], 'get')) {
        at++;
        i += 2;
      } else if (is(argv[i], 'set') || is(argv[i], 'incrby')) {
        if (r[at++] !== null) return [[S, 'setbit', argv[1]]];
        i += 3;
      } else if (is(argv[i], 'overflow')) {
        i += 1;
      }
    }
    return none;
  },
  bitop: (argv, r) => (positive(r) ? [[S, 'set', argv[2]]] : none),
  pfadd: on(S, 'pfadd', isOne),
  pfmerge: on(S, 'pfadd'),
  sort: (argv, r) => {
    for (let i = 2; i < argv.length - 1; i++) if (is(argv[i], 'store')) return positive(r) ? [[L, 'sortstore', argv[i + 1]]] : none;
    return none;
  },
  // XADD's "xtrim" (when its MAXLEN/MINID removed entries) is not raised: the reply is the ID.
  xadd: on(T, 'xadd', (r) => Buffer.isBuffer(r)),
  xdel: on(T, 'xdel', positive),
  xtrim: on(T, 'xtrim', positive),
  xsetid: on(T, 'xsetid'),
};

/** GEORADIUS[BYMEMBER] ... STORE|STOREDIST key: "georadiusstore" on the destination. */
function geoRadiusStore(argv: Buffer[], r: Reply, first: number): KeyEvent[] {
  const store = positive(r) ? radiusStoreKey(argv, first) : null;
  return store ? [[Z, 'georadiusstore', store]] : none;
}

/** Whether `command` raises keyspace events (the dispatcher keeps its arguments then). */
export function raisesEvents(command: string): boolean {
  return EVENTS[command] !== undefined;
}

/**
 * Whether the dispatcher asks storage for a KeysReport of `command` while notifications
 * are on: every write with events but those whose keys change places (RENAME, MOVE, COPY:
 * their "new" follows from the reply, and their source is not "del"eted in Redis).
 */
export function reportsKeys(command: string): boolean {
  return EVENTS[command] !== undefined && !UNREPORTED.has(command);
}

// RENAME, MOVE, COPY: their keys change places. The blocking pops: their storage request
// is the blocking wrapper, not the pop (inside MULTI the pop runs as is and reports).
const UNREPORTED = new Set(['rename', 'renamenx', 'move', 'copy', 'blpop', 'brpop', 'brpoplpush', 'blmove', 'blmpop', 'bzpopmin', 'bzpopmax', 'bzmpop']);

/**
 * Adds what the report tells to a command's own events, where Redis raises them: "expired"
 * for keys found expired first (on lookup), "new" just before the first event of a key
 * the command created (dbAdd), "del" just after the last event of a key it emptied.
 */
function withReport(events: KeyEvent[], report: KeysReport): KeyEvent[] {
  const out: KeyEvent[] = [];
  const seen: Buffer[] = [];
  for (let i = 0; i < report.keys.length; i++) {
    const key = report.keys[i];
    if (seen.some((k) => k.equals(key))) continue;
    seen.push(key);
    if (report.bits[i] & KeyBit.expired) out.push([X, 'expired', key]);
  }
  const list = events.slice();
  for (let i = 0; i < seen.length; i++) {
    const key = seen[i];
    const bits = bitsOf(report, key);
    const mine = (e: KeyEvent) => e[3] === undefined && e[2].equals(key);
    if ((bits & KeyBit.existed) === 0 && (bits & KeyBit.exists) !== 0 && !list.some((e) => mine(e) && e[1] === 'new')) {
      const first = list.findIndex(mine);
      list.splice(first < 0 ? list.length : first, 0, [N, 'new', key]);
    }
    if ((bits & KeyBit.existed) !== 0 && (bits & KeyBit.exists) === 0 && !list.some((e) => mine(e) && e[1] === 'del')) {
      let last = -1;
      for (let j = 0; j < list.length; j++) if (mine(list[j])) last = j;
      list.splice(last < 0 ? list.length : last + 1, 0, [G, 'del', key]);
    }
  }
  return out.length === 0 ? list : out.concat(list);
}

/**
 * Events Redis 7.0 raises after adding the command's reply (notifyKeyspaceEvent after
 * addReply in t_*.c): a RESP3 client subscribed to its own keys gets the reply first and
 * then these (and whatever follows them); the others come before the reply.
 */
const AFTER_REPLY: Record<string, readonly string[]> = {
  hset: ['hset'], hmset: ['hset'], hsetnx: ['hset'], hincrby: ['hincrby'], hincrbyfloat: ['hincrbyfloat'],
  lpush: ['lpush'], rpush: ['rpush'], lpushx: ['lpush'], rpushx: ['rpush'], lset: ['lset'],
  lpop: ['lpop', 'del'], rpop: ['rpop', 'del'], lmpop: ['lpop', 'rpop', 'del'], lmove: ['lpop', 'rpop', 'del'], rpoplpush: ['rpop', 'del'],
  spop: ['del'], sinterstore: ['sinterstore'], sunionstore: ['sunionstore'], sdiffstore: ['sdiffstore'],
  zadd: ['zadd', 'zincr'], zincrby: ['zincr'], zrangestore: ['zrangestore'], zunionstore: ['zunionstore'], zinterstore: ['zinterstore'], zdiffstore: ['zdiffstore'],
  // Redis 7.0 writes these in the middle of the popped array (fixed in 7.2): here after it.
  zpopmin: ['zpopmin', 'del'], zpopmax: ['zpopmax', 'del'], zmpop: ['zpopmin', 'zpopmax', 'del'],
  getset: ['new', 'set'], getex: ['persist', 'expire', 'del'], getdel: ['del'],
  expire: ['expire'], pexpire: ['expire'], expireat: ['expire'], pexpireat: ['expire'], bitfield: ['setbit'],
};

const KEYSPACE = (db: number) => Buffer.from(`__keyspace@${db}__:`);
const KEYEVENT = (db: number) => Buffer.from(`__keyevent@${db}__:`);

/**
 * Publishes the events a command raised (Redis notifyKeyspaceEvent); `failed`: only the
 * "expired" of keys it found expired before it failed (WRONGTYPE...).
 */
export function publishKeyspaceEvents(
  server: ServerContext, command: string, argv: Buffer[], reply: Reply, db: number, report?: KeysReport, failed = false, afterReply?: () => void,
): void {
  let events = failed ? none : (EVENTS[command]?.(argv, reply, db, report) ?? none);
  if (report !== undefined) events = withReport(events, report);
  if (failed) events = events.filter((e) => e[1] === 'expired');
  if (events.length === 0) return;
  const flags = notifyFlags(server);
  const after = afterReply === undefined ? undefined : AFTER_REPLY[command];
  let replied = false;
  for (const [cls, event, key, eventDb = db] of events) {
    if (!replied && after !== undefined && after.includes(event)) {
      replied = true;
      afterReply!();
    }
    if ((flags & cls) === 0) continue;
    const name = Buffer.from(event);
    if (flags & Notify.keyspace) server.pubsub.publish('channel', Buffer.concat([KEYSPACE(eventDb), key]), name);
    if (flags & Notify.keyevent) server.pubsub.publish('channel', Buffer.concat([KEYEVENT(eventDb), name]), key);
  }
}
