#include "exec.h"

#include <rocksdb/db.h>

#include <algorithm>
#include <mutex>
#include <shared_mutex>

#include "status.h"

namespace kiwi {

namespace {
thread_local uint32_t t_failed = 0;
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

// The ops.h class letters.
#define KIWI_CLASS_R OpClass::kRead
#define KIWI_CLASS_W OpClass::kWrite
#define KIWI_CLASS_S OpClass::kSpecial

OpClass ClassOf(uint8_t op) {
  switch (op) {
#define KIWI_X(name, code, cls) \
  case code:                    \
    return KIWI_CLASS_##cls;
    KIWI_OPS(KIWI_X)
#undef KIWI_X
    default:
      return OpClass::kUnknown;
  }
}

void CommandKeys(const Request& req, const Command& c, std::vector<std::string_view>* keys) {
  switch (c.op) {
    case kOp_DEL:
    case kOp_EXISTS:
    case kOp_MGET:
      for (uint32_t i = 0; i < c.argc; i++) keys->push_back(req.arg(c, i));
      return;
    case kOp_MSET:
    case kOp_MSETNX:
      for (uint32_t i = 0; i < c.argc; i += 2) keys->push_back(req.arg(c, i));
      return;
    case kOp_RENAME:
      for (uint32_t i = 0; i < c.argc && i < 2; i++) keys->push_back(req.arg(c, i));
      return;
    default:
      if (ClassOf(c.op) != OpClass::kSpecial && c.argc > 0) keys->push_back(req.arg(c, 0));
      return;
  }
}

void FinishLookup(Lookup* l, int64_t now) {
  l->value = Value();
  if (l->status.IsNotFound()) {
    l->status = rocksdb::Status::OK();
    return;
  }
  if (!l->status.ok()) return;
  if (!DecodeValue(std::string_view(l->pinned.data(), l->pinned.size()), &l->value)) {
    l->status = rocksdb::Status::Corruption("unreadable value (corrupt or newer format)");
    l->value = Value();
    return;
  }
  if (l->value.expired(now)) l->value = Value();
}

namespace {

// A data key as RocksDB slice parts, without building it: the db byte, then the key.
// Writes take the parts as they are; nothing is allocated per key.
class KeyParts {
 public:
  KeyParts(uint8_t db, std::string_view key) : db_(static_cast<char>(db)) {
    parts_[0] = rocksdb::Slice(&db_, 1);
    parts_[1] = rocksdb::Slice(key.data(), key.size());
  }
  KeyParts(const KeyParts&) = delete;
  KeyParts& operator=(const KeyParts&) = delete;
  rocksdb::SliceParts slices() const { return rocksdb::SliceParts(parts_, 2); }

