// Sorted-set reads (Redis t_zset.c): scores, counts, ranks, ranges (and ZRANGESTORE,
// which writes what ZRANGE would reply), random members and ZSCAN.
#include "zset.h"

#include <algorithm>

namespace kiwi {

namespace {

constexpr char kMissingArgs[] = "missing arguments";

// The member and score of an index entry, given as its key suffix.
void DecodeEntry(std::string_view suffix, std::string* member, double* score) {
  member->assign(suffix.substr(8));
  *score = GetScoreKey(suffix.data());
}

}  // namespace

void ZScoreCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyView z(r, c.db, req.arg(c, 0), kFamilyZSet);
  if (z.Load(v[0], kTypeZSet, w) == Found::kFailed) return;
  double score = 0;
  const rocksdb::Status s = ScoreOf(z, req.arg(c, 1), &score);
  if (s.IsNotFound()) return w.Nil();
  if (!s.ok()) return ReplyStatus(w, s);
  ReplyScore(w, score);
}

void ReplyMemberScores(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w,
                       const std::function<void(double)>& found) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyView z(r, c.db, req.arg(c, 0), kFamilyZSet);
  if (z.Load(v[0], kTypeZSet, w) == Found::kFailed) return;
  const size_t mark = w.size();
  w.Array(c.argc - 1);
  for (uint32_t i = 1; i < c.argc; i++) {
    double score = 0;
    const rocksdb::Status s = ScoreOf(z, req.arg(c, i), &score);
    if (s.IsNotFound()) {
      w.Nil();
    } else if (!s.ok()) {
      w.Truncate(mark);
      return ReplyStatus(w, s);
    } else {
      found(score);
    }
  }
}

void ZMScoreCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  ReplyMemberScores(req, c, v, r, w, [&](double score) { ReplyScore(w, score); });
}

void ZCardCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  ReplyMemberCount(req, c, v, r, w, kTypeZSet, kFamilyZSet);
}

// ZCOUNT (ZRANGE_BYSCORE) and ZLEXCOUNT (ZRANGE_BYLEX) key range...: O(members counted).
void ZCountCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  RangeSpec spec;
  if (c.argc < 1 || !spec.Parse(req, c, 1) || spec.by == RangeSpec::kRank) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  spec.offset = 0;
  spec.limit = -1;
  KeyView z(r, c.db, req.arg(c, 0), kFamilyZSet);
  if (z.Load(v[0], kTypeZSet, w) == Found::kFailed) return;
  int64_t n = 0;
  const rocksdb::Status s = Select(IndexOf(r, z), spec, [&](std::string_view, double, std::string_view) { n++; });
  if (!s.ok()) return ReplyStatus(w, s);
  w.Int(n);
}

// ZRANK / ZREVRANK (ZRANGE_REV) key member. The index keeps no counts, so a rank is a
// walk; two walks go toward the member from both ends at once and the first to reach it
// answers: O(min(rank, N - rank)).
void ZRankCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyView zv(r, c.db, req.arg(c, 0), kFamilyZSet);
  if (zv.Load(v[0], kTypeZSet, w) == Found::kFailed) return;
  double score = 0;
  rocksdb::Status s = ScoreOf(zv, req.arg(c, 1), &score);
  if (s.IsNotFound()) return w.Nil();
  if (!s.ok()) return ReplyStatus(w, s);
  const ZIndex z = IndexOf(r, zv);
  const std::string target = z.Key(score, req.arg(c, 1));
  const rocksdb::Slice t(target);
  auto fwd = z.Iterator();
  auto bwd = z.Iterator();
  fwd->Seek();
  bwd->SeekBefore();
  const uint64_t n = z.size();
  int64_t rank = -1;
  for (uint64_t i = 0; i < n && rank < 0 && (fwd->Valid() || bwd->Valid()); i++) {
    if (fwd->Valid()) {
      if (fwd->key() == t) rank = static_cast<int64_t>(i);
      fwd->Next();
    }
    if (rank < 0 && bwd->Valid()) {
      if (bwd->key() == t) rank = static_cast<int64_t>(n - 1 - i);
      bwd->Prev();
    }
  }
  if (!fwd->status().ok()) return ReplyStatus(w, fwd->status());
  if (!bwd->status().ok()) return ReplyStatus(w, bwd->status());
  if (rank < 0) return ReplyStatus(w, rocksdb::Status::Corruption("a sorted-set member is missing from its score index"));
  w.Int((c.flags & kFlag_ZRANGE_REV) ? static_cast<int64_t>(n) - 1 - rank : rank);
}

