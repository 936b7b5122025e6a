// GEO commands (Redis 7.0 geo.c) on sorted sets. The arguments are checked here, in
// Redis' order; the storage runtime computes the geohash scores, runs the 9-cell
// searches over the score index and formats distances and coordinates with Redis'
// printf formats (native/src/types/geo.cc, geohash.cc). GEOADD is ZADD with computed
// scores; the STORE forms are one storage write, atomic like ZRANGESTORE.
//
// Redis checks the key's type, and reads a FROMMEMBER/BYMEMBER member, while it parses
// the options: so an argument error found here is sent along with the search (deferred)
// and replied only after the storage side has checked the type and the member.
import { geoInvalidPair, RedisError, ReplyError } from '../errors.js';
import { OpError, type StorageReply } from '../storage/codec.js';
import { ErrorCode, Flag, Op } from '../storage/ops.js';
import { storageCommand } from '../storage/requests.js';
import { is, parseInt64, syntaxError } from './args.js';
import { parseDouble } from './float.js';
import { DoubleReply, NULL_ARRAY, type Reply } from './reply.js';
import { generic, storageErrorReply } from './storage-reply.js';
import { defineCommand, StorageCall, type CommandFlag, type CommandRow, type ExecContext } from './types.js';
import { f64s } from './zset-args.js';

const LONG_MIN = -180;
const LONG_MAX = 180;
const LAT_MIN = -85.05112878;
const LAT_MAX = 85.05112878;

/**
 * C's "%.<digits>f" as glibc prints it: the exact binary value rounded half to even.
 * JS toFixed also rounds the exact value but breaks ties upwards, so ties are fixed here.
 */
export function cFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const a = Math.abs(x);
  if (a >= 1e21) return `${sign}${BigInt(a).toString()}.${'0'.repeat(digits)}`;
  let s = a.toFixed(digits);
  const exact = a.toFixed(100);
  const dot = exact.indexOf('.');
  const rest = exact.slice(dot + 1 + digits);
  if (/^50*$/.test(rest)) {
    const kept = exact.slice(0, dot + 1 + digits);
    const last = kept.charCodeAt(kept.length - 1 - (digits === 0 ? 1 : 0)) - 48;
    if (last % 2 === 0) s = digits === 0 ? kept.slice(0, -1) : kept;
  }
  return sign + s;
}

/** extractUnitOrReply: metres per unit. */
function unitOf(buf: Buffer): number | undefined {
  if (is(buf, 'm')) return 1;
  if (is(buf, 'km')) return 1000;
  if (is(buf, 'ft')) return 0.3048;
  if (is(buf, 'mi')) return 1609.34;
  return undefined;
}

/** extractLongLatOrReply: [lon, lat] or the error Redis replies. */
function lonLat(lonArg: Buffer, latArg: Buffer): [number, number] | ReplyError {
  const lon = parseDouble(lonArg);
  if (lon === undefined) return new ReplyError(RedisError.notFloat);
  const lat = parseDouble(latArg);
  if (lat === undefined) return new ReplyError(RedisError.notFloat);
  if (lon < LONG_MIN || lon > LONG_MAX || lat < LAT_MIN || lat > LAT_MAX) return new ReplyError(geoInvalidPair(cFixed(lon, 6), cFixed(lat, 6)));
  return [lon, lat];
}

/** extractDistanceOrReply: [radius, metres per unit]. */
function distance(radiusArg: Buffer, unitArg: Buffer): [number, number] | ReplyError {
  const radius = parseDouble(radiusArg);
  if (radius === undefined) return new ReplyError(RedisError.geoRadiusNotNumber);
  if (radius < 0) return new ReplyError(RedisError.geoRadiusNegative);
  const unit = unitOf(unitArg);
  return unit === undefined ? new ReplyError(RedisError.geoUnit) : [radius, unit];
}

