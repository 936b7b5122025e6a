// Whole-server commands of the storage runtime: SWAPDB, SAVE/BGSAVE (a RocksDB checkpoint,
// db.cc), what INFO persistence and LASTSAVE report, and DEBUG SET-ACTIVE-EXPIRE.
#include "../exec.h"
#include "../status.h"

namespace kiwi {

// SWAPDB a b: swaps the two logical databases' numbers, not their data (O(1)).
void SwapDbCmd(Database* db, const Request&, const Command& c, int64_t, ReplyWriter& w) {
  if (c.a < 0 || c.a > 255 || c.b < 0 || c.b > 255) return w.Error(kErr_BAD_REQUEST, "database index out of range");
  const rocksdb::Status s = db->SwapDbs(static_cast<uint8_t>(c.a), static_cast<uint8_t>(c.b));
  if (!s.ok()) return ReplyStatus(w, s);
  w.Ok();
}

// SAVE (no flag): a checkpoint now, OK or Int 0 while a background save runs.
// SAVE_BACKGROUND (BGSAVE): Int 1 started, 0 one is running.
void SaveCmd(Database* db, const Request&, const Command& c, int64_t, ReplyWriter& w) {
  if (c.flags & kFlag_SAVE_BACKGROUND) return w.Int(db->StartBackgroundSave() ? 1 : 0);
  const rocksdb::Status s = db->Save();
  if (s.IsBusy()) return w.Int(0);
  if (!s.ok()) return ReplyStatus(w, s);
  w.Ok();
}

// [in progress, last successful save (ms), last save ok, last duration (ms, -1 none)].
void SaveInfoCmd(Database* db, const Request&, const Command&, int64_t, ReplyWriter& w) {
  const Database::SaveState s = db->save_state();
  w.Array(4);
  w.Int(s.in_progress ? 1 : 0);
  w.Int(s.last_save_ms);
  w.Int(s.last_ok ? 1 : 0);
  w.Int(s.last_duration_ms);
}

void ActiveExpireCmd(Database* db, const Request&, const Command& c, int64_t, ReplyWriter& w) {
  db->set_active_expire(c.a != 0);
  w.Ok();
}

}  // namespace kiwi
