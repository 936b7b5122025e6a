// Sorted sets: the index, range walks and edits (zset.h), and the write commands.
// Reads are in zset_read.cc, ZUNION/ZINTER/ZDIFF in zset_algebra.cc.
#include "zset.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace kiwi {

namespace {

constexpr char kMissingArgs[] = "missing arguments";
constexpr size_t kScoreSize = 8;

// A hint is at most kMaxScoreHint bytes of a suffix: a prefix of a string sorts at or
// before it, and everything that starts with it sorts before its PrefixEnd.
std::string LowHint(std::string_view suffix) { return std::string(suffix.substr(0, kMaxScoreHint)); }
std::string HighHint(std::string_view suffix) { return PrefixEnd(std::string(suffix.substr(0, kMaxScoreHint))); }

void EncodeHints(std::string_view low, std::string_view high, std::string* out) {
  out->clear();
  out->push_back(static_cast<char>(low.size()));
  out->append(low.data(), low.size());
  out->push_back(static_cast<char>(high.size()));
  out->append(high.data(), high.size());
}

// Both hints from a metadata extra; empty (unbounded) when absent or unreadable.
void DecodeHints(std::string_view extra, std::string_view* low, std::string_view* high) {
  *low = {};
  *high = {};
  if (extra.empty()) return;
  const size_t n = static_cast<uint8_t>(extra[0]);
  if (extra.size() < 2 + n) return;
  const size_t m = static_cast<uint8_t>(extra[1 + n]);
  if (extra.size() < 2 + n + m) return;
  *low = extra.substr(1, n);
  *high = extra.substr(2 + n, m);
}

double ReadF64(const char* p) { return GetScoreValue(p); }

// Redis sdscmplex(): -/+ are the smallest and largest strings.
int CompareLex(std::string_view v, const LexRange::End& e) {
  if (e.kind == LexRange::kMinString) return 1;
  if (e.kind == LexRange::kMaxString) return -1;
  return v.compare(e.value);
}

int CompareEnds(const LexRange::End& a, const LexRange::End& b) {
  if (a.kind == b.kind && a.kind != LexRange::kValue) return 0;
  if (a.kind == LexRange::kMinString || b.kind == LexRange::kMaxString) return -1;
  if (a.kind == LexRange::kMaxString || b.kind == LexRange::kMinString) return 1;
  const int c = a.value.compare(b.value);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

bool ParseLexEnd(std::string_view arg, LexRange::End* e) {
  if (arg.empty()) return false;
  switch (arg[0]) {
    case '-': e->kind = LexRange::kMinString; e->ex = true; return arg.size() == 1;
    case '+': e->kind = LexRange::kMaxString; e->ex = true; return arg.size() == 1;
    case '(': e->kind = LexRange::kValue; e->ex = true; e->value = arg.substr(1); return true;
    case '[': e->kind = LexRange::kValue; e->ex = false; e->value = arg.substr(1); return true;
    default: return false;
  }
}

}  // namespace

std::string FormatScore(double score) {
  char buf[32];
  const int n = std::snprintf(buf, sizeof(buf), "%.17g", score);
  return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
}

void ReplyScore(ReplyWriter& w, double score) {
  char buf[32];
  const int n = std::snprintf(buf, sizeof(buf), "%.17g", score);
  w.Bulk(std::string_view(buf, n > 0 ? static_cast<size_t>(n) : 0));
}

bool ScoreRange::Parse(std::string_view arg) {
  if (arg.size() != 2 * kScoreSize + 2) return false;
  min = ReadF64(arg.data());
  max = ReadF64(arg.data() + kScoreSize);
  minex = arg[2 * kScoreSize] != 0;
  maxex = arg[2 * kScoreSize + 1] != 0;
  return !std::isnan(min) && !std::isnan(max);
}

bool LexRange::Parse(std::string_view min_arg, std::string_view max_arg) {
  return ParseLexEnd(min_arg, &min) && ParseLexEnd(max_arg, &max);
}

bool LexRange::GteMin(std::string_view v) const {
  const int c = CompareLex(v, min);
  return min.ex ? c > 0 : c >= 0;
}

bool LexRange::LteMax(std::string_view v) const {
  const int c = CompareLex(v, max);
  return max.ex ? c < 0 : c <= 0;
}

bool LexRange::Empty() const {
  const int c = CompareEnds(min, max);
  return c > 0 || (c == 0 && (min.ex || max.ex));
}

std::unique_ptr<RangeIterator> ZIndex::Iterator() const {
  std::string lower = prefix_ + low_;
  std::string upper = high_.empty() ? PrefixEnd(prefix_) : prefix_ + high_;
  auto it = r_.Members(kFamilyZScore, std::move(lower), std::move(upper));
  return it;
}

std::string ZIndex::Key(double score, std::string_view member) const {
  std::string k = prefix_;
  PutScoreKey(&k, score);
  k.append(member.data(), member.size());
  return k;
}

std::string_view ZIndex::Suffix(const RangeIterator& it) const {
  const rocksdb::Slice k = it.key();
  return std::string_view(k.data() + prefix_.size(), k.size() - prefix_.size());
}

std::string_view ZIndex::Member(const RangeIterator& it) const { return Suffix(it).substr(kScoreSize); }

double ZIndex::Score(const RangeIterator& it) const { return GetScoreKey(it.key().data() + prefix_.size()); }

ZIndex IndexOf(Reader& r, const KeyView& v) {
  std::string_view low, high;
  if (v.exists()) DecodeHints(v.meta().extra, &low, &high);
  return ZIndex(r, v.exists() ? v.prefix() : std::string(), low, high, v.size());
}

std::string_view LowHint(const KeyView& v) {
  std::string_view low, high;
  if (v.exists()) DecodeHints(v.meta().extra, &low, &high);
  return low;
}

rocksdb::Status ScoreOf(const KeyView& v, std::string_view member, double* score) {
  rocksdb::PinnableSlice value;
  const rocksdb::Status s = v.Get(member, &value);
  if (!s.ok()) return s;
  if (value.size() != kScoreSize) return rocksdb::Status::Corruption("a sorted-set score is not 8 bytes");
  *score = ReadF64(value.data());
  return s;
}

// ---------------------------------------------------------------------------------------
// Range selection

bool RangeSpec::Parse(const Request& req, const Command& c, uint32_t first) {
  reverse = c.flags & kFlag_ZRANGE_REV;
  if (c.flags & kFlag_ZRANGE_BYSCORE) {
    by = kScore;
    offset = c.a;
    limit = c.b;
    return c.argc > first && score.Parse(req.arg(c, first));
  }
  if (c.flags & kFlag_ZRANGE_BYLEX) {
    by = kLex;
    offset = c.a;
    limit = c.b;
    return c.argc > first + 1 && lex.Parse(req.arg(c, first), req.arg(c, first + 1));
  }
  by = kRank;
  start = c.a;
  end = c.b;
  return true;
}

namespace {

// Ranks [from, to] (0-based, in index order, within the set): walks from the nearer end,
// so a range near the end of a big set costs its distance from that end. fn gets the
// entries in index order, or reversed when `reversed`.
rocksdb::Status SelectRanks(const ZIndex& z, uint64_t from, uint64_t to, bool reversed, const EntryFn& fn) {
  auto it = z.Iterator();
  const uint64_t n = z.size();
  const bool backward = n - from < to + 1;
  struct Held {
    std::string member;
    double score;
    std::string suffix;
  };
  std::vector<Held> held;
  const bool stream = backward == reversed;
  auto take = [&]() {
    if (stream) {
      fn(z.Member(*it), z.Score(*it), z.Suffix(*it));
    } else {
      held.push_back({std::string(z.Member(*it)), z.Score(*it), std::string(z.Suffix(*it))});
    }
  };
  if (!backward) {
    it->Seek();
    for (uint64_t i = 0; i < from && it->Valid(); i++) it->Next();
    for (uint64_t i = from; i <= to && it->Valid(); i++, it->Next()) take();
  } else {
    it->SeekBefore();
    for (uint64_t i = n - 1; i > to && it->Valid(); i--) it->Prev();
    for (uint64_t i = to + 1; i > from && it->Valid(); i--, it->Prev()) take();
  }
  if (!it->status().ok()) return it->status();
  for (auto h = held.rbegin(); h != held.rend(); ++h) fn(h->member, h->score, h->suffix);
  return rocksdb::Status::OK();
}

}  // namespace

rocksdb::Status Select(const ZIndex& z, const RangeSpec& spec, const EntryFn& fn) {
  const int64_t llen = static_cast<int64_t>(z.size());
  if (llen == 0) return rocksdb::Status::OK();
  if (spec.by == RangeSpec::kRank) {
    // Redis' sanitising of indexes (genericZrangebyrankCommand).
    int64_t start = spec.start, end = spec.end;
    if (start < 0) start = llen + start;
    if (end < 0) end = llen + end;
    if (start < 0) start = 0;
    if (start > end || start >= llen) return rocksdb::Status::OK();
    if (end >= llen) end = llen - 1;
    if (!spec.reverse) return SelectRanks(z, start, end, false, fn);
    return SelectRanks(z, llen - 1 - end, llen - 1 - start, true, fn);
  }
  // Score and lex: from the first entry in range (the last when reversed), skip
  // `offset` entries, then take up to `limit` (negative: all) while in range. A negative
  // offset skips everything, as in Redis.
  if (spec.offset < 0) return rocksdb::Status::OK();
  if (spec.by == RangeSpec::kScore && spec.offset > 0 && spec.offset >= llen) return rocksdb::Status::OK();
  auto it = z.Iterator();
  const bool rev = spec.reverse;
  const ScoreRange& sr = spec.score;
  const LexRange& lr = spec.lex;
  std::function<bool()> in_range;
  if (spec.by == RangeSpec::kScore) {
    const ScoreRange& r = sr;
    if (r.Empty()) return rocksdb::Status::OK();
    if (!rev) {
      it->Seek(r.minex ? PrefixEnd(z.Key(r.min)) : z.Key(r.min));
      in_range = [&]() { return sr.LteMax(z.Score(*it)); };
    } else {
      it->SeekBefore(r.maxex ? z.Key(r.max) : PrefixEnd(z.Key(r.max)));
      in_range = [&]() { return sr.GteMin(z.Score(*it)); };
    }
  } else {
    const LexRange& r = lr;
    if (r.Empty()) return rocksdb::Status::OK();
    // Lex ranges assume one score for every member (Redis leaves other cases
    // unspecified): position within the score of the first (last) entry, then step over
    // what is still outside the range.
    if (!rev) {
      it->Seek();
      if (it->Valid() && r.min.kind == LexRange::kValue) it->Seek(z.Key(z.Score(*it), r.min.value));
      while (it->Valid() && !r.GteMin(z.Member(*it))) it->Next();
      in_range = [&]() { return lr.LteMax(z.Member(*it)); };
    } else {
      it->SeekBefore();
      if (it->Valid() && r.max.kind == LexRange::kValue) {
        std::string after = z.Key(z.Score(*it), r.max.value);
        after.push_back('\0');
        it->SeekBefore(after);
      }
      while (it->Valid() && !r.LteMax(z.Member(*it))) it->Prev();
      in_range = [&]() { return lr.GteMin(z.Member(*it)); };
    }
  }
  auto step = [&]() { rev ? it->Prev() : it->Next(); };
  for (int64_t i = 0; i < spec.offset && it->Valid(); i++) step();
  for (int64_t left = spec.limit; left != 0 && it->Valid(); left--, step()) {
    if (!in_range()) break;
    fn(z.Member(*it), z.Score(*it), z.Suffix(*it));
  }
  return it->status();
}

// ---------------------------------------------------------------------------------------
// ZEdit

Found ZEdit::Open(ReplyWriter& w) {
  const Found f = e_.Open(kTypeZSet, w);
  if (f == Found::kFound) {
    std::string_view low, high;
    DecodeHints(e_.meta().extra, &low, &high);
    low_.assign(low);
    high_.assign(high);
    hinted_ = true;
  }
  return f;
}

void ZEdit::Create() {
  if (e_.exists()) return;
  e_.Create();
  hinted_ = false;
}

void ZEdit::Replace() {
  e_.Replace(kTypeZSet);
  low_.clear();
  high_.clear();
  hinted_ = false;
  refresh_low_ = refresh_high_ = false;
  changed_ = true;
}

ZIndex ZEdit::index() const {
  if (!hinted_) return ZIndex(g_, e_.prefix(), {}, {}, e_.size());
  return ZIndex(g_, e_.prefix(), low_, high_, e_.size());
}

void ZEdit::PutIndex(std::string_view member, double score) {
  std::string k = e_.prefix();
  const size_t at = k.size();
  PutScoreKey(&k, score);
  k.append(member.data(), member.size());
  const std::string_view suffix = std::string_view(k).substr(at);
  g_.PutMember(kFamilyZScore, k, rocksdb::Slice());
  changed_ = true;
  if (!hinted_) {
    low_ = LowHint(suffix);
    high_ = HighHint(suffix);
    hinted_ = true;
    return;
  }
  if (!low_.empty() && suffix < low_) low_ = LowHint(suffix);
  if (!high_.empty() && suffix >= high_) high_ = HighHint(suffix);
}

void ZEdit::DeleteIndex(std::string_view member, double score) {
  std::string k = e_.prefix();
  const size_t at = k.size();
  PutScoreKey(&k, score);
  k.append(member.data(), member.size());
  g_.DeleteMember(kFamilyZScore, k);
  changed_ = true;
  // Hints are kept tight (a prefix of the first entry, the end of the last): removing an
  // entry that may be either end means re-reading that end before saving.
  const std::string_view suffix = std::string_view(k).substr(at);
  if (low_.empty() || LowHint(suffix) <= low_) refresh_low_ = true;
  const std::string end = HighHint(suffix);
  if (high_.empty() || end.empty() || end >= high_) refresh_high_ = true;
}

void ZEdit::Add(std::string_view member, double score) {
  std::string v;
  PutScoreValue(&v, score);
  e_.Put(member, v);
  PutIndex(member, score);
  e_.Grow(1);
}

void ZEdit::Move(std::string_view member, double from, double to) {
  std::string v;
  PutScoreValue(&v, to);
  e_.Put(member, v);
  DeleteIndex(member, from);
  PutIndex(member, to);
}

void ZEdit::Remove(std::string_view member, double score) {
  e_.Delete(member);
  DeleteIndex(member, score);
  e_.Grow(-1);
}

void ZEdit::FirstIs(std::string_view suffix) {
  low_ = LowHint(suffix);
  refresh_low_ = false;
}

void ZEdit::LastIs(std::string_view suffix) {
  high_ = HighHint(suffix);
  refresh_high_ = false;
}

rocksdb::Status ZEdit::Save() {
  if (!changed_) return rocksdb::Status::OK();
  if (e_.size() > 0 && hinted_ && (refresh_low_ || refresh_high_)) {
    const ZIndex z = index();
    auto it = z.Iterator();
    if (refresh_low_) {
      it->Seek();
      if (!it->status().ok()) return it->status();
      if (it->Valid()) low_ = LowHint(z.Suffix(*it));
    }
    if (refresh_high_) {
      it->SeekBefore();
      if (!it->status().ok()) return it->status();
      if (it->Valid()) high_ = HighHint(z.Suffix(*it));
    }
  }
  std::string extra;
  EncodeHints(hinted_ ? std::string_view(low_) : std::string_view(), hinted_ ? std::string_view(high_) : std::string_view(), &extra);
  e_.SetExtra(std::move(extra));
  e_.Save();
  return rocksdb::Status::OK();
}

// ---------------------------------------------------------------------------------------
// Write commands

// ZADD key scores member [member ...]: `scores` holds one f64 LE per member. Flags NX XX
// GT LT CH INCR (ZINCRBY is ZADD INCR). Replies the count added (or added + changed with
// CH), or with INCR the new score, nil when the options left the member alone.
void ZAddCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 3 || req.arg(c, 1).size() != kScoreSize * (c.argc - 2)) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  ZAdd(req, c, g, w, req.arg(c, 1));
}

