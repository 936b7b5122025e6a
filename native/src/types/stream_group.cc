// Stream consumer groups with Redis 7.0 semantics (t_stream.c): XGROUP, XREADGROUP, XACK,
// XPENDING. Group state lives in the "streamgroup" column family under the stream's
// version (format.h), so deleting the stream drops it with the entries:
//   [prefix] 'G' [group]                                  -> last delivered ID (2 u64 LE),
//                                                            entries read (i64 LE, -1 unknown)
//   [prefix] 'C' [u32 BE n][group] [consumer]             -> seen time (i64 LE ms)
//   [prefix] 'P' [u32 BE n][group] [id]                   -> delivery time (i64 LE), count
//                                                            (u64 LE), consumer name
//   [prefix] 'Q' [u32 BE n][group] [u32 BE m][consumer] [id] -> empty (the consumer's PEL)
// ids are 16 bytes big-endian, so PEL walks are in ID order.
#include <map>

#include "stream.h"

namespace kiwi {

using namespace stream;

namespace {

constexpr char kNeedKey[] =
    "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM "
    "option to create an empty stream automatically.";
constexpr int64_t kInvalidEntriesRead = -1;

void PutU32BE(std::string* out, uint32_t n) {
  for (int i = 3; i >= 0; i--) out->push_back(static_cast<char>(n >> (8 * i)));
}

std::string Scoped(const std::string& p, char tag, std::string_view group) {
  std::string k = p;
  k.push_back(tag);
  PutU32BE(&k, static_cast<uint32_t>(group.size()));
  k.append(group.data(), group.size());
  return k;
}

struct Group {
  StreamId last;
  int64_t entries_read = kInvalidEntriesRead;

  static Group Decode(std::string_view v) {
    Group g;
    if (v.size() < 24) return g;
    g.last = {GetFixed64LE(v.data()), GetFixed64LE(v.data() + 8)};
    g.entries_read = static_cast<int64_t>(GetFixed64LE(v.data() + 16));
    return g;
  }
  std::string Encode() const {
    std::string out;
    PutFixed64LE(&out, last.ms);
    PutFixed64LE(&out, last.seq);
    PutFixed64LE(&out, static_cast<uint64_t>(entries_read));
    return out;
  }
};

struct Nack {
  int64_t delivery_time = 0;
  uint64_t delivery_count = 0;
  std::string consumer;

  static Nack Decode(std::string_view v) {
    Nack n;
    if (v.size() < 16) return n;
    n.delivery_time = static_cast<int64_t>(GetFixed64LE(v.data()));
    n.delivery_count = GetFixed64LE(v.data() + 8);
    n.consumer.assign(v.data() + 16, v.size() - 16);
    return n;
  }
  std::string Encode() const {
    std::string out;
    PutFixed64LE(&out, static_cast<uint64_t>(delivery_time));
    PutFixed64LE(&out, delivery_count);
    out.append(consumer);
    return out;
  }
};

// A stream's group records as one command sees and changes them (through the reader, or
// the write group when it is one).
class Groups {
 public:
  Groups(Reader& r, const std::string& prefix) : r_(r), p_(prefix) {}

  std::string GroupKey(std::string_view g) const { return p_ + 'G' + std::string(g); }
  std::string ConsumerKey(std::string_view g, std::string_view c) const { return Scoped(p_, 'C', g) + std::string(c); }
  std::string PelKey(std::string_view g, const StreamId& id) const { return Scoped(p_, 'P', g) + IdKey(id); }
  std::string ConsumerPelPrefix(std::string_view g, std::string_view c) const {
    std::string k = Scoped(p_, 'Q', g);
    PutU32BE(&k, static_cast<uint32_t>(c.size()));
    k.append(c.data(), c.size());
    return k;
  }

  // NotFound when missing.
  rocksdb::Status Get(const std::string& key, std::string* out) const {
    rocksdb::PinnableSlice v;
    const rocksdb::Status s = r_.GetMember(kFamilyStreamGroup, key, &v);
    if (s.ok()) out->assign(v.data(), v.size());
    return s;
  }
  rocksdb::Status LoadGroup(std::string_view g, Group* out, bool* found) const {
    std::string v;
    const rocksdb::Status s = Get(GroupKey(g), &v);
    *found = s.ok();
    if (s.ok()) *out = Group::Decode(v);
    return s.IsNotFound() ? rocksdb::Status::OK() : s;
  }
  // Calls fn(key suffix after `prefix`, value) for every record under `prefix` from `from`.
  rocksdb::Status Walk(const std::string& prefix, const std::function<bool(std::string_view, std::string_view)>& fn,
                       const std::string& from = {}) const {
    auto it = r_.Members(kFamilyStreamGroup, prefix, PrefixEnd(prefix));
    if (from.empty()) {
      it->Seek();
    } else {
      it->Seek(from);
    }
    for (; it->Valid(); it->Next()) {
      const rocksdb::Slice k = it->key();
      const rocksdb::Slice v = it->value();
      if (!fn(std::string_view(k.data() + prefix.size(), k.size() - prefix.size()), std::string_view(v.data(), v.size()))) break;
    }
    return it->status();
  }
  const std::string& prefix() const { return p_; }

