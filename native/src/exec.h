// Batch execution on a storage thread. A batch is split into runs:
//   - consecutive reads (classes R and V) share one MultiGet of their keys' records,
//   - consecutive writes (W and M) form a write group: their keys' stripes are locked,
//     each command sees the group's earlier writes, and one WriteBatch commits them all,
//   - scans and admin commands (S) run alone,
//   - a BATCH command makes the next N commands one atomic group (reads included).
// Commands of one batch run in order; each gets exactly one reply. Handlers live in
// native/src/types/<family>.cc and are declared here from the op list (ops.h).
#pragma once

#include <rocksdb/options.h>
#include <rocksdb/status.h>
#include <rocksdb/utilities/write_batch_with_index.h>
#include <rocksdb/write_batch.h>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "db.h"
#include "format.h"
#include "wire.h"

namespace kiwi {

// The current record of a key as a command sees it: missing and expired both read as
// kTypeNone. `pinned` owns (or pins in the block cache) the bytes `value` views.
struct Lookup {
  rocksdb::Status status;
  rocksdb::PinnableSlice pinned;
  Value value;
};

// An iterator over one key range of a column family, owning its bounds.
class RangeIterator {
 public:
  RangeIterator(std::string lower, std::string upper) : lower_(std::move(lower)), upper_(std::move(upper)) {}
  // Positions at the first entry at or after `from` (empty: the start of the range).
  void Seek(std::string_view from = {});
  // Positions at the last entry before `to` (empty: the last entry of the range).
  void SeekBefore(std::string_view to = {});
  bool Valid() const;
  void Next() { it_->Next(); }
  void Prev() { it_->Prev(); }
  rocksdb::Slice key() const { return it_->key(); }
  rocksdb::Slice value() const { return it_->value(); }
  rocksdb::Status status() const { return it_->status(); }
  const std::string& lower() const { return lower_; }
  const std::string& upper() const { return upper_; }

 private:
  friend class ReadView;
  friend class WriteGroup;
  std::string lower_, upper_;
  rocksdb::Slice lower_slice_, upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

// What a command may read: top-level records, members by key, member ranges. A read run
// implements it over one snapshot (ReadView); a write group over the database plus its
// own pending writes (WriteGroup). Composite handlers are written once against it.
class Reader {
 public:
  virtual ~Reader() = default;
  virtual int64_t now() const = 0;
  virtual Database* db() const = 0;
  // A key's top-level record (string value or composite metadata).
  virtual void Read(uint8_t db, std::string_view key, Lookup* out) = 0;
  // A member record of a member column family.
  virtual rocksdb::Status GetMember(MemberFamily cf, const rocksdb::Slice& key, rocksdb::PinnableSlice* out) = 0;
  // An iterator over [lower, upper) of a member column family.
  virtual std::unique_ptr<RangeIterator> Members(MemberFamily cf, std::string lower, std::string upper) = 0;
  // Whether `version` was handed out in this group: no member of it can be on disk yet,
  // so lookups may skip the database.
  virtual bool Fresh(uint64_t /*version*/) const { return false; }
  // A member lookup for a fresh version: the group's own writes only.
  virtual rocksdb::Status GetFreshMember(MemberFamily cf, const rocksdb::Slice& key, rocksdb::PinnableSlice* out) {
    return GetMember(cf, key, out);
  }
};

// A read run's view: one snapshot when the run needs it (class V), else the latest state.
class ReadView : public Reader {
 public:
  ReadView(Database* db, int64_t now, bool snapshot);
  ~ReadView() override;
  int64_t now() const override { return now_; }
  Database* db() const override { return db_; }
  const rocksdb::ReadOptions& options() const { return ro_; }
  void Read(uint8_t db, std::string_view key, Lookup* out) override;
  rocksdb::Status GetMember(MemberFamily cf, const rocksdb::Slice& key, rocksdb::PinnableSlice* out) override;
  std::unique_ptr<RangeIterator> Members(MemberFamily cf, std::string lower, std::string upper) override;

 private:
  Database* db_;
  int64_t now_;
  const rocksdb::Snapshot* snapshot_ = nullptr;
  rocksdb::ReadOptions ro_;
};

// State of one write group; lives while its key stripes are locked.
//
// Plain mode (no key repeats, no member writes, not atomic): writes go straight into a
// WriteBatch, reads to the database. Indexed mode: member writes go into a
// WriteBatchWithIndex, so later point reads and iterators of the group see them, and
// top-level records are kept in an overlay and written once at commit, so a run of
// HSETs on one key reads and writes its metadata once.
struct KeyRef;

class WriteGroup : public Reader {
 public:
  WriteGroup(Database* db, int64_t now_ms, bool indexed);

