#include "db.h"

#include <pthread.h>
#include <rocksdb/cache.h>
#include <rocksdb/compaction_filter.h>
#include <rocksdb/convenience.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "format.h"

namespace kiwi {

int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {
// FNV-1a: cheap, and stripes only need to spread, not resist attack (a collision costs a
// little lock sharing, never correctness).
constexpr uint64_t kFnvOffset = 1469598103934665603ull;
inline uint64_t Fnv(uint64_t h, std::string_view bytes) {
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  return h;
}
inline size_t Fold(uint64_t h) { return static_cast<size_t>(h ^ (h >> 32)) & (KeyLocks::kStripes - 1); }
}  // namespace

size_t KeyLocks::Stripe(std::string_view data_key) { return Fold(Fnv(kFnvOffset, data_key)); }

size_t KeyLocks::Stripe(uint8_t db, std::string_view key) {
  const char d = static_cast<char>(db);
  return Fold(Fnv(Fnv(kFnvOffset, std::string_view(&d, 1)), key));
}

void KeyLocks::Lock(std::vector<size_t>* stripes) {
  std::sort(stripes->begin(), stripes->end());
  stripes->erase(std::unique(stripes->begin(), stripes->end()), stripes->end());
  for (size_t s : *stripes) stripes_[s].m.lock();
}

void KeyLocks::Unlock(const std::vector<size_t>& stripes) {
  for (auto it = stripes.rbegin(); it != stripes.rend(); ++it) stripes_[*it].m.unlock();
}

namespace {

// Drops values whose expiry has passed, so the space of expired keys comes back even if
// the expiry cycle never reached them. RocksDB turns a removal into a tombstone where
// older versions may exist below, so nothing older resurfaces.
class ExpiredValueFilter : public rocksdb::CompactionFilter {
 public:
  bool Filter(int /*level*/, const rocksdb::Slice& key, const rocksdb::Slice& existing,
              std::string* /*new_value*/, bool* /*value_changed*/) const override {
    if (key.size() > 0 && static_cast<uint8_t>(key[0]) == kMetaDb) return false;
    Value v;
    if (!DecodeValue(std::string_view(existing.data(), existing.size()), &v)) return false;
    return v.expired(NowMs());
  }
  const char* Name() const override { return "kiwi.ExpiredValueFilter"; }
};

// Drops members whose key no longer owns them: the key is gone, expired, of another
// type, or of another version (deleted, overwritten or expired, then written again).
// This is how deleting a big composite key stays one metadata write: nothing walks its
// members; compactions drop them as they pass. One filter serves one compaction (one
// thread), so it caches the last key's metadata: members of a key are contiguous.
struct MemberFilterShared {
  std::atomic<rocksdb::DB*> db{nullptr};
  std::atomic<rocksdb::ColumnFamilyHandle*> data{nullptr};
};

class MemberFilter : public rocksdb::CompactionFilter {
 public:
  explicit MemberFilter(std::shared_ptr<MemberFilterShared> shared) : shared_(std::move(shared)) {}

  bool Filter(int /*level*/, const rocksdb::Slice& key, const rocksdb::Slice& /*existing*/,
              std::string* /*new_value*/, bool* /*value_changed*/) const override {
    std::string_view member;
    uint64_t version = 0;
    if (!ParseMemberKey(std::string_view(key.data(), key.size()), &data_key_, &version, &member)) return false;
    if (data_key_ != cached_key_ || !cached_) {
      if (!Load()) return false;
    }
    // Keep what we could not check (no database yet, a read error): dropping is final.
    if (!known_) return false;
    return !live_ || version != live_version_;
  }
  const char* Name() const override { return "kiwi.MemberFilter"; }

 private:
  bool Load() const {
    cached_key_ = data_key_;
    cached_ = true;
    known_ = false;
    rocksdb::DB* db = shared_->db.load(std::memory_order_acquire);
    rocksdb::ColumnFamilyHandle* data = shared_->data.load(std::memory_order_acquire);
    if (db == nullptr || data == nullptr) return true;
    std::string raw;
    const rocksdb::Status s = db->Get(rocksdb::ReadOptions(), data, cached_key_, &raw);
    Value v;
    Meta m;
    if (s.IsNotFound()) {
      live_ = false;
    } else if (!s.ok()) {
      return true;
    } else if (!DecodeValue(raw, &v)) {
      return true;  // a format this version cannot read: leave its members alone
    } else {
      live_ = DecodeMeta(v, &m) && !v.expired(NowMs());
      live_version_ = m.version;
    }
    known_ = true;
    return true;
  }

