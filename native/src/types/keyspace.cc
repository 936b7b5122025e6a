// Keyspace commands (Redis db.c / expire.c semantics): existence, expiry, rename, and
// the whole-keyspace scans and flushes.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <climits>
#include <memory>
#include <mutex>
#include <random>
#include <shared_mutex>

#include "../composite.h"
#include "../exec.h"
#include "../numbers.h"
#include "../glob.h"
#include "../status.h"

namespace kiwi {

namespace {

constexpr char kMissingArgs[] = "missing arguments";

// Iterates the live (not expired) keys of one logical database, from `start`.
class DbCursor {
 public:
  DbCursor(Database* db, uint8_t dbi, std::string_view start, int64_t now)
      : db_index_(dbi), now_(now) {
    lower_.push_back(static_cast<char>(dbi));
    upper_.push_back(static_cast<char>(dbi + 1));
    upper_slice_ = rocksdb::Slice(upper_);
    rocksdb::ReadOptions ro;
    // Whole-keyspace scans would evict the hot set from the block cache.
    ro.fill_cache = false;
    if (dbi != 0xFF) ro.iterate_upper_bound = &upper_slice_;
    it_.reset(db->db()->NewIterator(ro, db->data()));
    std::string seek = lower_;
    seek.append(start.data(), start.size());
    it_->Seek(seek);
  }

  // Advances to the next entry of this database; live tells whether it is unexpired.
  bool Valid() const {
    return it_->Valid() && it_->key().size() > 0 &&
           static_cast<uint8_t>(it_->key()[0]) == db_index_;
  }
  std::string_view key() const { return std::string_view(it_->key().data() + 1, it_->key().size() - 1); }
  bool Live(Value* v) const {
    const rocksdb::Slice raw = it_->value();
    return DecodeValue(std::string_view(raw.data(), raw.size()), v) && !v->expired(now_);
  }
  void Next() { it_->Next(); }
  void SeekToFirst() { it_->Seek(lower_); }
  rocksdb::Status status() const { return it_->status(); }

 private:
  uint8_t db_index_;
  int64_t now_;
  std::string lower_, upper_;
  rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

}  // namespace

void ExistsCmd(const Request&, const Command& c, const Lookup* v, Reader&, ReplyWriter& w) {
  int64_t n = 0;
  for (uint32_t i = 0; i < c.argc; i++) {
    if (!v[i].status.ok()) return ReplyStatus(w, v[i].status);
    if (v[i].value.exists()) n++;
  }
  w.Int(n);
}

void TtlCmd(const Request&, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  const int64_t now = r.now();
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  if (!v[0].status.ok()) return ReplyStatus(w, v[0].status);
  if (!v[0].value.exists()) return w.Int(-2);
  if (v[0].value.expire_ms == 0) return w.Int(-1);
  int64_t ttl = (c.flags & kFlag_TTL_ABSOLUTE) ? v[0].value.expire_ms : v[0].value.expire_ms - now;
  if (ttl < 0) ttl = 0;
  w.Int((c.flags & kFlag_TTL_MS) ? ttl : (ttl + 500) / 1000);
}

void TypeCmd(const Request&, const Command& c, const Lookup* v, Reader&, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  if (!v[0].status.ok()) return ReplyStatus(w, v[0].status);
  w.Status(TypeName(v[0].value.type));
}

void DelCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  int64_t deleted = 0;
  for (uint32_t i = 0; i < c.argc; i++) {
    Lookup l;
    g.Read(c.db, req.arg(c, i), &l);
    if (!l.status.ok()) return ReplyStatus(w, l.status);
    if (!l.value.exists()) continue;
    g.Delete(c.db, req.arg(c, i));
    deleted++;
  }
  w.Int(deleted);
}

void ExpireCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  // Redis expireGenericCommand: overflow of unit conversion or base time is an error
  // even for a missing key.
  int64_t when = c.a;
  if (c.flags & kFlag_EXPIRE_SECONDS) {
    if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) return w.Error(kErr_INVALID_EXPIRE);
    when *= 1000;
  }
  const int64_t base = (c.flags & kFlag_EXPIRE_AT) ? 0 : g.now();
  if (when > INT64_MAX - base) return w.Error(kErr_INVALID_EXPIRE);
  when += base;

  const std::string_view key = req.arg(c, 0);
  Lookup l;
  g.Read(c.db, key, &l);
  if (!l.status.ok()) return ReplyStatus(w, l.status);
  if (!l.value.exists()) return w.Int(0);
  const int64_t current = l.value.expire_ms;  // 0: no expiry, an infinite TTL
  if ((c.flags & kFlag_EXPIRE_NX) && current != 0) return w.Int(0);
  if ((c.flags & kFlag_EXPIRE_XX) && current == 0) return w.Int(0);
  if ((c.flags & kFlag_EXPIRE_GT) && (current == 0 || when <= current)) return w.Int(0);
  if ((c.flags & kFlag_EXPIRE_LT) && current != 0 && when >= current) return w.Int(0);
  if (when <= g.now()) {
    g.Delete(c.db, key);
  } else {
    g.Put(c.db, key, l.value.type, when, l.value.payload);
  }
  w.Int(1);
}

void PersistCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  Lookup l;
  g.Read(c.db, req.arg(c, 0), &l);
  if (!l.status.ok()) return ReplyStatus(w, l.status);
  if (!l.value.exists() || l.value.expire_ms == 0) return w.Int(0);
  g.Put(c.db, req.arg(c, 0), l.value.type, 0, l.value.payload);
  w.Int(1);
}

void RenameCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const bool nx = c.flags & kFlag_RENAME_NX;
  const std::string_view src = req.arg(c, 0);
  const std::string_view dst = req.arg(c, 1);
  Lookup from;
  g.Read(c.db, src, &from);
  if (!from.status.ok()) return ReplyStatus(w, from.status);
  if (!from.value.exists()) return w.Error(kErr_NO_SUCH_KEY);
  if (src == dst) return nx ? w.Int(0) : w.Ok();
  if (nx) {
    Lookup to;
    g.Read(c.db, dst, &to);
    if (!to.status.ok()) return ReplyStatus(w, to.status);
    if (to.value.exists()) return w.Int(0);
  }
  if (IsComposite(from.value.type)) {
    // Members are keyed by their key's name: they move to the new name under a new
    // version (O(N), where Redis' RENAME is O(1)).
    const rocksdb::Status s = CopyComposite(g, from.value, c.db, src, c.db, dst, from.value.expire_ms);
    if (!s.ok()) return ReplyStatus(w, s);
  } else {
    g.Put(c.db, dst, from.value.type, from.value.expire_ms, from.value.payload);
  }
  g.Delete(c.db, src);
  return nx ? w.Int(1) : w.Ok();
}

namespace {

// Writes `from` (any type) as (to_db, to_key), with its TTL: COPY and MOVE.
rocksdb::Status CopyValue(WriteGroup& g, const Value& from, uint8_t from_db, std::string_view from_key,
                          uint8_t to_db, std::string_view to_key) {
  if (IsComposite(from.type)) return CopyComposite(g, from, from_db, from_key, to_db, to_key, from.expire_ms);
  g.Put(to_db, to_key, from.type, from.expire_ms, from.payload);
  return rocksdb::Status::OK();
}

}  // namespace

