// Stream commands with Redis 7.0 semantics (t_stream.c). Entries live in the "stream"
// column family under the key's version, keyed by their ID (format.h, "Streams"), so a
// range is one iterator walk and XLEN is the metadata's count. Parsing and Redis' argument
// errors are in src/commands/stream.ts; the IDs and options arrive as fixed-size specs.
//
// Approximate trimming (`~`): Redis removes whole radix-tree nodes only, and a node
// holds up to stream-node-max-entries (100) entries in insertion order. kiwi trims in
// groups of 100 entries from the first one, which is what Redis does for a stream built
// by appends; after XDEL or exact trims Redis' node boundaries can differ (README).
#include <limits>

#include "stream.h"

namespace kiwi {

using namespace stream;

namespace {

constexpr uint64_t kNodeEntries = 100;

// XADD/XTRIM options (src/commands/stream.ts writes them): u8 id mode (0 `*`, 1 an
// explicit ID, 2 `ms-*`), u8 NOMKSTREAM, u8 strategy (0 none, 1 MAXLEN, 2 MINID), u8 `~`,
// then u64 BE: id ms, id seq, maxlen, minid ms, minid seq, limit (0: none).
struct AddSpec {
  uint8_t id_mode, nomkstream, strategy, approx;
  StreamId id;
  uint64_t maxlen;
  StreamId minid;
  uint64_t limit;
};
constexpr size_t kAddSpecSize = 52;

bool ParseAddSpec(std::string_view s, AddSpec* out) {
  if (s.size() != kAddSpecSize) return false;
  const char* p = s.data();
  out->id_mode = static_cast<uint8_t>(p[0]);
  out->nomkstream = static_cast<uint8_t>(p[1]);
  out->strategy = static_cast<uint8_t>(p[2]);
  out->approx = static_cast<uint8_t>(p[3]);
  out->id = ReadId(p + 4);
  out->maxlen = GetFixed64BE(p + 20);
  out->minid = ReadId(p + 28);
  out->limit = GetFixed64BE(p + 44);
  return true;
}

// The first live entry at or after `from`, or nullopt-like {false}.
bool FirstFrom(const KeyView& s, const StreamId& from, StreamId* out, rocksdb::Status* st) {
  bool found = false;
  *st = s.ForEach([&](std::string_view member, std::string_view) {
    *out = IdOfMember(member);
    found = true;
    return false;
  }, IdKey(from));
  return found;
}

// Redis streamTrim: removes entries from the head by MAXLEN or MINID; with `~` only
// whole nodes (groups of kNodeEntries) and at most `limit` entries. Returns the count.
rocksdb::Status Trim(KeyEdit& s, StreamMeta& m, const AddSpec& spec, int64_t* deleted) {
  *deleted = 0;
  if (spec.strategy == 0 || s.size() == 0) return rocksdb::Status::OK();
  if (spec.strategy == 1 && s.size() <= spec.maxlen) return rocksdb::Status::OK();
  std::vector<std::string> doomed;
  std::vector<std::string> node;
  bool stopped = false;
  StreamId next_first;
  bool has_next = false;
  uint64_t length = s.size();
  auto flush_node = [&](bool full) {
    // A whole node goes when the strategy allows it and the limit is not passed.
    const uint64_t n = node.size();
    const StreamId last = IdOfMember(node.back());
    bool remove = spec.strategy == 1 ? length - n >= spec.maxlen : last < spec.minid;
    if (spec.limit != 0 && doomed.size() + n > spec.limit) remove = false;
    (void)full;
    if (!remove) return false;
    for (auto& k : node) doomed.push_back(std::move(k));
    length -= n;
    node.clear();
    return true;
  };
  const rocksdb::Status st = s.ForEach([&](std::string_view member, std::string_view) {
    const StreamId id = IdOfMember(member);
    if (spec.approx) {
      node.emplace_back(member);
      if (node.size() == kNodeEntries) {
        if (!flush_node(true)) {
          next_first = IdOfMember(node.front());
          has_next = true;
          stopped = true;
          return false;
        }
      }
      return true;
    }
    const bool remove = spec.strategy == 1 ? length > spec.maxlen : id < spec.minid;
    if (!remove) {
      next_first = id;
      has_next = true;
      stopped = true;
      return false;
    }
    doomed.emplace_back(member);
    length--;
    return true;
  }, IdKey(m.first));
  if (!st.ok()) return st;
  if (spec.approx && !stopped && !node.empty()) {
    // The last, partly filled node.
    if (!flush_node(false)) {
      next_first = IdOfMember(node.front());
      has_next = true;
    }
  }
  for (const auto& k : doomed) s.Delete(k);
  s.Grow(-static_cast<int64_t>(doomed.size()));
  *deleted = static_cast<int64_t>(doomed.size());
  if (!doomed.empty()) m.first = has_next && s.size() > 0 ? next_first : StreamId{};
  return rocksdb::Status::OK();
}

void EncodeFields(const Request& req, const Command& c, uint32_t from, std::string* out) {
  out->clear();
  for (uint32_t i = from; i < c.argc; i++) {
    const std::string_view a = req.arg(c, i);
    const uint32_t n = static_cast<uint32_t>(a.size());
    char len[4];
    std::memcpy(len, &n, 4);
    out->append(len, 4);
    out->append(a.data(), a.size());
  }
}

}  // namespace

// XADD key spec field value [field value ...]: replies the new ID (nil with NOMKSTREAM
// on a missing key).
void XAddCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  AddSpec spec;
  if (c.argc < 4 || c.argc % 2 != 0 || !ParseAddSpec(req.arg(c, 1), &spec)) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyEdit s(g, c.db, req.arg(c, 0), kFamilyStream);
  StreamMeta m;
  const Found f = OpenStream(s, w, &m);
  if (f == Found::kFailed) return;
  if (f == Found::kMissing) {
    if (spec.nomkstream) return w.Nil();
    s.Create();
  }
  if (m.last.ms == kMax && m.last.seq == kMax) {
    return w.Error(kErr_STREAM, "ERR The stream has exhausted the last possible ID, unable to add more items");
  }
  StreamId id;
  bool ok = true;
  if (spec.id_mode == 0) {
    const uint64_t now = static_cast<uint64_t>(g.now());
    if (now > m.last.ms) {
      id = {now, 0};
    } else if (m.last.seq == kMax) {
      id = {m.last.ms + 1, 0};
    } else {
      id = {m.last.ms, m.last.seq + 1};
    }
  } else {
    id = spec.id;
    if (spec.id_mode == 2) {
      if (id.ms == m.last.ms) {
        // Redis answers this one with its "too large" error (streamAppendItem's ERANGE).
        if (m.last.seq == kMax) return w.Error(kErr_STREAM, "ERR Elements are too large to be stored");
        id.seq = m.last.seq + 1;
      } else {
        id.seq = 0;
      }
    }
    if (ok && id <= m.last) ok = false;
  }
  if (!ok) {
    if (f == Found::kMissing) SaveStream(s, m);  // Redis created the key before failing
    return w.Error(kErr_STREAM, "ERR The ID specified in XADD is equal or smaller than the target stream top item");
  }
  std::string value;
  EncodeFields(req, c, 2, &value);
  s.Put(IdKey(id), value);
  s.Grow(1);
  m.entries_added++;
  m.last = id;
  if (s.size() == 1) m.first = id;
  int64_t trimmed = 0;
  const rocksdb::Status st = Trim(s, m, spec, &trimmed);
  if (!st.ok()) return ReplyStatus(w, st);
  SaveStream(s, m);
  g.MarkReady(c.db, req.arg(c, 0));
  w.Bulk(IdText(id));
}

