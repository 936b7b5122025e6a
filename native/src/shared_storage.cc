#include "shared_storage.h"

#include <thread>
#include <unordered_map>

namespace kiwi {

namespace {
std::mutex g_mu;
std::unordered_map<uint64_t, std::weak_ptr<SharedStorage>> g_registry;
uint64_t g_next_token = 1;
}  // namespace

rocksdb::Status SharedStorage::Open(const std::string& dir, const DbOptions& db_options,
                                    const PoolOptions& pool_options, std::shared_ptr<SharedStorage>* out) {
  std::shared_ptr<SharedStorage> s(new SharedStorage());
  s->dir_ = dir;
  const rocksdb::Status st = Database::Open(dir, db_options, &s->db_);
  if (!st.ok()) return st;
  s->executor_ = std::make_unique<Executor>(s->db_.get());
  Executor* executor = s->executor_.get();
  KeyspaceGate* gate = &s->gate_;
  s->pool_ = std::make_unique<Pool>(
      pool_options,
      [executor, gate](Job* job) {
        Request req;
        if (!req.Decode(job->request, job->request_size, job->blobs)) {
          job->status = kBatch_BAD_REQUEST;
          return;
        }
        gate->EnterShared();
        job->failed = executor->Run(req, &job->result);
        gate->LeaveShared();
      },
      [](Job* job) { job->sink->Complete(job); });
  {
    std::lock_guard<std::mutex> lock(g_mu);
    s->token_ = g_next_token++;
    g_registry[s->token_] = s;
  }
  *out = std::move(s);
  return rocksdb::Status::OK();
}

ScriptRunner* SharedStorage::scripts() {
  std::lock_guard<std::mutex> lock(scripts_mu_);
  // FUNCTION libraries live in a file beside RocksDB's (which leaves unknown names alone);
  // an in-memory database keeps them in memory too.
  if (!scripts_) scripts_ = std::make_unique<ScriptRunner>(&gate_, dir_ == kMemoryDir ? std::string() : dir_ + "/kiwi-functions");
  return scripts_.get();
}

std::shared_ptr<SharedStorage> SharedStorage::Find(uint64_t token) {
  std::lock_guard<std::mutex> lock(g_mu);
  auto it = g_registry.find(token);
  return it == g_registry.end() ? nullptr : it->second.lock();
}

SharedStorage::~SharedStorage() {
  Close(/*run_queued=*/false).PermitUncheckedError();
  std::lock_guard<std::mutex> lock(g_mu);
  g_registry.erase(token_);
}

rocksdb::Status SharedStorage::Close(bool run_queued) {
  std::call_once(close_once_, [&] {
    closing_.store(true);
    {
      // A running script is killed (even after writes) so the pool can drain.
      std::lock_guard<std::mutex> lock(scripts_mu_);
      if (scripts_) scripts_->Shutdown();
    }
    if (pool_) pool_->Shutdown(run_queued);
    // A fast read holds the guard for one memory-only lookup: microseconds.
    while (readers_.load() > 0) std::this_thread::yield();
    if (db_) close_status_ = db_->Close();
  });
  return close_status_;
}

}  // namespace kiwi