/** extractBoxOrReply: [width, height, metres per unit]. */
function box(widthArg: Buffer, heightArg: Buffer, unitArg: Buffer): [number, number, number] | ReplyError {
  const width = parseDouble(widthArg);
  if (width === undefined) return new ReplyError(RedisError.geoWidthNotNumber);
  const height = parseDouble(heightArg);
  if (height === undefined) return new ReplyError(RedisError.geoHeightNotNumber);
  if (height < 0 || width < 0) return new ReplyError(RedisError.geoBoxNegative);
  const unit = unitOf(unitArg);
  return unit === undefined ? new ReplyError(RedisError.geoUnit) : [width, height, unit];
}

// ---------------------------------------------------------------------------------------
// GEOADD

interface GeoAddArgs {
  key: Buffer;
  flags: number;
  lonlats: Buffer;
  members: Buffer[];
}

/** geoaddCommand: GEOADD key [NX|XX] [CH] lon lat member [lon lat member ...]. */
function parseGeoAdd(argv: Buffer[]): GeoAddArgs | ReplyError {
  let flags = 0;
  let i = 2;
  for (; i < argv.length; i++) {
    if (is(argv[i], 'nx')) flags |= Flag.ZADD_NX;
    else if (is(argv[i], 'xx')) flags |= Flag.ZADD_XX;
    else if (is(argv[i], 'ch')) flags |= Flag.ZADD_CH;
    else break;
  }
  const elements = argv.length - i;
  if (elements % 3 !== 0 || ((flags & Flag.ZADD_NX) !== 0 && (flags & Flag.ZADD_XX) !== 0)) return syntaxError();
  const coords: number[] = [];
  const members: Buffer[] = [];
  for (let j = i; j < argv.length; j += 3) {
    const xy = lonLat(argv[j], argv[j + 1]);
    if (xy instanceof ReplyError) return xy;
    coords.push(xy[0], xy[1]);
    members.push(argv[j + 2]);
  }
  // ZADD then finds no score/member pair at all.
  if (members.length === 0) return syntaxError();
  return { key: argv[1], flags, lonlats: f64s(coords), members };
}

// ---------------------------------------------------------------------------------------
// The searches: GEORADIUS[_RO], GEORADIUSBYMEMBER[_RO], GEOSEARCH, GEOSEARCHSTORE

const enum Variant { Radius, RadiusRo, ByMember, ByMemberRo, Search, SearchStore }

interface SearchArgs {
  src: Buffer;
  store: Buffer | null;
  /** FROMMEMBER / BYMEMBER members in argument order: Redis reads each, and uses the last. */
  members: Buffer[];
  /** [lon, lat, metres per unit, radius or width, height] as the storage side reads it. */
  shape: Buffer;
  flags: number;
  count: number | bigint;
  /** The first argument error, replied if the key exists (after the type and member). */
  error: ReplyError | null;
  /** The first error that applies even when the key is missing. */
  errorAlways: ReplyError | null;
}