 private:
  Reader& r_;
  const std::string& p_;
};

void Put(WriteGroup& g, const std::string& k, const std::string& v) { g.PutMember(kFamilyStreamGroup, k, v); }
void Del(WriteGroup& g, const std::string& k) { g.DeleteMember(kFamilyStreamGroup, k); }

// Redis streamEstimateDistanceFromFirstEverEntry.
int64_t EstimateEntriesRead(const StreamMeta& m, uint64_t length, const StreamId& id) {
  if (m.entries_added == 0) return 0;
  if (length == 0 && id <= m.last) return static_cast<int64_t>(m.entries_added);
  if (id == m.last) return static_cast<int64_t>(m.entries_added);
  if (m.last < id) return kInvalidEntriesRead;
  if (m.max_deleted.zero() || m.max_deleted < m.first) {
    if (id < m.first) return static_cast<int64_t>(m.entries_added - length);
    if (id == m.first) return static_cast<int64_t>(m.entries_added - length + 1);
  }
  return kInvalidEntriesRead;
}

// Redis streamRangeHasTombstones from `start` to the end.
bool TombstonesFrom(const StreamMeta& m, uint64_t length, const StreamId& start) {
  if (length == 0 || m.max_deleted.zero()) return false;
  if (m.max_deleted < m.first) return false;  // the latest tombstone is before the first entry
  return start <= m.max_deleted;
}

// Deletes every record of `g` whose key starts with `scoped`.
rocksdb::Status DeleteAll(WriteGroup& wg, const Groups& gs, const std::string& scoped) {
  std::vector<std::string> doomed;
  const rocksdb::Status s = gs.Walk(scoped, [&](std::string_view suffix, std::string_view) {
    doomed.push_back(scoped + std::string(suffix));
    return true;
  });
  for (const auto& k : doomed) Del(wg, k);
  return s;
}

}  // namespace

// XGROUP: subcommand `a` (0 CREATE, 1 SETID, 2 CREATECONSUMER, 3 DELCONSUMER, 4 DESTROY);
// arguments key, group, then the ID (16 bytes, "$", or "!" for an invalid one) of
// CREATE/SETID or the consumer; `b` the entries-read counter; XGROUP_MKSTREAM.
void XGroupCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const std::string_view key = req.arg(c, 0);
  const std::string_view group = req.arg(c, 1);
  KeyEdit s(g, c.db, key, kFamilyStream);
  StreamMeta m;
  const Found f = OpenStream(s, w, &m);
  if (f == Found::kFailed) return;
  const bool mkstream = c.flags & kFlag_XGROUP_MKSTREAM;
  if (f == Found::kMissing && !mkstream) return w.Error(kErr_STREAM, kNeedKey);
  Group gr;
  bool exists = false;
  if (f == Found::kFound) {
    Groups gs(g, s.prefix());
    const rocksdb::Status st = gs.LoadGroup(group, &gr, &exists);
    if (!st.ok()) return ReplyStatus(w, st);
    if (!exists && c.a >= 1 && c.a <= 3) {
      return w.Error(kErr_STREAM, "NOGROUP No such consumer group '" + std::string(group) + "' for key name '" + std::string(key) + "'");
    }
  }
  if (c.a == 0 || c.a == 1) {
    if (c.argc < 3) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
    const std::string_view arg = req.arg(c, 2);
    if (arg == "!") return w.Error(kErr_STREAM, "ERR Invalid stream ID specified as stream command argument");
    const StreamId id = arg == "$" ? m.last : ReadId(arg.data());
    if (c.a == 0) {
      if (exists) return w.Error(kErr_STREAM, "BUSYGROUP Consumer Group name already exists");
      if (f == Found::kMissing) {
        s.Create();
        SaveStream(s, m);
      }
    }
    Groups gs(g, s.prefix());
    gr.last = id;
    gr.entries_read = c.b;
    Put(g, gs.GroupKey(group), gr.Encode());
    g.Touched(c.db, key);
    return w.Ok();
  }
  Groups gs(g, s.prefix());
  if (c.a == 4) {
    if (!exists) return w.Int(0);
    Del(g, gs.GroupKey(group));
    for (char tag : {'C', 'P', 'Q'}) {
      const rocksdb::Status st = DeleteAll(g, gs, Scoped(s.prefix(), tag, group));
      if (!st.ok()) return ReplyStatus(w, st);
    }
    g.Touched(c.db, key);
    // Blocked XREADGROUP clients of the group retry and find it gone.
    g.MarkReady(c.db, key);
    return w.Int(1);
  }
  if (c.argc < 3) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const std::string_view consumer = req.arg(c, 2);
  std::string seen;
  const rocksdb::Status st = gs.Get(gs.ConsumerKey(group, consumer), &seen);
  if (!st.ok() && !st.IsNotFound()) return ReplyStatus(w, st);
  if (c.a == 2) {
    if (st.ok()) return w.Int(0);
    std::string v;
    PutFixed64LE(&v, static_cast<uint64_t>(g.now()));
    Put(g, gs.ConsumerKey(group, consumer), v);
    g.Touched(c.db, key);
    return w.Int(1);
  }
  if (st.IsNotFound()) return w.Int(0);
  // DELCONSUMER: its pending entries leave the group's PEL too.
  const std::string cpel = gs.ConsumerPelPrefix(group, consumer);
  std::vector<std::string> ids;
  const rocksdb::Status ws = gs.Walk(cpel, [&](std::string_view id, std::string_view) {
    ids.emplace_back(id);
    return true;
  });
  if (!ws.ok()) return ReplyStatus(w, ws);
  for (const auto& id : ids) {
    Del(g, cpel + id);
    Del(g, Scoped(s.prefix(), 'P', group) + id);
  }
  Del(g, gs.ConsumerKey(group, consumer));
  g.Touched(c.db, key);
  w.Int(static_cast<int64_t>(ids.size()));
}

