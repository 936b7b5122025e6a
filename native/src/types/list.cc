// List commands with Redis 7.0 semantics (t_list.c), on the Kvrocks layout: elements
// live in the "list" column family keyed by position (MemberPrefix + u64 BE position),
// and the metadata's extra bytes hold [u64 LE head][u64 LE tail], the position of the
// first element and the one after the last. Every position in [head, tail) holds an
// element (no gaps), so the size is tail - head, LINDEX/LSET are one point lookup, and
// pushes and pops at either end touch one element and the metadata. A new list starts
// at 2^63, the middle of the position space, so it can grow either way.
//
// LINSERT, LREM and LTRIM change the middle: they rewrite the shorter side of the list,
// or move what is kept to a fresh version when that is cheaper (README, costs).
#include "list.h"

#include <algorithm>
#include <climits>
#include <functional>

#include "../composite.h"
#include "../numbers.h"

namespace kiwi {

namespace {

constexpr char kMissingArgs[] = "missing arguments";
constexpr uint64_t kMiddle = uint64_t{1} << 63;

std::string PosKey(uint64_t pos) {
  std::string s;
  PutFixed64BE(&s, pos);
  return s;
}

struct Ends {
  uint64_t head = kMiddle;
  uint64_t tail = kMiddle;
  uint64_t size() const { return tail - head; }
};

Ends EndsOf(const Meta& m) {
  Ends e;
  if (m.extra.size() >= 16) {
    e.head = GetFixed64LE(m.extra.data());
    e.tail = GetFixed64LE(m.extra.data() + 8);
  }
  return e;
}

std::string EncodeEnds(const Ends& e) {
  std::string s;
  PutFixed64LE(&s, e.head);
  PutFixed64LE(&s, e.tail);
  return s;
}

using Visit = std::function<bool(uint64_t index, std::string_view value)>;

// Calls fn(index, value) for up to `count` elements from index `from` towards the tail,
// or with `reverse` from index `from` towards the head, until fn returns false.
// `visited` (if given) counts the elements seen, so callers can check the metadata.
rocksdb::Status Walk(Reader& r, const KeyView& v, const Ends& e, uint64_t from, uint64_t count, bool reverse,
                     const Visit& fn, uint64_t* visited = nullptr) {
  if (visited) *visited = 0;
  if (count == 0 || !v.exists()) return rocksdb::Status::OK();
  const std::string& p = v.prefix();
  const uint64_t lo = reverse ? e.head + from - (count - 1) : e.head + from;
  auto it = r.Members(kFamilyList, p + PosKey(lo), p + PosKey(lo + count));
  if (reverse) {
    it->SeekBefore();
  } else {
    it->Seek();
  }
  for (; it->Valid(); reverse ? it->Prev() : it->Next()) {
    const rocksdb::Slice k = it->key();
    const rocksdb::Slice val = it->value();
    if (visited) (*visited)++;
    if (!fn(GetFixed64BE(k.data() + p.size()) - e.head, std::string_view(val.data(), val.size()))) break;
  }
  return it->status();
}

rocksdb::Status Missing() { return rocksdb::Status::Corruption("a list holds fewer elements than its metadata counts"); }

// Redis' index rule: negative counts from the tail. False when out of range.
bool ResolveIndex(int64_t index, uint64_t size, uint64_t* out) {
  const int64_t n = static_cast<int64_t>(size);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return false;
  *out = static_cast<uint64_t>(index);
  return true;
}

// LRANGE/LTRIM's rule for [start, end]: false when the range is empty.
bool ResolveRange(int64_t start, int64_t end, uint64_t size, uint64_t* from, uint64_t* to) {
  const int64_t n = static_cast<int64_t>(size);
  if (start < 0) start = n + start;
  if (end < 0) end = n + end;
  if (start < 0) start = 0;
  if (start > end || start >= n) return false;
  if (end >= n) end = n - 1;
  *from = static_cast<uint64_t>(start);
  *to = static_cast<uint64_t>(end);
  return true;
}

// A list opened for writing. Indices are relative to the head; Save() writes the ends
// and the size once.
class ListEdit {
 public:
  ListEdit(WriteGroup& g, uint8_t db, std::string_view key) : g_(g), e_(g, db, key, kFamilyList) {}

