// Set commands with Redis 7.0 semantics (t_set.c). Members live in the "set" column
// family under the key's version, with empty values; the metadata keeps the count.
#include <algorithm>
#include <set>

#include "../composite.h"

namespace kiwi {

namespace {

constexpr char kMissingArgs[] = "missing arguments";

// Whether a set holds `member`: OK with true/false, or a storage error.
rocksdb::Status Has(const KeyView& s, std::string_view member, bool* found) {
  rocksdb::PinnableSlice unused;
  const rocksdb::Status st = s.Get(member, &unused);
  *found = st.ok();
  return st.IsNotFound() ? rocksdb::Status::OK() : st;
}

// Adds members; returns how many were new.
rocksdb::Status AddMembers(KeyEdit& set, const Request& req, const Command& c, uint32_t from, int64_t* added) {
  *added = 0;
  for (uint32_t i = from; i < c.argc; i++) {
    bool found = false;
    const rocksdb::Status s = Has(set, req.arg(c, i), &found);
    if (!s.ok()) return s;
    if (found) continue;
    set.Put(req.arg(c, i), {});
    set.Grow(1);
    (*added)++;
  }
  return rocksdb::Status::OK();
}

enum class Algebra { kInter, kUnion, kDiff };

Algebra AlgebraOf(uint8_t op) {
  switch (op) {
    case kOp_SUNION:
    case kOp_SUNIONSTORE: return Algebra::kUnion;
    case kOp_SDIFF:
    case kOp_SDIFFSTORE: return Algebra::kDiff;
    default: return Algebra::kInter;
  }
}

// The result of SINTER/SUNION/SDIFF over loaded sets, in member order; at most `limit`
// members of an intersection (0: no limit).
rocksdb::Status Compute(Algebra op, const std::vector<KeyView>& sets, uint64_t limit, std::vector<std::string>* out) {
  out->clear();
  if (sets.empty()) return rocksdb::Status::OK();
  rocksdb::Status s;
  if (op == Algebra::kUnion) {
    std::set<std::string> all;
    for (const KeyView& set : sets) {
      s = set.ForEach([&](std::string_view m, std::string_view) {
        all.emplace(m);
        return true;
      });
      if (!s.ok()) return s;
    }
    out->assign(all.begin(), all.end());
    return s;
  }
  // Intersection walks the smallest set and probes the others (Redis does the same);
  // difference walks the first set.
  size_t walk = 0;
  if (op == Algebra::kInter) {
    for (size_t i = 0; i < sets.size(); i++) {
      if (!sets[i].exists()) return rocksdb::Status::OK();
      if (sets[i].size() < sets[walk].size()) walk = i;
    }
  }
  rocksdb::Status probe;
  s = sets[walk].ForEach([&](std::string_view m, std::string_view) {
    bool keep = true;
    for (size_t i = 0; i < sets.size() && keep; i++) {
      if (i == walk) continue;
      bool found = false;
      probe = Has(sets[i], m, &found);
      if (!probe.ok()) return false;
      keep = op == Algebra::kInter ? found : !found;
    }
    if (keep) out->emplace_back(m);
    return limit == 0 || out->size() < limit;
  });
  return s.ok() ? probe : s;
}

// Loads every key of the command as a set, in order: a WRONGTYPE anywhere fails the
// command; missing keys are empty sets.
bool LoadSets(Reader& r, const Request& req, const Command& c, uint32_t from, const Lookup* lookups,
              std::vector<KeyView>* sets, ReplyWriter& w) {
  sets->reserve(c.argc - from);
  for (uint32_t i = from; i < c.argc; i++) {
    sets->emplace_back(r, c.db, req.arg(c, i), kFamilySet);
    Lookup own;
    if (lookups == nullptr) r.Read(c.db, req.arg(c, i), &own);
    if (sets->back().Load(lookups ? lookups[i - from] : own, kTypeSet, w) == Found::kFailed) return false;
  }
  return true;
}

}  // namespace

void SAddCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyEdit set(g, c.db, req.arg(c, 0), kFamilySet);
  if (set.Open(kTypeSet, w) == Found::kFailed) return;
  set.Create();
  int64_t added = 0;
  const rocksdb::Status s = AddMembers(set, req, c, 1, &added);
  if (!s.ok()) return ReplyStatus(w, s);
  if (added > 0) set.Save();
  w.Int(added);
}

void SRemCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyEdit set(g, c.db, req.arg(c, 0), kFamilySet);
  const Found f = set.Open(kTypeSet, w);
  if (f == Found::kFailed) return;
  if (f == Found::kMissing) return w.Int(0);
  int64_t removed = 0;
  for (uint32_t i = 1; i < c.argc; i++) {
    bool found = false;
    const rocksdb::Status s = Has(set, req.arg(c, i), &found);
    if (!s.ok()) return ReplyStatus(w, s);
    if (!found) continue;
    set.Delete(req.arg(c, i));
    set.Grow(-1);
    removed++;
  }
  if (removed > 0) set.Save();
  w.Int(removed);
}

void SCardCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  ReplyMemberCount(req, c, v, r, w, kTypeSet, kFamilySet);
}

void SIsMemberCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyView set(r, c.db, req.arg(c, 0), kFamilySet);
  if (set.Load(v[0], kTypeSet, w) == Found::kFailed) return;
  bool found = false;
  const rocksdb::Status s = Has(set, req.arg(c, 1), &found);
  if (!s.ok()) return ReplyStatus(w, s);
  w.Int(found ? 1 : 0);
}

void SMIsMemberCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyView set(r, c.db, req.arg(c, 0), kFamilySet);
  if (set.Load(v[0], kTypeSet, w) == Found::kFailed) return;
  std::vector<bool> found(c.argc - 1);
  for (uint32_t i = 1; i < c.argc; i++) {
    bool f = false;
    const rocksdb::Status s = Has(set, req.arg(c, i), &f);
    if (!s.ok()) return ReplyStatus(w, s);
    found[i - 1] = f;
  }
  w.Array(c.argc - 1);
  for (bool f : found) w.Int(f ? 1 : 0);
}

void SMembersCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyView set(r, c.db, req.arg(c, 0), kFamilySet);
  if (set.Load(v[0], kTypeSet, w) == Found::kFailed) return;
  const size_t at = w.ArrayPlaceholder();
  uint32_t n = 0;
  const rocksdb::Status s = set.ForEach([&](std::string_view m, std::string_view) {
    w.Bulk(m);
    n++;
    return true;
  });
  if (!s.ok()) {
    w.Truncate(at - 1);
    return ReplyStatus(w, s);
  }
  w.PatchArray(at, n);
}

// SPOP key [count]: without COUNT_GIVEN one member or nil; with it an array of up to `a`
// distinct members, all removed.
void SPopCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const bool counted = c.flags & kFlag_COUNT_GIVEN;
  KeyEdit set(g, c.db, req.arg(c, 0), kFamilySet);
  const Found f = set.Open(kTypeSet, w);
  if (f == Found::kFailed) return;
  if (f == Found::kMissing) return counted ? w.Array(0) : w.Nil();
  std::vector<Entry> picks;
  const rocksdb::Status s = Sample(set, counted ? static_cast<uint64_t>(std::max<int64_t>(c.a, 0)) : 1, false, false, &picks);
  if (!s.ok()) return ReplyStatus(w, s);
  for (const Entry& e : picks) set.Delete(e.member);
  set.Grow(-static_cast<int64_t>(picks.size()));
  if (!picks.empty()) set.Save();
  if (!counted) return w.Bulk(picks[0].member);
  w.Array(static_cast<uint32_t>(picks.size()));
  for (const Entry& e : picks) w.Bulk(e.member);
}

// SRANDMEMBER key [count]: without COUNT_GIVEN one member or nil; with it an array of up
// to `a` distinct members, or of -`a` picks that may repeat.
void SRandMemberCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const auto [counted, repeat, count] = RandomPicksOf(c);
  KeyView set(r, c.db, req.arg(c, 0), kFamilySet);
  const Found f = set.Load(v[0], kTypeSet, w);
  if (f == Found::kFailed) return;
  if (f == Found::kMissing) return counted ? w.Array(0) : w.Nil();
  std::vector<Entry> picks;
  const rocksdb::Status s = Sample(set, count, repeat, false, &picks);
  if (!s.ok()) return ReplyStatus(w, s);
  if (!counted) return w.Bulk(picks[0].member);
  w.Array(static_cast<uint32_t>(picks.size()));
  for (const Entry& e : picks) w.Bulk(e.member);
}

