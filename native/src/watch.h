// WATCH bookkeeping of the storage runtime. Every write of every network runtime commits
// here, so this is the one place that sees them all: a key some client watches carries a
// modification counter, and a write group that changes it bumps the counter when it
// commits (under the key's stripe lock). EXEC compares the counters its client saw at
// WATCH with the current ones, under the same locks, before it runs anything.
//
// Only watched keys have an entry (refcounted by the clients watching them), so a server
// where nobody watches pays one atomic load per write group. Expiry is not a write here:
// WATCH remembers the key's expiry time, and EXEC fails once that time has passed (Redis
// 7.0: a key that expires after WATCH counts as modified; one already expired does not).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kiwi {

class WatchTable {
 public:
  // Whether any key is watched. Read by write groups after they lock their stripes;
  // WATCH registers under the same stripes, so a group that misses a registration
  // committed before the WATCH read the key.
  bool active() const { return keys_watched_.load(std::memory_order_acquire) > 0; }

  // Client `client` watches `data_key` (no-op if it already does), whose live record
  // expires at `expire_ms` (0: never or missing).
  void Watch(uint64_t client, std::string_view data_key, int64_t expire_ms);
  // The data keys `client` watches (to lock their stripes before Check).
  std::vector<std::string> KeysOf(uint64_t client);
  // Whether any key `client` watches changed or expired since its WATCH. Caller holds
  // the keys' stripes.
  bool Dirty(uint64_t client, int64_t now_ms);
  // Forgets every key of `client` (EXEC, DISCARD, UNWATCH, disconnect).
  void Unwatch(uint64_t client);

  // A committed write changed these data keys.
  void Touch(const std::vector<std::string>& data_keys);
  // FLUSHDB (db >= 0) or FLUSHALL (db < 0) changed every key of a database.
  void TouchDb(int db);

  size_t clients() const;

 private:
  struct Entry {
    uint64_t refs = 0;
    uint64_t version = 0;
  };
  struct Watched {
    uint64_t version;
    int64_t expire_ms;
  };
  mutable std::mutex mu_;
  std::atomic<size_t> keys_watched_{0};
  uint64_t clock_ = 1;  // versions handed out; guarded by mu_
  std::unordered_map<std::string, Entry> keys_;
  std::unordered_map<uint64_t, std::unordered_map<std::string, Watched>> clients_;
};

}  // namespace kiwi
