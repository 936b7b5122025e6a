#include "stats.h"

namespace kiwi {

int LatencyHistogram::Index(uint64_t v) {
  if (v < 16) return static_cast<int>(v);
  const int e = 63 - __builtin_clzll(v);  // v in [2^e, 2^(e+1)), e >= 4
  const int sub = static_cast<int>((v >> (e - 2)) & 3);
  const int index = 16 + (e - 4) * 4 + sub;
  return index < kBuckets ? index : kBuckets - 1;
}

uint64_t LatencyHistogram::UpperBound(int index) {
  if (index < 16) return static_cast<uint64_t>(index);
  const int e = 4 + (index - 16) / 4;
  const int sub = (index - 16) % 4;
  return (1ull << e) + (static_cast<uint64_t>(sub + 1) << (e - 2)) - 1;
}

uint64_t LatencyHistogram::Percentile(double p) const {
  uint64_t total = 0;
  uint64_t counts[kBuckets];
  for (int i = 0; i < kBuckets; i++) {
    counts[i] = buckets_[i].load(std::memory_order_relaxed);
    total += counts[i];
  }
  if (total == 0) return 0;
  const double rank = p / 100.0 * static_cast<double>(total);
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; i++) {
    seen += counts[i];
    if (static_cast<double>(seen) >= rank) return UpperBound(i);
  }
  return UpperBound(kBuckets - 1);
}

void LatencyHistogram::Reset() {
  for (auto& b : buckets_) b.store(0, std::memory_order_relaxed);
  sum_.store(0, std::memory_order_relaxed);
  count_.store(0, std::memory_order_relaxed);
}

}  // namespace kiwi