void ZAdd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w, std::string_view scores) {
  const bool nx = c.flags & kFlag_ZADD_NX, xx = c.flags & kFlag_ZADD_XX;
  const bool gt = c.flags & kFlag_ZADD_GT, lt = c.flags & kFlag_ZADD_LT;
  const bool incr = c.flags & kFlag_ZADD_INCR;
  const std::string_view key = req.arg(c, 0);
  ZEdit z(g, c.db, key);
  const Found f = z.Open(w);
  if (f == Found::kFailed) return;
  if (f == Found::kMissing && xx) return incr ? w.Nil() : w.Int(0);
  z.Create();
  int64_t added = 0, updated = 0, processed = 0;
  double result = 0;
  for (uint32_t i = 2; i < c.argc; i++) {
    const std::string_view member = req.arg(c, i);
    double score = ReadF64(scores.data() + kScoreSize * (i - 2));
    double current = 0;
    const rocksdb::Status s = z.Score(member, &current);
    if (s.ok()) {
      if (nx) continue;
      if (incr) {
        score += current;
        if (std::isnan(score)) return w.Error(kErr_ZSET_NAN);
      }
      if ((lt && score >= current) || (gt && score <= current)) continue;
      processed++;
      result = score;
      if (score != current) {
        z.Move(member, current, score);
        updated++;
      }
    } else if (s.IsNotFound()) {
      if (xx) continue;
      z.Add(member, score);
      added++;
      processed++;
      result = score;
    } else {
      return ReplyStatus(w, s);
    }
  }
  const rocksdb::Status s = z.Save();
  if (!s.ok()) return ReplyStatus(w, s);
  if (added > 0) g.MarkReady(c.db, key);
  if (incr) return processed > 0 ? ReplyScore(w, result) : w.Nil();
  w.Int((c.flags & kFlag_ZADD_CH) ? added + updated : added);
}

void ZRemCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  ZEdit z(g, c.db, req.arg(c, 0));
  const Found f = z.Open(w);
  if (f == Found::kFailed) return;
  if (f == Found::kMissing) return w.Int(0);
  int64_t removed = 0;
  for (uint32_t i = 1; i < c.argc && z.size() > 0; i++) {
    double score = 0;
    const rocksdb::Status s = z.Score(req.arg(c, i), &score);
    if (s.IsNotFound()) continue;
    if (!s.ok()) return ReplyStatus(w, s);
    z.Remove(req.arg(c, i), score);
    removed++;
  }
  const rocksdb::Status s = z.Save();
  if (!s.ok()) return ReplyStatus(w, s);
  w.Int(removed);
}

// ZREMRANGEBYRANK / BYSCORE / BYLEX key range...: the RangeSpec of ZRANGE, without REV.
void ZRemRangeCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  RangeSpec spec;
  if (c.argc < 1 || !spec.Parse(req, c, 1)) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  spec.offset = 0;
  spec.limit = -1;
  ZEdit z(g, c.db, req.arg(c, 0));
  const Found f = z.Open(w);
  if (f == Found::kFailed) return;
  if (f == Found::kMissing) return w.Int(0);
  std::vector<std::pair<std::string, double>> doomed;
  rocksdb::Status s = Select(z.index(), spec, [&](std::string_view m, double score, std::string_view) {
    doomed.emplace_back(std::string(m), score);
  });
  if (!s.ok()) return ReplyStatus(w, s);
  for (const auto& [m, score] : doomed) z.Remove(m, score);
  s = z.Save();
  if (!s.ok()) return ReplyStatus(w, s);
  w.Int(static_cast<int64_t>(doomed.size()));
}

