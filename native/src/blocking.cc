#include "blocking.h"

#include <algorithm>

namespace kiwi {

std::vector<Wake>& PendingWakes() {
  thread_local std::vector<Wake> wakes;
  return wakes;
}

void BlockTable::Add(uint64_t client, uint32_t seq, uint8_t runtime, std::vector<std::string> data_keys, bool every) {
  std::lock_guard<std::mutex> lock(mu_);
  auto existing = clients_.find(client);
  if (existing != clients_.end()) {
    // A client blocks once at a time; a stale entry (a lost cancel) goes first.
    for (const auto& k : existing->second.keys) {
      auto q = keys_.find(k);
      if (q == keys_.end()) continue;
      q->second.erase(std::remove(q->second.begin(), q->second.end(), client), q->second.end());
      if (q->second.empty()) keys_.erase(q);
    }
    clients_.erase(existing);
    waiters_.fetch_sub(1, std::memory_order_release);
  }
  std::sort(data_keys.begin(), data_keys.end());
  data_keys.erase(std::unique(data_keys.begin(), data_keys.end()), data_keys.end());
  for (const auto& k : data_keys) keys_[k].push_back(client);
  clients_.emplace(client, Waiter{seq, runtime, false, std::move(data_keys), every});
  waiters_.fetch_add(1, std::memory_order_release);
}

bool BlockTable::Waiting(uint64_t client, uint32_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = clients_.find(client);
  return it != clients_.end() && it->second.seq == seq;
}

void BlockTable::Remove(uint64_t client, bool pass_on, std::vector<Wake>* wakes) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = clients_.find(client);
  if (it == clients_.end()) return;
  const bool signalled = it->second.signalled;
  std::vector<std::string> keys = std::move(it->second.keys);
  clients_.erase(it);
  waiters_.fetch_sub(1, std::memory_order_release);
  for (const auto& k : keys) {
    auto q = keys_.find(k);
    if (q == keys_.end()) continue;
    q->second.erase(std::remove(q->second.begin(), q->second.end(), client), q->second.end());
    if (q->second.empty()) {
      keys_.erase(q);
    } else if (pass_on && signalled) {
      SignalFirst(k, wakes);
    }
  }
}

void BlockTable::Unsignal(uint64_t client) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = clients_.find(client);
  if (it != clients_.end()) it->second.signalled = false;
}

void BlockTable::SignalFirst(const std::string& key, std::vector<Wake>* wakes) {
  auto q = keys_.find(key);
  if (q == keys_.end()) return;
  for (uint64_t client : q->second) {
    Waiter& w = clients_.at(client);
    if (w.signalled) continue;
    w.signalled = true;
    wakes->push_back({w.runtime, client, w.seq});
    if (!w.every) return;
  }
}

void BlockTable::Ready(const std::vector<std::string>& data_keys, std::vector<Wake>* wakes) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& k : data_keys) SignalFirst(k, wakes);
}

void BlockTable::ReadyDb(uint8_t db, std::vector<Wake>* wakes) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [client, w] : clients_) {
    if (w.signalled) continue;
    for (const auto& k : w.keys) {
      if (k.empty() || static_cast<uint8_t>(k[0]) != db) continue;
      w.signalled = true;
      wakes->push_back({w.runtime, client, w.seq});
      break;
    }
  }
}

std::vector<std::string> BlockTable::KeysOf(uint64_t client) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = clients_.find(client);
  return it == clients_.end() ? std::vector<std::string>() : it->second.keys;
}

}  // namespace kiwi