  Found Open(ReplyWriter& w) {
    const Found f = e_.Open(kTypeList, w);
    ends_ = f == Found::kFound ? EndsOf(e_.meta()) : Ends();
    return f;
  }
  void Create() { e_.Create(); }
  uint64_t size() const { return ends_.size(); }

  rocksdb::Status Get(uint64_t index, std::string* out) {
    rocksdb::PinnableSlice v;
    const rocksdb::Status s = e_.Get(PosKey(ends_.head + index), &v);
    if (s.IsNotFound()) return Missing();
    if (s.ok()) out->assign(v.data(), v.size());
    return s;
  }
  void Set(uint64_t index, std::string_view value) { e_.Put(PosKey(ends_.head + index), value); }
  rocksdb::Status Walk(uint64_t from, uint64_t count, bool reverse, const Visit& fn, uint64_t* visited = nullptr) {
    return kiwi::Walk(g_, e_, ends_, from, count, reverse, fn, visited);
  }

  void Push(bool right, std::string_view value) {
    if (cleared_) {
      // Emptied by this command (LMOVE onto itself): the popped elements were not
      // deleted, so the list goes on under a fresh version rather than next to them.
      e_.Renew();
      ends_ = Ends();
      cleared_ = false;
    }
    if (right) {
      e_.Put(PosKey(ends_.tail++), value);
    } else {
      e_.Put(PosKey(--ends_.head), value);
    }
  }

  // Removes and returns up to n elements from one end, the end's element first.
  rocksdb::Status Pop(bool right, uint64_t n, std::vector<std::string>* out) {
    out->clear();
    n = std::min(n, size());
    if (n == 0) return rocksdb::Status::OK();
    rocksdb::Status s;
    if (n == 1) {
      const uint64_t index = right ? size() - 1 : 0;
      ReadAheadFor(index, right);
      out->emplace_back();
      s = Get(index, &out->back());
    } else {
      out->reserve(n);
      s = Walk(right ? size() - 1 : 0, n, right, [&](uint64_t, std::string_view v) {
        out->emplace_back(v);
        return true;
      });
      if (s.ok() && out->size() != n) s = Missing();
    }
    if (!s.ok()) return s;
    Drop(right, n);
    return s;
  }

  // Before a single pop at `index`: when this group popped from the list before (a
  // pipeline of LPOP/RPOP/RPOPLPUSH on one queue), reads the next kReadAhead elements
  // of that end in one walk instead of a point read per pop.
  void ReadAheadFor(uint64_t index, bool right) {
    static constexpr uint64_t kReadAhead = 64;
    const std::string key = e_.MemberKey(PosKey(ends_.head + index));
    if (g_.ReadAheadHas(kFamilyList, key) || !g_.RepeatedRead(e_.prefix())) return;
    const uint64_t n = std::min(kReadAhead, size());
    const uint64_t lo = right ? ends_.head + index + 1 - n : ends_.head + index;
    g_.ReadAhead(kFamilyList, e_.MemberKey(PosKey(lo)), e_.MemberKey(PosKey(lo + n)), right, n);
  }

  // Removes n elements from one end.
  void Drop(bool right, uint64_t n) {
    if (n == size()) return Clear();
    for (uint64_t i = 0; i < n; i++) e_.Delete(PosKey(right ? --ends_.tail : ends_.head++));
  }

  // Empties the list: Save() deletes the key, and the members of its version become
  // garbage for the compaction filter, so none is deleted one by one.
  void Clear() {
    ends_.tail = ends_.head;
    cleared_ = true;
  }

  // Starts the list over with `kept` under a fresh version (keeping the expiry).
  void Rewrite(const std::vector<std::string>& kept) {
    if (kept.empty()) return Clear();
    e_.Renew();
    ends_ = Ends();
    cleared_ = false;
    for (const auto& v : kept) Push(true, v);
  }