// COPY src dst [DB b] [REPLACE]. The TS layer refuses a copy onto itself.
void CopyCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const uint8_t to_db = static_cast<uint8_t>(c.b);
  Lookup from;
  g.Read(c.db, req.arg(c, 0), &from);
  if (!from.status.ok()) return ReplyStatus(w, from.status);
  if (!from.value.exists()) return w.Int(0);
  Lookup to;
  g.Read(to_db, req.arg(c, 1), &to);
  if (!to.status.ok()) return ReplyStatus(w, to.status);
  if (to.value.exists() && !(c.flags & kFlag_COPY_REPLACE)) return w.Int(0);
  const rocksdb::Status s = CopyValue(g, from.value, c.db, req.arg(c, 0), to_db, req.arg(c, 1));
  if (!s.ok()) return ReplyStatus(w, s);
  w.Int(1);
}

// MOVE key b. The TS layer refuses b == db.
void MoveCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const uint8_t to_db = static_cast<uint8_t>(c.b);
  const std::string_view key = req.arg(c, 0);
  Lookup from;
  g.Read(c.db, key, &from);
  if (!from.status.ok()) return ReplyStatus(w, from.status);
  if (!from.value.exists()) return w.Int(0);
  Lookup to;
  g.Read(to_db, key, &to);
  if (!to.status.ok()) return ReplyStatus(w, to.status);
  if (to.value.exists()) return w.Int(0);
  const rocksdb::Status s = CopyValue(g, from.value, c.db, key, to_db, key);
  if (!s.ok()) return ReplyStatus(w, s);
  g.Delete(c.db, key);
  w.Int(1);
}

// OBJECT ENCODING / REFCOUNT: [encoding, refcount], or nil for a missing key. Strings
// report what Redis' tryObjectEncoding would pick for the value; composite types have one
// encoding here (README, known differences). With OBJECT_DEBUG (DEBUG OBJECT) a third
// element: the value's serialized length as kiwi stores it (a string's bytes; the bytes
// of a composite's members and values, found by walking them, as Redis' own
// serializedlength walks the value).
void ObjectCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  if (!v[0].status.ok()) return ReplyStatus(w, v[0].status);
  const Value& value = v[0].value;
  if (!value.exists()) return w.Nil();
  const char* encoding = "raw";
  int64_t refcount = 1;
  switch (value.type) {
    case kTypeString: {
      int64_t n = 0;
      if (value.payload.size() <= 20 && ParseInt64(value.payload, &n)) {
        encoding = "int";
        // Redis shares the objects of 0..9999 (OBJ_SHARED_REFCOUNT).
        if (n >= 0 && n < 10000) refcount = 2147483647;
      } else if (value.payload.size() <= 44) {
        encoding = "embstr";
      }
      break;
    }
    case kTypeHash: encoding = "hashtable"; break;
    case kTypeSet: encoding = "hashtable"; break;
    case kTypeList: encoding = "quicklist"; break;
    case kTypeZSet: encoding = "skiplist"; break;
    case kTypeStream: encoding = "stream"; break;
    default: break;
  }
  const bool debug = c.flags & kFlag_OBJECT_DEBUG;
  int64_t length = static_cast<int64_t>(value.payload.size());
  if (debug && IsComposite(value.type)) {
    KeyView view(r, c.db, req.arg(c, 0), FamiliesOf(value.type)[0]);
    if (view.Load(v[0], value.type, w) == Found::kFailed) return;
    length = 0;
    const rocksdb::Status s = view.ForEach([&](std::string_view member, std::string_view data) {
      length += static_cast<int64_t>(member.size() + data.size());
      return true;
    });
    if (!s.ok()) return ReplyStatus(w, s);
  }
  w.Array(debug ? 3 : 2);
  w.Status(encoding);
  w.Int(refcount);
  if (debug) w.Int(length);
}

void RawSetCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  g.PutRaw(c.db, req.arg(c, 0), req.arg(c, 1));
  w.Ok();
}

// RAW_MEMBER: a member record as it is, in the member family `a` (tests plant members of
// types this version cannot create yet, as RAW_SET does for top-level records).
void RawMemberCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2 || c.a < 0 || c.a >= kMemberFamilyCount) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const std::string_view key = req.arg(c, 0), value = req.arg(c, 1);
  g.PutMember(static_cast<MemberFamily>(c.a), rocksdb::Slice(key.data(), key.size()), rocksdb::Slice(value.data(), value.size()));
  w.Ok();
}

