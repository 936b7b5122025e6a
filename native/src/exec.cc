#include "exec.h"

#include <rocksdb/db.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <shared_mutex>

#include "status.h"

namespace kiwi {

namespace {
thread_local uint32_t t_failed = 0;

enum class KeySpec { K0, K1, K2, KA, KP, KB, KMV, KCP };

// One row per op code, built from the op list.
struct OpInfo {
  OpClass cls = OpClass::kUnknown;
  bool members = false;   // class M: the write group must index its batch
  bool snapshot = false;  // class V: the read run needs one snapshot
  KeySpec keys = KeySpec::K0;
  ReadHandler read = nullptr;
  WriteHandler write = nullptr;
  SpecialHandler special = nullptr;
};

#define KIWI_ENTRY_R(h) OpInfo{OpClass::kRead, false, false, KeySpec::K0, h, nullptr, nullptr}
#define KIWI_ENTRY_V(h) OpInfo{OpClass::kRead, false, true, KeySpec::K0, h, nullptr, nullptr}
#define KIWI_ENTRY_W(h) OpInfo{OpClass::kWrite, false, false, KeySpec::K0, nullptr, h, nullptr}
#define KIWI_ENTRY_M(h) OpInfo{OpClass::kWrite, true, false, KeySpec::K0, nullptr, h, nullptr}
#define KIWI_ENTRY_S(h) OpInfo{OpClass::kSpecial, false, false, KeySpec::K0, nullptr, nullptr, h}

struct OpTable {
  std::array<OpInfo, 256> info;
  OpTable() {
#define KIWI_X(name, code, cls, ks, handler) \
  info[code] = KIWI_ENTRY_##cls(handler);    \
  info[code].keys = KeySpec::ks;
    KIWI_OPS(KIWI_X)
#undef KIWI_X
  }
};

const OpTable kOps;

inline const OpInfo& Info(uint8_t op) { return kOps.info[op]; }

// Whether a write command reads its keys' records before writing (see the handlers).
bool ReadsFirst(const Command& c) {
  switch (c.op) {
    case kOp_SET:
      return (c.flags & (kFlag_SET_NX | kFlag_SET_XX | kFlag_SET_GET | kFlag_SET_KEEPTTL)) != 0;
    case kOp_MSET:
    case kOp_RAW_SET:
    case kOp_FAIL_WRITE:
      return false;
    default:
      return true;
  }
}

// How many of the commands after `c` belong to it: BATCH and EXEC take `a`, BLOCK one;
// 0 for every other command.
int64_t GroupSize(const Command& c) {
  switch (c.op) {
    case kOp_BATCH:
    case kOp_EXEC:
      return c.a;
    case kOp_BLOCK:
      return 1;
    default:
      return 0;
  }
}

// A write sent with REPORT_KEYS (keyspace notifications on): its reply is prefixed with
// what it did to each key (ops.h KeyReportBit), read before and after it runs, so the
// events that depend on it ("del" when a removal empties the key, "new", "persist") are
// raised exactly. A key found expired is deleted first, as Redis' expireIfNeeded does on
// access, and reported for its "expired" event. Costs two reads of each key, and only
// while notifications are on.
void ReportedWrite(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w,
                   const std::vector<KeyRef>& keys) {
  const size_t n = std::min<size_t>(keys.size(), 255);
  std::vector<size_t> at(n);
  w.KeysReportBegin(static_cast<uint8_t>(n));
  Lookup l;
  for (size_t i = 0; i < n; i++) {
    g.Read(keys[i].db, keys[i].key, &l);
    uint8_t bits = 0;
    if (l.status.ok() && l.value.exists()) {
      bits = kKey_EXISTED | (l.value.expire_ms != 0 ? kKey_HAD_TTL : 0);
    } else if (l.status.ok() && l.pinned.size() > 0) {
      // Deleted here, under the key's lock; the event unless a read raised it already.
      Value old;
      DecodeValue(std::string_view(l.pinned.data(), l.pinned.size()), &old);
      std::string data_key(1, static_cast<char>(keys[i].db));
      data_key.append(keys[i].key);
      if (!g.db()->ForgetExpired(data_key, old.expire_ms)) bits = kKey_EXPIRED;
      g.DeleteExpired(keys[i].db, keys[i].key);
    }
    at[i] = w.KeyReport(bits, keys[i].key);
  }
  const uint64_t member_writes = g.member_writes();
  Info(c.op).write(req, c, g, w);
  // Member writes say that a command whose reply counts only new members changed others.
  const uint8_t members = g.member_writes() != member_writes ? kKey_MEMBERS : 0;
  for (size_t i = 0; i < n; i++) {
    g.Read(keys[i].db, keys[i].key, &l);
    if (l.status.ok() && l.value.exists()) w.OrByte(at[i], kKey_EXISTS | members | (l.value.expire_ms != 0 ? kKey_HAS_TTL : 0));
  }
}

// A read sent with REPORT_KEYS ("expired" events on): the keys it found expired, as a
// KEYS_REPORT prefix, for the ones whose event no other access raised yet.
void ReportExpired(Database* db, const rocksdb::Slice* keys, Lookup* values, size_t n, ReplyWriter& w) {
  std::vector<size_t> claimed;
  for (size_t k = 0; k < n; k++) {
    Lookup& l = values[k];
    if (!l.status.ok() || l.value.exists() || l.pinned.size() == 0) continue;
    Value old;
    if (!DecodeValue(std::string_view(l.pinned.data(), l.pinned.size()), &old)) continue;
    if (db->ClaimExpired(std::string_view(keys[k].data(), keys[k].size()), old.expire_ms)) claimed.push_back(k);
  }
  if (claimed.empty()) return;
  w.KeysReportBegin(static_cast<uint8_t>(std::min<size_t>(claimed.size(), 255)));
  for (size_t i = 0; i < claimed.size() && i < 255; i++) {
    const rocksdb::Slice& k = keys[claimed[i]];
    w.KeyReport(kKey_EXPIRED, std::string_view(k.data() + 1, k.size() - 1));
  }
}

}  // namespace

void ReplyStatus(ReplyWriter& w, const rocksdb::Status& s) {
  t_failed++;
  w.Error(StatusCode(s), s.ToString());
}

uint32_t TakeFailedCount() {
  const uint32_t n = t_failed;
  t_failed = 0;
  return n;
}

OpClass ClassOf(uint8_t op) { return Info(op).cls; }

void CommandKeys(const Request& req, const Command& c, std::vector<KeyRef>* keys) {
  const uint32_t n = c.argc;
  switch (Info(c.op).keys) {
    case KeySpec::K0:
      return;
    case KeySpec::K1:
      if (n > 0) keys->push_back({c.db, req.arg(c, 0)});
      return;
    case KeySpec::K2:
      for (uint32_t i = 0; i < n && i < 2; i++) keys->push_back({c.db, req.arg(c, i)});
      return;
    case KeySpec::KA:
      for (uint32_t i = 0; i < n; i++) keys->push_back({c.db, req.arg(c, i)});
      return;
    case KeySpec::KP:
      for (uint32_t i = 0; i < n; i += 2) keys->push_back({c.db, req.arg(c, i)});
      return;
    case KeySpec::KB:
      for (uint32_t i = 0; i < n && static_cast<int64_t>(i) < c.b; i++) keys->push_back({c.db, req.arg(c, i)});
      return;
    case KeySpec::KMV:
      if (n > 0) {
        keys->push_back({c.db, req.arg(c, 0)});
        keys->push_back({static_cast<uint8_t>(c.b), req.arg(c, 0)});
      }
      return;
    case KeySpec::KCP:
      if (n > 1) {
        keys->push_back({c.db, req.arg(c, 0)});
        keys->push_back({static_cast<uint8_t>(c.b), req.arg(c, 1)});
      }
      return;
  }
}

namespace {

// Turns a command's logical database numbers (SELECT, MOVE's and COPY's DB argument) into
// the physical db bytes its keys carry (SWAPDB).
void MapDbs(const Database& db, Command* c) {
  // These carry no database: BLOCK's db byte is the waiter's network runtime.
  if (c->op == kOp_BLOCK || c->op == kOp_BLOCK_CANCEL || c->op == kOp_EXEC || c->op == kOp_UNWATCH) return;
  c->db = db.PhysicalDb(c->db);
  const KeySpec keys = Info(c->op).keys;
  if ((keys == KeySpec::KMV || keys == KeySpec::KCP) && c->b >= 0 && c->b < 256) {
    c->b = db.PhysicalDb(static_cast<uint8_t>(c->b));
  }
}

}  // namespace

void BatchCmd(Database*, const Request&, const Command&, int64_t, ReplyWriter& w) {
  w.Error(kErr_BAD_REQUEST, "BATCH inside BATCH");
}

void PingCmd(Database*, const Request&, const Command&, int64_t, ReplyWriter& w) { w.Ok(); }

uint32_t Executor::Run(Request& req, std::string* out) {
  TakeFailedCount();
  // Commands are mapped to physical databases just before they run, under the map's lock
  // (held shared); SWAPDB runs with it released and takes it exclusively.
  std::shared_lock<std::shared_mutex> map_guard;
  size_t mapped = 0;
  auto map_until = [&](size_t end) {
    if (!map_guard.owns_lock()) map_guard = db_->LockDbMap();
    for (; mapped < end; mapped++) MapDbs(*db_, &req.commands[mapped]);
  };
  ReplyWriter w(out);
  const size_t count_at = w.size();
  uint32_t replies = 0;
  w.Reserve(4 + req.commands.size() * 8);
  out->append(4, '\0');
  const size_t n = req.commands.size();
  size_t i = 0;
  rocksdb::Status transient;
  while (i < n) {
    const Command& c = req.commands[i];
    const OpClass cls = ClassOf(c.op);
    if (!transient.ok()) {
      // A write failed with a transient error (busy, stall timeout): nothing after it
      // runs, so a retry of the rest keeps every client's commands in order.
      w.Error(StatusCode(transient), "not executed: an earlier write of the batch hit a transient storage error");
      // A group's commands are skipped with it (they get no reply of their own).
      const int64_t group = GroupSize(c);
      i += group >= 0 ? 1 + std::min<size_t>(static_cast<size_t>(group), n - i - 1) : 1;
    } else if (c.op == kOp_BATCH || c.op == kOp_EXEC || c.op == kOp_BLOCK) {
      // BATCH, EXEC and BLOCK take the commands after them (one reply for all of them).
      const int64_t group = GroupSize(c);
      if (group < 0 || static_cast<size_t>(group) > n - i - 1) {
        w.Error(kErr_BAD_REQUEST, c.op == kOp_BATCH ? "BATCH count exceeds the batch" : "group count exceeds the batch");
        replies++;
        i = n;
        break;
      }
      map_until(i + 1 + static_cast<size_t>(group));
      rocksdb::Status s;
      if (c.op == kOp_BATCH) {
        w.Array(static_cast<uint32_t>(group));
        s = RunWrites(req, i + 1, i + 1 + group, /*atomic=*/true, w);
      } else if (c.op == kOp_EXEC) {
        s = RunExec(req, i, w);
      } else {
        s = RunBlock(req, i, w);
      }
      if (IsTransient(s)) transient = s;
      i += 1 + static_cast<size_t>(group);
    } else if (cls == OpClass::kRead || cls == OpClass::kWrite) {
      size_t j = i + 1;
      while (j < n && ClassOf(req.commands[j].op) == cls) j++;
      map_until(j);
      if (cls == OpClass::kRead) {
        RunReads(req, i, j, w);
      } else {
        const rocksdb::Status s = RunWrites(req, i, j, /*atomic=*/false, w);
        if (IsTransient(s)) transient = s;
      }
      replies += static_cast<uint32_t>(j - i - 1);
      i = j;
    } else if (c.op == kOp_SWAPDB) {
      // Takes the map's lock exclusively; what follows it in the batch maps afterwards.
      if (map_guard.owns_lock()) map_guard.unlock();
      Info(c.op).special(db_, req, c, NowMs(), w);
      mapped = i + 1;
      i++;
    } else if (cls == OpClass::kSpecial) {
      map_until(i + 1);
      Info(c.op).special(db_, req, c, NowMs(), w);
      i++;
    } else {
      w.Error(kErr_BAD_REQUEST, "unknown op");
      i++;
    }
    replies++;
  }
  std::memcpy(&(*out)[count_at], &replies, 4);
  // Blocked clients to wake (blocking.h) follow the replies: u32 count, then per wake
  // u8 runtime, u64 client, u32 seq.
  std::vector<Wake>& wakes = PendingWakes();
  if (!wakes.empty()) {
    const uint32_t count = static_cast<uint32_t>(wakes.size());
    out->append(reinterpret_cast<const char*>(&count), 4);
    for (const Wake& k : wakes) {
      out->push_back(static_cast<char>(k.runtime));
      out->append(reinterpret_cast<const char*>(&k.client), 8);
      out->append(reinterpret_cast<const char*>(&k.seq), 4);
    }
    wakes.clear();
  }
  return TakeFailedCount();
}

bool Executor::RunReads(const Request& req, size_t begin, size_t end, ReplyWriter& w,
                        rocksdb::ReadTier tier) {
  std::vector<KeyRef> keys;
  std::vector<size_t> key_counts;
  bool snapshot = false;
  for (size_t i = begin; i < end; i++) {
    const size_t before = keys.size();
    CommandKeys(req, req.commands[i], &keys);
    key_counts.push_back(keys.size() - before);
    snapshot = snapshot || Info(req.commands[i].op).snapshot;
  }
  // Memory-only reads take one Get per key (below): several keys need one snapshot, or
  // an MGET could see half of an EXEC or MSET that commits between two of its Gets.
  ReadView view(db_, NowMs(), snapshot || (keys.size() > 1 && tier != rocksdb::kReadAllTier));
  // All data keys in one buffer (reserved up front, so the slices stay valid): one
  // allocation for the run instead of one per key.
  size_t total = 0;
  for (const auto& k : keys) total += k.key.size() + 1;
  std::string buffer;
  buffer.reserve(total);
  std::vector<rocksdb::Slice> slices(keys.size());
  for (size_t k = 0; k < keys.size(); k++) {
    const size_t at = buffer.size();
    buffer.push_back(static_cast<char>(keys[k].db));
    buffer.append(keys[k].key.data(), keys[k].key.size());
    slices[k] = rocksdb::Slice(buffer.data() + at, keys[k].key.size() + 1);
  }
  std::vector<Lookup> values(keys.size());
  rocksdb::ReadOptions ro = view.options();
  ro.read_tier = tier;
  if (keys.size() == 1 || tier != rocksdb::kReadAllTier) {
    // RocksDB 7.8's MultiGet does not honour read_tier (it reads blocks from files and
    // answers OK); Get does, so a memory-only read takes one Get per key.
    for (size_t k = 0; k < keys.size(); k++) values[k].status = db_->db()->Get(ro, db_->data(), slices[k], &values[k].pinned);
  } else if (!keys.empty()) {
    std::vector<rocksdb::PinnableSlice> pinned(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    db_->db()->MultiGet(ro, db_->data(), keys.size(), slices.data(), pinned.data(),
                        statuses.data());
    for (size_t k = 0; k < keys.size(); k++) {
      values[k].status = statuses[k];
      values[k].pinned = std::move(pinned[k]);
    }
  }
  for (auto& v : values) {
    if (tier != rocksdb::kReadAllTier && v.status.IsIncomplete()) return false;
    FinishLookup(&v, view.now());
  }
  size_t at = 0;
  for (size_t i = begin; i < end; i++) {
    const Command& c = req.commands[i];
    if ((c.flags & kFlag_REPORT_KEYS) != 0) ReportExpired(db_, slices.data() + at, values.data() + at, key_counts[i - begin], w);
    Info(c.op).read(req, c, values.data() + at, view, w);
    at += key_counts[i - begin];
  }
  return true;
}

rocksdb::Status Executor::RunExec(const Request& req, size_t at, ReplyWriter& w) {
  const Command& head = req.commands[at];
  const uint64_t client = static_cast<uint64_t>(head.b);
  const size_t begin = at + 1;
  const size_t end = begin + static_cast<size_t>(head.a);
  WatchTable& watch = db_->watch();
  // WATCHed keys (only a client that watched has any: the flag spares the lookup).
  std::vector<std::string> watched;
  if (head.flags & kFlag_EXEC_WATCHED) watched = watch.KeysOf(client);
  bool exclusive = false;
  for (size_t i = begin; i < end; i++) {
    const uint8_t op = req.commands[i].op;
    if (op == kOp_BATCH || op == kOp_EXEC || op == kOp_BLOCK) {
      w.Error(kErr_BAD_REQUEST, "nested atomic group");
      return rocksdb::Status::OK();
    }
    if (op == kOp_SWAPDB) {
      // The group's commands were mapped to physical databases before it ran; SWAPDB
      // needs the map exclusively (README: known differences).
      watch.Unwatch(client);
      w.Error(kErr_NOT_SUPPORTED, "SWAPDB inside MULTI is not supported");
      return rocksdb::Status::OK();
    }
    exclusive = exclusive || (ClassOf(op) == OpClass::kSpecial && op != kOp_PING);
  }
  if (exclusive) {
    // A keyless command (FLUSHALL, KEYS, DBSIZE...): no other write may run while the
    // transaction does, so it holds the flush lock exclusively; key commands run as
    // atomic groups under it, keyless ones between them.
    std::unique_lock<std::shared_mutex> guard(db_->flush_lock());
    t_keyspace_exclusive = true;
    const bool dirty = !watched.empty() && watch.Dirty(client, NowMs());
    watch.Unwatch(client);
    rocksdb::Status s;
    if (dirty) {
      w.Nil();
    } else {
      w.Array(static_cast<uint32_t>(end - begin));
      size_t i = begin;
      while (i < end) {
        const Command& c = req.commands[i];
        if (!s.ok()) {
          ReplyStatus(w, s);
          i++;
        } else if (ClassOf(c.op) == OpClass::kSpecial && c.op != kOp_PING) {
          Info(c.op).special(db_, req, c, NowMs(), w);
          i++;
        } else {
          size_t j = i + 1;
          while (j < end && (ClassOf(req.commands[j].op) != OpClass::kSpecial || req.commands[j].op == kOp_PING)) j++;
          s = RunWrites(req, i, j, /*atomic=*/true, w, /*locked=*/true);
          i = j;
        }
      }
    }
    t_keyspace_exclusive = false;
    // A commit that failed part way leaves the earlier parts written: never retried.
    return rocksdb::Status::OK();
  }
  // Every key of the queued commands and every watched key, locked for the whole group:
  // no other client's command runs on them between the check and the commit.
  std::vector<KeyRef> keys;
  for (size_t i = begin; i < end; i++) CommandKeys(req, req.commands[i], &keys);
  std::vector<size_t> stripes;
  stripes.reserve(keys.size() + watched.size());
  for (const auto& k : keys) stripes.push_back(KeyLocks::Stripe(k.db, k.key));
  for (const auto& k : watched) stripes.push_back(KeyLocks::Stripe(k));
  std::shared_lock<std::shared_mutex> flush_guard(db_->flush_lock());
  db_->locks().Lock(&stripes);
  rocksdb::Status s;
  if (!watched.empty() && watch.Dirty(client, NowMs())) {
    watch.Unwatch(client);
    w.Nil();
  } else {
    const size_t mark = w.size();
    w.Array(static_cast<uint32_t>(end - begin));
    s = RunWrites(req, begin, end, /*atomic=*/true, w, /*locked=*/true);
    if (IsTransient(s)) {
      // Nothing ran: the client's retry checks its watches again, so keep them.
      w.Truncate(mark);
      w.Array(static_cast<uint32_t>(end - begin));
      for (size_t i = begin; i < end; i++) ReplyStatus(w, s);
    } else {
      watch.Unwatch(client);
    }
  }
  db_->locks().Unlock(stripes);
  return s;
}

rocksdb::Status Executor::RunBlock(const Request& req, size_t at, ReplyWriter& w) {
  const Command& head = req.commands[at];
  const Command& inner = req.commands[at + 1];
  const uint64_t client = static_cast<uint64_t>(head.b);
  const uint32_t seq = static_cast<uint32_t>(head.a);
  const bool retry = head.flags & kFlag_BLOCK_RETRY;
  // Stream readers take nothing away: a new entry wakes all of them (blocking.h).
  const bool every = inner.op == kOp_XREAD || inner.op == kOp_XREADGROUP;
  BlockTable& blocks = db_->blocks();
  if (ClassOf(inner.op) != OpClass::kWrite) {
    w.Error(kErr_BAD_REQUEST, "BLOCK needs a write command");
    return rocksdb::Status::OK();
  }
  std::vector<KeyRef> keys;
  CommandKeys(req, inner, &keys);
  std::vector<size_t> stripes;
  for (const auto& k : keys) stripes.push_back(KeyLocks::Stripe(k.db, k.key));
  std::shared_lock<std::shared_mutex> flush_guard(db_->flush_lock());
  db_->locks().Lock(&stripes);
  rocksdb::Status s;
  if (retry && !blocks.Waiting(client, seq)) {
    // Served, timed out or unblocked meanwhile: this wake is stale.
    w.Status("STALE");
  } else {
    const size_t mark = w.size();
    s = RunWrites(req, at + 1, at + 2, /*atomic=*/false, w, /*locked=*/true);
    const uint8_t kind = w.KindAt(mark);
    // A blocked XREADGROUP whose group went away is answered with Redis' error.
    const bool group_gone = retry && inner.op == kOp_XREADGROUP && kind == kReply_ERROR;
    if (group_gone) {
      w.Truncate(mark);
      w.Error(kErr_STREAM, "NOGROUP the consumer group this client was blocked on no longer exists");
    }
    const bool served = s.ok() && kind != kReply_NIL && (kind != kReply_ERROR || group_gone);
    if (served) {
      if (retry && every) {
        blocks.Remove(client, /*pass_on=*/false, &PendingWakes());
      } else if (retry) {
        // Elements left: the next waiter of the key may have them.
        std::vector<std::string> waited = blocks.KeysOf(client);
        blocks.Remove(client, /*pass_on=*/false, &PendingWakes());
        std::vector<std::string> left;
        for (const auto& k : waited) {
          rocksdb::PinnableSlice v;
          if (db_->db()->Get(rocksdb::ReadOptions(), db_->data(), k, &v).ok()) left.push_back(k);
        }
        if (!left.empty()) blocks.Ready(left, &PendingWakes());
      }
    } else if (s.ok() && (kind == kReply_NIL || retry)) {
      // The keys as they are named now (SWAPDB may have moved the client's database).
      std::vector<std::string> waited;
      for (uint32_t i = 0; i < head.argc; i++) waited.push_back(DataKey(inner.db, req.arg(head, i)));
      if (retry) {
        // Nothing for us (another client took it, or the key is no list now): wait on.
        w.Truncate(mark);
        w.Nil();
        std::vector<std::string> sorted = waited;
        std::sort(sorted.begin(), sorted.end());
        sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
        if (sorted == blocks.KeysOf(client)) {
          blocks.Unsignal(client);
        } else {
          blocks.Add(client, seq, head.db, std::move(waited), every);
        }
      } else {
        blocks.Add(client, seq, head.db, std::move(waited), every);
      }
    }
  }
  db_->locks().Unlock(stripes);
  return s;
}

void BlockCmd(Database*, const Request&, const Command&, int64_t, ReplyWriter& w) {
  w.Error(kErr_BAD_REQUEST, "BLOCK inside an atomic group");
}

// BLOCK_CANCEL: client `b` stops waiting (timeout, CLIENT UNBLOCK, disconnect).
void BlockCancelCmd(Database* db, const Request&, const Command& c, int64_t, ReplyWriter& w) {
  db->blocks().Remove(static_cast<uint64_t>(c.b), /*pass_on=*/true, &PendingWakes());
  w.Ok();
}

rocksdb::Status Executor::RunWrites(const Request& req, size_t begin, size_t end, bool atomic,
                                    ReplyWriter& w, bool locked) {
  // Every (db, key) the group touches, for its locks and the repeat check below.
  std::vector<KeyRef> keys;
  bool members = false;
  bool report = false;
  for (size_t i = begin; i < end; i++) {
    CommandKeys(req, req.commands[i], &keys);
    members = members || Info(req.commands[i].op).members;
    report = report || (req.commands[i].flags & kFlag_REPORT_KEYS) != 0;
  }
  std::vector<size_t> stripes;
  std::shared_lock<std::shared_mutex> flush_guard(db_->flush_lock(), std::defer_lock);
  if (!locked) {
    // An EXEC locked everything already (RunExec).
    stripes.reserve(keys.size());
    for (const auto& k : keys) stripes.push_back(KeyLocks::Stripe(k.db, k.key));
    flush_guard.lock();
    db_->locks().Lock(&stripes);
  }
  // Commands must see the group's earlier writes when a key repeats (or inside BATCH, or
  // when members are written). Distinct stripes prove keys do not repeat; when stripes
  // collide (likely in big groups: 1,024 stripes), compare the keys themselves before
  // paying for an indexed batch.
  // A reported write reads its keys again after running: it must see its own writes.
  bool indexed = atomic || members || report;
  if (!indexed && stripes.size() < keys.size()) {
    std::sort(keys.begin(), keys.end(), [](const KeyRef& a, const KeyRef& b) {
      return a.db != b.db ? a.db < b.db : a.key < b.key;
    });
    indexed = std::adjacent_find(keys.begin(), keys.end(), [](const KeyRef& a, const KeyRef& b) {
                return a.db == b.db && a.key == b.key;
              }) != keys.end();
  }
  WriteGroup g(db_, NowMs(), indexed);
  // Read-modify-write groups (INCR...) read their keys in one MultiGet rather than one
  // Get per command. Plain mode only (no key repeats, no members, not atomic), and only
  // the keys of commands that read (a plain SET or MSET reads nothing).
  if (!indexed && end - begin > 1) {
    std::vector<KeyRef> reads;
    for (size_t i = begin; i < end; i++) {
      if (ReadsFirst(req.commands[i])) CommandKeys(req, req.commands[i], &reads);
    }
    if (reads.size() > 1) g.Prefetch(reads);
  }
  const size_t mark = w.size();
  const uint32_t failed_mark = t_failed;
  std::vector<KeyRef> own;
  for (size_t i = begin; i < end; i++) {
    const Command& c = req.commands[i];
    const OpInfo& info = Info(c.op);
    if (info.cls == OpClass::kWrite) {
      const uint64_t member_writes = g.member_writes();
      if ((c.flags & kFlag_REPORT_KEYS) != 0) {
        own.clear();
        CommandKeys(req, c, &own);
        ReportedWrite(req, c, g, w, own);
      } else {
        info.write(req, c, g, w);
      }
      // Member writes (HSET of a field, a list element) change the command's key even
      // when its metadata record stays as it was.
      if (g.member_writes() != member_writes) {
        own.clear();
        CommandKeys(req, c, &own);
        if (!own.empty()) g.Touched(own[0].db, own[0].key);
      }
      // A key renamed, copied or moved onto a name may serve clients blocked on it.
      if ((c.op == kOp_RENAME || c.op == kOp_COPY || c.op == kOp_MOVE) && db_->blocks().active()) {
        own.clear();
        CommandKeys(req, c, &own);
        if (own.size() > 1) g.MarkReady(own[1].db, own[1].key);
      }
    } else if (atomic && info.cls == OpClass::kRead) {
      own.clear();
      CommandKeys(req, c, &own);
      std::vector<Lookup> values(own.size());
      for (size_t k = 0; k < own.size(); k++) g.Read(own[k].db, own[k].key, &values[k]);
      info.read(req, c, values.data(), g, w);
    } else if (atomic && c.op == kOp_PING) {
      w.Ok();
    } else {
      w.Error(kErr_BAD_REQUEST, "command not allowed inside BATCH");
    }
  }
  rocksdb::Status s;
  if (!g.empty()) {
    s = g.Commit();
    if (!s.ok()) {
      // Nothing of the group was written: every command in it failed.
      w.Truncate(mark);
      t_failed = failed_mark;
      for (size_t i = begin; i < end; i++) ReplyStatus(w, s);
    } else if (!g.ready().empty() && db_->blocks().active()) {
      // Still under the keys' locks: a client registering as a waiter now waits for us.
      db_->blocks().Ready(g.ready(), &PendingWakes());
    }
  }
  if (!locked) db_->locks().Unlock(stripes);
  // A value of 64 MB or more (a bitmap up to 512 MB): flush it out of the memtable now.
  // A read from the memtable copies the value out; from an SST file the lookup pins the
  // block the value is in, so BITCOUNT or GET of it holds one copy, not two. And the
  // memtable would otherwise keep it until the next write fills it up.
  if (s.ok() && g.large()) db_->FlushDataAsync();
  return s;
}

}  // namespace kiwi
