#include "pool.h"

#include <pthread.h>

#include <algorithm>

namespace kiwi {

using Clock = std::chrono::steady_clock;

namespace {
uint64_t Micros(Clock::duration d) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}
}  // namespace

Pool::Pool(const PoolOptions& options, RunFn run, DoneFn done)
    : run_(std::move(run)), done_(std::move(done)), capacity_(options.capacity) {
  for (int i = 0; i < kPriorityCount; i++) weights_[i] = std::max(options.weights[i], 0.001);
  Resize(options.threads);
}

Pool::~Pool() { Shutdown(false); }

SubmitResult Pool::Submit(Job* job) {
  const int q = std::min<int>(job->priority, kPriorityCount - 1);
  job->enqueued = Clock::now();
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return SubmitResult::kClosed;
    // An oversized batch is still taken into an empty queue, or it could never run.
    if (queued_commands_ > 0 && queued_commands_ + job->commands > capacity_) {
      backpressure_.Add();
      return SubmitResult::kBackpressure;
    }
    // A queue that was idle starts at the current virtual time: idleness earns no credit.
    if (queues_[q].empty()) pass_[q] = std::max(pass_[q], virtual_time_);
    queues_[q].push_back(job);
    queued_commands_ += job->commands;
    high_water_ = std::max(high_water_, queued_commands_);
    peak_ = std::max(peak_, queued_commands_);
    // Waking a sleeping thread costs a futex call and, on a busy machine, a context
    // switch on the submitting (JS) thread. A thread already running point work takes
    // the next batch when it finishes, so wake another only when the queued point work
    // outnumbers the threads running it, or when only slow low-priority work is running.
    const size_t running_point = running_[0] + running_[1];
    const size_t queued_point = queues_[0].size() + queues_[1].size();
    wake = idle_ > 0 && (running_point == 0 || queued_point > running_point ||
                         (q == 2 && running_[2] < LowLimit() && queues_[2].size() > running_[2]));
  }
  submitted_batches_.Add();
  submitted_commands_.Add(job->commands);
  if (wake) cv_.notify_one();
  return SubmitResult::kAccepted;
}

bool Pool::Cancel(const CompletionSink* sink, uint64_t id) {
  Job* found = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& queue : queues_) {
      auto it = std::find_if(queue.begin(), queue.end(), [&](Job* j) { return j->id == id && j->sink == sink; });
      if (it != queue.end()) {
        found = *it;
        queue.erase(it);
        queued_commands_ -= found->commands;
        break;
      }
    }
  }
  if (found == nullptr) return false;
  cancelled_.Add();
  found->status = kBatch_CANCELLED;
  done_(found);
  return true;
}

size_t Pool::CancelOwned(const CompletionSink* sink) {
  std::vector<Job*> found;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& queue : queues_) {
      auto keep = std::stable_partition(queue.begin(), queue.end(), [&](Job* j) { return j->sink != sink; });
      for (auto it = keep; it != queue.end(); ++it) {
        queued_commands_ -= (*it)->commands;
        found.push_back(*it);
      }
      queue.erase(keep, queue.end());
    }
  }
  for (Job* job : found) {
    cancelled_.Add();
    job->status = kBatch_CANCELLED;
    done_(job);
  }
  return found.size();
}

bool Pool::HasRunnable() const {
  // While stopping, the low-priority limit no longer protects anyone: drain everything.
  return !queues_[0].empty() || !queues_[1].empty() ||
         (!queues_[2].empty() && (stopping_ || running_[2] < LowLimit()));
}

Job* Pool::Pick(int* priority) {
  int best = -1;
  for (int q = 0; q < kPriorityCount; q++) {
    if (queues_[q].empty()) continue;
    if (q == 2 && !stopping_ && running_[2] >= LowLimit()) continue;
    if (best < 0 || pass_[q] < pass_[best]) best = q;
  }
  if (best < 0) return nullptr;
  Job* job = queues_[best].front();
  queues_[best].pop_front();
  queued_commands_ -= job->commands;
  virtual_time_ = pass_[best];
  pass_[best] += 1.0 / weights_[best];
  running_[best]++;
  *priority = best;
  return job;
}

