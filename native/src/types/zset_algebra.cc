// ZUNION, ZINTER, ZDIFF, their *STORE forms and ZINTERCARD (Redis
// zunionInterDiffGenericCommand): inputs may be sorted sets or sets (members of a set
// score 1), results are ordered by score, then member.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include "zset.h"

namespace kiwi {

namespace {

constexpr char kMissingArgs[] = "missing arguments";

enum class ZOp { kUnion, kInter, kDiff };
enum Aggregate : int64_t { kSum = 0, kMin = 1, kMax = 2 };

ZOp ZOpOf(uint8_t op) {
  switch (op) {
    case kOp_ZUNION:
    case kOp_ZUNIONSTORE: return ZOp::kUnion;
    case kOp_ZDIFF:
    case kOp_ZDIFFSTORE: return ZOp::kDiff;
    default: return ZOp::kInter;
  }
}

// One input: a sorted set, a set, or nothing (a missing key is empty).
struct Source {
  std::string_view key;
  uint8_t type = kTypeNone;
  KeyView view;
  double weight = 1;
  uint64_t size() const { return view.size(); }
};

// Calls fn(member, score) for every member of a source (a sorted set in score order).
rocksdb::Status Walk(Reader& r, const Source& s, const std::function<void(std::string_view, double)>& fn) {
  if (s.type == kTypeSet) {
    return s.view.ForEach([&](std::string_view m, std::string_view) {
      fn(m, 1.0);
      return true;
    });
  }
  if (s.type != kTypeZSet) return rocksdb::Status::OK();
  const ZIndex z = IndexOf(r, s.view);
  auto it = z.Iterator();
  for (it->Seek(); it->Valid(); it->Next()) fn(z.Member(*it), z.Score(*it));
  return it->status();
}

// A member's score in a source: NotFound when absent.
rocksdb::Status Find(const Source& s, std::string_view member, double* score) {
  if (s.type == kTypeZSet) return ScoreOf(s.view, member, score);
  if (s.type != kTypeSet) return rocksdb::Status::NotFound();
  rocksdb::PinnableSlice unused;
  const rocksdb::Status st = s.view.Get(member, &unused);
  if (st.ok()) *score = 1.0;
  return st;
}

// Redis zunionInterAggregate(): a sum of +inf and -inf is 0.
void AggregateInto(double* target, double value, int64_t aggregate) {
  if (aggregate == kSum) {
    *target = *target + value;
    if (std::isnan(*target)) *target = 0.0;
  } else if (aggregate == kMin) {
    *target = value < *target ? value : *target;
  } else {
    *target = value > *target ? value : *target;
  }
}

using Result = std::vector<std::pair<std::string, double>>;

// Loads the `n` keys from argument `first` on (lookups from the read run, or read here
// inside a write group into `own`, which must outlive the sources), with their weights:
// a key of another type fails the command.
bool LoadSources(Reader& r, const Request& req, const Command& c, uint32_t first, uint32_t n, const Lookup* lookups,
                 std::vector<Lookup>* own, std::vector<Source>* out, ReplyWriter& w) {
  const std::string_view weights = req.arg(c, first + n);
  if (!weights.empty() && weights.size() != 8 * n) {
    w.Error(kErr_BAD_REQUEST, "weights");
    return false;
  }
  out->reserve(n);
  if (lookups == nullptr) own->resize(n);
  for (uint32_t i = 0; i < n; i++) {
    const std::string_view key = req.arg(c, first + i);
    if (lookups == nullptr) r.Read(c.db, key, &(*own)[i]);
    const Lookup& l = lookups ? lookups[i] : (*own)[i];
    if (!l.status.ok()) {
      ReplyStatus(w, l.status);
      return false;
    }
    const uint8_t type = l.value.type;
    if (type != kTypeNone && type != kTypeZSet && type != kTypeSet) {
      w.Error(kErr_WRONGTYPE);
      return false;
    }
    out->push_back(Source{key, type, KeyView(r, c.db, key, type == kTypeSet ? kFamilySet : kFamilyZSet),
                          weights.empty() ? 1.0 : GetScoreValue(weights.data() + 8 * i)});
    if (type != kTypeNone && out->back().view.Load(l, type, w) == Found::kFailed) return false;
  }
  return true;
}

// The result (or, with `count_only`, just its size up to `limit`, 0: no limit).
rocksdb::Status Compute(Reader& r, ZOp op, std::vector<Source>& src, int64_t aggregate, bool count_only,
                        int64_t limit, Result* out, int64_t* count) {
  out->clear();
  *count = 0;
  if (src.empty()) return rocksdb::Status::OK();
  // Smallest first (Redis sorts its inputs by size for union and intersection too).
  std::vector<size_t> order(src.size());
  std::iota(order.begin(), order.end(), 0);
  if (op != ZOp::kDiff) {
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return src[a].size() < src[b].size(); });
  }
  const Source& first = src[order[0]];
  rocksdb::Status probe;
  rocksdb::Status s;
  if (op == ZOp::kUnion) {
    std::unordered_map<std::string, double> acc;
    for (size_t i : order) {
      const double weight = src[i].weight;
      s = Walk(r, src[i], [&](std::string_view m, double score) {
        double value = weight * score;
        if (std::isnan(value)) value = 0;
        auto [at, added] = acc.try_emplace(std::string(m), value);
        if (!added) AggregateInto(&at->second, value, aggregate);
      });
      if (!s.ok()) return s;
    }
    out->assign(acc.begin(), acc.end());
  } else if (op == ZOp::kInter) {
    if (first.size() == 0) return rocksdb::Status::OK();
    bool stop = false;
    s = Walk(r, first, [&](std::string_view m, double score0) {
      if (stop || !probe.ok()) return;
      double score = first.weight * score0;
      if (std::isnan(score)) score = 0;
      size_t j = 1;
      for (; j < order.size(); j++) {
        const Source& other = src[order[j]];
        double value = 0;
        if (other.key == first.key) {
          AggregateInto(&score, score0 * other.weight, aggregate);
          continue;
        }
        probe = Find(other, m, &value);
        if (probe.IsNotFound()) {
          probe = rocksdb::Status::OK();
          break;
        }
        if (!probe.ok()) return;
        AggregateInto(&score, value * other.weight, aggregate);
      }
      if (j < order.size()) return;
      (*count)++;
      if (count_only) {
        stop = limit > 0 && *count >= limit;
      } else {
        out->emplace_back(std::string(m), score);
      }
    });
  } else {
    if (first.size() == 0) return rocksdb::Status::OK();
    // Redis: a later input that is the first one leaves nothing.
    for (size_t j = 1; j < src.size(); j++) {
      if (src[j].key == first.key) return rocksdb::Status::OK();
    }
    s = Walk(r, first, [&](std::string_view m, double score) {
      if (!probe.ok()) return;
      for (size_t j = 1; j < src.size(); j++) {
        double unused = 0;
        probe = Find(src[j], m, &unused);
        if (probe.ok()) return;
        if (!probe.IsNotFound()) return;
        probe = rocksdb::Status::OK();
      }
      out->emplace_back(std::string(m), score);
    });
  }
  if (!s.ok()) return s;
  if (!probe.ok()) return probe;
  std::sort(out->begin(), out->end(), [](const auto& a, const auto& b) {
    return a.second < b.second || (a.second == b.second && a.first < b.first);
  });
  if (!count_only) *count = static_cast<int64_t>(out->size());
  return rocksdb::Status::OK();
}

}  // namespace

