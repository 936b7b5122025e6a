// Clients blocked on lists (BLPOP, BRPOP, BLMOVE, BLMPOP, BRPOPLPUSH), kept by the storage
// runtime: every push commits here, whichever network runtime sent it, so this is where
// "a key received elements" is known first and where first-come-first-served can be
// decided for waiters on every runtime at once.
//
// A blocking command first tries its pop (Executor::RunBlock). If every key is empty it
// registers here, under its keys' stripe locks, so a push either committed before (and
// the pop found it) or commits after and sees the waiter. A write group whose commit made
// keys ready (WriteGroup::MarkReady) signals the first waiter of each key that is not
// signalled yet; the signal goes back with that group's result (a trailer after the
// replies) to its network runtime, which forwards it over the bus to the waiter's
// runtime; the waiter then retries its pop. A served waiter leaves and passes the key on
// to the next waiter if elements are left; one that finds nothing waits on, unsignalled.
// Nothing polls: a blocked client costs its entry here and its timeout timer.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace kiwi {

// A waiter to wake: its network runtime, client id and blocking sequence number.
struct Wake {
  uint8_t runtime;
  uint64_t client;
  uint32_t seq;
};

class BlockTable {
 public:
  bool active() const { return waiters_.load(std::memory_order_acquire) > 0; }

  // Client `client` waits (its seq-th blocking command) on these data keys. `every`: a
  // reader that takes nothing away (XREAD): every such waiter of a key is signalled at
  // once, not just the first, and a served one passes nothing on.
  void Add(uint64_t client, uint32_t seq, uint8_t runtime, std::vector<std::string> data_keys, bool every = false);
  bool Waiting(uint64_t client, uint32_t seq);
  // The client no longer waits (served, timed out, unblocked, gone). `pass_on`: if it had
  // been signalled, the signal goes to the next waiter of each of its keys.
  void Remove(uint64_t client, bool pass_on, std::vector<Wake>* wakes);
  // Its retry found nothing: a later push signals it again.
  void Unsignal(uint64_t client);
  // These keys received elements: the first unsignalled waiter of each is signalled.
  void Ready(const std::vector<std::string>& data_keys, std::vector<Wake>* wakes);
  // SWAPDB moved the keys of this physical database: every waiter on one retries.
  void ReadyDb(uint8_t db, std::vector<Wake>* wakes);
  // The data keys `client` waits on (sorted).
  std::vector<std::string> KeysOf(uint64_t client);
  size_t size() const { return waiters_.load(std::memory_order_relaxed); }

 private:
  struct Waiter {
    uint32_t seq;
    uint8_t runtime;
    bool signalled;
    std::vector<std::string> keys;
    bool every;
  };
  void SignalFirst(const std::string& key, std::vector<Wake>* wakes);  // holds mu_

  std::mutex mu_;
  std::atomic<size_t> waiters_{0};
  std::unordered_map<uint64_t, Waiter> clients_;
  // Waiters per key in the order they blocked.
  std::unordered_map<std::string, std::deque<uint64_t>> keys_;
};

// Wakes produced by the commands of the batch this thread is running; Executor::Run
// appends them to the batch's result.
std::vector<Wake>& PendingWakes();

}  // namespace kiwi