  std::shared_ptr<MemberFilterShared> shared_;
  mutable std::string data_key_, cached_key_;
  mutable bool cached_ = false, known_ = false, live_ = false;
  mutable uint64_t live_version_ = 0;
};

class MemberFilterFactory : public rocksdb::CompactionFilterFactory {
 public:
  explicit MemberFilterFactory(std::shared_ptr<MemberFilterShared> shared) : shared_(std::move(shared)) {}
  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(const rocksdb::CompactionFilter::Context&) override {
    return std::make_unique<MemberFilter>(shared_);
  }
  const char* Name() const override { return "kiwi.MemberFilterFactory"; }

 private:
  std::shared_ptr<MemberFilterShared> shared_;
};

class HealthListener : public rocksdb::EventListener {
 public:
  explicit HealthListener(std::shared_ptr<HealthState> health) : health_(std::move(health)) {}

  void OnBackgroundError(rocksdb::BackgroundErrorReason, rocksdb::Status* error) override {
    if (error == nullptr || error->ok()) return;
    health_->background_errors.fetch_add(1);
    health_->degraded.store(true);
    std::lock_guard<std::mutex> lock(health_->mu);
    health_->last_error = error->ToString();
  }

  void OnErrorRecoveryEnd(const rocksdb::BackgroundErrorRecoveryInfo& info) override {
    if (!info.new_bg_error.ok()) return;
    health_->recoveries.fetch_add(1);
    health_->degraded.store(false);
  }