/** georadiusGeneric's argument handling, in its order. */
function parseSearch(argv: Buffer[], v: Variant): SearchArgs {
  const a: SearchArgs = { src: argv[1], store: null, members: [], shape: Buffer.alloc(0), flags: 0, count: 0, error: null, errorAlways: null };
  const search = v === Variant.Search || v === Variant.SearchStore;
  const noStore = v === Variant.RadiusRo || v === Variant.ByMemberRo;
  let lon = 0, lat = 0, conversion = 1, size = 0, height = 0;
  // Records an error; `always`: it stands when the key is missing too.
  const fail = (e: ReplyError, always = true) => {
    a.error ??= e;
    if (always) a.errorAlways ??= e;
  };
  // A parsed argument group: its values applied, or its error recorded.
  const use = <T>(parsed: T | ReplyError, apply: (v: T) => void, always = true) => (parsed instanceof ReplyError ? fail(parsed, always) : apply(parsed));
  let base: number;
  if (v === Variant.Radius || v === Variant.RadiusRo) {
    base = 6;
    use(lonLat(argv[2], argv[3]), (xy) => {
      [lon, lat] = xy;
      use(distance(argv[4], argv[5]), (d) => ([size, conversion] = d));
    });
  } else if (v === Variant.ByMember || v === Variant.ByMemberRo) {
    // Redis reads the member first, and reads no radius at all when the key is missing.
    base = 5;
    a.members.push(argv[2]);
    a.flags |= Flag.GEO_FROMMEMBER;
    use(distance(argv[3], argv[4]), (d) => ([size, conversion] = d), false);
  } else {
    base = v === Variant.SearchStore ? 3 : 2;
    if (v === Variant.SearchStore) {
      a.store = argv[1];
      a.src = argv[2];
    }
  }

  let withdist = false, withhash = false, withcoord = false, any = false;
  let frommember = false, fromloc = false, byradius = false, bybox = false;
  let storedist = false;
  let sort = 0;
  let count: number | bigint = 0;
  const remaining = argv.length - base;
  // GEORADIUSBYMEMBER's radius error does not stop the parsing: on a missing key the
  // options are still checked.
  for (let i = 0; i < remaining && !a.errorAlways; i++) {
    const arg = argv[base + i];
    const next = (k: number) => argv[base + i + k];
    if (is(arg, 'withdist')) withdist = true;
    else if (is(arg, 'withhash')) withhash = true;
    else if (is(arg, 'withcoord')) withcoord = true;
    else if (is(arg, 'any')) any = true;
    else if (is(arg, 'asc')) sort = Flag.GEO_ASC;
    else if (is(arg, 'desc')) sort = Flag.GEO_DESC;
    else if (is(arg, 'count') && i + 1 < remaining) {
      const n = parseInt64(next(1));
      if (n === undefined) fail(new ReplyError(RedisError.notInteger));
      else if (n <= 0) fail(new ReplyError(RedisError.geoCountNotPositive));
      else count = n;
      i++;
    } else if ((is(arg, 'store') || is(arg, 'storedist')) && i + 1 < remaining && !noStore && !search) {
      a.store = next(1);
      storedist = is(arg, 'storedist');
      i++;
    } else if (is(arg, 'storedist') && v === Variant.SearchStore) {
      storedist = true;
    } else if (is(arg, 'frommember') && i + 1 < remaining && search && !fromloc) {
      // The member is read here: only a lookup before the first error counts.
      a.members.push(next(1));
      a.flags |= Flag.GEO_FROMMEMBER;
      frommember = true;
      i++;
    } else if (is(arg, 'fromlonlat') && i + 2 < remaining && search && !frommember) {
      use(lonLat(next(1), next(2)), (xy) => ([lon, lat] = xy));
      fromloc = true;
      i += 2;
    } else if (is(arg, 'byradius') && i + 2 < remaining && search && !bybox) {
      use(distance(next(1), next(2)), (d) => ([size, conversion] = d));
      byradius = true;
      i += 2;
    } else if (is(arg, 'bybox') && i + 3 < remaining && search && !byradius) {
      use(box(next(1), next(2), next(3)), (b) => ([size, height, conversion] = b));
      bybox = true;
      i += 3;
    } else {
      fail(syntaxError());
    }
  }

  if (!a.errorAlways) {
    const name = argv[0].toString('latin1');
    if (a.store && (withdist || withhash || withcoord)) {
      fail(new ReplyError(`ERR ${v === Variant.SearchStore ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS'} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`));
    } else if (search && !(frommember || fromloc)) {
      fail(new ReplyError(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${name}`));
    } else if (search && !(byradius || bybox)) {
      fail(new ReplyError(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${name}`));
    } else if (any && count === 0) {
      fail(new ReplyError(RedisError.geoAnyWithoutCount));
    }
  }

  a.flags |= sort | (withdist ? Flag.GEO_WITHDIST : 0) | (withhash ? Flag.GEO_WITHHASH : 0) | (withcoord ? Flag.GEO_WITHCOORD : 0);
  a.flags |= (any ? Flag.GEO_ANY : 0) | (bybox ? Flag.GEO_BYBOX : 0) | (storedist ? Flag.GEO_STOREDIST : 0);
  if (a.error) a.flags |= Flag.GEO_DEFERRED_ERROR | (a.errorAlways ? 0 : Flag.GEO_ERROR_IF_EXISTS);
  a.count = count;
  a.shape = f64s([lon, lat, conversion, size, height]);
  return a;
}

