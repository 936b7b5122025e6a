// GEO commands (Redis 7.0 geo.c) on sorted sets: a member's score is the 52-bit geohash
// of its position (geohash.h), so a GEO key is an ordinary sorted set both ways.
// Searches read up to nine score ranges of the index under one snapshot (or inside the
// write group, for the STORE forms, which then write the destination in the same batch:
// atomic like ZRANGESTORE). Replies are formatted here with Redis' printf formats.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

#include "geohash.h"
#include "zset.h"

namespace kiwi {

namespace {

constexpr char kMissingArgs[] = "missing arguments";
constexpr size_t kShapeSize = 5 * 8;  // lon, lat, conversion, radius or width, height

// Redis addReplyDoubleDistance: four decimals.
std::string FormatDistance(double d) {
  char buf[128];
  const int n = std::snprintf(buf, sizeof(buf), "%.4f", d);
  return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
}

// Redis ld2string(LD_STR_HUMAN), as addReplyHumanLongDouble prints coordinates:
// "%.17Lf" without trailing zeroes (nor a trailing dot), "-0" as "0".
std::string FormatCoordinate(double d) {
  char buf[256];
  int n = std::snprintf(buf, sizeof(buf), "%.17Lf", static_cast<long double>(d));
  if (n <= 0 || static_cast<size_t>(n) >= sizeof(buf)) return std::string();
  size_t l = static_cast<size_t>(n);
  if (std::memchr(buf, '.', l) != nullptr) {
    while (buf[l - 1] == '0') l--;
    if (buf[l - 1] == '.') l--;
  }
  if (l == 2 && buf[0] == '-' && buf[1] == '0') {
    buf[0] = '0';
    l = 1;
  }
  return std::string(buf, l);
}

// The packed ZADD scores of GEOADD's [lon, lat] pairs (validated by the command layer).
std::string GeoScores(std::string_view lonlats, uint32_t n) {
  std::string scores(8 * n, '\0');
  for (uint32_t i = 0; i < n; i++) {
    const double lon = GetScoreValue(lonlats.data() + 16 * i);
    const double lat = GetScoreValue(lonlats.data() + 16 * i + 8);
    geo::Bits hash;
    geo::EncodeWGS84(lon, lat, geo::kStepMax, &hash);
    const double score = static_cast<double>(geo::Align52(hash));
    std::memcpy(&scores[8 * i], &score, 8);
  }
  return scores;
}

struct Point {
  std::string member;
  double xy[2];
  double dist;
  double score;
};

// What a search asks: arguments [shape, member...] (the centre from the shape or the
// last member), options in the command's flags, COUNT in `a` (0: all).
struct Search {
  geo::Shape shape;
  uint16_t flags = 0;
  int64_t count = 0;
  // FROMMEMBER / BYMEMBER members, in argument order (Redis reads each; the last wins).
  std::vector<std::string_view> members;
  bool Parse(const Request& req, const Command& c, uint32_t first) {
    flags = c.flags;
    count = c.a;
    if (c.argc < first + 1) return false;
    const std::string_view blob = req.arg(c, first);
    if (blob.size() != kShapeSize) return false;
    shape.box = flags & kFlag_GEO_BYBOX;
    shape.xy[0] = GetScoreValue(blob.data());
    shape.xy[1] = GetScoreValue(blob.data() + 8);
    shape.conversion = GetScoreValue(blob.data() + 16);
    shape.radius = shape.width = GetScoreValue(blob.data() + 24);
    shape.height = GetScoreValue(blob.data() + 32);
    for (uint32_t i = first + 1; i < c.argc; i++) members.push_back(req.arg(c, i));
    return !(flags & kFlag_GEO_FROMMEMBER) || !members.empty();
  }
  bool Has(uint16_t f) const { return flags & f; }
};

// Redis' pqsort (the NetBSD qsort of Bentley & McIlroy, sorting only what reaches the
// index range [lrange, rrange]), on indices instead of bytes. Which of several points at
// the same distance a COUNT returns, and in which order, is whatever this algorithm
// leaves: a different partial sort would pick others.
template <typename Cmp>
void PqSort(std::vector<Point>& v, std::ptrdiff_t lo, std::ptrdiff_t n, const Cmp& cmp, std::ptrdiff_t lrange, std::ptrdiff_t rrange) {
  auto swap = [&](std::ptrdiff_t i, std::ptrdiff_t j) { std::swap(v[i], v[j]); };
  auto vecswap = [&](std::ptrdiff_t i, std::ptrdiff_t j, std::ptrdiff_t k) {
    for (std::ptrdiff_t x = 0; x < k; x++) swap(i + x, j + x);
  };
  auto med3 = [&](std::ptrdiff_t a, std::ptrdiff_t b, std::ptrdiff_t c) {
    return cmp(v[a], v[b]) < 0 ? (cmp(v[b], v[c]) < 0 ? b : (cmp(v[a], v[c]) < 0 ? c : a))
                               : (cmp(v[b], v[c]) > 0 ? b : (cmp(v[a], v[c]) < 0 ? a : c));
  };
  auto insertion = [&]() {
    for (std::ptrdiff_t pm = lo + 1; pm < lo + n; pm++)
      for (std::ptrdiff_t pl = pm; pl > lo && cmp(v[pl - 1], v[pl]) > 0; pl--) swap(pl, pl - 1);
  };
  // Whether [first, first + count) reaches the wanted range.
  auto wanted = [&](std::ptrdiff_t first, std::ptrdiff_t count) {
    const std::ptrdiff_t last = first + count - 1;
    return !((lrange < first && rrange < first) || (lrange > last && rrange > last));
  };
  for (;;) {
    if (n < 7) return insertion();
    std::ptrdiff_t pm = lo + n / 2;
    if (n > 7) {
      std::ptrdiff_t pl = lo, pn = lo + n - 1;
      if (n > 40) {
        const std::ptrdiff_t d = n / 8;
        pl = med3(pl, pl + d, pl + 2 * d);
        pm = med3(pm - d, pm, pm + d);
        pn = med3(pn - 2 * d, pn - d, pn);
      }
      pm = med3(pl, pm, pn);
    }
    swap(lo, pm);
    std::ptrdiff_t pa = lo + 1, pb = lo + 1, pc = lo + n - 1, pd = lo + n - 1;
    bool swapped = false;
    for (;;) {
      int r;
      while (pb <= pc && (r = cmp(v[pb], v[lo])) <= 0) {
        if (r == 0) {
          swapped = true;
          swap(pa, pb);
          pa++;
        }
        pb++;
      }
      while (pb <= pc && (r = cmp(v[pc], v[lo])) >= 0) {
        if (r == 0) {
          swapped = true;
          swap(pc, pd);
          pd--;
        }
        pc--;
      }
      if (pb > pc) break;
      swap(pb, pc);
      swapped = true;
      pb++;
      pc--;
    }
    if (!swapped) return insertion();
    const std::ptrdiff_t pn = lo + n;
    std::ptrdiff_t r = std::min(pa - lo, pb - pa);
    vecswap(lo, pb - r, r);
    r = std::min(pd - pc, pn - pd - 1);
    vecswap(pb, pn - r, r);
    if ((r = pb - pa) > 1 && wanted(lo, r)) PqSort(v, lo, r, cmp, lrange, rrange);
    if ((r = pd - pc) <= 1) return;
    lo = pn - r;
    n = r;
    if (!wanted(lo, n)) return;
  }
}

// Redis georadiusGeneric up to the point where it replies or stores: the member's
// position, the deferred argument error, the cells, the filtering, the sort. Returns
// false when it already replied (an error); *missing when the source does not exist.
bool RunSearch(Search& q, const KeyView& src, Reader& r, ReplyWriter& w, std::vector<Point>* out, bool* missing) {
  *missing = !src.exists();
  // Redis reads the member while parsing its arguments, so a missing member wins over
  // any later argument error; and GEORADIUSBYMEMBER on a missing key never reads its
  // radius.
  for (std::string_view member : q.members) {
    if (!src.exists() || !q.Has(kFlag_GEO_FROMMEMBER)) break;
    double score = 0;
    const rocksdb::Status s = ScoreOf(src, member, &score);
    if (s.IsNotFound() || (s.ok() && !geo::DecodeScore(score, q.shape.xy))) {
      w.Error(kErr_GEO_NO_MEMBER);
      return false;
    }
    if (!s.ok()) {
      ReplyStatus(w, s);
      return false;
    }
  }
  if (q.Has(kFlag_GEO_DEFERRED_ERROR) && (src.exists() || !q.Has(kFlag_GEO_ERROR_IF_EXISTS))) {
    // The command layer picks the error by whether the key exists.
    w.Error(kErr_GEO_DEFERRED, src.exists() ? "exists" : "missing");
    return false;
  }
  if (!src.exists()) return true;

  const bool any = q.Has(kFlag_GEO_ANY);
  const size_t limit = any ? static_cast<size_t>(q.count) : 0;
  geo::Bits cells[9];
  geo::CoverCells(q.shape, cells);
  const ZIndex z = IndexOf(r, src);
  auto it = z.Iterator();
  int last = -1;
  for (int i = 0; i < 9; i++) {
    if (cells[i].zero()) continue;
    // Huge radii can make adjacent cells the same: skip a repeat of the last one.
    if (last >= 0 && cells[i].bits == cells[last].bits && cells[i].step == cells[last].step) continue;
    if (!out->empty() && limit && out->size() >= limit) break;
    last = i;
    // Scores in [cell, next cell) (Redis scoresOfGeoHashBox).
    const double min = static_cast<double>(geo::Align52(cells[i]));
    geo::Bits next = cells[i];
    next.bits++;
    const double max = static_cast<double>(geo::Align52(next));
    for (it->Seek(z.Key(min)); it->Valid(); it->Next()) {
      const double score = z.Score(*it);
      if (!(score < max)) break;
      Point p;
      if (geo::DecodeScore(score, p.xy) && geo::Within(q.shape, p.xy[0], p.xy[1], &p.dist)) {
        p.member.assign(z.Member(*it));
        p.score = score;
        out->push_back(std::move(p));
      }
      if (!out->empty() && limit && out->size() >= limit) break;
    }
    if (!it->status().ok()) {
      ReplyStatus(w, it->status());
      return false;
    }
  }

  // COUNT without ANY means the nearest ones.
  bool asc = q.Has(kFlag_GEO_ASC), desc = q.Has(kFlag_GEO_DESC);
  if (q.count != 0 && !asc && !desc && !any) asc = true;
  const size_t returned = (q.count == 0 || out->size() < static_cast<size_t>(q.count)) ? out->size() : static_cast<size_t>(q.count);
  if (asc || desc) {
    // Redis sort_gp_asc / sort_gp_desc.
    auto cmp = [desc](const Point& a, const Point& b) {
      const int c = a.dist > b.dist ? 1 : (a.dist == b.dist ? 0 : -1);
      return desc ? -c : c;
    };
    if (returned == out->size()) {
      // Redis calls qsort(), which glibc implements as a merge sort: stable.
      std::stable_sort(out->begin(), out->end(), [&](const Point& a, const Point& b) { return cmp(a, b) < 0; });
    } else if (returned > 0) {
      PqSort(*out, 0, static_cast<std::ptrdiff_t>(out->size()), cmp, 0, static_cast<std::ptrdiff_t>(returned) - 1);
    }
  }
  out->resize(returned);
  for (Point& p : *out) p.dist /= q.shape.conversion;
  return true;
}

}  // namespace

// GEOADD key lonlats member...: lonlats holds an f64 LE [lon, lat] per member; the
// options are ZADD's flags (NX, XX, CH). The rest is ZADD.
void GeoAddCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 3 || req.arg(c, 1).size() != 16 * (c.argc - 2)) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const std::string scores = GeoScores(req.arg(c, 1), c.argc - 2);
  ZAdd(req, c, g, w, scores);
}

