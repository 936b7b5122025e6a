// What every composite family (hash, set, list, zset) does the same way: find a key's
// metadata and check its type, address its members, create it with a fresh version,
// and write its metadata back once, deleting a container that became empty.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "exec.h"

namespace kiwi {

enum class Found {
  kMissing,  // no such key (or expired): an empty container
  kFound,
  kFailed,   // a storage error or WRONGTYPE, already replied
};

// Reads a lookup as a composite key of `type`. On kMissing, `m` is an empty container of
// that type with no version yet.
Found LoadMeta(const Lookup& l, uint8_t type, Meta* m, ReplyWriter& w);

// A composite key as a read handler sees it.
class KeyView {
 public:
  KeyView(Reader& r, uint8_t db, std::string_view key, MemberFamily family)
      : r_(r), db_(db), key_(key), family_(family) {}
  // Loads from the lookup the read run prefetched. meta().extra views the lookup's
  // bytes: the lookup must outlive the view.
  Found Load(const Lookup& l, uint8_t type, ReplyWriter& w) { return found_ = LoadMeta(l, type, &meta_, w); }
  const Meta& meta() const { return meta_; }
  bool exists() const { return found_ == Found::kFound; }
  uint64_t size() const { return exists() ? meta_.size : 0; }

  std::string MemberKey(std::string_view member) const;
  // NotFound when the member (or the key) does not exist.
  rocksdb::Status Get(std::string_view member, rocksdb::PinnableSlice* value) const;
  // Calls fn(member, value) for every member in member order, from `from` on, until it
  // returns false. Returns the iterator's status. The views are valid during the call
  // only, and fn must not write to the group (collect, then write).
  rocksdb::Status ForEach(const std::function<bool(std::string_view, std::string_view)>& fn,
                          std::string_view from = {}) const;
  const std::string& prefix() const;
  Reader& reader() const { return r_; }
  MemberFamily family() const { return family_; }

 protected:
  Reader& r_;
  uint8_t db_;
  std::string_view key_;
  MemberFamily family_;
  Meta meta_;
  Found found_ = Found::kMissing;
  mutable std::string prefix_;
};

// A composite key as a write handler changes it: members through the group, metadata
// written once by Save().
class KeyEdit : public KeyView {
 public:
  KeyEdit(WriteGroup& g, uint8_t db, std::string_view key, MemberFamily family)
      : KeyView(g, db, key, family), g_(g) {}
  // Reads the key's metadata through the group (seeing its earlier writes). meta().extra
  // stays valid until the next Open or Replace.
  Found Open(uint8_t type, ReplyWriter& w);
  // Gives a missing key a fresh version, so members can be written.
  void Create();
  // Starts the key over as an empty container of `type` with a fresh version, whatever
  // it held before (the *STORE commands overwrite their destination).
  void Replace(uint8_t type);
  // Moves an existing key to a fresh version with no members, keeping its expiry: the
  // handler writes back what it keeps, and the compaction filter drops the rest. Cheaper
  // than deleting members one by one when most of them go (LTRIM, LREM).
  void Renew();
  void Put(std::string_view member, std::string_view value);
  void Delete(std::string_view member);
  // Member count changes as the handler adds or removes members.
  void Grow(int64_t delta) { meta_.size = static_cast<uint64_t>(static_cast<int64_t>(meta_.size) + delta); }
  void SetExtra(std::string extra) { extra_ = std::move(extra); extra_set_ = true; }
  // Writes the metadata (or deletes the key when it holds no members).
  void Save();

 private:
  WriteGroup& g_;
  // The record as opened: meta_.extra views its bytes, so it lives as long as the edit.
  Lookup lookup_;
  bool existed_ = false;  // a record of any type was there when opened
  bool created_ = false;
  bool extra_set_ = false;
  std::string extra_;
};

// A member and (when asked for) its value.
struct Entry {
  std::string member;
  std::string value;
};

// Random members of `v`: `count` distinct ones (all of them, in member order, when count
// reaches the size) or, with `repeat`, `count` independent picks. One pass over the
// members, memory for the picks only. Order is random except for "all of them".
// The walk starts at member `from` (empty: the first).
rocksdb::Status Sample(const KeyView& v, uint64_t count, bool repeat, bool values, std::vector<Entry>* out,
                       std::string_view from = {});

// HLEN, SCARD, ZCARD: the member count the metadata keeps (0 for a missing key).
void ReplyMemberCount(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w, uint8_t type,
                      MemberFamily family);

// The count of HRANDFIELD, SRANDMEMBER and ZRANDMEMBER: COUNT_GIVEN and `a`, where a
// negative count asks for that many picks that may repeat; one pick without a count.
struct RandomPicks {
  bool counted;
  bool repeat;
  uint64_t count;
};
RandomPicks RandomPicksOf(const Command& c);

// HSCAN/SSCAN: from member `start` (empty: the beginning), examines up to `count`
// members (all of them for up to 128: Redis answers small containers whole), replies
// [next member or nil, [member, (value,) ...]] for those matching `pattern`.
// `decode`, when given, turns a stored member and value into what the reply shows (the
// sorted-set index stores the score in front of the member) and the pattern matches that.
using MemberDecoder = std::function<void(std::string_view member, std::string_view value, Entry* out)>;
void ScanMembers(const KeyView& v, std::string_view start, std::string_view pattern, int64_t count, bool values,
                 ReplyWriter& w, const MemberDecoder* decode = nullptr);

// Copies every member of `from` (a live key of `type`) to a new version of `to_key` in
// database `to_db`, and writes its metadata with `expire_ms`. RENAME, COPY and MOVE.
rocksdb::Status CopyComposite(WriteGroup& g, const Value& from, uint8_t from_db, std::string_view from_key,
                              uint8_t to_db, std::string_view to_key, int64_t expire_ms);

// The member column families of a composite type (a sorted set will have two: members
// and their score index). Every member key of a key starts with its MemberPrefix.
std::vector<MemberFamily> FamiliesOf(uint8_t type);

}  // namespace kiwi