/** The storage side's errors, and the deferred argument error once it may be replied. */
function searchError(e: OpError, a: SearchArgs, command: string): ReplyError {
  if (e.code === ErrorCode.GEO_NO_MEMBER) return new ReplyError(RedisError.geoNoMember);
  if (e.code === ErrorCode.GEO_DEFERRED) return (e.message === 'missing' ? a.errorAlways : a.error) ?? syntaxError();
  return storageErrorReply(e, command);
}

/** Coordinates come as bulk strings in Redis' text: RESP3 doubles with the same text. */
const coordinate = (r: StorageReply): Reply => (Buffer.isBuffer(r) ? new DoubleReply(r.toString('latin1')) : (r as Reply));

function searchCall(name: string, a: SearchArgs, ctx: ExecContext): StorageCall {
  const db = ctx.client.db;
  const tail = [a.shape, ...a.members];
  if (a.store) {
    const cmd = storageCommand(Op.GEOSEARCHSTORE, db, [a.store, a.src, ...tail], a.flags, a.count);
    return new StorageCall(cmd, (r) => (r instanceof OpError ? searchError(r, a, name) : generic(name)(r)));
  }
  const withCoord = (a.flags & Flag.GEO_WITHCOORD) !== 0;
  const cmd = storageCommand(Op.GEOSEARCH, db, [a.src, ...tail], a.flags, a.count);
  return new StorageCall(cmd, (r) => {
    if (r instanceof OpError) return searchError(r, a, name);
    if (!Array.isArray(r) || !withCoord) return generic(name)(r);
    return r.map((item) => {
      const parts = item as StorageReply[];
      const xy = parts[parts.length - 1] as StorageReply[];
      return [...(parts.slice(0, -1) as Reply[]), xy.map(coordinate)];
    });
  });
}

/**
 * GEORADIUS[BYMEMBER]'s destination: the last STORE/STOREDIST key, as georadiusGeneric
 * parses the options from `first` (6, or 5 for BYMEMBER). Null without one.
 */
export function radiusStoreKey(argv: Buffer[], first: number): Buffer | null {
  let store: Buffer | null = null;
  for (let i = first; i < argv.length; i++) {
    if (is(argv[i], 'count') && i + 1 < argv.length) i++;
    else if ((is(argv[i], 'store') || is(argv[i], 'storedist')) && i + 1 < argv.length) store = argv[++i];
  }
  return store;
}

/** COMMAND GETKEYS as Redis' key specs give it: the key, then the first STORE and the first STOREDIST key from `first` on. */
const radiusKeys = (first: number) => (argv: Buffer[]): Buffer[] => {
  const keys = [argv[1]];
  for (const word of ['store', 'storedist']) {
    for (let i = first; i < argv.length - 1; i++) {
      if (is(argv[i], word)) {
        keys.push(argv[i + 1]);
        break;
      }
    }
  }
  return keys;
};

// ---------------------------------------------------------------------------------------
// The table

const RO: CommandFlag[] = ['readonly'];
const SEARCH_COMPLEXITY =
  'O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape';
const RADIUS_COMPLEXITY =
  'O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.';

const geo = <A>(r: Omit<CommandRow<A>, 'group' | 'firstKey' | 'lastKey' | 'step'> & Partial<Pick<CommandRow<A>, 'firstKey' | 'lastKey' | 'step'>>): CommandRow<A> =>
  defineCommand({ group: 'geo', firstKey: 1, lastKey: 1, step: 1, ...r });