namespace {

// GEOPOS and GEOHASH: ZMSCORE's shape, with what `fn` replies for each found position.
void ReplyPositions(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w,
                    const std::function<void(const double* xy)>& fn) {
  ReplyMemberScores(req, c, v, r, w, [&](double score) {
    double xy[2];
    if (!geo::DecodeScore(score, xy)) return w.Nil();
    fn(xy);
  });
}

}  // namespace

// GEOPOS key member...: [lon, lat] per member, nil for a missing one.
void GeoPosCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  ReplyPositions(req, c, v, r, w, [&](const double* xy) {
    w.Array(2);
    w.Bulk(FormatCoordinate(xy[0]));
    w.Bulk(FormatCoordinate(xy[1]));
  });
}

// GEODIST key member1 member2 unit-in-metres (f64 LE): the distance, nil when either
// member (or the key) is missing.
void GeoDistCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  if (c.argc < 4 || req.arg(c, 3).size() != 8) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyView z(r, c.db, req.arg(c, 0), kFamilyZSet);
  const Found f = z.Load(v[0], kTypeZSet, w);
  if (f == Found::kFailed) return;
  if (f == Found::kMissing) return w.Nil();
  const double to_meter = GetScoreValue(req.arg(c, 3).data());
  double s1 = 0, s2 = 0, a[2], b[2];
  for (auto [member, score] : {std::pair{req.arg(c, 1), &s1}, std::pair{req.arg(c, 2), &s2}}) {
    const rocksdb::Status s = ScoreOf(z, member, score);
    if (s.IsNotFound()) return w.Nil();
    if (!s.ok()) return ReplyStatus(w, s);
  }
  if (!geo::DecodeScore(s1, a) || !geo::DecodeScore(s2, b)) return w.Nil();
  w.Bulk(FormatDistance(geo::Distance(a[0], a[1], b[0], b[1]) / to_meter));
}