// XREADGROUP: keys are the first `b` arguments, then one ID argument per key (16 bytes, ">"
// new entries, "$" or "!" bad arguments), then group and consumer. Count `a` (0: all),
// XREADGROUP_NOACK. Replies [[key, entries], ...] (nil when nothing was served).
void XReadGroupCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  const uint32_t n = static_cast<uint32_t>(c.b);
  if (c.b <= 0 || c.argc != 2 * n + 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const std::string_view group = req.arg(c, 2 * n);
  const std::string_view consumer = req.arg(c, 2 * n + 1);
  const bool noack = c.flags & kFlag_XREADGROUP_NOACK;
  const uint64_t count = c.a <= 0 ? kMax : static_cast<uint64_t>(c.a);
  // Checks first, in Redis' order (type, group, ID per key), then serves.
  for (uint32_t i = 0; i < n; i++) {
    const std::string_view key = req.arg(c, i);
    const std::string_view arg = req.arg(c, n + i);
    KeyEdit s(g, c.db, key, kFamilyStream);
    StreamMeta m;
    const Found f = OpenStream(s, w, &m);
    if (f == Found::kFailed) return;
    bool exists = false;
    if (f == Found::kFound) {
      Group gr;
      Groups gs(g, s.prefix());
      const rocksdb::Status st = gs.LoadGroup(group, &gr, &exists);
      if (!st.ok()) return ReplyStatus(w, st);
    }
    if (!exists) {
      return w.Error(kErr_STREAM, "NOGROUP No such key '" + std::string(key) + "' or consumer group '" + std::string(group) +
                                      "' in XREADGROUP with GROUP option");
    }
    if (arg == "$") {
      return w.Error(kErr_STREAM,
                     "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer "
                     "by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty "
                     "result set.");
    }
    if (arg == "!") return w.Error(kErr_STREAM, "ERR Invalid stream ID specified as stream command argument");
  }
  const size_t at = w.ArrayPlaceholder();
  uint32_t served = 0;
  for (uint32_t i = 0; i < n; i++) {
    const std::string_view key = req.arg(c, i);
    const std::string_view arg = req.arg(c, n + i);
    KeyEdit s(g, c.db, key, kFamilyStream);
    StreamMeta m;
    if (OpenStream(s, w, &m) != Found::kFound) continue;  // checked above
    Groups gs(g, s.prefix());
    Group gr;
    bool exists = false;
    rocksdb::Status st = gs.LoadGroup(group, &gr, &exists);
    if (!st.ok() || !exists) {
      w.Truncate(at - 1);
      return ReplyStatus(w, st.ok() ? rocksdb::Status::Corruption("group vanished") : st);
    }
    // The consumer exists from its first read on, and was seen now.
    std::string now;
    PutFixed64LE(&now, static_cast<uint64_t>(g.now()));
    Put(g, gs.ConsumerKey(group, consumer), now);
    g.Touched(c.db, key);
    const bool history = arg != ">";
    if (!history) {
      StreamId top;
      st = LastValid(s, &top);
      if (!st.ok()) {
        w.Truncate(at - 1);
        return ReplyStatus(w, st);
      }
      if (s.size() == 0 || !(gr.last < top)) continue;
    }
    w.Array(2);
    w.Bulk(key);
    const size_t entries_at = w.ArrayPlaceholder();
    uint32_t k = 0;
    const std::string cpel = gs.ConsumerPelPrefix(group, consumer);
    if (history) {
      // The consumer's own pending entries after the ID; a deleted entry shows as nil.
      const StreamId after = ReadId(arg.data());
      std::vector<std::string> ids;
      if (!(after.ms == kMax && after.seq == kMax)) {
        const StreamId from = after.seq == kMax ? StreamId{after.ms + 1, 0} : StreamId{after.ms, after.seq + 1};
        st = gs.Walk(cpel, [&](std::string_view id, std::string_view) {
          if (ids.size() >= count) return false;
          ids.emplace_back(id);
          return true;
        }, cpel + IdKey(from));
      }
      for (const auto& id : ids) {
        if (!st.ok()) break;
        rocksdb::PinnableSlice value;
        st = s.Get(id, &value);
        if (st.IsNotFound()) {
          st = rocksdb::Status::OK();
          w.Array(2);
          w.Bulk(IdText(ReadId(id.data())));
          w.Nil();
        } else if (st.ok()) {
          ReplyEntry(w, id, std::string_view(value.data(), value.size()));
          std::string nv;
          const std::string pk = Scoped(s.prefix(), 'P', group) + id;
          st = gs.Get(pk, &nv);
          if (st.ok()) {
            Nack nack = Nack::Decode(nv);
            nack.delivery_time = g.now();
            nack.delivery_count++;
            Put(g, pk, nack.Encode());
          } else if (st.IsNotFound()) {
            st = rocksdb::Status::OK();
          }
        }
        k++;
      }
    } else {
      // New entries after the group's last delivered ID: each goes to this consumer.
      std::vector<std::pair<std::string, std::string>> entries;
      const StreamId from = gr.last.seq == kMax ? StreamId{gr.last.ms + 1, 0} : StreamId{gr.last.ms, gr.last.seq + 1};
      st = s.ForEach([&](std::string_view member, std::string_view value) {
        if (entries.size() >= count) return false;
        entries.emplace_back(std::string(member), std::string(value));
        return true;
      }, IdKey(from));
      for (const auto& [member, value] : entries) {
        if (!st.ok()) break;
        const StreamId id = IdOfMember(member);
        if (gr.entries_read != kInvalidEntriesRead && !TombstonesFrom(m, s.size(), id)) {
          gr.entries_read++;
        } else if (m.entries_added != 0) {
          gr.entries_read = EstimateEntriesRead(m, s.size(), id);
        }
        gr.last = id;
        if (!noack) {
          const std::string pk = gs.PelKey(group, id);
          std::string old;
          st = gs.Get(pk, &old);
          if (st.ok()) {
            // A SETID moved the group back: the entry changes hands.
            const Nack prev = Nack::Decode(old);
            Del(g, gs.ConsumerPelPrefix(group, prev.consumer) + member);
          } else if (!st.IsNotFound()) {
            break;
          }
          st = rocksdb::Status::OK();
          Nack nack{g.now(), 1, std::string(consumer)};
          Put(g, pk, nack.Encode());
          Put(g, cpel + member, std::string());
        }
        ReplyEntry(w, member, value);
        k++;
      }
      Put(g, gs.GroupKey(group), gr.Encode());
    }
    if (!st.ok()) {
      w.Truncate(at - 1);
      return ReplyStatus(w, st);
    }
    w.PatchArray(entries_at, k);
    served++;
  }
  if (served == 0) {
    w.Truncate(at - 1);
    return w.Nil();
  }
  w.PatchArray(at, served);
}