// ZRANGE and its older forms: key range... (RangeSpec); replies [member, (score,) ...].
void ZRangeCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  RangeSpec spec;
  if (c.argc < 1 || !spec.Parse(req, c, 1)) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const bool scores = c.flags & kFlag_ZRANGE_WITHSCORES;
  KeyView z(r, c.db, req.arg(c, 0), kFamilyZSet);
  if (z.Load(v[0], kTypeZSet, w) == Found::kFailed) return;
  const size_t at = w.ArrayPlaceholder();
  uint32_t n = 0;
  const rocksdb::Status s = Select(IndexOf(r, z), spec, [&](std::string_view m, double score, std::string_view) {
    w.Bulk(m);
    if (scores) ReplyScore(w, score);
    n++;
  });
  if (!s.ok()) {
    w.Truncate(at - 1);
    return ReplyStatus(w, s);
  }
  w.PatchArray(at, scores ? 2 * n : n);
}

// ZRANGESTORE dst src range...: dst becomes what ZRANGE src range... selects (deleted
// when that is nothing); replies its size.
void ZRangeStoreCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  RangeSpec spec;
  if (c.argc < 2 || !spec.Parse(req, c, 2)) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyView src(g, c.db, req.arg(c, 1), kFamilyZSet);
  Lookup l;
  g.Read(c.db, req.arg(c, 1), &l);
  if (src.Load(l, kTypeZSet, w) == Found::kFailed) return;
  std::vector<std::pair<std::string, double>> picked;
  rocksdb::Status s = Select(IndexOf(g, src), spec, [&](std::string_view m, double score, std::string_view) {
    picked.emplace_back(std::string(m), score);
  });
  if (!s.ok()) return ReplyStatus(w, s);
  ZEdit dst(g, c.db, req.arg(c, 0));
  dst.Replace();
  for (const auto& [m, score] : picked) dst.Add(m, score);
  s = dst.Save();
  if (!s.ok()) return ReplyStatus(w, s);
  if (!picked.empty()) g.MarkReady(c.db, req.arg(c, 0));
  w.Int(static_cast<int64_t>(picked.size()));
}

// ZRANDMEMBER key [count [WITHSCORES]]: as HRANDFIELD (COUNT_GIVEN, WITHVALUES, count in
// a); all of them come back in Redis' order when the count covers the set.
void ZRandMemberCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyView idx(r, c.db, req.arg(c, 0), kFamilyZScore);
  const Found f = idx.Load(v[0], kTypeZSet, w);
  if (f == Found::kFailed) return;
  const auto [counted, repeat, count] = RandomPicksOf(c);
  const bool scores = c.flags & kFlag_WITHVALUES;
  if (f == Found::kMissing) return counted ? w.Array(0) : w.Nil();
  std::vector<Entry> picks;
  const rocksdb::Status s = Sample(idx, count, repeat, false, &picks, LowHint(idx));
  if (!s.ok()) return ReplyStatus(w, s);
  // All of them: Redis walks the set from its end (zuiNext), so highest score first.
  if (!repeat && count >= idx.size()) std::reverse(picks.begin(), picks.end());
  std::string member;
  double score = 0;
  if (!counted) {
    if (picks.empty()) return w.Nil();
    DecodeEntry(picks[0].member, &member, &score);
    return w.Bulk(member);
  }
  w.Array(static_cast<uint32_t>(picks.size() * (scores ? 2 : 1)));
  for (const Entry& e : picks) {
    DecodeEntry(e.member, &member, &score);
    w.Bulk(member);
    if (scores) ReplyScore(w, score);
  }
}

// ZSCAN key start [pattern] (count in a): [next position or nil, [member, score, ...]].
// It walks the score index, so a small set comes back whole in Redis' order.
void ZScanCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  const bool has_match = c.flags & kFlag_SCAN_MATCH;
  if (c.argc < (has_match ? 3u : 2u)) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyView idx(r, c.db, req.arg(c, 0), kFamilyZScore);
  if (idx.Load(v[0], kTypeZSet, w) == Found::kFailed) return;
  const std::string_view start = req.arg(c, 1).empty() ? LowHint(idx) : req.arg(c, 1);
  const MemberDecoder decode = [](std::string_view suffix, std::string_view, Entry* out) {
    double score = 0;
    DecodeEntry(suffix, &out->member, &score);
    out->value = FormatScore(score);
  };
  ScanMembers(idx, start, has_match ? req.arg(c, 2) : std::string_view("*"), c.a, /*values=*/true, w, &decode);
}

}  // namespace kiwi