// XTRIM key spec: replies the number of entries removed.
void XTrimCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  AddSpec spec;
  if (c.argc < 2 || !ParseAddSpec(req.arg(c, 1), &spec)) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyEdit s(g, c.db, req.arg(c, 0), kFamilyStream);
  StreamMeta m;
  const Found f = OpenStream(s, w, &m);
  if (f == Found::kFailed) return;
  if (f == Found::kMissing) return w.Int(0);
  int64_t trimmed = 0;
  const rocksdb::Status st = Trim(s, m, spec, &trimmed);
  if (!st.ok()) return ReplyStatus(w, st);
  if (trimmed > 0) SaveStream(s, m);
  w.Int(trimmed);
}

void XLenCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  ReplyMemberCount(req, c, v, r, w, kTypeStream, kFamilyStream);
}

// XRANGE key [start ms, seq, end ms, seq] with count `a` (-1: all; 0: the null array) and
// `b` = 1 for XREVRANGE. Bounds are inclusive (TS turns `(` into the next ID).
void XRangeCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  if (c.argc < 2 || req.arg(c, 1).size() != 32) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyView s(r, c.db, req.arg(c, 0), kFamilyStream);
  const Found f = s.Load(v[0], kTypeStream, w);
  if (f == Found::kFailed) return;
  if (f == Found::kMissing) return w.Array(0);
  if (c.a == 0) return w.Nil();
  const StreamId start = ReadId(req.arg(c, 1).data());
  const StreamId end = ReadId(req.arg(c, 1).data() + 16);
  const uint64_t count = c.a < 0 ? kMax : static_cast<uint64_t>(c.a);
  const size_t at = w.ArrayPlaceholder();
  uint32_t n = 0;
  if (!(end < start)) {
    const std::string& p = s.prefix();
    auto it = r.Members(kFamilyStream, p, PrefixEnd(p));
    const std::string lo = p + IdKey(start);
    const std::string hi = p + IdKey(end);
    if (c.b) {
      it->SeekBefore(PrefixEnd(hi));
    } else {
      it->Seek(lo);
    }
    for (; it->Valid() && n < count; c.b ? it->Prev() : it->Next()) {
      const rocksdb::Slice k = it->key();
      if (c.b ? k.compare(lo) < 0 : k.compare(hi) > 0) break;
      ReplyEntry(w, std::string_view(k.data() + p.size(), k.size() - p.size()),
                 std::string_view(it->value().data(), it->value().size()));
      n++;
    }
    if (!it->status().ok()) {
      w.Truncate(at - 1);
      return ReplyStatus(w, it->status());
    }
  }
  w.PatchArray(at, n);
}