// XACK key group id... (16 bytes each, "!" for an invalid one): replies how many were
// pending.
void XAckCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 3) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const std::string_view group = req.arg(c, 1);
  KeyEdit s(g, c.db, req.arg(c, 0), kFamilyStream);
  StreamMeta m;
  const Found f = OpenStream(s, w, &m);
  if (f == Found::kFailed) return;
  if (f == Found::kMissing) return w.Int(0);
  Groups gs(g, s.prefix());
  Group gr;
  bool exists = false;
  rocksdb::Status st = gs.LoadGroup(group, &gr, &exists);
  if (!st.ok()) return ReplyStatus(w, st);
  if (!exists) return w.Int(0);
  for (uint32_t i = 2; i < c.argc; i++) {
    if (req.arg(c, i).size() != 16) return w.Error(kErr_STREAM, "ERR Invalid stream ID specified as stream command argument");
  }
  int64_t acked = 0;
  for (uint32_t i = 2; i < c.argc; i++) {
    const std::string_view id = req.arg(c, i);
    const std::string pk = Scoped(s.prefix(), 'P', group) + std::string(id);
    std::string v;
    st = gs.Get(pk, &v);
    if (st.IsNotFound()) continue;
    if (!st.ok()) return ReplyStatus(w, st);
    const Nack nack = Nack::Decode(v);
    Del(g, pk);
    Del(g, gs.ConsumerPelPrefix(group, nack.consumer) + std::string(id));
    acked++;
  }
  if (acked > 0) g.Touched(c.db, req.arg(c, 0));
  w.Int(acked);
}

// XPENDING key group [start(16) end(16) [consumer]]: `a` the count (-1: the summary form),
// `b` the minimum idle time, XPENDING_CONSUMER when a consumer is given.
void XPendingCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const std::string_view key = req.arg(c, 0);
  const std::string_view group = req.arg(c, 1);
  KeyView s(r, c.db, key, kFamilyStream);
  const Found f = s.Load(v[0], kTypeStream, w);
  if (f == Found::kFailed) return;
  bool exists = false;
  Group gr;
  if (f == Found::kFound) {
    Groups gs(r, s.prefix());
    const rocksdb::Status st = gs.LoadGroup(group, &gr, &exists);
    if (!st.ok()) return ReplyStatus(w, st);
  }
  if (!exists) {
    return w.Error(kErr_STREAM, "NOGROUP No such key '" + std::string(key) + "' or consumer group '" + std::string(group) + "'");
  }
  Groups gs(r, s.prefix());
  const std::string pel = Scoped(s.prefix(), 'P', group);
  if (c.a < 0) {
    // Summary: count, first and last ID, and the consumers with pending entries.
    uint64_t total = 0;
    StreamId first, last;
    rocksdb::Status st = gs.Walk(pel, [&](std::string_view id, std::string_view) {
      if (total == 0) first = ReadId(id.data());
      last = ReadId(id.data());
      total++;
      return true;
    });
    if (!st.ok()) return ReplyStatus(w, st);
    w.Array(4);
    w.Int(static_cast<int64_t>(total));
    if (total == 0) {
      w.Nil();
      w.Nil();
      w.Nil();
      return;
    }
    w.Bulk(IdText(first));
    w.Bulk(IdText(last));
    // The consumers' PEL index is ordered by name length first: sort by name as Redis does.
    std::map<std::string, uint64_t> pending;
    st = gs.Walk(Scoped(s.prefix(), 'Q', group), [&](std::string_view rest, std::string_view) {
      if (rest.size() < 4) return true;
      const uint32_t len = (static_cast<uint32_t>(static_cast<uint8_t>(rest[0])) << 24) |
                           (static_cast<uint32_t>(static_cast<uint8_t>(rest[1])) << 16) |
                           (static_cast<uint32_t>(static_cast<uint8_t>(rest[2])) << 8) |
                           static_cast<uint32_t>(static_cast<uint8_t>(rest[3]));
      pending[std::string(rest.substr(4, len))]++;
      return true;
    });
    if (!st.ok()) return ReplyStatus(w, st);
    w.Array(static_cast<uint32_t>(pending.size()));
    for (const auto& [name, count] : pending) {
      w.Array(2);
      w.Bulk(name);
      w.Bulk(std::to_string(count));
    }
    return;
  }
  if (c.argc < 3 || req.arg(c, 2).size() != 32) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const std::string start = IdKey(ReadId(req.arg(c, 2).data()));
  const std::string end = IdKey(ReadId(req.arg(c, 2).data() + 16));
  const bool by_consumer = c.flags & kFlag_XPENDING_CONSUMER;
  std::string consumer;
  if (by_consumer) {
    if (c.argc < 4) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
    consumer.assign(req.arg(c, 3));
    std::string seen;
    const rocksdb::Status st = gs.Get(gs.ConsumerKey(group, consumer), &seen);
    if (st.IsNotFound()) return w.Array(0);
    if (!st.ok()) return ReplyStatus(w, st);
  }
  const std::string walk = by_consumer ? gs.ConsumerPelPrefix(group, consumer) : pel;
  uint64_t count = static_cast<uint64_t>(c.a);
  const int64_t now = r.now();
  const size_t at = w.ArrayPlaceholder();
  uint32_t n = 0;
  rocksdb::Status inner;
  rocksdb::Status st = gs.Walk(walk, [&](std::string_view id, std::string_view) {
    if (count == 0 || id.compare(end) > 0) return false;
    std::string nv;
    inner = gs.Get(pel + std::string(id), &nv);
    if (inner.IsNotFound()) {
      inner = rocksdb::Status::OK();
      return true;
    }
    if (!inner.ok()) return false;
    const Nack nack = Nack::Decode(nv);
    int64_t idle = now - nack.delivery_time;
    if (c.b > 0 && idle < c.b) return true;
    if (idle < 0) idle = 0;
    w.Array(4);
    w.Bulk(IdText(ReadId(id.data())));
    w.Bulk(nack.consumer);
    w.Int(idle);
    w.Int(static_cast<int64_t>(nack.delivery_count));
    n++;
    count--;
    return true;
  }, walk + start);
  if (st.ok()) st = inner;
  if (!st.ok()) {
    w.Truncate(at - 1);
    return ReplyStatus(w, st);
  }
  w.PatchArray(at, n);
}

