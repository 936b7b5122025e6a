#include "composite.h"

#include <algorithm>
#include <random>
#include <unordered_set>

#include "glob.h"

namespace kiwi {

Found LoadMeta(const Lookup& l, uint8_t type, Meta* m, ReplyWriter& w) {
  if (!l.status.ok()) {
    ReplyStatus(w, l.status);
    return Found::kFailed;
  }
  *m = Meta();
  m->type = type;
  if (!l.value.exists()) return Found::kMissing;
  if (l.value.type != type) {
    w.Error(kErr_WRONGTYPE);
    return Found::kFailed;
  }
  if (!DecodeMeta(l.value, m)) {
    ReplyStatus(w, rocksdb::Status::Corruption("unreadable metadata"));
    return Found::kFailed;
  }
  return Found::kFound;
}

const std::string& KeyView::prefix() const {
  if (prefix_.empty()) prefix_ = MemberPrefix(db_, key_, meta_.version);
  return prefix_;
}

std::string KeyView::MemberKey(std::string_view member) const {
  std::string k = prefix();
  k.append(member.data(), member.size());
  return k;
}

rocksdb::Status KeyView::Get(std::string_view member, rocksdb::PinnableSlice* value) const {
  if (!exists()) return rocksdb::Status::NotFound();
  if (r_.Fresh(meta_.version)) return r_.GetFreshMember(family_, MemberKey(member), value);
  return r_.GetMember(family_, MemberKey(member), value);
}

rocksdb::Status KeyView::ForEach(const std::function<bool(std::string_view, std::string_view)>& fn,
                                 std::string_view from) const {
  if (!exists()) return rocksdb::Status::OK();
  const std::string& p = prefix();
  auto it = r_.Members(family_, p, PrefixEnd(p));
  if (from.empty()) {
    it->Seek();
  } else {
    it->Seek(MemberKey(from));
  }
  for (; it->Valid(); it->Next()) {
    const rocksdb::Slice k = it->key();
    const rocksdb::Slice v = it->value();
    if (!fn(std::string_view(k.data() + p.size(), k.size() - p.size()), std::string_view(v.data(), v.size()))) break;
  }
  return it->status();
}

Found KeyEdit::Open(uint8_t type, ReplyWriter& w) {
  g_.Read(db_, key_, &lookup_);
  existed_ = lookup_.status.ok() && lookup_.value.exists();
  return Load(lookup_, type, w);
}

void KeyEdit::Replace(uint8_t type) {
  g_.Read(db_, key_, &lookup_);
  existed_ = lookup_.status.ok() && lookup_.value.exists();
  meta_ = Meta();
  meta_.type = type;
  found_ = Found::kMissing;
  created_ = false;
  Create();
}

void KeyEdit::Create() {
  if (exists() || created_) return;
  meta_.version = g_.NewVersion();
  meta_.size = 0;
  meta_.expire_ms = 0;
  prefix_.clear();
  created_ = true;
  // Members may be written now; the key exists once Save() writes its metadata.
  found_ = Found::kFound;
}

void KeyEdit::Renew() {
  if (!exists()) return;
  meta_.version = g_.NewVersion();
  meta_.size = 0;
  prefix_.clear();
}

void KeyEdit::Put(std::string_view member, std::string_view value) {
  g_.PutMember(family_, MemberKey(member), rocksdb::Slice(value.data(), value.size()));
}

void KeyEdit::Delete(std::string_view member) { g_.DeleteMember(family_, MemberKey(member)); }

void KeyEdit::Save() {
  if (!exists()) return;
  if (meta_.size == 0 && meta_.type != kTypeStream) {
    // An empty container does not exist (Redis deletes it); its members, if any are
    // left, belong to a version nothing points at any more.
    if (existed_) g_.Delete(db_, key_);
    return;
  }
  std::string payload;
  EncodeMetaPayload(meta_.version, meta_.size, extra_set_ ? std::string_view(extra_) : meta_.extra, &payload);
  g_.Put(db_, key_, meta_.type, meta_.expire_ms, payload);
}

namespace {
std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}
}  // namespace

