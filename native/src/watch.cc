#include "watch.h"

namespace kiwi {

void WatchTable::Watch(uint64_t client, std::string_view data_key, int64_t expire_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& mine = clients_[client];
  std::string k(data_key);
  if (mine.count(k) > 0) return;
  Entry& e = keys_[k];
  if (e.refs++ == 0) {
    e.version = clock_++;
    keys_watched_.fetch_add(1, std::memory_order_release);
  }
  mine.emplace(std::move(k), Watched{e.version, expire_ms});
}

std::vector<std::string> WatchTable::KeysOf(uint64_t client) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  auto it = clients_.find(client);
  if (it == clients_.end()) return out;
  out.reserve(it->second.size());
  for (const auto& [k, w] : it->second) out.push_back(k);
  return out;
}

bool WatchTable::Dirty(uint64_t client, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = clients_.find(client);
  if (it == clients_.end()) return false;
  for (const auto& [k, w] : it->second) {
    auto e = keys_.find(k);
    if (e == keys_.end() || e->second.version != w.version) return true;
    if (w.expire_ms != 0 && now_ms >= w.expire_ms) return true;
  }
  return false;
}

void WatchTable::Unwatch(uint64_t client) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = clients_.find(client);
  if (it == clients_.end()) return;
  for (const auto& [k, w] : it->second) {
    auto e = keys_.find(k);
    if (e == keys_.end()) continue;
    if (--e->second.refs == 0) {
      keys_.erase(e);
      keys_watched_.fetch_sub(1, std::memory_order_release);
    }
  }
  clients_.erase(it);
}

void WatchTable::Touch(const std::vector<std::string>& data_keys) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& k : data_keys) {
    auto e = keys_.find(k);
    if (e != keys_.end()) e->second.version = clock_++;
  }
}

void WatchTable::TouchDb(int db) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [k, e] : keys_) {
    if (db < 0 || (!k.empty() && static_cast<uint8_t>(k[0]) == db)) e.version = clock_++;
  }
}

size_t WatchTable::clients() const {
  std::lock_guard<std::mutex> lock(mu_);
  return clients_.size();
}

}  // namespace kiwi