 private:
  std::shared_ptr<HealthState> health_;
};

rocksdb::CompressionType ParseCompression(const std::string& name, bool* ok) {
  *ok = true;
  if (name == "none") return rocksdb::kNoCompression;
  if (name == "snappy") return rocksdb::kSnappyCompression;
  if (name == "lz4") return rocksdb::kLZ4Compression;
  if (name == "zstd") return rocksdb::kZSTD;
  if (name == "zlib") return rocksdb::kZlibCompression;
  *ok = false;
  return rocksdb::kNoCompression;
}

}  // namespace

rocksdb::Status Database::Open(const std::string& dir, const DbOptions& options,
                               std::unique_ptr<Database>* out) {
  bool compression_ok = false;
  const rocksdb::CompressionType compression = ParseCompression(options.compression, &compression_ok);
  if (!compression_ok) {
    return rocksdb::Status::InvalidArgument("unknown compression", options.compression);
  }
  const auto supported = rocksdb::GetSupportedCompressions();
  if (compression != rocksdb::kNoCompression &&
      std::find(supported.begin(), supported.end(), compression) == supported.end()) {
    return rocksdb::Status::NotSupported("compression not built into this RocksDB",
                                         options.compression);
  }

  std::unique_ptr<Database> self(new Database());
  self->options_ = options;
  self->health_ = std::make_shared<HealthState>();
  self->statistics_ = rocksdb::CreateDBStatistics();
  self->statistics_->set_stats_level(rocksdb::StatsLevel::kExceptDetailedTimers);

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = std::max(1, options.background_jobs);
  db_options.statistics = self->statistics_;
  db_options.listeners.push_back(std::make_shared<HealthListener>(self->health_));
  db_options.keep_log_file_num = 5;
  // In-memory mode: the same engine and options, with every file (WAL, SSTs, MANIFEST,
  // LOG) kept in this Env's memory; the path only names files inside it.
  const bool in_memory = dir == kMemoryDir;
  if (in_memory) {
    self->memory_env_.reset(rocksdb::NewMemEnv(rocksdb::Env::Default()));
    db_options.env = self->memory_env_.get();
    // Nothing to make durable, and its WAL files cannot SyncWAL (NotSupported).
    self->options_.sync = SyncMode::kNone;
  }
  const std::string path = in_memory ? "/kiwi-memory" : dir;

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  // Index and filter blocks live with each open SST file, outside the block cache
  // (RocksDB's default; about 1% of the data for 1 KB values). In the cache they were
  // evicted by data blocks once the data outgrew it, and a GET then reread a whole
  // index block from disk: random GET over 2 GB with a 64 MB cache measured 1.7-2.0x
  // at -P 16 and 1.3-1.6x at -P 1 with them outside (partitioned index: 1.25-1.5x).
  table.cache_index_and_filter_blocks = false;
  // A hash index inside each data block: point reads skip the binary search (measured
  // 5-7% on GET and INCR at pipeline 16).
  table.data_block_index_type = rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;

  rocksdb::ColumnFamilyOptions data_options;
  data_options.write_buffer_size = options.write_buffer_bytes;
  // Room for writes to go on while earlier memtables flush (small memtables fill fast).
  data_options.max_write_buffer_number = 4;
  data_options.compression = compression;
  data_options.level_compaction_dynamic_level_bytes = true;
  data_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  static ExpiredValueFilter filter;  // stateless; RocksDB requires it to outlive the DB
  if (options.compaction_filter) data_options.compaction_filter = &filter;

  auto member_filter = std::make_shared<MemberFilterShared>();
  rocksdb::ColumnFamilyOptions member_options = data_options;
  member_options.compaction_filter = nullptr;
  if (options.compaction_filter) {
    member_options.compaction_filter_factory = std::make_shared<MemberFilterFactory>(member_filter);
  }

  rocksdb::ColumnFamilyOptions expire_options;
  expire_options.write_buffer_size = std::max<uint64_t>(4ull << 20, options.write_buffer_bytes / 8);
  expire_options.compression = compression;
  expire_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  // RocksDB must open every existing column family; families from a newer kiwi get
  // default options, and the format version check below refuses that data if needed.
  std::vector<std::string> existing;
  rocksdb::DB::ListColumnFamilies(db_options, path, &existing).PermitUncheckedError();
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, data_options}, {kExpireColumnFamily, expire_options}};
  for (const char* name : kMemberFamilyNames) families.push_back({name, member_options});
  for (const auto& name : existing) {
    const bool known = std::any_of(families.begin(), families.end(),
                                   [&](const rocksdb::ColumnFamilyDescriptor& f) { return f.name == name; });
    if (!known) families.push_back({name, rocksdb::ColumnFamilyOptions()});
  }

  rocksdb::Status s = rocksdb::DB::Open(db_options, path, families, &self->handles_, &self->db_);
  if (!s.ok()) return s;
  self->data_cf_ = self->handles_[0];
  self->expire_cf_ = self->handles_[1];
  for (size_t f = 0; f < kMemberFamilyCount; f++) self->member_cf_[f] = self->handles_[2 + f];
  member_filter->data.store(self->data_cf_, std::memory_order_release);
  member_filter->db.store(self->db_, std::memory_order_release);

  const std::string version_key = DataKey(kMetaDb, kFormatVersionKey);
  std::string version;
  s = self->db_->Get(rocksdb::ReadOptions(), self->data_cf_, version_key, &version);
  if (s.ok() && std::strtoul(version.c_str(), nullptr, 10) > kFormatVersion) {
    s = rocksdb::Status::NotSupported(
        "data directory uses on-disk format " + version + "; this kiwi-server reads up to " +
        std::to_string(kFormatVersion));
  } else if (s.IsNotFound() || (s.ok() && std::strtoul(version.c_str(), nullptr, 10) < kFormatVersion)) {
    // Version 1 data (strings only) is valid version 2 data; marking it 2 keeps an older
    // kiwi from opening a directory that may now hold composite keys.
    s = self->db_->Put(rocksdb::WriteOptions(), self->data_cf_, version_key,
                       std::to_string(kFormatVersion));
  }
  if (s.ok()) s = self->LoadVersionCounter();
  if (s.ok()) s = self->LoadDbMap();
  self->dir_ = dir;
  self->save_.last_save_ms = NowMs();
  if (!s.ok()) {
    self->Close().PermitUncheckedError();
    return s;
  }

  self->write_options_.sync = self->options_.sync == SyncMode::kAlways;
  self->maintenance_ = std::thread([raw = self.get()] { raw->MaintenanceLoop(); });
  *out = std::move(self);
  return rocksdb::Status::OK();
}

Database::~Database() { Close().PermitUncheckedError(); }

