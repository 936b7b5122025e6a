// Hash commands with Redis 7.0 semantics (t_hash.c). Fields live in the "hash" column
// family under the key's version; the metadata keeps the field count (HLEN is O(1)).
#include <cmath>

#include "../composite.h"
#include "../glob.h"
#include "../numbers.h"

namespace kiwi {

namespace {

constexpr char kMissingArgs[] = "missing arguments";

// Sets one field; returns whether it is new.
bool SetField(KeyEdit& h, std::string_view field, std::string_view value, rocksdb::Status* s) {
  rocksdb::PinnableSlice old;
  *s = h.Get(field, &old);
  const bool added = s->IsNotFound();
  if (added) {
    *s = rocksdb::Status::OK();
  } else if (!s->ok()) {
    return false;
  }
  h.Put(field, value);
  if (added) h.Grow(1);
  return added;
}

}  // namespace

// HSET key field value [field value ...]; with HSET_NX (HSETNX) one pair, set only if new.
void HSetCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 3 || c.argc % 2 != 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyEdit h(g, c.db, req.arg(c, 0), kFamilyHash);
  if (h.Open(kTypeHash, w) == Found::kFailed) return;
  if (c.flags & kFlag_HSET_NX) {
    rocksdb::PinnableSlice old;
    const rocksdb::Status s = h.Get(req.arg(c, 1), &old);
    if (s.ok()) return w.Int(0);
    if (!s.IsNotFound()) return ReplyStatus(w, s);
  }
  h.Create();
  int64_t added = 0;
  for (uint32_t i = 1; i + 1 < c.argc; i += 2) {
    rocksdb::Status s;
    if (SetField(h, req.arg(c, i), req.arg(c, i + 1), &s)) added++;
    if (!s.ok()) return ReplyStatus(w, s);
  }
  h.Save();
  w.Int(added);
}

void HGetCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyView h(r, c.db, req.arg(c, 0), kFamilyHash);
  const Found f = h.Load(v[0], kTypeHash, w);
  if (f == Found::kFailed) return;
  rocksdb::PinnableSlice value;
  const rocksdb::Status s = h.Get(req.arg(c, 1), &value);
  if (s.IsNotFound()) return w.Nil();
  if (!s.ok()) return ReplyStatus(w, s);
  w.Bulk(std::string_view(value.data(), value.size()));
}

void HMGetCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyView h(r, c.db, req.arg(c, 0), kFamilyHash);
  if (h.Load(v[0], kTypeHash, w) == Found::kFailed) return;
  const size_t mark = w.size();
  w.Array(c.argc - 1);
  rocksdb::PinnableSlice value;
  for (uint32_t i = 1; i < c.argc; i++) {
    const rocksdb::Status s = h.Get(req.arg(c, i), &value);
    if (s.IsNotFound()) {
      w.Nil();
    } else if (!s.ok()) {
      w.Truncate(mark);
      return ReplyStatus(w, s);
    } else {
      w.Bulk(std::string_view(value.data(), value.size()));
    }
  }
}

void HDelCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyEdit h(g, c.db, req.arg(c, 0), kFamilyHash);
  const Found f = h.Open(kTypeHash, w);
  if (f == Found::kFailed) return;
  if (f == Found::kMissing) return w.Int(0);
  int64_t deleted = 0;
  rocksdb::PinnableSlice old;
  for (uint32_t i = 1; i < c.argc; i++) {
    // The indexed group sees this command's own deletes, so a repeated field counts once.
    const rocksdb::Status s = h.Get(req.arg(c, i), &old);
    if (s.IsNotFound()) continue;
    if (!s.ok()) return ReplyStatus(w, s);
    h.Delete(req.arg(c, i));
    h.Grow(-1);
    deleted++;
  }
  if (deleted > 0) h.Save();
  w.Int(deleted);
}

void HLenCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  ReplyMemberCount(req, c, v, r, w, kTypeHash, kFamilyHash);
}

void HStrlenCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyView h(r, c.db, req.arg(c, 0), kFamilyHash);
  if (h.Load(v[0], kTypeHash, w) == Found::kFailed) return;
  rocksdb::PinnableSlice value;
  const rocksdb::Status s = h.Get(req.arg(c, 1), &value);
  if (s.IsNotFound()) return w.Int(0);
  if (!s.ok()) return ReplyStatus(w, s);
  w.Int(static_cast<int64_t>(value.size()));
}

void HExistsCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyView h(r, c.db, req.arg(c, 0), kFamilyHash);
  if (h.Load(v[0], kTypeHash, w) == Found::kFailed) return;
  rocksdb::PinnableSlice value;
  const rocksdb::Status s = h.Get(req.arg(c, 1), &value);
  if (s.IsNotFound()) return w.Int(0);
  if (!s.ok()) return ReplyStatus(w, s);
  w.Int(1);
}