// GEOHASH key member...: the standard 11-character geohash of each member's position
// (re-encoded on the -90..90 latitude range; the 11th character is always '0').
void GeoHashCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  ReplyPositions(req, c, v, r, w, [&](const double* xy) {
    geo::Bits hash;
    geo::Encode({-180, 180}, {-90, 90}, xy[0], xy[1], 26, &hash);
    char buf[11];
    for (int j = 0; j < 11; j++) buf[j] = kAlphabet[j == 10 ? 0 : (hash.bits >> (52 - (j + 1) * 5)) & 0x1f];
    w.Bulk(std::string_view(buf, 11));
  });
}

// GEOSEARCH and GEORADIUS*: key shape [member] (Search): members, or
// [member, (dist,) (hash,) ([lon, lat])] with the WITH* flags.
void GeoSearchCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  Search q;
  if (!q.Parse(req, c, 1)) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyView src(r, c.db, req.arg(c, 0), kFamilyZSet);
  if (src.Load(v[0], kTypeZSet, w) == Found::kFailed) return;
  std::vector<Point> points;
  bool missing = false;
  if (!RunSearch(q, src, r, w, &points, &missing)) return;
  const bool dist = q.Has(kFlag_GEO_WITHDIST), hash = q.Has(kFlag_GEO_WITHHASH), coord = q.Has(kFlag_GEO_WITHCOORD);
  const uint32_t options = dist + hash + coord;
  w.Array(static_cast<uint32_t>(points.size()));
  for (const Point& p : points) {
    if (options == 0) {
      w.Bulk(p.member);
      continue;
    }
    w.Array(options + 1);
    w.Bulk(p.member);
    if (dist) w.Bulk(FormatDistance(p.dist));
    if (hash) w.Int(static_cast<int64_t>(p.score));
    if (coord) {
      w.Array(2);
      w.Bulk(FormatCoordinate(p.xy[0]));
      w.Bulk(FormatCoordinate(p.xy[1]));
    }
  }
}