// ZUNION, ZINTER, ZDIFF, ZINTERCARD key... weights (b keys; aggregate or ZINTERCARD's
// limit in a). With ZSET_CHECK_ONLY only the keys' types are checked and the reply is
// nil: Redis looks the keys up before it reads the options, so an option error waits
// for that (the TS layer holds it).
void ZAlgebraCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  const uint32_t n = static_cast<uint32_t>(std::max<int64_t>(c.b, 0));
  if (n == 0 || c.argc != n + 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  std::vector<Source> src;
  if (!LoadSources(r, req, c, 0, n, v, nullptr, &src, w)) return;
  if (c.flags & kFlag_ZSET_CHECK_ONLY) return w.Nil();
  const bool card = c.op == kOp_ZINTERCARD;
  Result result;
  int64_t count = 0;
  const rocksdb::Status s = Compute(r, ZOpOf(c.op), src, card ? kSum : c.a, card, card ? c.a : 0, &result, &count);
  if (!s.ok()) return ReplyStatus(w, s);
  if (card) return w.Int(count);
  const bool scores = c.flags & kFlag_ZRANGE_WITHSCORES;
  w.Array(static_cast<uint32_t>(result.size() * (scores ? 2 : 1)));
  for (const auto& [m, score] : result) {
    w.Bulk(m);
    if (scores) ReplyScore(w, score);
  }
}

// ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE dst key... weights (b = 1 + keys): dst is
// replaced by the result (deleted when it is empty); replies its size.
void ZAlgebraStoreCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  const uint32_t n = c.b > 1 ? static_cast<uint32_t>(c.b - 1) : 0;
  if (n == 0 || c.argc != n + 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  std::vector<Lookup> lookups;
  std::vector<Source> src;
  if (!LoadSources(g, req, c, 1, n, nullptr, &lookups, &src, w)) return;
  if (c.flags & kFlag_ZSET_CHECK_ONLY) return w.Nil();
  Result result;
  int64_t count = 0;
  rocksdb::Status s = Compute(g, ZOpOf(c.op), src, c.a, false, 0, &result, &count);
  if (!s.ok()) return ReplyStatus(w, s);
  ZEdit dst(g, c.db, req.arg(c, 0));
  dst.Replace();
  for (const auto& [m, score] : result) dst.Add(m, score);
  s = dst.Save();
  if (!s.ok()) return ReplyStatus(w, s);
  if (!result.empty()) g.MarkReady(c.db, req.arg(c, 0));
  w.Int(static_cast<int64_t>(result.size()));
}

}  // namespace kiwi