  int64_t now() const override { return now_; }
  Database* db() const override { return db_; }

  // Reads a key's record, seeing this group's earlier writes.
  void Read(uint8_t db, std::string_view key, Lookup* out) override;
  // Plain mode: reads these keys with one MultiGet before the group runs (in the order
  // the commands will read them); Read() then takes them instead of one Get each.
  void Prefetch(const std::vector<KeyRef>& keys);
  // Writes a record; an expiry already in the past deletes the key instead.
  void Put(uint8_t db, std::string_view key, uint8_t type, int64_t expire_ms,
           std::string_view payload);
  // Writes a value given as pieces (a stored value with a few bytes changed, zeros
  // appended): a large value goes to RocksDB without being assembled in a buffer of its
  // own first. The pieces must stay valid until Commit() (indexed mode copies them).
  void PutPieces(uint8_t db, std::string_view key, uint8_t type, int64_t expire_ms,
                 const std::vector<rocksdb::Slice>& pieces);
  void Delete(uint8_t db, std::string_view key);
  // Deletes a key found expired on access. Not a modification for WATCH: WATCH already
  // fails EXEC once a key it saw alive expires, and one it saw expired stays unchanged.
  void DeleteExpired(uint8_t db, std::string_view key);
  void PutRaw(uint8_t db, std::string_view key, std::string_view raw);

  rocksdb::Status GetMember(MemberFamily cf, const rocksdb::Slice& key, rocksdb::PinnableSlice* out) override;
  std::unique_ptr<RangeIterator> Members(MemberFamily cf, std::string lower, std::string upper) override;
  void PutMember(MemberFamily cf, const rocksdb::Slice& key, const rocksdb::Slice& value);
  bool Fresh(uint64_t version) const override { return fresh_.count(version) > 0; }
  rocksdb::Status GetFreshMember(MemberFamily cf, const rocksdb::Slice& key, rocksdb::PinnableSlice* out) override;
  // A version for a new key, remembered as fresh for the rest of the group.
  uint64_t NewVersion();
  void DeleteMember(MemberFamily cf, const rocksdb::Slice& key);

  // Reads up to `max` members of [lower, upper) ahead of need, from the upper end with
  // `reverse`: GetMember serves them from memory until the group writes them. A run of
  // pops of one list in one group then costs one iterator instead of a point read each.
  void ReadAhead(MemberFamily cf, std::string lower, std::string upper, bool reverse, size_t max);
  bool ReadAheadHas(MemberFamily cf, const rocksdb::Slice& key) const;
  // Records a point read of a member of the container with this member prefix; true when
  // the group read that container before (more reads of it are likely: read ahead).
  bool RepeatedRead(std::string_view prefix);

  // Records that a key just received elements (a push to a list, an add to a sorted
  // set, a *STORE or RENAME onto one): what blocked clients will wait for (BLPOP,
  // BZPOPMIN...). Collected per group; delivering them is the blocking commands' part.
  void MarkReady(uint8_t db, std::string_view key) { ready_.push_back(DataKey(db, key)); }
  const std::vector<std::string>& ready() const { return ready_; }

  // Records that a command changed this key, for WATCH (Put/Delete/PutRaw do it
  // themselves; member writes count for the command's key, see RunWrites).
  void Touched(uint8_t db, std::string_view key) {
    if (track_) touched_.push_back(DataKey(db, key));
  }
  // Member records written or deleted so far.
  uint64_t member_writes() const { return member_writes_; }

  // Makes Commit() fail with `s` and write nothing (FAIL_WRITE).
  void Poison(const rocksdb::Status& s) { poison_ = s; }
  rocksdb::Status Commit();
  bool empty() const;
  // Whether the group wrote a value of at least kLargeValueBytes (see RunWrites).
  bool large() const { return large_; }
  static constexpr size_t kLargeValueBytes = 64u << 20;

 private:
  rocksdb::WriteBatchBase* batch() { return indexed_ ? static_cast<rocksdb::WriteBatchBase*>(&*indexed_) : &plain_; }
  void IndexExpiry(uint8_t db, std::string_view key, int64_t expire_ms);
  rocksdb::Status CommitBatch();
  // The contiguous data key for a point read, rebuilt in place (no allocation per read).
  const std::string& KeyOf(uint8_t db, std::string_view key);

