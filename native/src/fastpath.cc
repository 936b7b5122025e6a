// The read fast path: a network thread answers a batch of plain point reads itself when
// RocksDB can answer every key from memory (memtables and block cache, read_tier =
// kBlockCacheTier), saving the hand-off to a storage thread and back.
//
// What it gives up for speed, and why that is safe:
//   - It runs on the caller's thread, outside the pool: no queue, no priorities, no
//     deadlines. Only ops whose handler reads nothing but the key's own record qualify,
//     so the work is one memtable/cache lookup per key.
//   - It takes no kiwi lock (reads never do) and never does file I/O: a key that would
//     need a block from disk comes back Incomplete and the whole batch goes to the
//     storage threads as usual. RocksDB's own block-cache shard mutex is held only for
//     the lookup itself.
//   - Ordering is the caller's job: the StorageClient uses it only for a connection with
//     nothing in flight before the request.
#include <rocksdb/options.h>

#include "exec.h"

namespace kiwi {

namespace {
bool PointRead(uint8_t op) {
  switch (op) {
    case kOp_GET:
    case kOp_MGET:
    case kOp_EXISTS:
    case kOp_TTL:
    case kOp_STRLEN:
    case kOp_GETRANGE:
    case kOp_TYPE:
      return true;
    default:
      return false;
  }
}
}  // namespace

bool Executor::RunFromMemory(Request& req, std::string* out) {
  const size_t n = req.commands.size();
  if (n == 0) return false;
  for (const Command& c : req.commands) {
    if (!PointRead(c.op)) return false;
  }
  // SWAPDB: the keys' physical databases, under the map's lock as Run takes it. Point
  // reads name databases only in `db`.
  const std::shared_lock<std::shared_mutex> map_guard = db_->LockDbMap();
  for (Command& c : req.commands) c.db = db_->PhysicalDb(c.db);
  ReplyWriter w(out);
  out->append(4, '\0');
  if (!RunReads(req, 0, n, w, rocksdb::kBlockCacheTier)) return false;
  const uint32_t replies = static_cast<uint32_t>(n);
  std::memcpy(&(*out)[0], &replies, 4);
  return true;
}

}  // namespace kiwi
