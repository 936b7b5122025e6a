// Database: one RocksDB instance with kiwi's column families, options, key locks, the
// expiry cycle and WAL syncing. Used only from storage threads (and open/close); it
// never touches N-API.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/statistics.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "format.h"
#include "blocking.h"
#include "watch.h"

namespace kiwi {

enum class SyncMode { kAlways, kPeriodic, kNone };

// The data directory name that means "no directory": RocksDB runs on its in-memory Env,
// nothing touches the disk, and the data is gone once the database closes.
inline constexpr const char* kMemoryDir = ":memory:";

struct DbOptions {
  uint64_t block_cache_bytes = 256ull << 20;
  uint64_t write_buffer_bytes = 16ull << 20;
  std::string compression = "lz4";  // none | snappy | lz4 | zstd | zlib
  int background_jobs = 2;
  SyncMode sync = SyncMode::kPeriodic;
  int sync_interval_ms = 1000;
  int expire_cycle_ms = 100;  // 0 turns the background expiry cycle off
  bool compaction_filter = true;
};

// Striped per-key mutexes: read-modify-write commands lock every stripe their keys hash
// to, in ascending order, so concurrent storage threads cannot interleave on a key and
// cannot deadlock.
class KeyLocks {
 public:
  static constexpr size_t kStripes = 1024;
  static size_t Stripe(std::string_view data_key);
  // Same stripe as Stripe(DataKey(db, key)), without building the key.
  static size_t Stripe(uint8_t db, std::string_view key);
  // Sorts and dedupes `stripes`, then locks them.
  void Lock(std::vector<size_t>* stripes);
  void Unlock(const std::vector<size_t>& stripes);

 private:
  struct alignas(64) Padded {
    std::mutex m;
  };
  std::array<Padded, kStripes> stripes_;
};

// Background errors (for example ENOSPC during a flush) put RocksDB into read-only mode;
// the listener records them so INFO and /health can say so, and Resume() can clear them.
struct HealthState {
  std::atomic<bool> degraded{false};
  std::atomic<uint64_t> background_errors{0};
  std::atomic<uint64_t> recoveries{0};
  std::mutex mu;
  std::string last_error;  // guarded by mu
};

class Database {
 public:
  static rocksdb::Status Open(const std::string& dir, const DbOptions& options,
                              std::unique_ptr<Database>* out);
  ~Database();

  // Stops the maintenance thread, syncs the WAL, flushes memtables and closes.
  rocksdb::Status Close();

  rocksdb::DB* db() const { return db_; }
  rocksdb::ColumnFamilyHandle* data() const { return data_cf_; }
  rocksdb::ColumnFamilyHandle* expire() const { return expire_cf_; }
  rocksdb::ColumnFamilyHandle* member(MemberFamily f) const { return member_cf_[f]; }
  // Every column family kiwi writes (data, expire, members), for flushes and compactions.
  const std::vector<rocksdb::ColumnFamilyHandle*>& families() const { return handles_; }
  rocksdb::Status Write(rocksdb::WriteBatch* batch);
  // Starts a flush of the data column family's memtable and returns at once.
  void FlushDataAsync();

  // A composite key's version: unique across the database's lifetime, restarts included,
  // so members of a deleted key can never be mistaken for a new key's. Versions come
  // from a counter whose upper limit is persisted (WAL order puts the reservation before
  // any write that uses a version under it) before any of them is handed out.
  uint64_t NextVersion();

  KeyLocks& locks() { return locks_; }
  // Writers hold it shared; FLUSHDB/FLUSHALL hold it exclusively, so a read-modify-write
  // never straddles a flush.
  std::shared_mutex& flush_lock() { return flush_lock_; }
  // Keys clients WATCH, with their modification counters (watch.h).
  WatchTable& watch() { return watch_; }
  // Clients blocked on lists (blocking.h).
  BlockTable& blocks() { return blocks_; }

  HealthState& health() { return *health_; }
  rocksdb::Status Resume();
  // A RocksDB property of the data column family; "kiwi.total-sst-files-size" sums the
  // SST files of every column family.
  bool Property(const std::string& name, std::string* value);
  uint64_t TickerCount(uint32_t ticker) const;

  // SWAPDB: logical databases map to physical ones (the db byte of every key). Requests
  // are mapped when a storage thread (or the read fast path) starts them, holding the
  // map's lock shared (LockDbMap); a swap holds it exclusively, so it changes the map
  // between commands, never inside one. The map is persisted (db 0xFF), so a swap
  // survives restarts.
  uint8_t PhysicalDb(uint8_t logical) const { return logical < kDbMapSize ? db_map_[logical] : logical; }
  // Shares the map with other readers. A swap holds the turnstile while it waits for the
  // readers to leave, so a steady stream of batches cannot keep it waiting forever.
  std::shared_lock<std::shared_mutex> LockDbMap() {
    std::lock_guard<std::mutex> turnstile(db_map_turnstile_);
    return std::shared_lock<std::shared_mutex>(db_map_lock_);
  }
  rocksdb::Status SwapDbs(uint8_t a, uint8_t b);