  // Inserts `value` so that it becomes element `at`, moving the shorter side by one.
  rocksdb::Status Insert(uint64_t at, std::string_view value) {
    const uint64_t n = size();
    const bool left = at <= n - at;
    std::vector<std::string> moved;
    moved.reserve(left ? at : n - at);
    const rocksdb::Status s = left ? Walk(0, at, false, Collect(&moved)) : Walk(at, n - at, false, Collect(&moved));
    if (!s.ok()) return s;
    if (moved.size() != (left ? at : n - at)) return Missing();
    if (left) {
      ends_.head--;
      for (uint64_t i = 0; i < at; i++) Set(i, moved[i]);
    } else {
      ends_.tail++;
      for (uint64_t i = 0; i < moved.size(); i++) Set(at + 1 + i, moved[i]);
    }
    Set(at, value);
    return s;
  }

  // Removes the elements at `removed` (ascending indices), closing the gaps by moving the
  // shorter side, or by rewriting what is kept under a fresh version when fewer writes.
  rocksdb::Status RemoveAt(const std::vector<uint64_t>& removed) {
    const uint64_t n = size();
    const uint64_t r = removed.size();
    if (r == 0) return rocksdb::Status::OK();
    if (r == n) {
      Clear();
      return rocksdb::Status::OK();
    }
    const uint64_t first = removed.front();
    const uint64_t last = removed.back();
    // Writes of each way: shift the tail side left, shift the head side right, rewrite.
    const uint64_t tail_side = n - first;
    const uint64_t head_side = last + 1;
    const uint64_t rewrite = n - r;
    std::vector<std::string> kept;
    size_t next = 0;  // into `removed`
    auto keep = [&](uint64_t i, std::string_view v) {
      while (next < removed.size() && removed[next] < i) next++;
      if (next < removed.size() && removed[next] == i) return true;
      kept.emplace_back(v);
      return true;
    };
    rocksdb::Status s;
    if (rewrite <= std::min(tail_side, head_side)) {
      s = Walk(0, n, false, keep);
      if (s.ok() && kept.size() != rewrite) s = Missing();
      if (s.ok()) Rewrite(kept);
    } else if (tail_side <= head_side) {
      s = Walk(first, n - first, false, keep);
      if (s.ok() && kept.size() != n - first - r) s = Missing();
      if (!s.ok()) return s;
      for (uint64_t i = 0; i < kept.size(); i++) Set(first + i, kept[i]);
      for (uint64_t i = 0; i < r; i++) e_.Delete(PosKey(--ends_.tail));
    } else {
      // Walking backwards from `last`: `removed` is read from its end.
      size_t back = removed.size();
      s = Walk(last, last + 1, true, [&](uint64_t i, std::string_view v) {
        while (back > 0 && removed[back - 1] > i) back--;
        if (back > 0 && removed[back - 1] == i) return true;
        kept.emplace_back(v);
        return true;
      });
      if (s.ok() && kept.size() != last + 1 - r) s = Missing();
      if (!s.ok()) return s;
      for (uint64_t i = 0; i < kept.size(); i++) Set(last - i, kept[i]);
      for (uint64_t i = 0; i < r; i++) e_.Delete(PosKey(ends_.head++));
    }
    return s;
  }

  void Save() {
    e_.Grow(static_cast<int64_t>(size()) - static_cast<int64_t>(e_.meta().size));
    e_.SetExtra(EncodeEnds(ends_));
    e_.Save();
  }

 private:
  static Visit Collect(std::vector<std::string>* out) {
    return [out](uint64_t, std::string_view v) {
      out->emplace_back(v);
      return true;
    };
  }

  WriteGroup& g_;
  KeyEdit e_;
  Ends ends_;
  bool cleared_ = false;  // emptied without deleting its elements (Clear)
};

void ReplyElements(ReplyWriter& w, const std::vector<std::string>& values) {
  w.Array(static_cast<uint32_t>(values.size()));
  for (const auto& v : values) w.Bulk(v);
}

}  // namespace

void StoreList(WriteGroup& g, uint8_t db, std::string_view key, const std::vector<std::string>& elements) {
  if (elements.empty()) {
    Lookup l;
    g.Read(db, key, &l);
    if (l.status.ok() && l.value.exists()) g.Delete(db, key);
    return;
  }
  KeyEdit list(g, db, key, kFamilyList);
  list.Replace(kTypeList);
  Ends e;
  for (const auto& v : elements) list.Put(PosKey(e.tail++), v);
  list.Grow(static_cast<int64_t>(elements.size()));
  list.SetExtra(EncodeEnds(e));
  list.Save();
  g.MarkReady(db, key);
}

// LPUSH, RPUSH (LIST_RIGHT), LPUSHX, RPUSHX (LIST_PUSHX) key element [element ...].
void LPushCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  ListEdit list(g, c.db, req.arg(c, 0));
  const Found f = list.Open(w);
  if (f == Found::kFailed) return;
  if (f == Found::kMissing && (c.flags & kFlag_LIST_PUSHX)) return w.Int(0);
  list.Create();
  const bool right = c.flags & kFlag_LIST_RIGHT;
  for (uint32_t i = 1; i < c.argc; i++) list.Push(right, req.arg(c, i));
  list.Save();
  g.MarkReady(c.db, req.arg(c, 0));
  w.Int(static_cast<int64_t>(list.size()));
}