namespace {

// Moves pending entry `id` (its record `nack`) to `consumer` as XCLAIM and XAUTOCLAIM do.
void Claim(WriteGroup& g, const Groups& gs, std::string_view group, std::string_view consumer, const std::string& id,
           Nack* nack, int64_t delivery_time, int64_t retrycount, bool justid, bool* consumer_made) {
  if (!*consumer_made) {
    std::string seen;
    PutFixed64LE(&seen, static_cast<uint64_t>(g.now()));
    Put(g, gs.ConsumerKey(group, consumer), seen);
    *consumer_made = true;
  }
  if (nack->consumer != consumer && !nack->consumer.empty()) Del(g, gs.ConsumerPelPrefix(group, nack->consumer) + id);
  nack->delivery_time = delivery_time;
  if (retrycount >= 0) {
    nack->delivery_count = static_cast<uint64_t>(retrycount);
  } else if (!justid) {
    nack->delivery_count++;
  }
  nack->consumer.assign(consumer);
  Put(g, Scoped(gs.prefix(), 'P', group) + id, nack->Encode());
  Put(g, gs.ConsumerPelPrefix(group, consumer) + id, std::string());
}

// A claimed entry: its ID (JUSTID) or [id, fields].
rocksdb::Status ReplyClaimed(const KeyView& s, const std::string& id, bool justid, ReplyWriter& w) {
  if (justid) {
    w.Bulk(IdText(ReadId(id.data())));
    return rocksdb::Status::OK();
  }
  rocksdb::PinnableSlice value;
  const rocksdb::Status st = s.Get(id, &value);
  if (st.IsNotFound()) {
    w.Nil();
    return rocksdb::Status::OK();
  }
  if (st.ok()) ReplyEntry(w, id, std::string_view(value.data(), value.size()));
  return st;
}

// Key and group of XCLAIM/XAUTOCLAIM: NOGROUP when either is missing.
Found OpenGroup(KeyEdit& s, WriteGroup& g, std::string_view key, std::string_view group, Group* gr, ReplyWriter& w) {
  StreamMeta m;
  const Found f = OpenStream(s, w, &m);
  if (f == Found::kFailed) return f;
  bool exists = false;
  if (f == Found::kFound) {
    Groups gs(g, s.prefix());
    const rocksdb::Status st = gs.LoadGroup(group, gr, &exists);
    if (!st.ok()) {
      ReplyStatus(w, st);
      return Found::kFailed;
    }
  }
  if (!exists) {
    w.Error(kErr_STREAM, "NOGROUP No such key '" + std::string(key) + "' or consumer group '" + std::string(group) + "'");
    return Found::kFailed;
  }
  return Found::kFound;
}

}  // namespace

