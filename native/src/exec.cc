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
      i += c.op == kOp_BATCH && c.a >= 0 ? 1 + std::min<size_t>(static_cast<size_t>(c.a), n - i - 1) : 1;
    } else if (c.op == kOp_BATCH) {
      const size_t group = static_cast<size_t>(c.a);
      if (c.a < 0 || group > n - i - 1) {
        w.Error(kErr_BAD_REQUEST, "BATCH count exceeds the batch");
        replies++;
        i = n;
        break;
      }
      map_until(i + 1 + group);
      w.Array(static_cast<uint32_t>(group));
      const rocksdb::Status s = RunWrites(req, i + 1, i + 1 + group, /*atomic=*/true, w);
      if (IsTransient(s)) transient = s;
      i += 1 + group;
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
  ReadView view(db_, NowMs(), snapshot);
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
    Info(c.op).read(req, c, values.data() + at, view, w);
    at += key_counts[i - begin];
  }
  return true;
}

rocksdb::Status Executor::RunWrites(const Request& req, size_t begin, size_t end, bool atomic,
                                    ReplyWriter& w) {
  // Every (db, key) the group touches, for its locks and the repeat check below.
  std::vector<KeyRef> keys;
  bool members = false;
  for (size_t i = begin; i < end; i++) {
    CommandKeys(req, req.commands[i], &keys);
    members = members || Info(req.commands[i].op).members;
  }
  std::vector<size_t> stripes;
  stripes.reserve(keys.size());
  for (const auto& k : keys) stripes.push_back(KeyLocks::Stripe(k.db, k.key));
  std::shared_lock<std::shared_mutex> flush_guard(db_->flush_lock());
  db_->locks().Lock(&stripes);
  // Commands must see the group's earlier writes when a key repeats (or inside BATCH, or
  // when members are written). Distinct stripes prove keys do not repeat; when stripes
  // collide (likely in big groups: 1,024 stripes), compare the keys themselves before
  // paying for an indexed batch.
  bool indexed = atomic || members;
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
      info.write(req, c, g, w);
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
    }
  }
  db_->locks().Unlock(stripes);
  // A value of 64 MB or more (a bitmap up to 512 MB): flush it out of the memtable now.
  // A read from the memtable copies the value out; from an SST file the lookup pins the
  // block the value is in, so BITCOUNT or GET of it holds one copy, not two. And the
  // memtable would otherwise keep it until the next write fills it up.
  if (s.ok() && g.large()) db_->FlushDataAsync();
  return s;
}

}  // namespace kiwi
