// The storage runtime's own thread pool (not libuv's shared pool, which file system and
// DNS work also use) with a bounded, prioritised request queue.
//
// - Bounded: the queue holds at most `capacity` commands; Submit() reports BACKPRESSURE
//   beyond that instead of growing.
// - Prioritised: high, normal and low queues served by stride scheduling with weights,
//   and low-priority batches (KEYS, SCAN, FLUSH) may occupy at most threads-1 threads,
//   so a flood of them cannot starve point reads and writes.
// - Deadlines: a batch still queued when its deadline passes completes as
//   DEADLINE_EXCEEDED without running; once a batch starts it always finishes, so no
//   caller is told "failed" about work that then executes.
// Storage threads never call N-API: finished jobs go to the `done` callback.
// Several JS environments (the network runtimes' worker threads) share one pool; each
// job names the sink its completion goes to, so a runtime that goes away can take its
// own queued jobs back (CancelOwned) without touching anyone else's.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ops.h"
#include "stats.h"

namespace kiwi {

struct Job;

// Where a finished job goes (one per JS environment using the pool). Called on a storage
// thread, or on the thread that cancels or shuts down.
class CompletionSink {
 public:
  virtual ~CompletionSink() = default;
  virtual void Complete(Job* job) = 0;
};

struct Job {
  uint64_t id = 0;
  CompletionSink* sink = nullptr;
  uint8_t priority = 1;
  const uint8_t* request = nullptr;
  size_t request_size = 0;
  std::vector<std::string_view> blobs;
  uint32_t commands = 0;
  std::chrono::steady_clock::time_point enqueued;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();

  uint8_t status = kBatch_OK;
  uint32_t failed = 0;
  std::string result;
};

enum class SubmitResult { kAccepted = 0, kBackpressure = 1, kClosed = 2 };

struct PoolOptions {
  size_t threads = 2;
  size_t capacity = 10000;
  double weights[kPriorityCount] = {8, 4, 1};
};

struct PoolStats {
  uint64_t submitted_batches, submitted_commands;
  uint64_t completed_batches, completed_commands;
  uint64_t failed_commands, deadline_exceeded, cancelled, backpressure_events;
  uint64_t queue_depth, queue_high_water, queue_batches[kPriorityCount];
  uint64_t running, threads, capacity;
  double service_avg_us, wait_avg_us;
  uint64_t service_p99_us, wait_p99_us;
};

class Pool {
 public:
  using RunFn = std::function<void(Job*)>;
  using DoneFn = std::function<void(Job*)>;

  Pool(const PoolOptions& options, RunFn run, DoneFn done);
  ~Pool();

  SubmitResult Submit(Job* job);
  // Removes a queued job of `sink` and completes it as CANCELLED; false if it already
  // started. Ids are unique per sink only.
  bool Cancel(const CompletionSink* sink, uint64_t id);
  // Removes every queued job of `sink` and completes each as CANCELLED; returns how many.
  size_t CancelOwned(const CompletionSink* sink);
  void Resize(size_t threads);
  // Stops accepting and joins the threads. Queued jobs run first if `run_queued`, else
  // they complete as CLOSED without running.
  void Shutdown(bool run_queued);
  void SetCapacity(size_t capacity);
  PoolStats Stats() const;
  // The most commands queued since the last call (for the scaler), then starts over.
  size_t TakePeak();
  void ResetStats();

 private:
  struct Worker {
    std::thread thread;
    bool exited = false;
  };
  void WorkerLoop(size_t index, Worker* self);
  // Next job to run, or nullptr; caller holds mu_.
  Job* Pick(int* priority);
  bool HasRunnable() const;
  size_t LowLimit() const { return target_ > 1 ? target_ - 1 : 1; }

  RunFn run_;
  DoneFn done_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job*> queues_[kPriorityCount];
  double pass_[kPriorityCount] = {0, 0, 0};
  double weights_[kPriorityCount];
  double virtual_time_ = 0;
  size_t running_[kPriorityCount] = {0, 0, 0};
  size_t idle_ = 0;  // workers waiting on cv_
  size_t queued_commands_ = 0;
  size_t capacity_;
  size_t target_ = 0;
  bool stopping_ = false;
  std::vector<std::unique_ptr<Worker>> workers_;

  Counter submitted_batches_, submitted_commands_, completed_batches_, completed_commands_;
  Counter failed_commands_, deadline_exceeded_, cancelled_, backpressure_;
  size_t high_water_ = 0;  // guarded by mu_
  size_t peak_ = 0;        // guarded by mu_
  LatencyHistogram service_, wait_;
};

}  // namespace kiwi