// XCLAIM key group consumer spec id... [error]: spec = i64 BE min idle, i64 BE IDLE or
// TIME value, u8 0 none / 1 IDLE / 2 TIME, i64 BE retry count (-1: not given), u8 FORCE,
// u8 JUSTID, 16 bytes LASTID. XCLAIM_ERROR: the last argument is an argument error Redis
// reports only once key and group are found.
void XClaimCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 4 || req.arg(c, 3).size() != 43) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const std::string_view key = req.arg(c, 0);
  const std::string_view group = req.arg(c, 1);
  const std::string_view consumer = req.arg(c, 2);
  KeyEdit s(g, c.db, key, kFamilyStream);
  Group gr;
  if (OpenGroup(s, g, key, group, &gr, w) == Found::kFailed) return;
  uint32_t end = c.argc;
  if (c.flags & kFlag_XCLAIM_ERROR) return w.Error(kErr_STREAM, req.arg(c, --end));
  const char* p = req.arg(c, 3).data();
  const int64_t min_idle = static_cast<int64_t>(GetFixed64BE(p));
  const int64_t time_value = static_cast<int64_t>(GetFixed64BE(p + 8));
  const uint8_t time_mode = static_cast<uint8_t>(p[16]);
  const int64_t retrycount = static_cast<int64_t>(GetFixed64BE(p + 17));
  const bool force = p[25] != 0;
  const bool justid = p[26] != 0;
  const StreamId last_id = ReadId(p + 27);
  const int64_t now = g.now();
  Groups gs(g, s.prefix());
  if (gr.last < last_id) {
    gr.last = last_id;
    Put(g, gs.GroupKey(group), gr.Encode());
  }
  int64_t delivery = time_mode == 1 ? now - time_value : time_mode == 2 ? time_value : now;
  if (delivery < 0 || delivery > now) delivery = now;
  const size_t at = w.ArrayPlaceholder();
  uint32_t n = 0;
  bool consumer_made = false;
  rocksdb::Status st;
  for (uint32_t i = 4; i < end && st.ok(); i++) {
    const std::string id(req.arg(c, i));
    const std::string pk = Scoped(s.prefix(), 'P', group) + id;
    std::string nv;
    st = gs.Get(pk, &nv);
    if (!st.ok() && !st.IsNotFound()) break;
    const bool pending = st.ok();
    rocksdb::PinnableSlice entry;
    st = s.Get(id, &entry);
    if (st.IsNotFound()) {
      // The entry is gone: its pending record goes too.
      st = rocksdb::Status::OK();
      if (pending) {
        const Nack gone = Nack::Decode(nv);
        Del(g, pk);
        Del(g, gs.ConsumerPelPrefix(group, gone.consumer) + id);
      }
      continue;
    }
    if (!st.ok()) break;
    Nack nack;
    if (pending) {
      nack = Nack::Decode(nv);
      if (min_idle > 0 && now - nack.delivery_time < min_idle) continue;
    } else if (!force) {
      continue;
    }
    Claim(g, gs, group, consumer, id, &nack, delivery, retrycount, justid, &consumer_made);
    st = ReplyClaimed(s, id, justid, w);
    n++;
  }
  if (!st.ok()) {
    w.Truncate(at - 1);
    return ReplyStatus(w, st);
  }
  g.Touched(c.db, key);
  w.PatchArray(at, n);
}

// XAUTOCLAIM key group consumer start(16): `a` min idle, `b` count, XAUTOCLAIM_JUSTID.
// Replies [next cursor, claimed, deleted IDs].
void XAutoClaimCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 4 || req.arg(c, 3).size() != 16) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const std::string_view key = req.arg(c, 0);
  const std::string_view group = req.arg(c, 1);
  const std::string_view consumer = req.arg(c, 2);
  KeyEdit s(g, c.db, key, kFamilyStream);
  Group gr;
  if (OpenGroup(s, g, key, group, &gr, w) == Found::kFailed) return;
  const bool justid = c.flags & kFlag_XAUTOCLAIM_JUSTID;
  int64_t count = c.b;
  int64_t attempts = count * 10;
  const int64_t now = g.now();
  Groups gs(g, s.prefix());
  const std::string pel = Scoped(s.prefix(), 'P', group);
  // Collect what to examine first (writes must not happen during the walk): at most
  // `attempts` records, and one more for the cursor.
  std::vector<std::pair<std::string, std::string>> records;
  rocksdb::Status st = gs.Walk(pel, [&](std::string_view id, std::string_view v) {
    records.emplace_back(std::string(id), std::string(v));
    return static_cast<int64_t>(records.size()) <= attempts;
  }, pel + std::string(req.arg(c, 3)));
  if (!st.ok()) return ReplyStatus(w, st);
  // Decide first (the cursor comes before the claimed entries in the reply), then write.
  enum Action { kSkip, kClaim, kGone };
  std::vector<Action> actions;
  size_t i = 0;
  for (; i < records.size() && attempts > 0 && count > 0; i++) {
    attempts--;
    rocksdb::PinnableSlice entry;
    st = s.Get(records[i].first, &entry);
    if (st.IsNotFound()) {
      st = rocksdb::Status::OK();
      actions.push_back(kGone);
      count--;
      continue;
    }
    if (!st.ok()) return ReplyStatus(w, st);
    const Nack nack = Nack::Decode(records[i].second);
    if (c.a > 0 && now - nack.delivery_time < c.a) {
      actions.push_back(kSkip);
      continue;
    }
    actions.push_back(kClaim);
    count--;
  }
  // The cursor: the next pending entry after the last one examined, or 0-0.
  const size_t mark = w.size();
  w.Array(3);
  w.Bulk(i < records.size() ? IdText(ReadId(records[i].first.data())) : "0-0");
  const size_t claimed_at = w.ArrayPlaceholder();
  uint32_t claimed = 0;
  std::vector<std::string> deleted;
  bool consumer_made = false;
  for (size_t k = 0; k < actions.size(); k++) {
    const std::string& id = records[k].first;
    Nack nack = Nack::Decode(records[k].second);
    if (actions[k] == kGone) {
      Del(g, pel + id);
      Del(g, gs.ConsumerPelPrefix(group, nack.consumer) + id);
      deleted.push_back(id);
    } else if (actions[k] == kClaim) {
      Claim(g, gs, group, consumer, id, &nack, now, -1, justid, &consumer_made);
      st = ReplyClaimed(s, id, justid, w);
      if (!st.ok()) {
        w.Truncate(mark);
        return ReplyStatus(w, st);
      }
      claimed++;
    }
  }
  w.PatchArray(claimed_at, claimed);
  w.Array(static_cast<uint32_t>(deleted.size()));
  for (const auto& id : deleted) w.Bulk(IdText(ReadId(id.data())));
  g.Touched(c.db, key);
}

