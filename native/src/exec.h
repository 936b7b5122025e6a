// Batch execution on a storage thread. A batch is split into runs:
//   - consecutive point reads share one MultiGet,
//   - consecutive writes form a write group: their keys' stripes are locked, reads go
//     through an overlay of the group's own writes, and one WriteBatch commits them all,
//   - scans and admin commands run alone,
//   - a BATCH command makes the next N commands one atomic group (reads included).
// Commands of one batch run in order; each gets exactly one reply.
#pragma once

#include <rocksdb/status.h>
#include <rocksdb/write_batch.h>

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "db.h"
#include "format.h"
#include "wire.h"

namespace kiwi {

// The current value of a key as a command sees it: missing and expired both read as
// kTypeNone. `pinned` owns (or pins in the block cache) the bytes `value` views.
struct Lookup {
  rocksdb::Status status;
  rocksdb::PinnableSlice pinned;
  Value value;
};

// State of one write group; lives while its key stripes are locked.
class WriteGroup {
 public:
  WriteGroup(Database* db, int64_t now_ms, bool use_overlay)
      : db_(db), now_(now_ms), use_overlay_(use_overlay) {}

  int64_t now() const { return now_; }
  Database* db() const { return db_; }

  // Reads a key, seeing this group's earlier writes.
  void Read(uint8_t db, std::string_view key, Lookup* out);
  // Writes a value; an expiry already in the past deletes the key instead.
  void Put(uint8_t db, std::string_view key, uint8_t type, int64_t expire_ms,
           std::string_view payload);
  void Delete(uint8_t db, std::string_view key);
  void PutRaw(uint8_t db, std::string_view key, std::string_view raw);
  // Makes Commit() fail with `s` and write nothing (FAIL_WRITE).
  void Poison(const rocksdb::Status& s) { poison_ = s; }
  rocksdb::Status Commit();
  bool empty() const { return batch_.Count() == 0 && poison_.ok(); }

 private:
  Database* db_;
  int64_t now_;
  bool use_overlay_;
  // The contiguous data key for a point read, rebuilt in place (no allocation per read).
  const std::string& KeyOf(uint8_t db, std::string_view key);

  rocksdb::WriteBatch batch_;
  rocksdb::Status poison_;
  std::string scratch_;
  std::unordered_map<std::string, std::optional<std::string>> overlay_;
};

class Executor {
 public:
  explicit Executor(Database* db) : db_(db) {}
  // Decoded batch in, one reply per top-level command out. Returns how many commands
  // ended in a storage error (for the failed counter).
  uint32_t Run(const Request& req, std::string* out);

 private:
  void RunReads(const Request& req, size_t begin, size_t end, ReplyWriter& w);
  // Returns the commit status: a transient failure stops the rest of the batch.
  rocksdb::Status RunWrites(const Request& req, size_t begin, size_t end, bool atomic, ReplyWriter& w);
  void RunSpecial(const Request& req, const Command& c, ReplyWriter& w);

  Database* db_;
};

// How a command executes (ops.h class column).
enum class OpClass { kRead, kWrite, kSpecial, kUnknown };
OpClass ClassOf(uint8_t op);

// Keys a command touches, for locking and MultiGet.
void CommandKeys(const Request& req, const Command& c, std::vector<std::string_view>* keys);

// Turns a raw Get/MultiGet outcome into a Lookup: NotFound and expired read as missing.
void FinishLookup(Lookup* l, int64_t now);

// Writes a storage failure reply and counts it for the batch.
void ReplyStatus(ReplyWriter& w, const rocksdb::Status& s);
uint32_t TakeFailedCount();

// Handlers (strings.cc, keyspace.cc). Read handlers get the lookups of their keys in
// CommandKeys order; an argument count the handler cannot use replies BAD_REQUEST.
using ReadHandler = void (*)(const Request&, const Command&, const Lookup*, int64_t,
                             ReplyWriter&);
using WriteHandler = void (*)(const Request&, const Command&, WriteGroup&, ReplyWriter&);
using SpecialHandler = void (*)(Database*, const Request&, const Command&, int64_t,
                                ReplyWriter&);

void GetCmd(const Request&, const Command&, const Lookup*, int64_t, ReplyWriter&);
void MGetCmd(const Request&, const Command&, const Lookup*, int64_t, ReplyWriter&);
void StrlenCmd(const Request&, const Command&, const Lookup*, int64_t, ReplyWriter&);
void GetRangeCmd(const Request&, const Command&, const Lookup*, int64_t, ReplyWriter&);
void ExistsCmd(const Request&, const Command&, const Lookup*, int64_t, ReplyWriter&);
void TtlCmd(const Request&, const Command&, const Lookup*, int64_t, ReplyWriter&);
void TypeCmd(const Request&, const Command&, const Lookup*, int64_t, ReplyWriter&);

void SetCmd(const Request&, const Command&, WriteGroup&, ReplyWriter&);
void MSetCmd(const Request&, const Command&, WriteGroup&, ReplyWriter&);
void MSetNxCmd(const Request&, const Command&, WriteGroup&, ReplyWriter&);
void IncrByCmd(const Request&, const Command&, WriteGroup&, ReplyWriter&);
void IncrByFloatCmd(const Request&, const Command&, WriteGroup&, ReplyWriter&);
void AppendCmd(const Request&, const Command&, WriteGroup&, ReplyWriter&);
void SetRangeCmd(const Request&, const Command&, WriteGroup&, ReplyWriter&);
void GetDelCmd(const Request&, const Command&, WriteGroup&, ReplyWriter&);
void GetExCmd(const Request&, const Command&, WriteGroup&, ReplyWriter&);
void DelCmd(const Request&, const Command&, WriteGroup&, ReplyWriter&);
void ExpireCmd(const Request&, const Command&, WriteGroup&, ReplyWriter&);
void PersistCmd(const Request&, const Command&, WriteGroup&, ReplyWriter&);
void RenameCmd(const Request&, const Command&, WriteGroup&, ReplyWriter&);
void RawSetCmd(const Request&, const Command&, WriteGroup&, ReplyWriter&);
void FailWriteCmd(const Request&, const Command&, WriteGroup&, ReplyWriter&);

void KeysCmd(Database*, const Request&, const Command&, int64_t, ReplyWriter&);
void ScanCmd(Database*, const Request&, const Command&, int64_t, ReplyWriter&);
void DbSizeCmd(Database*, const Request&, const Command&, int64_t, ReplyWriter&);
void FlushDbCmd(Database*, const Request&, const Command&, int64_t, ReplyWriter&);
void FlushAllCmd(Database*, const Request&, const Command&, int64_t, ReplyWriter&);
void RandomKeyCmd(Database*, const Request&, const Command&, int64_t, ReplyWriter&);
void CompactCmd(Database*, const Request&, const Command&, int64_t, ReplyWriter&);
void FlushMemtableCmd(Database*, const Request&, const Command&, int64_t, ReplyWriter&);

}  // namespace kiwi