// GEOSEARCHSTORE and GEORADIUS* STORE/STOREDIST: dst src shape [member]. dst becomes the
// found members with their geohash scores (or their distances, STOREDIST), or is deleted
// when nothing is found; replies the count.
void GeoSearchStoreCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  Search q;
  if (!q.Parse(req, c, 2)) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyView src(g, c.db, req.arg(c, 1), kFamilyZSet);
  Lookup l;
  g.Read(c.db, req.arg(c, 1), &l);
  if (src.Load(l, kTypeZSet, w) == Found::kFailed) return;
  std::vector<Point> points;
  bool missing = false;
  if (!RunSearch(q, src, g, w, &points, &missing)) return;
  ZEdit dst(g, c.db, req.arg(c, 0));
  dst.Replace();
  const bool storedist = q.Has(kFlag_GEO_STOREDIST);
  // Cells never overlap, so no member comes twice; the set only guards the count.
  std::unordered_set<std::string_view> added;
  for (const Point& p : points) {
    if (added.insert(p.member).second) dst.Add(p.member, storedist ? p.dist : p.score);
  }
  const rocksdb::Status s = dst.Save();
  if (!s.ok()) return ReplyStatus(w, s);
  if (!points.empty()) g.MarkReady(c.db, req.arg(c, 0));
  w.Int(static_cast<int64_t>(added.size()));
}

}  // namespace kiwi