namespace {

// Picks members by seeking to random points between the first and the last member: a
// few seeks instead of a walk over a big container. Members after wide gaps in the key
// order are likelier picks (Redis' own random picks are not uniform either). Returns
// false when it could not collect `count` picks (distinct ones unless `repeat`) in a
// bounded number of seeks; the caller then walks.
bool SeekSample(const KeyView& v, uint64_t count, bool repeat, bool values, std::vector<Entry>* out,
                std::string_view from, rocksdb::Status* status) {
  const std::string& p = v.prefix();
  auto it = v.reader().Members(v.family(), p, PrefixEnd(p));
  // `from`: where the members start (a sorted set's score index skips its hints).
  if (from.empty()) {
    it->Seek();
  } else {
    it->Seek(v.MemberKey(from));
  }
  if (!it->Valid()) return false;
  const std::string first(it->key().data() + p.size(), it->key().size() - p.size());
  it->SeekBefore();
  if (!it->Valid()) return false;
  const std::string last(it->key().data() + p.size(), it->key().size() - p.size());
  size_t common = 0;
  while (common < first.size() && common < last.size() && first[common] == last[common]) common++;
  auto& rng = Rng();
  std::unordered_set<std::string> seen;
  std::string target;
  for (uint64_t attempts = 0; out->size() < count && attempts < count * 8 + 16; attempts++) {
    // The shared prefix, then bytes between the two at the first difference (members
    // that differ in digits get digits, so the picks spread over them).
    target.assign(p);
    target.append(first, 0, common);
    const unsigned lo = common < first.size() ? static_cast<uint8_t>(first[common]) : 0;
    const unsigned hi = std::max(lo, common < last.size() ? static_cast<uint8_t>(last[common]) : 255u);
    std::uniform_int_distribution<unsigned> byte(lo, hi);
    for (int i = 0; i < 8; i++) target.push_back(static_cast<char>(byte(rng)));
    it->Seek(target);
    if (!it->Valid()) it->Seek(from.empty() ? std::string_view() : std::string_view(v.MemberKey(from)));
    if (!it->Valid()) break;
    std::string member(it->key().data() + p.size(), it->key().size() - p.size());
    if (!repeat && !seen.insert(member).second) continue;
    out->push_back({std::move(member), values ? std::string(it->value().data(), it->value().size()) : std::string()});
  }
  *status = it->status();
  return status->ok() && out->size() == count;
}

}  // namespace

void ReplyMemberCount(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w, uint8_t type,
                      MemberFamily family) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, "missing arguments");
  KeyView view(r, c.db, req.arg(c, 0), family);
  if (view.Load(v[0], type, w) == Found::kFailed) return;
  w.Int(static_cast<int64_t>(view.size()));
}

RandomPicks RandomPicksOf(const Command& c) {
  const bool counted = c.flags & kFlag_COUNT_GIVEN;
  const uint64_t count = !counted ? 1 : c.a < 0 ? static_cast<uint64_t>(-(c.a + 1)) + 1 : static_cast<uint64_t>(c.a);
  return {counted, counted && c.a < 0, count};
}

rocksdb::Status Sample(const KeyView& v, uint64_t count, bool repeat, bool values, std::vector<Entry>* out,
                       std::string_view from) {
  out->clear();
  const uint64_t size = v.size();
  if (size == 0 || count == 0) return rocksdb::Status::OK();
  // A few picks from a big container: seek, don't walk.
  if (size > 512 && count <= size / 8) {
    rocksdb::Status s;
    if (SeekSample(v, count, repeat, values, out, from, &s)) return s;
    if (!s.ok()) return s;
    out->clear();
  }
  if (!repeat && count >= size) {
    out->reserve(size);
    return v.ForEach(
        [&](std::string_view m, std::string_view val) {
          out->push_back({std::string(m), values ? std::string(val) : std::string()});
          return true;
        },
        from);
  }
  // (index into the member order, position in the reply), sorted by index for one walk.
  std::vector<std::pair<uint64_t, size_t>> picks;
  picks.reserve(count);
  auto& rng = Rng();
  if (repeat) {
    std::uniform_int_distribution<uint64_t> any(0, size - 1);
    for (uint64_t i = 0; i < count; i++) picks.emplace_back(any(rng), i);
  } else {
    // Floyd's algorithm: `count` distinct indices with `count` draws.
    std::unordered_set<uint64_t> chosen;
    for (uint64_t j = size - count; j < size; j++) {
      const uint64_t t = std::uniform_int_distribution<uint64_t>(0, j)(rng);
      chosen.insert(chosen.count(t) ? j : t);
    }
    size_t i = 0;
    for (uint64_t idx : chosen) picks.emplace_back(idx, i++);
  }
  std::sort(picks.begin(), picks.end());
  out->resize(count);
  size_t next = 0;
  uint64_t index = 0;
  const rocksdb::Status s = v.ForEach(
      [&](std::string_view m, std::string_view val) {
        while (next < picks.size() && picks[next].first == index) {
          Entry& e = (*out)[picks[next].second];
          e.member.assign(m);
          if (values) e.value.assign(val);
          next++;
        }
        index++;
        return next < picks.size();
      },
      from);
  if (s.ok() && next < picks.size()) {
    out->clear();
    return rocksdb::Status::Corruption("a key holds fewer members than its metadata counts");
  }
  if (!repeat) std::shuffle(out->begin(), out->end(), rng);
  return s;
}

