// Lock-free counters and a log-linear latency histogram, written by storage threads and
// read by the main thread for INFO and /metrics.
#pragma once

#include <atomic>
#include <cstdint>

namespace kiwi {

class LatencyHistogram {
 public:
  // 4 sub-buckets per power of two: percentiles come out within 25%, in 164 counters.
  static constexpr int kBuckets = 16 + 37 * 4;

  void Record(uint64_t micros) {
    buckets_[Index(micros)].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(micros, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
  }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double Average() const {
    const uint64_t n = count();
    return n == 0 ? 0.0 : static_cast<double>(sum_.load(std::memory_order_relaxed)) / n;
  }
  // Upper bound of the bucket holding the p-th percentile (p in 0..100).
  uint64_t Percentile(double p) const;
  void Reset();

 private:
  static int Index(uint64_t v);
  static uint64_t UpperBound(int index);
  std::atomic<uint64_t> buckets_[kBuckets] = {};
  std::atomic<uint64_t> sum_{0};
  std::atomic<uint64_t> count_{0};
};

struct Counter {
  std::atomic<uint64_t> v{0};
  void Add(uint64_t n = 1) { v.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Get() const { return v.load(std::memory_order_relaxed); }
  void Reset() { v.store(0, std::memory_order_relaxed); }
};

}  // namespace kiwi