  Database* db_;
  int64_t now_;
  rocksdb::WriteBatch plain_;
  std::optional<rocksdb::WriteBatchWithIndex> indexed_;
  rocksdb::Status poison_;
  // Keys some client watches may be among ours: collect what we change (watch.h).
  bool track_;
  std::vector<std::string> touched_;
  uint64_t member_writes_ = 0;
  bool large_ = false;
  std::string scratch_;
  std::vector<std::string> ready_;
  std::unordered_set<uint64_t> fresh_;
  // Read-ahead member values by [u8 family][member key], and the containers read so far.
  std::unordered_map<std::string, std::string> ahead_;
  size_t ahead_bytes_ = 0;
  std::vector<std::string> read_prefixes_;
  // Indexed mode: the latest record per data key, written at commit (nullopt: deleted).
  std::unordered_map<std::string, std::optional<std::string>> overlay_;
  // Prefetch(): data keys (views into prefetch_keys_) and their lookups, taken in order.
  std::string prefetch_keys_;
  std::vector<std::string_view> prefetched_key_;
  std::vector<Lookup> prefetched_;
  size_t prefetch_next_ = 0;
};

class Executor {
 public:
  explicit Executor(Database* db) : db_(db) {}
  // Decoded batch in, one reply per top-level command out. Returns how many commands
  // ended in a storage error (for the failed counter).
  // Maps each command's databases (SWAPDB) in place before running it.
  uint32_t Run(Request& req, std::string* out);
  // The read fast path (fastpath.cc): runs a batch of plain point reads on the calling
  // thread, but only if RocksDB answers every key from memory; false otherwise. Maps
  // databases as Run does.
  bool RunFromMemory(Request& req, std::string* out);

 private:
  // With tier kBlockCacheTier, returns false without replying when a key needs file I/O.
  bool RunReads(const Request& req, size_t begin, size_t end, ReplyWriter& w,
                rocksdb::ReadTier tier = rocksdb::kReadAllTier);
  // Returns the commit status: a transient failure stops the rest of the batch.
  // `locked`: the caller (an EXEC) holds the keys' stripes and the flush lock already.
  rocksdb::Status RunWrites(const Request& req, size_t begin, size_t end, bool atomic, ReplyWriter& w,
                            bool locked = false);
  // EXEC at `at`: checks the client's WATCHed keys and runs the next `a` commands as
  // one isolated group (all their keys locked; a keyless command locks everything).
  rocksdb::Status RunExec(const Request& req, size_t at, ReplyWriter& w);
  // BLOCK at `at`: the blocking pop after it, or its registration as a waiter (blocking.h).
  rocksdb::Status RunBlock(const Request& req, size_t at, ReplyWriter& w);

  Database* db_;
};

// How a command executes (ops.h class column).
enum class OpClass { kRead, kWrite, kSpecial, kUnknown };
OpClass ClassOf(uint8_t op);

// A key a command touches: its database and name.
struct KeyRef {
  uint8_t db;
  std::string_view key;
};
// Keys a command touches (ops.h keys column), for locking and the MultiGet.
void CommandKeys(const Request& req, const Command& c, std::vector<KeyRef>* keys);

// Turns a raw Get/MultiGet outcome into a Lookup: NotFound and expired read as missing.
void FinishLookup(Lookup* l, int64_t now);

// Writes a storage failure reply and counts it for the batch.
void ReplyStatus(ReplyWriter& w, const rocksdb::Status& s);
uint32_t TakeFailedCount();

// Handler signatures by class. Read handlers get the lookups of their keys in
// CommandKeys order; an argument count the handler cannot use replies BAD_REQUEST.
using ReadHandler = void (*)(const Request&, const Command&, const Lookup*, Reader&, ReplyWriter&);
using WriteHandler = void (*)(const Request&, const Command&, WriteGroup&, ReplyWriter&);
using SpecialHandler = void (*)(Database*, const Request&, const Command&, int64_t, ReplyWriter&);

#define KIWI_DECLARE_R(h) void h(const Request&, const Command&, const Lookup*, Reader&, ReplyWriter&);
#define KIWI_DECLARE_V KIWI_DECLARE_R
#define KIWI_DECLARE_W(h) void h(const Request&, const Command&, WriteGroup&, ReplyWriter&);
#define KIWI_DECLARE_M KIWI_DECLARE_W
#define KIWI_DECLARE_S(h) void h(Database*, const Request&, const Command&, int64_t, ReplyWriter&);
#define KIWI_X(name, code, cls, keys, handler) KIWI_DECLARE_##cls(handler)
KIWI_OPS(KIWI_X)
#undef KIWI_X

}  // namespace kiwi