void ScanMembers(const KeyView& v, std::string_view start, std::string_view pattern, int64_t count, bool values,
                 ReplyWriter& w, const MemberDecoder* decode) {
  const Glob glob(pattern);
  const uint64_t budget = v.size() <= 128 ? v.size() : static_cast<uint64_t>(std::max<int64_t>(count, 1));
  std::vector<Entry> found;
  std::string next;
  bool more = false;
  uint64_t examined = 0;
  const rocksdb::Status s = v.ForEach(
      [&](std::string_view m, std::string_view val) {
        if (examined == budget) {
          next.assign(m);
          more = true;
          return false;
        }
        examined++;
        Entry e;
        if (decode != nullptr) {
          (*decode)(m, val, &e);
        } else {
          e.member.assign(m);
          if (values) e.value.assign(val);
        }
        if (glob.Match(e.member)) found.push_back(std::move(e));
        return true;
      },
      start);
  if (!s.ok()) return ReplyStatus(w, s);
  w.Array(2);
  if (more) {
    w.Bulk(next);
  } else {
    w.Nil();
  }
  w.Array(static_cast<uint32_t>(found.size() * (values ? 2 : 1)));
  for (const Entry& e : found) {
    w.Bulk(e.member);
    if (values) w.Bulk(e.value);
  }
}

std::vector<MemberFamily> FamiliesOf(uint8_t type) {
  switch (type) {
    case kTypeHash: return {kFamilyHash};
    case kTypeSet: return {kFamilySet};
    case kTypeList: return {kFamilyList};
    case kTypeZSet: return {kFamilyZSet, kFamilyZScore};
    case kTypeStream: return {kFamilyStream, kFamilyStreamGroup};
    default: return {};
  }
}

rocksdb::Status CopyComposite(WriteGroup& g, const Value& from, uint8_t from_db, std::string_view from_key,
                              uint8_t to_db, std::string_view to_key, int64_t expire_ms) {
  Meta m;
  if (!DecodeMeta(from, &m)) return rocksdb::Status::Corruption("unreadable metadata");
  const uint64_t version = g.NewVersion();
  const std::string src = MemberPrefix(from_db, from_key, m.version);
  const std::string dst = MemberPrefix(to_db, to_key, version);
  for (MemberFamily f : FamiliesOf(m.type)) {
    auto it = g.Members(f, src, PrefixEnd(src));
    std::string k, v;
    for (it->Seek(); it->Valid(); it->Next()) {
      // Copies first: a write to an indexed batch invalidates the iterator's current
      // key and value (until Next), which may point into that batch.
      const rocksdb::Slice key = it->key();
      k.assign(dst);
      k.append(key.data() + src.size(), key.size() - src.size());
      v.assign(it->value().data(), it->value().size());
      g.PutMember(f, k, v);
    }
    if (!it->status().ok()) return it->status();
  }
  std::string payload;
  EncodeMetaPayload(version, m.size, m.extra, &payload);
  g.Put(to_db, to_key, m.type, expire_ms, payload);
  return rocksdb::Status::OK();
}

}  // namespace kiwi