// HGETALL (a = 0), HKEYS (a = 1), HVALS (a = 2): a flat array.
void HGetAllCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyView h(r, c.db, req.arg(c, 0), kFamilyHash);
  if (h.Load(v[0], kTypeHash, w) == Found::kFailed) return;
  const bool keys = c.a != 2;
  const bool values = c.a != 1;
  const size_t at = w.ArrayPlaceholder();
  uint32_t n = 0;
  const rocksdb::Status s = h.ForEach([&](std::string_view f, std::string_view val) {
    if (keys) w.Bulk(f), n++;
    if (values) w.Bulk(val), n++;
    return true;
  });
  if (!s.ok()) {
    w.Truncate(at - 1);
    return ReplyStatus(w, s);
  }
  w.PatchArray(at, n);
}

// HINCRBY key field (delta in a).
void HIncrByCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyEdit h(g, c.db, req.arg(c, 0), kFamilyHash);
  if (h.Open(kTypeHash, w) == Found::kFailed) return;
  rocksdb::PinnableSlice old;
  const rocksdb::Status s = h.Get(req.arg(c, 1), &old);
  if (!s.ok() && !s.IsNotFound()) return ReplyStatus(w, s);
  int64_t value = 0;
  if (s.ok() && !ParseInt64(std::string_view(old.data(), old.size()), &value)) return w.Error(kErr_HASH_NOT_INTEGER);
  const int64_t incr = c.a;
  if ((incr < 0 && value < 0 && incr < (INT64_MIN - value)) ||
      (incr > 0 && value > 0 && incr > (INT64_MAX - value))) {
    return w.Error(kErr_OVERFLOW);
  }
  value += incr;
  h.Create();
  if (s.IsNotFound()) h.Grow(1);
  h.Put(req.arg(c, 1), FormatInt64(value));
  h.Save();
  w.Int(value);
}

// HINCRBYFLOAT key field increment (as text: Redis parses it as a long double).
void HIncrByFloatCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 3) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  long double incr = 0;
  if (!ParseLongDouble(req.arg(c, 2), &incr)) return w.Error(kErr_NOT_FLOAT);
  if (std::isnan(incr) || std::isinf(incr)) return w.Error(kErr_VALUE_NAN_OR_INFINITY);
  KeyEdit h(g, c.db, req.arg(c, 0), kFamilyHash);
  if (h.Open(kTypeHash, w) == Found::kFailed) return;
  rocksdb::PinnableSlice old;
  const rocksdb::Status s = h.Get(req.arg(c, 1), &old);
  if (!s.ok() && !s.IsNotFound()) return ReplyStatus(w, s);
  long double value = 0;
  if (s.ok() && !ParseLongDouble(std::string_view(old.data(), old.size()), &value)) return w.Error(kErr_HASH_NOT_FLOAT);
  value += incr;
  if (std::isnan(value) || std::isinf(value)) return w.Error(kErr_NAN_OR_INFINITY);
  const std::string text = FormatLongDouble(value);
  h.Create();
  if (s.IsNotFound()) h.Grow(1);
  h.Put(req.arg(c, 1), text);
  h.Save();
  w.Bulk(text);
}

// HRANDFIELD key [count [WITHVALUES]]: without COUNT_GIVEN one field or nil; with it a
// flat array (field, value pairs with WITHVALUES). A negative count (a) repeats.
void HRandFieldCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyView h(r, c.db, req.arg(c, 0), kFamilyHash);
  const Found f = h.Load(v[0], kTypeHash, w);
  if (f == Found::kFailed) return;
  const auto [counted, repeat, count] = RandomPicksOf(c);
  const bool values = c.flags & kFlag_WITHVALUES;
  if (f == Found::kMissing) return counted ? w.Array(0) : w.Nil();
  std::vector<Entry> picks;
  const rocksdb::Status s = Sample(h, count, repeat, values, &picks);
  if (!s.ok()) return ReplyStatus(w, s);
  if (!counted) return picks.empty() ? w.Nil() : w.Bulk(picks[0].member);
  w.Array(static_cast<uint32_t>(picks.size() * (values ? 2 : 1)));
  for (const Entry& e : picks) {
    w.Bulk(e.member);
    if (values) w.Bulk(e.value);
  }
}

// HSCAN key start [pattern] (count in a): [next field or nil, [field, value, ...]].
// Small hashes (up to Redis' listpack limit of 128 fields) come back whole, as in Redis.
void HScanCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  const bool has_match = c.flags & kFlag_SCAN_MATCH;
  if (c.argc < (has_match ? 3u : 2u)) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyView h(r, c.db, req.arg(c, 0), kFamilyHash);
  if (h.Load(v[0], kTypeHash, w) == Found::kFailed) return;
  ScanMembers(h, req.arg(c, 1), has_match ? req.arg(c, 2) : std::string_view("*"), c.a, /*values=*/true, w);
}

}  // namespace kiwi