// SMOVE source destination member.
void SMoveCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 3) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const std::string_view member = req.arg(c, 2);
  KeyEdit src(g, c.db, req.arg(c, 0), kFamilySet);
  Lookup src_lookup, dst_lookup;
  g.Read(c.db, req.arg(c, 0), &src_lookup);
  g.Read(c.db, req.arg(c, 1), &dst_lookup);
  if (!src_lookup.status.ok()) return ReplyStatus(w, src_lookup.status);
  if (!dst_lookup.status.ok()) return ReplyStatus(w, dst_lookup.status);
  // Redis' order: a missing source answers 0 before any type is checked.
  if (!src_lookup.value.exists()) return w.Int(0);
  const Found f = src.Open(kTypeSet, w);
  if (f == Found::kFailed) return;
  if (dst_lookup.value.exists() && dst_lookup.value.type != kTypeSet) return w.Error(kErr_WRONGTYPE);
  bool found = false;
  rocksdb::Status s = Has(src, member, &found);
  if (!s.ok()) return ReplyStatus(w, s);
  if (req.arg(c, 0) == req.arg(c, 1) || !found) return w.Int(found ? 1 : 0);
  src.Delete(member);
  src.Grow(-1);
  src.Save();
  KeyEdit dst(g, c.db, req.arg(c, 1), kFamilySet);
  if (dst.Open(kTypeSet, w) == Found::kFailed) return;
  dst.Create();
  s = Has(dst, member, &found);
  if (!s.ok()) return ReplyStatus(w, s);
  if (!found) {
    dst.Put(member, {});
    dst.Grow(1);
    dst.Save();
  }
  w.Int(1);
}

// SINTER, SUNION, SDIFF: the members; SINTERCARD (limit in a, 0 = none): the count.
void SetAlgebraCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  std::vector<KeyView> sets;
  if (!LoadSets(r, req, c, 0, v, &sets, w)) return;
  std::vector<std::string> result;
  const uint64_t limit = c.op == kOp_SINTERCARD && c.a > 0 ? static_cast<uint64_t>(c.a) : 0;
  const rocksdb::Status s = Compute(AlgebraOf(c.op), sets, limit, &result);
  if (!s.ok()) return ReplyStatus(w, s);
  if (c.op == kOp_SINTERCARD) return w.Int(static_cast<int64_t>(result.size()));
  w.Array(static_cast<uint32_t>(result.size()));
  for (const auto& m : result) w.Bulk(m);
}

// SINTERSTORE, SUNIONSTORE, SDIFFSTORE destination key [key ...]: the destination is
// replaced (deleted when the result is empty); replies the result's size.
void SetStoreCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  std::vector<KeyView> sets;
  if (!LoadSets(g, req, c, 1, nullptr, &sets, w)) return;
  std::vector<std::string> result;
  const rocksdb::Status s = Compute(AlgebraOf(c.op), sets, 0, &result);
  if (!s.ok()) return ReplyStatus(w, s);
  KeyEdit dst(g, c.db, req.arg(c, 0), kFamilySet);
  dst.Replace(kTypeSet);
  for (const auto& m : result) dst.Put(m, {});
  dst.Grow(static_cast<int64_t>(result.size()));
  dst.Save();
  w.Int(static_cast<int64_t>(result.size()));
}

// SSCAN key start [pattern] (count in a): [next member or nil, [member, ...]].
void SScanCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  const bool has_match = c.flags & kFlag_SCAN_MATCH;
  if (c.argc < (has_match ? 3u : 2u)) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyView set(r, c.db, req.arg(c, 0), kFamilySet);
  if (set.Load(v[0], kTypeSet, w) == Found::kFailed) return;
  ScanMembers(set, req.arg(c, 1), has_match ? req.arg(c, 2) : std::string_view("*"), c.a, /*values=*/false, w);
}

}  // namespace kiwi