// LPOP, RPOP (LIST_RIGHT) key [count]: without COUNT_GIVEN one element or nil; with it
// an array of up to `a` elements (nil for a missing key, mapped to a null array in TS).
void LPopCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const bool counted = c.flags & kFlag_COUNT_GIVEN;
  ListEdit list(g, c.db, req.arg(c, 0));
  const Found f = list.Open(w);
  if (f == Found::kFailed) return;
  if (f == Found::kMissing) return w.Nil();
  if (counted && c.a <= 0) return w.Array(0);
  std::vector<std::string> values;
  const rocksdb::Status s = list.Pop(c.flags & kFlag_LIST_RIGHT, counted ? static_cast<uint64_t>(c.a) : 1, &values);
  if (!s.ok()) return ReplyStatus(w, s);
  list.Save();
  if (!counted) return w.Bulk(values[0]);
  ReplyElements(w, values);
}

void LLenCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyView list(r, c.db, req.arg(c, 0), kFamilyList);
  if (list.Load(v[0], kTypeList, w) == Found::kFailed) return;
  w.Int(static_cast<int64_t>(list.size()));
}

// LINDEX key (index in a). Redis checks the key's type before the index: an index that
// did not parse comes as LIST_BAD_INDEX.
void LIndexCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyView list(r, c.db, req.arg(c, 0), kFamilyList);
  const Found f = list.Load(v[0], kTypeList, w);
  if (f == Found::kFailed) return;
  if (f == Found::kMissing) return w.Nil();
  if (c.flags & kFlag_LIST_BAD_INDEX) return w.Error(kErr_NOT_INTEGER);
  uint64_t index = 0;
  if (!ResolveIndex(c.a, list.size(), &index)) return w.Nil();
  rocksdb::PinnableSlice value;
  const rocksdb::Status s = list.Get(PosKey(EndsOf(list.meta()).head + index), &value);
  if (!s.ok()) return ReplyStatus(w, s.IsNotFound() ? Missing() : s);
  w.Bulk(std::string_view(value.data(), value.size()));
}

// LSET key element (index in a; LIST_BAD_INDEX as for LINDEX).
void LSetCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  ListEdit list(g, c.db, req.arg(c, 0));
  const Found f = list.Open(w);
  if (f == Found::kFailed) return;
  if (f == Found::kMissing) return w.Error(kErr_NO_SUCH_KEY);
  if (c.flags & kFlag_LIST_BAD_INDEX) return w.Error(kErr_NOT_INTEGER);
  uint64_t index = 0;
  if (!ResolveIndex(c.a, list.size(), &index)) return w.Error(kErr_INDEX_OUT_OF_RANGE);
  list.Set(index, req.arg(c, 1));
  w.Ok();
}

// LRANGE key (start in a, end in b); with RESP_REPLY the array comes pre-encoded.
void LRangeCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyView list(r, c.db, req.arg(c, 0), kFamilyList);
  if (list.Load(v[0], kTypeList, w) == Found::kFailed) return;
  uint64_t from = 0, to = 0;
  if (!ResolveRange(c.a, c.b, list.size(), &from, &to)) return w.Array(0);
  const uint64_t count = to - from + 1;
  const size_t mark = w.size();
  const bool resp = c.flags & kFlag_RESP_REPLY;
  const size_t at = resp ? w.RespBegin() : 0;
  if (resp) {
    w.RespArray(count);
  } else {
    w.Array(static_cast<uint32_t>(count));
  }
  uint64_t seen = 0;
  rocksdb::Status s = Walk(r, list, EndsOf(list.meta()), from, count, false, [&](uint64_t, std::string_view e) {
    resp ? w.RespBulk(e) : w.Bulk(e);
    return true;
  }, &seen);
  if (s.ok() && seen != count) s = Missing();
  if (!s.ok()) {
    w.Truncate(mark);
    return ReplyStatus(w, s);
  }
  if (resp) w.RespEnd(at);
}