// ZPOPMIN / ZPOPMAX key [count], ZMPOP (ZPOP_EMIT_KEY, several keys): pops from the first
// key that exists. Replies [member, score, ...], or with ZPOP_EMIT_KEY [key, [member,
// score, ...]] and nil when no key exists.
void ZPopCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const bool emit_key = c.flags & kFlag_ZPOP_EMIT_KEY;
  std::unique_ptr<ZEdit> z;
  uint32_t i = 0;
  for (; i < c.argc; i++) {
    z = std::make_unique<ZEdit>(g, c.db, req.arg(c, i));
    const Found f = z->Open(w);
    if (f == Found::kFailed) return;
    if (f == Found::kFound) break;
  }
  if (i == c.argc) return emit_key ? w.Nil() : w.Array(0);
  const uint64_t want = (c.flags & kFlag_COUNT_GIVEN) ? static_cast<uint64_t>(std::max<int64_t>(c.a, 0)) : 1;
  if (want == 0) return w.Array(0);
  // One walk from the end pops and then sees the new end, so Save reads nothing more.
  const bool max = c.flags & kFlag_ZPOP_MAX;
  const uint64_t n = std::min<uint64_t>(want, z->size());
  std::vector<std::pair<std::string, double>> popped;
  popped.reserve(n);
  const ZIndex index = z->index();
  auto it = index.Iterator();
  max ? it->SeekBefore() : it->Seek();
  for (; popped.size() < n && it->Valid(); max ? it->Prev() : it->Next()) {
    popped.emplace_back(std::string(index.Member(*it)), index.Score(*it));
  }
  if (!it->status().ok()) return ReplyStatus(w, it->status());
  if (popped.size() < n) return ReplyStatus(w, rocksdb::Status::Corruption("a sorted set holds fewer members than its metadata counts"));
  const std::string next = it->Valid() ? std::string(index.Suffix(*it)) : std::string();
  it.reset();
  for (const auto& [m, score] : popped) z->Remove(m, score);
  if (!next.empty()) max ? z->LastIs(next) : z->FirstIs(next);
  const rocksdb::Status s = z->Save();
  if (!s.ok()) return ReplyStatus(w, s);
  if (emit_key) {
    w.Array(2);
    w.Bulk(req.arg(c, i));
  }
  w.Array(static_cast<uint32_t>(popped.size() * 2));
  for (const auto& [m, score] : popped) {
    w.Bulk(m);
    ReplyScore(w, score);
  }
}

}  // namespace kiwi
