// WATCH, UNWATCH and the EXEC header (Redis multi.c). EXEC itself runs in the executor
// (Executor::RunExec), which locks every key of the transaction; these handlers keep the
// watch table (watch.h). The client is the connection id, in `b`.
#include <mutex>
#include <shared_mutex>

#include "../exec.h"
#include "../status.h"

namespace kiwi {

void ExecCmd(Database*, const Request&, const Command&, int64_t, ReplyWriter& w) {
  w.Error(kErr_BAD_REQUEST, "EXEC inside an atomic group");
}

// WATCH key...: remembers each key's modification counter and expiry for this client.
// Registered under the keys' stripes (and the flush lock shared), so a write either
// committed before (and the expiry read here is after it) or bumps the counter after.
void WatchCmd(Database* db, const Request& req, const Command& c, int64_t now, ReplyWriter& w) {
  std::vector<size_t> stripes;
  for (uint32_t i = 0; i < c.argc; i++) stripes.push_back(KeyLocks::Stripe(c.db, req.arg(c, i)));
  std::shared_lock<std::shared_mutex> flush_guard(db->flush_lock(), std::defer_lock);
  if (!t_keyspace_exclusive) flush_guard.lock();
  db->locks().Lock(&stripes);
  rocksdb::Status failed;
  for (uint32_t i = 0; i < c.argc; i++) {
    const std::string data_key = DataKey(c.db, req.arg(c, i));
    Lookup l;
    l.status = db->db()->Get(rocksdb::ReadOptions(), db->data(), data_key, &l.pinned);
    FinishLookup(&l, now);
    if (!l.status.ok()) {
      failed = l.status;
      break;
    }
    db->watch().Watch(static_cast<uint64_t>(c.b), data_key, l.value.type == kTypeNone ? 0 : l.value.expire_ms);
  }
  db->locks().Unlock(stripes);
  if (!failed.ok()) return ReplyStatus(w, failed);
  w.Ok();
}

void UnwatchCmd(Database* db, const Request&, const Command& c, int64_t, ReplyWriter& w) {
  db->watch().Unwatch(static_cast<uint64_t>(c.b));
  w.Ok();
}

}  // namespace kiwi