rocksdb::Status Database::Close() {
  {
    std::lock_guard<std::mutex> lock(maintenance_mu_);
    stopping_ = true;
  }
  maintenance_cv_.notify_all();
  if (maintenance_.joinable()) maintenance_.join();
  if (bgsave_.joinable()) bgsave_.join();
  if (db_ == nullptr) return rocksdb::Status::OK();

  // In memory the data dies with the Env: neither syncing nor flushing would keep it.
  const bool on_disk = memory_env_ == nullptr;
  const rocksdb::Status wal = on_disk ? db_->FlushWAL(true) : rocksdb::Status::OK();
  rocksdb::FlushOptions flush;
  flush.wait = true;
  const rocksdb::Status flushed = on_disk ? db_->Flush(flush, handles_) : rocksdb::Status::OK();
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  handles_.clear();
  const rocksdb::Status closed = db_->Close();
  delete db_;
  db_ = nullptr;
  // Once every memtable is flushed the WAL holds nothing that is not in SST files, so a
  // WAL or close error is no loss then: RocksDB keeps a WAL writer marked failed after a
  // disk-full it has resumed from ("Writer has previous error"). Without the flush, the
  // first error is the one that matters.
  if (flushed.ok()) return rocksdb::Status::OK();
  return !wal.ok() ? wal : flushed;
}

rocksdb::Status Database::Write(rocksdb::WriteBatch* batch) {
  return db_->Write(write_options_, batch);
}

void Database::FlushDataAsync() {
  rocksdb::FlushOptions options;
  options.wait = false;
  options.allow_write_stall = true;
  db_->Flush(options, data_cf_).PermitUncheckedError();
}

namespace {
constexpr uint64_t kVersionBlock = 1ull << 20;
}  // namespace

rocksdb::Status Database::LoadVersionCounter() {
  std::string raw;
  const rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), data_cf_, DataKey(kMetaDb, kVersionLimitKey), &raw);
  if (!s.ok() && !s.IsNotFound()) return s;
  uint64_t limit = s.ok() && raw.size() == 8 ? GetFixed64LE(raw.data()) : 0;
  // The clock as a second floor (microseconds, far above any count a running server
  // reaches), in case the reservation itself was ever lost.
  const uint64_t now_us = static_cast<uint64_t>(NowMs()) * 1000;
  limit = std::max<uint64_t>({limit, now_us, 1});
  next_version_.store(limit);
  version_limit_.store(limit);
  return rocksdb::Status::OK();
}

uint64_t Database::NextVersion() {
  const uint64_t v = next_version_.fetch_add(1, std::memory_order_relaxed);
  if (v < version_limit_.load(std::memory_order_acquire)) return v;
  std::lock_guard<std::mutex> lock(version_mu_);
  while (v >= version_limit_.load(std::memory_order_relaxed)) {
    const uint64_t limit = std::max(version_limit_.load(std::memory_order_relaxed), v + 1) + kVersionBlock;
    std::string raw;
    PutFixed64LE(&raw, limit);
    // A failed reservation leaves the versions usable in this process; the clock floor
    // still keeps a restart above them. Writes that use them are failing too, most likely.
    db_->Put(write_options_, data_cf_, DataKey(kMetaDb, kVersionLimitKey), raw).PermitUncheckedError();
    version_limit_.store(limit, std::memory_order_release);
  }
  return v;
}

rocksdb::Status Database::LoadDbMap() {
  for (size_t i = 0; i < kDbMapSize; i++) db_map_[i] = static_cast<uint8_t>(i);
  std::string raw;
  const rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), data_cf_, DataKey(kMetaDb, kDbMapKey), &raw);
  if (s.IsNotFound()) return rocksdb::Status::OK();
  if (!s.ok()) return s;
  if (raw.size() != kDbMapSize) return rocksdb::Status::Corruption("unreadable database map (db-map)");
  for (size_t i = 0; i < kDbMapSize; i++) db_map_[i] = static_cast<uint8_t>(raw[i]);
  return rocksdb::Status::OK();
}

rocksdb::Status Database::SwapDbs(uint8_t a, uint8_t b) {
  if (a >= kDbMapSize || b >= kDbMapSize) return rocksdb::Status::InvalidArgument("database index out of range");
  std::lock_guard<std::mutex> turnstile(db_map_turnstile_);
  std::unique_lock<std::shared_mutex> map_guard(db_map_lock_);
  // Writers of the expiry cycle and FLUSHDB hold this one: nothing is half-way through a
  // flush or an expiry while the numbers change.
  std::unique_lock<std::shared_mutex> flush_guard(flush_lock_);
  std::array<uint8_t, kDbMapSize> next = db_map_;
  std::swap(next[a], next[b]);
  const std::string raw(reinterpret_cast<const char*>(next.data()), next.size());
  rocksdb::WriteBatch batch;
  batch.Put(data_cf_, DataKey(kMetaDb, kDbMapKey), raw);
  const rocksdb::Status s = Write(&batch);
  if (s.ok()) db_map_ = next;
  return s;
}