void FailWriteCmd(const Request&, const Command& c, WriteGroup& g, ReplyWriter& w) {
  switch (c.a) {
    case 1: g.Poison(rocksdb::Status::Busy("injected by FAIL_WRITE")); break;
    case 2: g.Poison(rocksdb::Status::TryAgain("injected by FAIL_WRITE")); break;
    case 4: g.Poison(rocksdb::Status::NoSpace("injected by FAIL_WRITE")); break;
    default: g.Poison(rocksdb::Status::IOError("injected by FAIL_WRITE")); break;
  }
  w.Ok();
}

void KeysCmd(Database* db, const Request& req, const Command& c, int64_t now, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const Glob glob(req.arg(c, 0));
  const std::string& prefix = glob.literal_prefix();
  DbCursor cur(db, c.db, prefix, now);
  const size_t at = w.ArrayPlaceholder();
  uint32_t n = 0;
  Value v;
  for (; cur.Valid(); cur.Next()) {
    const std::string_view key = cur.key();
    if (key.compare(0, prefix.size(), prefix) != 0) break;
    if (glob.Match(key) && cur.Live(&v)) {
      w.Bulk(key);
      n++;
    }
  }
  if (!cur.status().ok()) {
    w.Truncate(at - 1);
    return ReplyStatus(w, cur.status());
  }
  w.PatchArray(at, n);
}

void ScanCmd(Database* db, const Request& req, const Command& c, int64_t now, ReplyWriter& w) {
  const bool has_match = c.flags & kFlag_SCAN_MATCH;
  if (c.argc < (has_match ? 2u : 1u)) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const Glob glob(has_match ? req.arg(c, 1) : std::string_view("*"));
  const int64_t budget = c.a > 0 ? c.a : 10;
  const uint8_t type_filter = static_cast<uint8_t>(c.b);
  DbCursor cur(db, c.db, req.arg(c, 0), now);
  std::vector<std::string> owned;
  int64_t examined = 0;
  Value v;
  for (; cur.Valid() && examined < budget; cur.Next(), examined++) {
    const std::string_view key = cur.key();
    if (!cur.Live(&v)) continue;
    if (type_filter != 0 && v.type != type_filter) continue;
    if (!glob.Match(key)) continue;
    owned.emplace_back(key);
  }
  if (!cur.status().ok()) return ReplyStatus(w, cur.status());
  w.Array(2);
  // The next cursor is the first key not yet examined; nil means the scan is complete.
  if (cur.Valid()) {
    w.Bulk(cur.key());
  } else {
    w.Nil();
  }
  w.Array(static_cast<uint32_t>(owned.size()));
  for (const auto& k : owned) w.Bulk(k);
}

void DbSizeCmd(Database* db, const Request&, const Command& c, int64_t now, ReplyWriter& w) {
  DbCursor cur(db, c.db, {}, now);
  int64_t n = 0;
  int64_t volatile_keys = 0;
  Value v;
  for (; cur.Valid(); cur.Next()) {
    if (!cur.Live(&v)) continue;
    n++;
    if (v.expire_ms != 0) volatile_keys++;
  }
  if (!cur.status().ok()) return ReplyStatus(w, cur.status());
  if (!(c.flags & kFlag_DBSIZE_EXPIRES)) return w.Int(n);
  // INFO keyspace wants keys and keys with an expiry from one pass.
  w.Array(2);
  w.Int(n);
  w.Int(volatile_keys);
}