const searchRow = (name: string, v: Variant, since: string, summary: string, extra: Partial<CommandRow<SearchArgs>> = {}) =>
  geo<SearchArgs>({
    name, since, summary, arity: v === Variant.Radius || v === Variant.RadiusRo ? -6 : -5,
    flags: v === Variant.Radius || v === Variant.ByMember ? ['write', 'denyoom', 'movablekeys'] : RO,
    complexity: RADIUS_COMPLEXITY,
    ...(v === Variant.Radius || v === Variant.ByMember ? { keys: radiusKeys(v === Variant.Radius ? 6 : 5) } : {}),
    deprecated: {
      since: '6.2.0',
      replacedBy: `\`GEOSEARCH\`${v === Variant.Radius || v === Variant.ByMember ? ' and `GEOSEARCHSTORE`' : ''} with the \`BYRADIUS\`${v === Variant.Radius || v === Variant.RadiusRo ? ' argument' : ' and `FROMMEMBER` arguments'}`,
    },
    parse: (argv) => parseSearch(argv, v),
    exec: (a, ctx) => searchCall(name, a, ctx),
    ...extra,
  });

const GEOPOS_MAP = (r: StorageReply): Reply => {
  if (r instanceof OpError) return storageErrorReply(r, 'geopos');
  if (!Array.isArray(r)) return generic('geopos')(r);
  return r.map((xy) => (xy === null ? NULL_ARRAY : (xy as StorageReply[]).map(coordinate)));
};

export const geoCommands: readonly CommandRow<any>[] = [
  geo<GeoAddArgs>({
    name: 'geoadd', arity: -5, flags: ['write', 'denyoom'], since: '3.2.0',
    summary: 'Add one or more geospatial items in the geospatial index represented using a sorted set',
    complexity: 'O(log(N)) for each item added, where N is the number of elements in the sorted set.',
    parse: parseGeoAdd,
    exec: (a, ctx) => new StorageCall(storageCommand(Op.GEOADD, ctx.client.db, [a.key, a.lonlats, ...a.members], a.flags), generic('geoadd')),
  }),
  geo({
    name: 'geopos', arity: -2, flags: RO, since: '3.2.0', summary: 'Returns longitude and latitude of members of a geospatial index',
    complexity: 'O(N) where N is the number of members requested.',
    parse: (argv) => argv.slice(1),
    exec: (args, ctx) => new StorageCall(storageCommand(Op.GEOPOS, ctx.client.db, args), GEOPOS_MAP),
  }),
  geo({
    name: 'geodist', arity: -4, flags: RO, since: '3.2.0', summary: 'Returns the distance between two members of a geospatial index',
    complexity: 'O(log(N))',
    parse: (argv) => {
      if (argv.length > 5) return syntaxError();
      const unit = argv.length === 5 ? unitOf(argv[4]) : 1;
      if (unit === undefined) return new ReplyError(RedisError.geoUnit);
      return [argv[1], argv[2], argv[3], f64s([unit])];
    },
    exec: (args, ctx) => new StorageCall(storageCommand(Op.GEODIST, ctx.client.db, args), generic('geodist')),
  }),
  geo({
    name: 'geohash', arity: -2, flags: RO, since: '3.2.0', summary: 'Returns members of a geospatial index as standard geohash strings',
    complexity: 'O(log(N)) for each member requested, where N is the number of elements in the sorted set.',
    parse: (argv) => argv.slice(1),
    exec: (args, ctx) => new StorageCall(storageCommand(Op.GEOHASH, ctx.client.db, args), generic('geohash')),
  }),
  searchRow('georadius', Variant.Radius, '3.2.0', 'Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point'),
  searchRow('georadius_ro', Variant.RadiusRo, '3.2.10', 'A read-only variant for GEORADIUS'),
  searchRow('georadiusbymember', Variant.ByMember, '3.2.0', 'Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member'),
  searchRow('georadiusbymember_ro', Variant.ByMemberRo, '3.2.10', 'A read-only variant for GEORADIUSBYMEMBER'),
  searchRow('geosearch', Variant.Search, '6.2.0', 'Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.', {
    arity: -7, complexity: SEARCH_COMPLEXITY, deprecated: undefined,
  }),
  searchRow('geosearchstore', Variant.SearchStore, '6.2.0', 'Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.', {
    arity: -8, flags: ['write', 'denyoom'], firstKey: 1, lastKey: 2, complexity: SEARCH_COMPLEXITY, deprecated: undefined,
  }),
];