void Pool::WorkerLoop(size_t index, Worker* self) {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (!(index >= target_ || stopping_ || HasRunnable())) {
      idle_++;
      cv_.wait(lock, [&] { return index >= target_ || stopping_ || HasRunnable(); });
      idle_--;
    }
    if (index >= target_) break;
    int priority = 0;
    Job* job = Pick(&priority);
    if (job == nullptr) {
      if (stopping_) break;
      continue;
    }
    lock.unlock();

    const auto start = Clock::now();
    wait_.Record(Micros(start - job->enqueued));
    if (start > job->deadline) {
      job->status = kBatch_DEADLINE_EXCEEDED;
      deadline_exceeded_.Add();
    } else {
      run_(job);
      service_.Record(Micros(Clock::now() - start));
      failed_commands_.Add(job->failed);
    }
    completed_batches_.Add();
    completed_commands_.Add(job->commands);

    lock.lock();
    running_[priority]--;
    // A finished low-priority batch may make a queued one runnable for another thread.
    if (priority == 2) cv_.notify_one();
    lock.unlock();
    done_(job);
    lock.lock();
  }
  self->exited = true;
}

void Pool::Resize(size_t threads) {
  threads = std::max<size_t>(threads, 1);
  std::vector<std::thread> finished;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    target_ = threads;
    if (workers_.size() < threads) workers_.resize(threads);
    for (size_t i = 0; i < threads; i++) {
      auto& w = workers_[i];
      if (w && !w->exited) continue;
      if (w && w->thread.joinable()) finished.push_back(std::move(w->thread));
      w = std::make_unique<Worker>();
      w->thread = std::thread([this, i, self = w.get()] { WorkerLoop(i, self); });
      // Named by the creator, so the name is there as soon as Resize returns.
      const std::string name = "kiwi-storage-" + std::to_string(i);
      pthread_setname_np(w->thread.native_handle(), name.c_str());
    }
  }
  cv_.notify_all();
  for (auto& t : finished) t.join();
}

void Pool::Shutdown(bool run_queued) {
  std::vector<Job*> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    if (!run_queued) {
      for (auto& queue : queues_) {
        dropped.insert(dropped.end(), queue.begin(), queue.end());
        queue.clear();
      }
      queued_commands_ = 0;
    }
  }
  cv_.notify_all();
  // Workers finish their current batch (and, with run_queued, drain the queue) first.
  std::vector<std::unique_ptr<Worker>> workers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    workers.swap(workers_);
  }
  for (auto& w : workers) {
    if (w && w->thread.joinable()) w->thread.join();
  }
  {
    // Anything still queued (every worker had exited after a shrink) never runs.
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& queue : queues_) {
      dropped.insert(dropped.end(), queue.begin(), queue.end());
      queue.clear();
    }
    queued_commands_ = 0;
  }
  for (Job* job : dropped) {
    job->status = kBatch_CLOSED;
    done_(job);
  }
}

size_t Pool::TakePeak() {
  std::lock_guard<std::mutex> lock(mu_);
  const size_t peak = peak_;
  peak_ = queued_commands_;
  return peak;
}

void Pool::SetCapacity(size_t capacity) {
  std::lock_guard<std::mutex> lock(mu_);
  capacity_ = std::max<size_t>(capacity, 1);
}

PoolStats Pool::Stats() const {
  PoolStats s{};
  s.submitted_batches = submitted_batches_.Get();
  s.submitted_commands = submitted_commands_.Get();
  s.completed_batches = completed_batches_.Get();
  s.completed_commands = completed_commands_.Get();
  s.failed_commands = failed_commands_.Get();
  s.deadline_exceeded = deadline_exceeded_.Get();
  s.cancelled = cancelled_.Get();
  s.backpressure_events = backpressure_.Get();
  s.service_avg_us = service_.Average();
  s.service_p99_us = service_.Percentile(99);
  s.wait_avg_us = wait_.Average();
  s.wait_p99_us = wait_.Percentile(99);
  std::lock_guard<std::mutex> lock(mu_);
  s.queue_depth = queued_commands_;
  s.queue_high_water = high_water_;
  for (int q = 0; q < kPriorityCount; q++) s.queue_batches[q] = queues_[q].size();
  s.running = running_[0] + running_[1] + running_[2];
  s.threads = target_;
  s.capacity = capacity_;
  return s;
}

void Pool::ResetStats() {
  for (Counter* c : {&submitted_batches_, &submitted_commands_, &completed_batches_,
                     &completed_commands_, &failed_commands_, &deadline_exceeded_, &cancelled_,
                     &backpressure_}) {
    c->Reset();
  }
  service_.Reset();
  wait_.Reset();
  std::lock_guard<std::mutex> lock(mu_);
  high_water_ = queued_commands_;
}

}  // namespace kiwi