namespace {

// Flushes hold the flush lock exclusively: no read-modify-write may read before the
// range delete and write after it.
struct Range {
  rocksdb::ColumnFamilyHandle* cf;
  std::string from, to;
};

// `db_index` < 0: every database (FLUSHALL); watchers of the flushed keys see a change.
void DeleteRanges(Database* db, const std::vector<Range>& ranges, int db_index, ReplyWriter& w) {
  std::unique_lock<std::shared_mutex> guard(db->flush_lock(), std::defer_lock);
  if (!t_keyspace_exclusive) guard.lock();  // an EXEC holding it already runs us
  rocksdb::WriteBatch batch;
  for (const auto& r : ranges) batch.DeleteRange(r.cf, r.from, r.to).PermitUncheckedError();
  const rocksdb::Status s = db->Write(&batch);
  if (!s.ok()) return ReplyStatus(w, s);
  if (db->watch().active()) db->watch().TouchDb(db_index);
  w.Ok();
}

}  // namespace

void FlushDbCmd(Database* db, const Request&, const Command& c, int64_t, ReplyWriter& w) {
  if (c.db == kMetaDb) return w.Error(kErr_BAD_REQUEST, "reserved database");
  const std::string from(1, static_cast<char>(c.db));
  const std::string to(1, static_cast<char>(c.db + 1));
  // Members go with their keys (their keys start with the db byte too), so their space
  // comes back at the next compaction without the member filter's lookups.
  std::vector<Range> ranges = {{db->data(), from, to}};
  for (size_t f = 0; f < kMemberFamilyCount; f++) ranges.push_back({db->member(static_cast<MemberFamily>(f)), from, to});
  DeleteRanges(db, ranges, c.db, w);
}

void FlushAllCmd(Database* db, const Request&, const Command&, int64_t, ReplyWriter& w) {
  // Data keys of every logical database (db byte 0x00-0xFE; 0xFF is kiwi's metadata),
  // and the whole expire index (its keys start with a positive big-endian time).
  const std::string from(1, '\0');
  const std::string to(1, static_cast<char>(kMetaDb));
  std::vector<Range> ranges = {{db->data(), from, to}, {db->expire(), std::string(), std::string(1, static_cast<char>(0x80))}};
  for (size_t f = 0; f < kMemberFamilyCount; f++) ranges.push_back({db->member(static_cast<MemberFamily>(f)), from, to});
  DeleteRanges(db, ranges, -1, w);
}

void RandomKeyCmd(Database* db, const Request&, const Command& c, int64_t now, ReplyWriter& w) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  // Seek to a random point, then walk forward (wrapping once) past expired keys. Keys
  // after long gaps are likelier picks; Redis' own pick is not uniform either.
  std::string start(8, '\0');
  const uint64_t r = rng();
  std::memcpy(start.data(), &r, 8);
  DbCursor cur(db, c.db, start, now);
  Value v;
  for (int pass = 0; pass < 2; pass++) {
    for (int steps = 0; cur.Valid() && steps < 1000; cur.Next(), steps++) {
      if (cur.Live(&v)) return w.Bulk(cur.key());
    }
    if (!cur.status().ok()) return ReplyStatus(w, cur.status());
    cur.SeekToFirst();
  }
  w.Nil();
}

void CompactCmd(Database* db, const Request&, const Command&, int64_t, ReplyWriter& w) {
  rocksdb::CompactRangeOptions options;
  // Rewrite the bottom level too, so the compaction filter sees every value.
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  // The data column family first: the member filter checks members against it.
  rocksdb::Status s;
  for (auto* cf : db->families()) {
    if (s.ok()) s = db->db()->CompactRange(options, cf, nullptr, nullptr);
  }
  if (!s.ok()) return ReplyStatus(w, s);
  w.Ok();
}

void FlushMemtableCmd(Database* db, const Request&, const Command&, int64_t, ReplyWriter& w) {
  rocksdb::FlushOptions options;
  options.wait = true;
  const rocksdb::Status s = db->db()->Flush(options, db->families());
  if (!s.ok()) return ReplyStatus(w, s);
  w.Ok();
}

}  // namespace kiwi
