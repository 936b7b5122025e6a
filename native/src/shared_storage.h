// One storage runtime per open database, shared by every JS environment of the process:
// the main thread that opened it and the network runtimes (worker threads) attached to
// it. They share one RocksDB, one executor and one pool (one bounded queue); each
// handle has its own completion sink (see addon.cc), so completions go back to the thread
// that submitted.
//
// Handles find a runtime by its token (a number the opening handle exports and passes
// to workers). Closing is once for all: the pool stops (running or dropping queued jobs)
// and RocksDB closes; handles still attached then get CLOSED from submit. Fast reads on
// network threads (fastpath.cc) enter a guard that the closer waits for, so RocksDB is
// never closed under them; entering never blocks.
#pragma once

#include <rocksdb/status.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "db.h"
#include "exec.h"
#include "pool.h"
#include "script/script_runner.h"

namespace kiwi {

class SharedStorage {
 public:
  static rocksdb::Status Open(const std::string& dir, const DbOptions& db_options,
                              const PoolOptions& pool_options, std::shared_ptr<SharedStorage>* out);
  // The runtime with this token, or null once it is gone.
  static std::shared_ptr<SharedStorage> Find(uint64_t token);
  ~SharedStorage();

  uint64_t token() const { return token_; }
  Database* db() const { return db_.get(); }
  Executor* executor() const { return executor_.get(); }
  Pool* pool() const { return pool_.get(); }
  bool closing() const { return closing_.load(); }
  // Storage batches enter it shared; a running script holds it alone (script_runner.h).
  KeyspaceGate* gate() { return &gate_; }
  // The script thread, started on first use.
  ScriptRunner* scripts();

  // Stops the pool (queued jobs run first if `run_queued`, else complete as CLOSED),
  // waits for fast readers to leave, closes RocksDB. Only the first call does anything.
  rocksdb::Status Close(bool run_queued);

  // A reader on a network thread: false once closing has begun (then do not touch db()).
  bool EnterRead() {
    readers_.fetch_add(1);
    if (!closing_.load()) return true;
    readers_.fetch_sub(1);
    return false;
  }
  void LeaveRead() { readers_.fetch_sub(1); }

 private:
  SharedStorage() = default;

  uint64_t token_ = 0;
  std::string dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<Executor> executor_;
  std::unique_ptr<Pool> pool_;
  KeyspaceGate gate_;
  std::mutex scripts_mu_;
  std::unique_ptr<ScriptRunner> scripts_;
  std::atomic<bool> closing_{false};
  std::atomic<int> readers_{0};
  std::once_flag close_once_;
  rocksdb::Status close_status_;
};

// RAII form of EnterRead/LeaveRead.
class ReadGuard {
 public:
  explicit ReadGuard(SharedStorage* s) : s_(s), entered_(s->EnterRead()) {}
  ~ReadGuard() {
    if (entered_) s_->LeaveRead();
  }
  bool entered() const { return entered_; }

 private:
  SharedStorage* s_;
  bool entered_;
};

}  // namespace kiwi