// XDEL key id16 [id16 ...]: replies the number of entries deleted.
void XDelCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  KeyEdit s(g, c.db, req.arg(c, 0), kFamilyStream);
  StreamMeta m;
  const Found f = OpenStream(s, w, &m);
  if (f == Found::kFailed) return;
  if (f == Found::kMissing) return w.Int(0);
  int64_t deleted = 0;
  bool first_deleted = false;
  rocksdb::PinnableSlice old;
  // Redis checks the key before the IDs ("!" marks an invalid one).
  for (uint32_t i = 1; i < c.argc; i++) {
    if (req.arg(c, i).size() != 16) return w.Error(kErr_STREAM, "ERR Invalid stream ID specified as stream command argument");
  }
  for (uint32_t i = 1; i < c.argc; i++) {
    const std::string_view a = req.arg(c, i);
    const StreamId id = ReadId(a.data());
    const rocksdb::Status st = s.Get(a, &old);
    if (st.IsNotFound()) continue;
    if (!st.ok()) return ReplyStatus(w, st);
    s.Delete(a);
    s.Grow(-1);
    deleted++;
    if (m.max_deleted < id) m.max_deleted = id;
    if (id == m.first) first_deleted = true;
  }
  if (deleted > 0) {
    if (s.size() == 0) {
      m.first = {};
    } else if (first_deleted) {
      rocksdb::Status st;
      StreamId next;
      if (FirstFrom(s, m.first, &next, &st)) m.first = next;
      if (!st.ok()) return ReplyStatus(w, st);
    }
    SaveStream(s, m);
  }
  w.Int(deleted);
}

// XSETID key [id ms, seq, max deleted ms, seq] with entries-added `a` (-1: not given).
// Redis 7.0 checks the new ID against the top item only, not the current max deleted ID.
void XSetIdCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2 || req.arg(c, 1).size() != 32) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const StreamId id = ReadId(req.arg(c, 1).data());
  const StreamId max_deleted = ReadId(req.arg(c, 1).data() + 16);
  KeyEdit s(g, c.db, req.arg(c, 0), kFamilyStream);
  StreamMeta m;
  const Found f = OpenStream(s, w, &m);
  if (f == Found::kFailed) return;
  if (f == Found::kMissing) return w.Error(kErr_NO_SUCH_KEY);
  if (s.size() > 0) {
    StreamId top;
    const rocksdb::Status st = LastValid(s, &top);
    if (!st.ok()) return ReplyStatus(w, st);
    if (id < top) return w.Error(kErr_STREAM, "ERR The ID specified in XSETID is smaller than the target stream top item");
    if (c.a >= 0 && s.size() > static_cast<uint64_t>(c.a)) {
      return w.Error(kErr_STREAM, "ERR The entries_added specified in XSETID is smaller than the target stream length");
    }
  }
  m.last = id;
  if (c.a >= 0) m.entries_added = static_cast<uint64_t>(c.a);
  if (!max_deleted.zero()) m.max_deleted = max_deleted;
  SaveStream(s, m);
  w.Ok();
}