 private:
  char db_;
  rocksdb::Slice parts_[2];
};

}  // namespace

const std::string& WriteGroup::KeyOf(uint8_t db, std::string_view key) {
  scratch_.clear();
  scratch_.push_back(static_cast<char>(db));
  scratch_.append(key.data(), key.size());
  return scratch_;
}

void WriteGroup::Read(uint8_t db, std::string_view key, Lookup* out) {
  const std::string& data_key = KeyOf(db, key);
  out->pinned.Reset();
  if (use_overlay_) {
    auto it = overlay_.find(data_key);
    if (it != overlay_.end()) {
      if (!it->second) {
        out->status = rocksdb::Status::NotFound();
      } else {
        out->status = rocksdb::Status::OK();
        out->pinned.PinSelf(*it->second);
      }
      FinishLookup(out, now_);
      return;
    }
  }
  out->status = db_->db()->Get(rocksdb::ReadOptions(), db_->data(), data_key, &out->pinned);
  FinishLookup(out, now_);
}

void WriteGroup::Put(uint8_t db, std::string_view key, uint8_t type, int64_t expire_ms,
                     std::string_view payload) {
  if (expire_ms != 0 && expire_ms <= now_) {
    Delete(db, key);
    return;
  }
  const KeyParts data_key(db, key);
  char header[kMaxHeaderSize];
  const size_t header_size = EncodeHeader(type, expire_ms, header);
  const rocksdb::Slice value_parts[2] = {rocksdb::Slice(header, header_size),
                                         rocksdb::Slice(payload.data(), payload.size())};
  batch_.Put(db_->data(), data_key.slices(), rocksdb::SliceParts(value_parts, 2)).PermitUncheckedError();
  if (expire_ms != 0) {
    std::string when;
    PutFixed64BE(&when, static_cast<uint64_t>(expire_ms));
    const char d = static_cast<char>(db);
    const rocksdb::Slice index_parts[3] = {when, rocksdb::Slice(&d, 1), rocksdb::Slice(key.data(), key.size())};
    const rocksdb::Slice empty;
    batch_.Put(db_->expire(), rocksdb::SliceParts(index_parts, 3), rocksdb::SliceParts(&empty, 1)).PermitUncheckedError();
  }
  if (use_overlay_) {
    std::string encoded;
    EncodeValue(type, expire_ms, payload, &encoded);
    overlay_[DataKey(db, key)] = std::move(encoded);
  }
}

void WriteGroup::Delete(uint8_t db, std::string_view key) {
  const KeyParts data_key(db, key);
  batch_.Delete(db_->data(), data_key.slices()).PermitUncheckedError();
  if (use_overlay_) overlay_[DataKey(db, key)] = std::nullopt;
}

void WriteGroup::PutRaw(uint8_t db, std::string_view key, std::string_view raw) {
  const KeyParts data_key(db, key);
  const rocksdb::Slice value(raw.data(), raw.size());
  batch_.Put(db_->data(), data_key.slices(), rocksdb::SliceParts(&value, 1)).PermitUncheckedError();
  if (use_overlay_) overlay_[DataKey(db, key)] = std::string(raw);
}

rocksdb::Status WriteGroup::Commit() {
  if (!poison_.ok()) return poison_;
  return db_->Write(&batch_);
}

namespace {

void DispatchRead(const Request& req, const Command& c, const Lookup* v, int64_t now,
                  ReplyWriter& w) {
  switch (c.op) {
    case kOp_GET: return GetCmd(req, c, v, now, w);
    case kOp_MGET: return MGetCmd(req, c, v, now, w);
    case kOp_STRLEN: return StrlenCmd(req, c, v, now, w);
    case kOp_GETRANGE: return GetRangeCmd(req, c, v, now, w);
    case kOp_EXISTS: return ExistsCmd(req, c, v, now, w);
    case kOp_TTL: return TtlCmd(req, c, v, now, w);
    case kOp_TYPE: return TypeCmd(req, c, v, now, w);
    default: return w.Error(kErr_BAD_REQUEST, "not a read command");
  }
}

void DispatchWrite(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  switch (c.op) {
    case kOp_SET: return SetCmd(req, c, g, w);
    case kOp_MSET: return MSetCmd(req, c, g, w);
    case kOp_MSETNX: return MSetNxCmd(req, c, g, w);
    case kOp_INCRBY: return IncrByCmd(req, c, g, w);
    case kOp_INCRBYFLOAT: return IncrByFloatCmd(req, c, g, w);
    case kOp_APPEND: return AppendCmd(req, c, g, w);
    case kOp_SETRANGE: return SetRangeCmd(req, c, g, w);
    case kOp_GETDEL: return GetDelCmd(req, c, g, w);
    case kOp_GETEX: return GetExCmd(req, c, g, w);
    case kOp_DEL: return DelCmd(req, c, g, w);
    case kOp_EXPIRE: return ExpireCmd(req, c, g, w);
    case kOp_PERSIST: return PersistCmd(req, c, g, w);
    case kOp_RENAME: return RenameCmd(req, c, g, w);
    case kOp_RAW_SET: return RawSetCmd(req, c, g, w);
    case kOp_FAIL_WRITE: return FailWriteCmd(req, c, g, w);
    default: return w.Error(kErr_BAD_REQUEST, "not a write command");
  }
}

}  // namespace

void ExecSpecial(Database* db, const Request& req, const Command& c, int64_t now,
                 ReplyWriter& w) {
  switch (c.op) {
    case kOp_PING: return w.Ok();
    case kOp_KEYS: return KeysCmd(db, req, c, now, w);
    case kOp_SCAN: return ScanCmd(db, req, c, now, w);
    case kOp_DBSIZE: return DbSizeCmd(db, req, c, now, w);
    case kOp_FLUSHDB: return FlushDbCmd(db, req, c, now, w);
    case kOp_FLUSHALL: return FlushAllCmd(db, req, c, now, w);
    case kOp_RANDOMKEY: return RandomKeyCmd(db, req, c, now, w);
    case kOp_COMPACT: return CompactCmd(db, req, c, now, w);
    case kOp_FLUSH_MEMTABLE: return FlushMemtableCmd(db, req, c, now, w);
    default: return w.Error(kErr_BAD_REQUEST, "unknown op");
  }
}

uint32_t Executor::Run(const Request& req, std::string* out) {
  TakeFailedCount();
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
      w.Array(static_cast<uint32_t>(group));
      const rocksdb::Status s = RunWrites(req, i + 1, i + 1 + group, /*atomic=*/true, w);
      if (IsTransient(s)) transient = s;
      i += 1 + group;
    } else if (cls == OpClass::kRead || cls == OpClass::kWrite) {
      size_t j = i + 1;
      while (j < n && ClassOf(req.commands[j].op) == cls) j++;
      if (cls == OpClass::kRead) {
        RunReads(req, i, j, w);
      } else {
        const rocksdb::Status s = RunWrites(req, i, j, /*atomic=*/false, w);
        if (IsTransient(s)) transient = s;
      }
      replies += static_cast<uint32_t>(j - i - 1);
      i = j;
    } else {
      RunSpecial(req, c, w);
      i++;
    }
    replies++;
  }
  std::memcpy(&(*out)[count_at], &replies, 4);
  return TakeFailedCount();
}

