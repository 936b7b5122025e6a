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

}  // namespace kiwi