rocksdb::Status Database::Checkpoint() {
  // In-memory mode keeps no files: there is no directory to put a backup in, and a copy
  // inside the same memory would go with the process. A save succeeds without one.
  if (memory_env_ != nullptr) return rocksdb::Status::OK();
  namespace fs = std::filesystem;
  const fs::path target = fs::path(dir_) / kBackupDir;
  const fs::path fresh = fs::path(dir_) / (std::string(kBackupDir) + ".tmp");
  const fs::path old = fs::path(dir_) / (std::string(kBackupDir) + ".old");
  std::error_code ec;
  fs::remove_all(fresh, ec);
  fs::remove_all(old, ec);
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(db_, &raw);
  if (!s.ok()) return s;
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // log_size_for_flush 0: memtables are flushed first, so the copy needs no WAL replay.
  s = checkpoint->CreateCheckpoint(fresh.string(), 0);
  if (!s.ok()) return s;
  // Swap in the new copy whole: a crash leaves either the old backup or the new one.
  if (fs::exists(target, ec)) fs::rename(target, old, ec);
  if (ec) return rocksdb::Status::IOError("cannot move the previous backup aside", ec.message());
  fs::rename(fresh, target, ec);
  if (ec) return rocksdb::Status::IOError("cannot put the new backup in place", ec.message());
  fs::remove_all(old, ec);
  return rocksdb::Status::OK();
}

rocksdb::Status Database::Save() {
  std::lock_guard<std::mutex> lock(save_mu_);
  if (save_.in_progress) return rocksdb::Status::Busy("Background save already in progress");
  const int64_t started = NowMs();
  const rocksdb::Status s = Checkpoint();
  save_.last_ok = s.ok();
  if (s.ok()) save_.last_save_ms = NowMs();
  save_.last_duration_ms = NowMs() - started;
  return s;
}

bool Database::StartBackgroundSave() {
  std::lock_guard<std::mutex> lock(save_mu_);
  if (save_.in_progress) return false;
  if (bgsave_.joinable()) bgsave_.join();  // the previous one has finished
  save_.in_progress = true;
  // Its own thread: a checkpoint flushes and links files for a while, and storage
  // threads must go on serving meanwhile.
  bgsave_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "kiwi-bgsave");
    const int64_t started = NowMs();
    const rocksdb::Status s = Checkpoint();
    std::lock_guard<std::mutex> done(save_mu_);
    save_.last_ok = s.ok();
    if (s.ok()) save_.last_save_ms = NowMs();
    save_.last_duration_ms = NowMs() - started;
    save_.in_progress = false;
  });
  return true;
}

Database::SaveState Database::save_state() {
  std::lock_guard<std::mutex> lock(save_mu_);
  return save_;
}

rocksdb::Status Database::Resume() {
  rocksdb::Status s = db_->Resume();
  if (s.ok()) {
    health_->degraded.store(false);
    health_->recoveries.fetch_add(1);
  }
  return s;
}

bool Database::Property(const std::string& name, std::string* value) {
  if (db_ == nullptr) return false;
  if (name == "kiwi.total-sst-files-size") {
    uint64_t total = 0;
    for (auto* h : handles_) {
      uint64_t n = 0;
      if (db_->GetIntProperty(h, "rocksdb.total-sst-files-size", &n)) total += n;
    }
    *value = std::to_string(total);
    return true;
  }
  return db_->GetProperty(data_cf_, name, value);
}

uint64_t Database::TickerCount(uint32_t ticker) const {
  return statistics_ ? statistics_->getTickerCount(ticker) : 0;
}