namespace {

// Redis streamReplyWithCGLag: the group's lag, or nil when it cannot be known.
void ReplyLag(ReplyWriter& w, const StreamMeta& m, uint64_t length, const Group& gr) {
  if (m.entries_added == 0) return w.Int(0);
  if (gr.entries_read != kInvalidEntriesRead && !TombstonesFrom(m, length, gr.last)) {
    return w.Int(static_cast<int64_t>(m.entries_added) - gr.entries_read);
  }
  const int64_t read = EstimateEntriesRead(m, length, gr.last);
  if (read == kInvalidEntriesRead) return w.Nil();
  w.Int(static_cast<int64_t>(m.entries_added) - read);
}

struct GroupInfo {
  std::string name;
  Group group;
};

struct ConsumerInfo {
  std::string name;
  int64_t seen = 0;
  uint64_t pending = 0;
};

rocksdb::Status ListGroups(const Groups& gs, std::vector<GroupInfo>* out) {
  const std::string gp = gs.prefix() + 'G';
  return gs.Walk(gp, [&](std::string_view name, std::string_view v) {
    out->push_back({std::string(name), Group::Decode(v)});
    return true;
  });
}

rocksdb::Status ListConsumers(const Groups& gs, std::string_view group, std::vector<ConsumerInfo>* out) {
  const std::string cp = Scoped(gs.prefix(), 'C', group);
  rocksdb::Status st = gs.Walk(cp, [&](std::string_view name, std::string_view v) {
    out->push_back({std::string(name), v.size() >= 8 ? static_cast<int64_t>(GetFixed64LE(v.data())) : 0, 0});
    return true;
  });
  if (!st.ok()) return st;
  for (auto& c : *out) {
    st = gs.Walk(gs.ConsumerPelPrefix(group, c.name), [&](std::string_view, std::string_view) {
      c.pending++;
      return true;
    });
    if (!st.ok()) return st;
  }
  return st;
}

// XINFO's last-delivered-id, entries-read and lag fields of a group.
void ReplyGroupPosition(ReplyWriter& w, const StreamMeta& m, uint64_t length, const Group& gr) {
  w.Bulk("last-delivered-id");
  w.Bulk(IdText(gr.last));
  w.Bulk("entries-read");
  if (gr.entries_read == kInvalidEntriesRead) {
    w.Nil();
  } else {
    w.Int(gr.entries_read);
  }
  w.Bulk("lag");
  ReplyLag(w, m, length, gr);
}

uint64_t CountPel(const Groups& gs, std::string_view group, rocksdb::Status* st) {
  uint64_t n = 0;
  *st = gs.Walk(Scoped(gs.prefix(), 'P', group), [&](std::string_view, std::string_view) {
    n++;
    return true;
  });
  return n;
}

}  // namespace