void Executor::RunReads(const Request& req, size_t begin, size_t end, ReplyWriter& w) {
  const int64_t now = NowMs();
  std::vector<std::string_view> keys;
  std::vector<uint8_t> key_dbs;
  std::vector<size_t> key_counts;
  for (size_t i = begin; i < end; i++) {
    const size_t before = keys.size();
    CommandKeys(req, req.commands[i], &keys);
    key_dbs.resize(keys.size(), req.commands[i].db);
    key_counts.push_back(keys.size() - before);
  }
  // All data keys in one buffer (reserved up front, so the slices stay valid): one
  // allocation for the run instead of one per key.
  size_t total = 0;
  for (const auto& k : keys) total += k.size() + 1;
  std::string buffer;
  buffer.reserve(total);
  std::vector<rocksdb::Slice> slices(keys.size());
  for (size_t k = 0; k < keys.size(); k++) {
    const size_t at = buffer.size();
    buffer.push_back(static_cast<char>(key_dbs[k]));
    buffer.append(keys[k].data(), keys[k].size());
    slices[k] = rocksdb::Slice(buffer.data() + at, keys[k].size() + 1);
  }
  std::vector<Lookup> values(keys.size());
  rocksdb::ReadOptions ro;
  if (keys.size() == 1) {
    values[0].status = db_->db()->Get(ro, db_->data(), slices[0], &values[0].pinned);
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
  for (auto& v : values) FinishLookup(&v, now);
  size_t at = 0;
  for (size_t i = begin; i < end; i++) {
    DispatchRead(req, req.commands[i], values.data() + at, now, w);
    at += key_counts[i - begin];
  }
}

rocksdb::Status Executor::RunWrites(const Request& req, size_t begin, size_t end, bool atomic,
                                    ReplyWriter& w) {
  // Every (db, key) the group touches, for its locks and the repeat check below.
  std::vector<std::pair<uint8_t, std::string_view>> keys;
  std::vector<std::string_view> own;
  for (size_t i = begin; i < end; i++) {
    own.clear();
    CommandKeys(req, req.commands[i], &own);
    for (const auto& key : own) keys.emplace_back(req.commands[i].db, key);
  }
  std::vector<size_t> stripes;
  stripes.reserve(keys.size());
  for (const auto& [db, key] : keys) stripes.push_back(KeyLocks::Stripe(db, key));
  std::shared_lock<std::shared_mutex> flush_guard(db_->flush_lock());
  db_->locks().Lock(&stripes);
  // The overlay only matters when a key repeats within the group. Distinct stripes prove
  // it does not; when stripes collide (likely in big groups: 1,024 stripes), compare the
  // keys themselves before paying a copy per write.
  bool repeats = false;
  if (stripes.size() < keys.size()) {
    std::sort(keys.begin(), keys.end());
    repeats = std::adjacent_find(keys.begin(), keys.end()) != keys.end();
  }
  WriteGroup g(db_, NowMs(), repeats);
  const size_t mark = w.size();
  const uint32_t failed_mark = t_failed;
  for (size_t i = begin; i < end; i++) {
    const Command& c = req.commands[i];
    const OpClass cls = ClassOf(c.op);
    if (cls == OpClass::kWrite) {
      DispatchWrite(req, c, g, w);
    } else if (atomic && cls == OpClass::kRead) {
      own.clear();
      CommandKeys(req, c, &own);
      std::vector<Lookup> values(own.size());
      for (size_t k = 0; k < own.size(); k++) g.Read(c.db, own[k], &values[k]);
      DispatchRead(req, c, values.data(), g.now(), w);
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
  return s;
}

void Executor::RunSpecial(const Request& req, const Command& c, ReplyWriter& w) {
  ExecSpecial(db_, req, c, NowMs(), w);
}

}  // namespace kiwi