uint64_t Database::ExpireCycle(int64_t now_ms, size_t limit, bool* more) {
  *more = false;
  std::string upper;
  PutFixed64BE(&upper, static_cast<uint64_t>(now_ms) + 1);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, expire_cf_));

  rocksdb::WriteBatch batch;
  uint64_t deleted = 0;
  size_t seen = 0;
  std::shared_lock<std::shared_mutex> flush_guard(flush_lock_);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (++seen > limit) {
      *more = true;
      break;
    }
    const rocksdb::Slice index_key = it->key();
    if (index_key.size() < 9) {
      batch.Delete(expire_cf_, index_key);
      continue;
    }
    const int64_t when = static_cast<int64_t>(GetFixed64BE(index_key.data()));
    const std::string_view data_key(index_key.data() + 8, index_key.size() - 8);
    std::vector<size_t> stripe = {KeyLocks::Stripe(data_key)};
    locks_.Lock(&stripe);
    std::string raw;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), data_cf_,
                                 rocksdb::Slice(data_key.data(), data_key.size()), &raw);
    Value v;
    // Delete only if the key still carries this very expiry: a later SET or EXPIRE made
    // the index entry stale, and the key must live on.
    if (s.ok() && DecodeValue(raw, &v) && v.expire_ms == when && v.expired(now_ms)) {
      rocksdb::WriteBatch one;
      one.Delete(data_cf_, rocksdb::Slice(data_key.data(), data_key.size()));
      one.Delete(expire_cf_, index_key);
      if (Write(&one).ok()) {
        deleted++;
        if (!ForgetExpired(data_key, when) && expired_log_on_.load(std::memory_order_relaxed)) {
          std::lock_guard<std::mutex> g(expired_log_mu_);
          if (expired_log_.size() < kExpiredLogMax) expired_log_.emplace_back(data_key);
          else expired_log_dropped_++;
        }
      }
    } else {
      batch.Delete(expire_cf_, index_key);
    }
    locks_.Unlock(stripe);
  }
  if (batch.Count() > 0) Write(&batch).PermitUncheckedError();
  expired_keys_.fetch_add(deleted, std::memory_order_relaxed);
  return deleted;
}

void Database::SetExpiredLog(bool on) {
  expired_log_on_.store(on, std::memory_order_relaxed);
  if (!on) {
    std::lock_guard<std::mutex> g(expired_log_mu_);
    expired_log_.clear();
    claimed_.clear();
    claimed_count_.store(0, std::memory_order_relaxed);
  }
}

namespace {
std::string ClaimKey(std::string_view data_key, int64_t expire_ms) {
  std::string k(data_key);
  k.append(reinterpret_cast<const char*>(&expire_ms), sizeof(expire_ms));
  return k;
}
}  // namespace

bool Database::ClaimExpired(std::string_view data_key, int64_t expire_ms) {
  std::lock_guard<std::mutex> g(expired_log_mu_);
  if (claimed_.size() >= kExpiredLogMax) claimed_.clear();
  const bool fresh = claimed_.insert(ClaimKey(data_key, expire_ms)).second;
  claimed_count_.store(claimed_.size(), std::memory_order_relaxed);
  return fresh;
}

bool Database::ForgetExpired(std::string_view data_key, int64_t expire_ms) {
  // The common case (no read has claimed anything) costs one atomic load.
  if (claimed_count_.load(std::memory_order_relaxed) == 0) return false;
  std::lock_guard<std::mutex> g(expired_log_mu_);
  const bool was = claimed_.erase(ClaimKey(data_key, expire_ms)) > 0;
  claimed_count_.store(claimed_.size(), std::memory_order_relaxed);
  return was;
}

std::vector<std::string> Database::TakeExpired(uint64_t* dropped) {
  std::lock_guard<std::mutex> g(expired_log_mu_);
  std::vector<std::string> out;
  out.swap(expired_log_);
  *dropped = expired_log_dropped_;
  expired_log_dropped_ = 0;
  return out;
}

void Database::MaintenanceLoop() {
  pthread_setname_np(pthread_self(), "kiwi-maint");
  using clock = std::chrono::steady_clock;
  auto next_sync = clock::now() + std::chrono::milliseconds(options_.sync_interval_ms);
  const auto tick = std::chrono::milliseconds(
      options_.expire_cycle_ms > 0 ? std::min(options_.expire_cycle_ms, 100) : 100);
  std::unique_lock<std::mutex> lock(maintenance_mu_);
  while (!stopping_) {
    maintenance_cv_.wait_for(lock, tick, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    if (options_.expire_cycle_ms > 0 && active_expire() && !health_->degraded.load()) {
      // Like Redis' active expire cycle: bounded work per tick, more ticks when behind.
      bool more = true;
      const auto budget_end = clock::now() + tick / 4;
      while (more && clock::now() < budget_end) ExpireCycle(NowMs(), 1000, &more);
    }
    if (options_.sync == SyncMode::kPeriodic && clock::now() >= next_sync) {
      db_->SyncWAL().PermitUncheckedError();
      next_sync = clock::now() + std::chrono::milliseconds(options_.sync_interval_ms);
    }
    lock.lock();
  }
}

}  // namespace kiwi