  // SAVE and BGSAVE: a RocksDB checkpoint (hard links to the SST files, flushed first) in
  // <dir>/backup, replaced whole. Returns BUSY while a background save runs.
  rocksdb::Status Save();
  // Starts a background save on a thread of its own; false if one is running.
  bool StartBackgroundSave();
  struct SaveState {
    bool in_progress = false;
    int64_t last_save_ms = 0;  // last success; the open time before any
    bool last_ok = true;
    int64_t last_duration_ms = -1;
  };
  SaveState save_state();

  // DEBUG SET-ACTIVE-EXPIRE: the background expiry cycle on or off.
  void set_active_expire(bool on) { active_expire_.store(on); }
  bool active_expire() const { return active_expire_.load(); }

  // Walks the expire index once: deletes keys whose expiry has passed. Returns keys deleted.
  uint64_t ExpireCycle(int64_t now_ms, size_t limit, bool* more);
  uint64_t expired_keys() const { return expired_keys_.load(std::memory_order_relaxed); }
  // Keyspace notifications ("expired"): while on, the expiry cycle keeps the data keys
  // (db byte + key) it deletes, at most kExpiredLogMax of them between two collections
  // (more are dropped and counted: memory stays bounded if nobody collects).
  static constexpr size_t kExpiredLogMax = 100000;
  void SetExpiredLog(bool on);
  std::vector<std::string> TakeExpired(uint64_t* dropped);
  // "expired" raised on access. A read finds a key expired but cannot delete it (reads
  // take no locks): it claims the event (true for the first claim of that key and
  // expiry) and leaves the delete to the expiry cycle or the next write of the key, which
  // then forget the claim instead of raising the event again (ForgetExpired: true when
  // it was claimed). At most kExpiredLogMax claims are kept (past that they are dropped:
  // an event may then be raised twice, never lost).
  bool ClaimExpired(std::string_view data_key, int64_t expire_ms);
  bool ForgetExpired(std::string_view data_key, int64_t expire_ms);

 private:
  Database() = default;
  void MaintenanceLoop();
  rocksdb::Status LoadVersionCounter();
  rocksdb::Status LoadDbMap();
  rocksdb::Status Checkpoint();

  static constexpr size_t kDbMapSize = 16;
  std::string dir_;
  std::array<uint8_t, kDbMapSize> db_map_{};
  std::shared_mutex db_map_lock_;
  std::mutex db_map_turnstile_;
  std::atomic<bool> active_expire_{true};
  std::mutex save_mu_;  // guards save_ and serialises checkpoints
  SaveState save_;
  std::thread bgsave_;

  // First, so it is destroyed last: RocksDB's in-memory Env for kMemoryDir, which must
  // outlive the database (Close() deletes db_ before the members go).
  std::unique_ptr<rocksdb::Env> memory_env_;
  rocksdb::DB* db_ = nullptr;
  rocksdb::ColumnFamilyHandle* data_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* expire_cf_ = nullptr;
  std::array<rocksdb::ColumnFamilyHandle*, kMemberFamilyCount> member_cf_{};
  std::atomic<uint64_t> next_version_{0};
  std::atomic<uint64_t> version_limit_{0};
  std::mutex version_mu_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::shared_ptr<rocksdb::Statistics> statistics_;
  std::shared_ptr<HealthState> health_;
  rocksdb::WriteOptions write_options_;
  DbOptions options_;
  KeyLocks locks_;
  std::shared_mutex flush_lock_;
  WatchTable watch_;
  BlockTable blocks_;
  std::atomic<uint64_t> expired_keys_{0};
  std::atomic<bool> expired_log_on_{false};
  std::mutex expired_log_mu_;
  std::vector<std::string> expired_log_;
  uint64_t expired_log_dropped_ = 0;
  std::atomic<size_t> claimed_count_{0};
  std::unordered_set<std::string> claimed_;  // data key + 8-byte expiry, under expired_log_mu_

  std::thread maintenance_;
  std::mutex maintenance_mu_;
  std::condition_variable maintenance_cv_;
  bool stopping_ = false;
};

int64_t NowMs();

// Set while this storage thread runs an EXEC that holds the flush lock exclusively (a
// transaction with a keyless command): the commands it runs must not lock it again.
inline thread_local bool t_keyspace_exclusive = false;

}  // namespace kiwi