// LINSERT key pivot element: before the first pivot, or after it with LIST_RIGHT.
void LInsertCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 3) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  ListEdit list(g, c.db, req.arg(c, 0));
  const Found f = list.Open(w);
  if (f == Found::kFailed) return;
  if (f == Found::kMissing) return w.Int(0);
  const std::string_view pivot = req.arg(c, 1);
  int64_t found = -1;
  rocksdb::Status s = list.Walk(0, list.size(), false, [&](uint64_t i, std::string_view e) {
    if (e != pivot) return true;
    found = static_cast<int64_t>(i);
    return false;
  });
  if (!s.ok()) return ReplyStatus(w, s);
  if (found < 0) return w.Int(-1);
  s = list.Insert(static_cast<uint64_t>(found) + ((c.flags & kFlag_LIST_RIGHT) ? 1 : 0), req.arg(c, 2));
  if (!s.ok()) return ReplyStatus(w, s);
  list.Save();
  g.MarkReady(c.db, req.arg(c, 0));
  w.Int(static_cast<int64_t>(list.size()));
}

// LREM key element (count in a): up to |count| matches from the head (count > 0) or the
// tail (count < 0), all of them for 0.
void LRemCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  ListEdit list(g, c.db, req.arg(c, 0));
  const Found f = list.Open(w);
  if (f == Found::kFailed) return;
  if (f == Found::kMissing) return w.Int(0);
  const std::string_view element = req.arg(c, 1);
  const bool reverse = c.a < 0;
  // Redis negates LLONG_MIN into itself, which never equals a count: all matches.
  const uint64_t limit = c.a == 0 || c.a == INT64_MIN ? 0 : static_cast<uint64_t>(reverse ? -c.a : c.a);
  const uint64_t n = list.size();
  std::vector<uint64_t> removed;
  rocksdb::Status s = list.Walk(reverse ? n - 1 : 0, n, reverse, [&](uint64_t i, std::string_view e) {
    if (e == element) removed.push_back(i);
    return limit == 0 || removed.size() < limit;
  });
  if (!s.ok()) return ReplyStatus(w, s);
  if (removed.empty()) return w.Int(0);
  if (reverse) std::reverse(removed.begin(), removed.end());
  s = list.RemoveAt(removed);
  if (!s.ok()) return ReplyStatus(w, s);
  list.Save();
  w.Int(static_cast<int64_t>(removed.size()));
}

// LTRIM key (start in a, end in b): deletes what is trimmed, or moves what is kept to a
// fresh version when that is less.
void LTrimCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  ListEdit list(g, c.db, req.arg(c, 0));
  const Found f = list.Open(w);
  if (f == Found::kFailed) return;
  if (f == Found::kMissing) return w.Ok();
  const uint64_t n = list.size();
  uint64_t from = 0, to = 0;
  if (!ResolveRange(c.a, c.b, n, &from, &to)) {
    list.Clear();
  } else {
    const uint64_t kept = to - from + 1;
    if (kept == n) return w.Ok();
    if (n - kept <= kept) {
      list.Drop(false, from);
      list.Drop(true, n - 1 - to);
    } else {
      std::vector<std::string> values;
      values.reserve(kept);
      rocksdb::Status s = list.Walk(from, kept, false, [&](uint64_t, std::string_view e) {
        values.emplace_back(e);
        return true;
      });
      if (s.ok() && values.size() != kept) s = Missing();
      if (!s.ok()) return ReplyStatus(w, s);
      list.Rewrite(values);
    }
  }
  list.Save();
  w.Ok();
}