// XREAD (and its blocking retries): keys are the first `b` arguments, then one ID
// argument per key: 16 bytes (entries after that ID), "$" (after the stream's last ID:
// none now), or a marker of a bad argument ("!" an invalid ID, ">" the XREADGROUP-only
// ID), answered in Redis' order: a key's type is checked before its ID. Count `a` (0:
// all). Replies [[key, entries], ...] for the streams with entries, or nil if none has.
// With XREAD_LAST_IDS it replies the streams' last IDs (16 bytes each, 0-0 for a missing
// key) instead: the blocking form resolves "$" once, before it waits.
void XReadCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  const uint32_t n = static_cast<uint32_t>(c.b);
  if (c.b <= 0 || c.argc != 2 * n) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const bool last_ids = c.flags & kFlag_XREAD_LAST_IDS;
  const uint64_t count = c.a <= 0 ? kMax : static_cast<uint64_t>(c.a);
  const size_t mark = w.size();
  const size_t at = w.ArrayPlaceholder();
  uint32_t served = 0;
  for (uint32_t i = 0; i < n; i++) {
    const std::string_view key = req.arg(c, i);
    const std::string_view arg = req.arg(c, n + i);
    Lookup l;
    g.Read(c.db, key, &l);
    // Checked before Load, which would write its error behind the replies so far.
    if (!l.status.ok()) {
      w.Truncate(mark);
      return ReplyStatus(w, l.status);
    }
    if (l.value.exists() && l.value.type != kTypeStream) {
      w.Truncate(mark);
      return w.Error(kErr_WRONGTYPE);
    }
    KeyView s(g, c.db, key, kFamilyStream);
    const Found f = s.Load(l, kTypeStream, w);
    if (f == Found::kFailed) {
      // Only unreadable metadata is left: keep its error, drop the replies before it.
      w.Truncate(mark);
      return w.Error(kErr_CORRUPTION, "unreadable metadata");
    }
    if (arg == "!" || arg == ">") {
      w.Truncate(mark);
      return w.Error(kErr_STREAM, arg == "!" ? "ERR Invalid stream ID specified as stream command argument"
                                             : "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.");
    }
    const StreamMeta m = f == Found::kFound ? StreamMeta::Decode(s.meta().extra) : StreamMeta();
    if (last_ids) {
      w.Bulk(IdKey(m.last));
      served++;
      continue;
    }
    if (arg.size() != 16 || f != Found::kFound) continue;
    const StreamId after = ReadId(arg.data());
    if (!(after < m.last)) continue;  // nothing after it (the last ID may be past every entry)
    const std::string& p = s.prefix();
    auto it = g.Members(kFamilyStream, p, PrefixEnd(p));
    StreamId from = after;
    if (from.seq == kMax) {
      from = {from.ms + 1, 0};
    } else {
      from.seq++;
    }
    it->Seek(p + IdKey(from));
    if (!it->Valid()) {
      if (!it->status().ok()) {
        w.Truncate(mark);
        return ReplyStatus(w, it->status());
      }
      continue;
    }
    w.Array(2);
    w.Bulk(key);
    const size_t entries_at = w.ArrayPlaceholder();
    uint32_t k = 0;
    for (; it->Valid() && k < count; it->Next(), k++) {
      const rocksdb::Slice mk = it->key();
      ReplyEntry(w, std::string_view(mk.data() + p.size(), mk.size() - p.size()),
                 std::string_view(it->value().data(), it->value().size()));
    }
    if (!it->status().ok()) {
      w.Truncate(mark);
      return ReplyStatus(w, it->status());
    }
    w.PatchArray(entries_at, k);
    served++;
  }
  if (served == 0 && !last_ids) {
    w.Truncate(mark);
    return w.Nil();
  }
  w.PatchArray(at, served);
}

}  // namespace kiwi