// XINFO: `a` 0 STREAM, 1 GROUPS, 2 CONSUMERS (argument 1 the group), 3 STREAM FULL with
// count `b` (0: all). Replies flat [name, value, ...] arrays where Redis replies maps; the
// TS side makes RESP3 maps of them.
void XInfoCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const std::string_view key = req.arg(c, 0);
  KeyView s(r, c.db, key, kFamilyStream);
  const Found f = s.Load(v[0], kTypeStream, w);
  if (f == Found::kFailed) return;
  if (f == Found::kMissing) return w.Error(kErr_NO_SUCH_KEY);
  const StreamMeta m = StreamMeta::Decode(s.meta().extra);
  const uint64_t length = s.size();
  Groups gs(r, s.prefix());
  std::vector<GroupInfo> groups;
  rocksdb::Status st;
  const size_t mark = w.size();
  auto fail = [&](const rocksdb::Status& e) {
    w.Truncate(mark);
    ReplyStatus(w, e);
  };
  if (c.a == 2) {
    if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
    const std::string_view group = req.arg(c, 1);
    Group gr;
    bool exists = false;
    st = gs.LoadGroup(group, &gr, &exists);
    if (!st.ok()) return fail(st);
    if (!exists) return w.Error(kErr_STREAM, "NOGROUP No such consumer group '" + std::string(group) + "' for key name '" + std::string(key) + "'");
    std::vector<ConsumerInfo> consumers;
    st = ListConsumers(gs, group, &consumers);
    if (!st.ok()) return fail(st);
    w.Array(static_cast<uint32_t>(consumers.size()));
    for (const auto& cs : consumers) {
      w.Array(6);
      w.Bulk("name");
      w.Bulk(cs.name);
      w.Bulk("pending");
      w.Int(static_cast<int64_t>(cs.pending));
      w.Bulk("idle");
      w.Int(std::max<int64_t>(0, r.now() - cs.seen));
    }
    return;
  }
  st = ListGroups(gs, &groups);
  if (!st.ok()) return fail(st);
  if (c.a == 1) {
    w.Array(static_cast<uint32_t>(groups.size()));
    for (const auto& g : groups) {
      std::vector<ConsumerInfo> consumers;
      st = ListConsumers(gs, g.name, &consumers);
      if (!st.ok()) return fail(st);
      const uint64_t pel = CountPel(gs, g.name, &st);
      if (!st.ok()) return fail(st);
      w.Array(12);
      w.Bulk("name");
      w.Bulk(g.name);
      w.Bulk("consumers");
      w.Int(static_cast<int64_t>(consumers.size()));
      w.Bulk("pending");
      w.Int(static_cast<int64_t>(pel));
      ReplyGroupPosition(w, m, length, g.group);
    }
    return;
  }
  const bool full = c.a == 3;
  const uint64_t count = full && c.b > 0 ? static_cast<uint64_t>(c.b) : kMax;
  // kiwi keeps no radix tree: these two show Redis' figures for a stream built by appends
  // of small entries (100 to a node), README says so.
  const int64_t nodes = static_cast<int64_t>((length + 99) / 100);
  w.Array(full ? 18 : 20);
  w.Bulk("length");
  w.Int(static_cast<int64_t>(length));
  w.Bulk("radix-tree-keys");
  w.Int(nodes);
  w.Bulk("radix-tree-nodes");
  w.Int(nodes + 1);
  w.Bulk("last-generated-id");
  w.Bulk(IdText(m.last));
  w.Bulk("max-deleted-entry-id");
  w.Bulk(IdText(m.max_deleted));
  w.Bulk("entries-added");
  w.Int(static_cast<int64_t>(m.entries_added));
  w.Bulk("recorded-first-entry-id");
  w.Bulk(IdText(m.first));
  if (!full) {
    w.Bulk("groups");
    w.Int(static_cast<int64_t>(groups.size()));
    for (const bool first : {true, false}) {
      w.Bulk(first ? "first-entry" : "last-entry");
      const std::string& p = s.prefix();
      auto it = r.Members(kFamilyStream, p, PrefixEnd(p));
      if (first) {
        it->Seek(p + IdKey(m.first));
      } else {
        it->SeekBefore();
      }
      if (!it->status().ok()) return fail(it->status());
      if (!it->Valid()) {
        w.Nil();
        continue;
      }
      ReplyEntry(w, std::string_view(it->key().data() + p.size(), it->key().size() - p.size()),
                 std::string_view(it->value().data(), it->value().size()));
    }
    return;
  }
  w.Bulk("entries");
  const size_t entries_at = w.ArrayPlaceholder();
  uint32_t n = 0;
  st = s.ForEach([&](std::string_view member, std::string_view value) {
    if (n >= count) return false;
    ReplyEntry(w, member, value);
    n++;
    return true;
  });
  if (!st.ok()) return fail(st);
  w.PatchArray(entries_at, n);
  w.Bulk("groups");
  w.Array(static_cast<uint32_t>(groups.size()));
  for (const auto& g : groups) {
    const uint64_t pel_count = CountPel(gs, g.name, &st);
    if (!st.ok()) return fail(st);
    w.Array(14);
    w.Bulk("name");
    w.Bulk(g.name);
    ReplyGroupPosition(w, m, length, g.group);
    w.Bulk("pel-count");
    w.Int(static_cast<int64_t>(pel_count));
    w.Bulk("pending");
    const size_t pending_at = w.ArrayPlaceholder();
    uint32_t k = 0;
    st = gs.Walk(Scoped(gs.prefix(), 'P', g.name), [&](std::string_view id, std::string_view nv) {
      if (k >= count) return false;
      const Nack nack = Nack::Decode(nv);
      w.Array(4);
      w.Bulk(IdText(ReadId(id.data())));
      w.Bulk(nack.consumer);
      w.Int(nack.delivery_time);
      w.Int(static_cast<int64_t>(nack.delivery_count));
      k++;
      return true;
    });
    if (!st.ok()) return fail(st);
    w.PatchArray(pending_at, k);
    std::vector<ConsumerInfo> consumers;
    st = ListConsumers(gs, g.name, &consumers);
    if (!st.ok()) return fail(st);
    w.Bulk("consumers");
    w.Array(static_cast<uint32_t>(consumers.size()));
    for (const auto& cs : consumers) {
      w.Array(8);
      w.Bulk("name");
      w.Bulk(cs.name);
      w.Bulk("seen-time");
      w.Int(cs.seen);
      w.Bulk("pel-count");
      w.Int(static_cast<int64_t>(cs.pending));
      w.Bulk("pending");
      const size_t cp_at = w.ArrayPlaceholder();
      uint32_t j = 0;
      const std::string cpel = gs.ConsumerPelPrefix(g.name, cs.name);
      rocksdb::Status inner;
      st = gs.Walk(cpel, [&](std::string_view id, std::string_view) {
        if (j >= count) return false;
        std::string nv;
        inner = gs.Get(Scoped(gs.prefix(), 'P', g.name) + std::string(id), &nv);
        if (!inner.ok()) return false;
        const Nack nack = Nack::Decode(nv);
        w.Array(3);
        w.Bulk(IdText(ReadId(id.data())));
        w.Int(nack.delivery_time);
        w.Int(static_cast<int64_t>(nack.delivery_count));
        j++;
        return true;
      });
      if (st.ok()) st = inner;
      if (!st.ok()) return fail(st);
      w.PatchArray(cp_at, j);
    }
  }
}

}  // namespace kiwi