// LPOS key element [count]: rank in a (not 0; negative from the tail), maxlen in b
// (0: no limit); with COUNT_GIVEN the third argument is the count (0: all) and the
// reply an array.
void LPosCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  const bool counted = c.flags & kFlag_COUNT_GIVEN;
  if (c.argc < (counted ? 3u : 2u) || c.a == 0) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  int64_t count = 0;
  if (counted && (!ParseInt64(req.arg(c, 2), &count) || count < 0)) return w.Error(kErr_BAD_REQUEST, "bad count");
  KeyView list(r, c.db, req.arg(c, 0), kFamilyList);
  const Found f = list.Load(v[0], kTypeList, w);
  if (f == Found::kFailed) return;
  if (f == Found::kMissing) return counted ? w.Array(0) : w.Nil();
  const bool reverse = c.a < 0;
  // Redis cannot negate LLONG_MIN and keeps it negative: every match then ranks.
  const uint64_t rank = c.a == INT64_MIN ? 1 : static_cast<uint64_t>(reverse ? -c.a : c.a);
  const uint64_t n = list.size();
  const uint64_t walk = c.b > 0 ? std::min(n, static_cast<uint64_t>(c.b)) : n;
  const std::string_view element = req.arg(c, 1);
  std::vector<int64_t> found;
  uint64_t matches = 0;
  const rocksdb::Status s = Walk(r, list, EndsOf(list.meta()), reverse ? n - 1 : 0, walk, reverse, [&](uint64_t i, std::string_view e) {
    if (e != element || ++matches < rank) return true;
    found.push_back(static_cast<int64_t>(i));
    return counted && (count == 0 || matches - rank + 1 < static_cast<uint64_t>(count));
  });
  if (!s.ok()) return ReplyStatus(w, s);
  if (!counted) return found.empty() ? w.Nil() : w.Int(found[0]);
  w.Array(static_cast<uint32_t>(found.size()));
  for (int64_t i : found) w.Int(i);
}

// LMOVE source destination: from the source's head (tail with LIST_RIGHT) to the
// destination's head (tail with LIST_TO_RIGHT). RPOPLPUSH is RIGHT LEFT.
void LMoveCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const std::string_view from = req.arg(c, 0);
  const std::string_view to = req.arg(c, 1);
  ListEdit src(g, c.db, from);
  const Found f = src.Open(w);
  if (f == Found::kFailed) return;
  if (f == Found::kMissing) return w.Nil();
  const bool same = from == to;
  if (!same) {
    // Redis checks the destination's type before it pops.
    Lookup l;
    g.Read(c.db, to, &l);
    if (!l.status.ok()) return ReplyStatus(w, l.status);
    if (l.value.exists() && l.value.type != kTypeList) return w.Error(kErr_WRONGTYPE);
  }
  std::vector<std::string> value;
  const rocksdb::Status s = src.Pop(c.flags & kFlag_LIST_RIGHT, 1, &value);
  if (!s.ok()) return ReplyStatus(w, s);
  const bool right = c.flags & kFlag_LIST_TO_RIGHT;
  if (same) {
    src.Push(right, value[0]);
    src.Save();
  } else {
    src.Save();
    ListEdit dst(g, c.db, to);
    if (dst.Open(w) == Found::kFailed) return;
    dst.Create();
    dst.Push(right, value[0]);
    dst.Save();
  }
  g.MarkReady(c.db, to);
  w.Bulk(value[0]);
}

// LMPOP key [key ...]: up to `a` elements from the first non-empty list's head (tail with
// LIST_RIGHT) as [key, [element, ...]], or nil.
void LMPopCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 1 || c.a < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  for (uint32_t i = 0; i < c.argc; i++) {
    ListEdit list(g, c.db, req.arg(c, i));
    const Found f = list.Open(w);
    if (f == Found::kFailed) return;
    if (f == Found::kMissing) continue;
    std::vector<std::string> values;
    const rocksdb::Status s = list.Pop(c.flags & kFlag_LIST_RIGHT, static_cast<uint64_t>(c.a), &values);
    if (!s.ok()) return ReplyStatus(w, s);
    list.Save();
    w.Array(2);
    w.Bulk(req.arg(c, i));
    return ReplyElements(w, values);
  }
  w.Nil();
}

}  // namespace kiwi
