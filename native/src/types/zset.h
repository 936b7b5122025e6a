// Sorted sets (Redis t_zset.c semantics) on two member families: "zset" maps a member
// to its score, "zscore" orders (score, member) (format.h, "Sorted sets"). What the
// zset handlers share: the index and its hints, range specs, walks, and the edit that
// keeps both families, the member count and the hints in step.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "../composite.h"

namespace kiwi {

// Redis' reply text for a score: "%.17g" ("inf", "-inf", "-0" included).
std::string FormatScore(double score);
void ReplyScore(ReplyWriter& w, double score);

// A min/max score interval (Redis zrangespec). Wire form, one argument of 18 bytes:
// [f64 LE min][f64 LE max][u8 min exclusive][u8 max exclusive].
struct ScoreRange {
  double min = 0, max = 0;
  bool minex = false, maxex = false;
  bool Parse(std::string_view arg);
  bool GteMin(double v) const { return minex ? v > min : v >= min; }
  bool LteMax(double v) const { return maxex ? v < max : v <= max; }
  bool Empty() const { return min > max || (min == max && (minex || maxex)); }
};

// A lex interval (Redis zlexrangespec). Wire form, one argument per end: '-' or '+'
// alone, or '(' / '[' followed by the member.
struct LexRange {
  enum Kind : uint8_t { kValue, kMinString, kMaxString };
  struct End {
    Kind kind = kValue;
    bool ex = false;
    std::string_view value;
  };
  End min, max;
  bool Parse(std::string_view min_arg, std::string_view max_arg);
  bool GteMin(std::string_view v) const;
  bool LteMax(std::string_view v) const;
  bool Empty() const;
};

// The score index of one version of a sorted set, bounded by its hints.
class ZIndex {
 public:
  ZIndex(Reader& r, std::string prefix, std::string_view low, std::string_view high, uint64_t size)
      : r_(r), prefix_(std::move(prefix)), low_(low), high_(high), size_(size) {}
  uint64_t size() const { return size_; }
  const std::string& prefix() const { return prefix_; }
  // Every live index entry of the key, and no entry before the low hint.
  std::unique_ptr<RangeIterator> Iterator() const;
  // prefix + ScoreKey(score) [+ member]
  std::string Key(double score, std::string_view member = {}) const;

  // Decoding the entry an iterator points at.
  std::string_view Member(const RangeIterator& it) const;
  double Score(const RangeIterator& it) const;
  std::string_view Suffix(const RangeIterator& it) const;

 private:
  Reader& r_;
  std::string prefix_;
  std::string low_, high_;
  uint64_t size_;
};

// The index of a loaded key (hints from its metadata); an empty index when missing.
ZIndex IndexOf(Reader& r, const KeyView& v);
// Where walks over a loaded key's index start (its low hint; empty: the prefix).
std::string_view LowHint(const KeyView& v);
// A member's score: NotFound when the member (or the key) does not exist.
rocksdb::Status ScoreOf(const KeyView& v, std::string_view member, double* score);

// What ZRANGE, ZRANGESTORE, ZREMRANGEBY*, ZCOUNT and ZLEXCOUNT select: a rank, score or
// lex interval, in either direction, with an offset and a limit (score and lex only).
struct RangeSpec {
  enum By : uint8_t { kRank, kScore, kLex } by = kRank;
  bool reverse = false;
  int64_t start = 0, end = 0;  // ranks
  int64_t offset = 0, limit = -1;
  ScoreRange score;
  LexRange lex;
  // From the command's flags, a, b and its arguments from `first` on. False when the
  // arguments are malformed (TS validated them; this only guards).
  bool Parse(const Request& req, const Command& c, uint32_t first);
};

// Calls fn(member, score, suffix) for the selected entries in the order the command
// replies them. Views are valid during the call only.
using EntryFn = std::function<void(std::string_view member, double score, std::string_view suffix)>;
rocksdb::Status Select(const ZIndex& z, const RangeSpec& spec, const EntryFn& fn);

// ZMSCORE's reply shape, shared with GEOPOS and GEOHASH: key member...: an array with,
// per member, nil when it (or the key) is missing, else what `found` replies for its score.
void ReplyMemberScores(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w,
                       const std::function<void(double)>& found);

// ZADD's work once the scores are known: arguments [key, (ignored), member...], `scores`
// one f64 LE per member, options in the command's ZADD_* flags. GEOADD shares it.
void ZAdd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w, std::string_view scores);

// A sorted set as a write handler changes it: both families, the count and the hints.
class ZEdit {
 public:
  ZEdit(WriteGroup& g, uint8_t db, std::string_view key) : g_(g), e_(g, db, key, kFamilyZSet) {}
  Found Open(ReplyWriter& w);
  void Create();
  // Starts over as an empty sorted set with a fresh version (*STORE destinations).
  void Replace();
  bool exists() const { return e_.exists(); }
  uint64_t size() const { return e_.size(); }
  rocksdb::Status Score(std::string_view member, double* score) const { return ScoreOf(e_, member, score); }
  ZIndex index() const;

  void Add(std::string_view member, double score);
  void Move(std::string_view member, double from, double to);
  void Remove(std::string_view member, double score);
  // What the caller saw at an end after its removals (the first or last remaining
  // suffix), so Save need not read that end again.
  void FirstIs(std::string_view suffix);
  void LastIs(std::string_view suffix);
  // Writes the metadata (deletes the key when empty), first re-reading the ends whose
  // hints a removal may have left loose.
  rocksdb::Status Save();

 private:
  void PutIndex(std::string_view member, double score);
  void DeleteIndex(std::string_view member, double score);

  WriteGroup& g_;
  KeyEdit e_;
  std::string low_, high_;
  bool hinted_ = false;  // low_/high_ describe the members (false for a new key)
  bool refresh_low_ = false, refresh_high_ = false;
  bool changed_ = false;
};

}  // namespace kiwi
